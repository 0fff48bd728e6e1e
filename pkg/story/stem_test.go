package story

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
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

// TestWords checks the word scanner against strings.FieldsFunc on made-up
// text of letters, digits, marks, spaces, punctuation and invalid bytes.
func TestWords(t *testing.T) {
	alphabet := []string{"a", "Я", "й", "ł", "7", "\u0301", " ", ",", "-", "\n", "\xff", "\u00a0", "\ufffd", "日"}
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		var b strings.Builder
		for range r.IntN(40) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		text, minLen := b.String(), r.IntN(6)
		var want []string
		for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if len([]rune(w)) >= minLen {
				want = append(want, w)
			}
		}
		if got := words(text, minLen); !slices.Equal(got, want) {
			t.Fatalf("words(%q, %d) = %q, want %q", text, minLen, got, want)
		}
	}
}
