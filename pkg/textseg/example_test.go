package textseg_test

import (
	"fmt"

	"github.com/newsflow/newsflow/pkg/textseg"
)

func ExampleSplit() {
	text := "През 2019 г. проф. Иванов посети гр. Пловдив. Той каза: „Благодаря.“ Mr. Smith left the U.S. The end."
	for _, s := range textseg.Split(text) {
		fmt.Println(s.Text)
	}
	// Output:
	// През 2019 г. проф. Иванов посети гр. Пловдив.
	// Той каза: „Благодаря.“
	// Mr. Smith left the U.S.
	// The end.
}

func ExampleTokenize() {
	for _, t := range textseg.Tokenize("д-р Лавров, т.е. 1,5 млн.") {
		fmt.Println(t.Kind, t.Text, t.Start, t.End)
	}
	// Output:
	// word д-р 0 5
	// word Лавров 6 18
	// punct , 18 19
	// abbrev т.е. 20 26
	// number 1,5 27 30
	// abbrev млн. 31 38
}
