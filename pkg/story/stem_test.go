package story

import (
	"math/rand/v2"
	"testing"
)

// TestPlainStem checks the shortcut for ASCII and basic Cyrillic words
// against the decomposing stemmer on made-up words of those letters
// (й among them), and that it declines words with other letters.
func TestPlainStem(t *testing.T) {
	var plain []rune
	for r := rune(0); r < 0x80; r++ {
		plain = append(plain, r)
	}
	for r := 'А'; r <= 'я'; r++ {
		plain = append(plain, r)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		w := make([]rune, 1+r.IntN(9))
		for i := range w {
			w[i] = plain[r.IntN(len(plain))]
		}
		word := string(w)
		got, ok := plainStem(word)
		if !ok {
			t.Fatalf("plainStem(%q) declined", word)
		}
		if want := normStem(word); got != want {
			t.Fatalf("plainStem(%q) = %q, normStem %q", word, got, want)
		}
	}
	for _, w := range []string{"Пилоти", "ЙОД", "йййййй", "Ryanair", "ъъъъъъпилот", "2018г"} {
		if got, _ := plainStem(w); got != normStem(w) {
			t.Errorf("plainStem(%q) = %q, normStem %q", w, got, normStem(w))
		}
	}
	for _, w := range []string{"віз", "їжак", "ёлка", "piloți", "ów", "Ĳssel", "\xffab"} {
		if _, ok := plainStem(w); ok {
			t.Errorf("plainStem(%q) did not decline", w)
		}
	}
}
