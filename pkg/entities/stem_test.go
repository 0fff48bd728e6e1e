package entities

import (
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/newsflow/newsflow/pkg/textseg"
)

func FuzzAppendStem(f *testing.F) {
	for _, s := range []string{"ABC", "МОСКВА", "Ёж", "ÄÖÜ", "Германии", "Европейския", "Върховния", "Blair's", "Джонсон’s", "НАТО", "Ёлкин", "\xd0Ё", "ёё", "Пен", "Ѐѐ", "Брекзита", "Европейските", "Белият", "Германии", "СЪВЕТА", " a  b\u00a0c\t", "\xffx y\xc2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendLower([]byte("x"), s)[1:]), textseg.ToLower(s); got != want {
			t.Fatalf("appendLower(%q) = %q, want %q", s, got, want)
		}
		if got, want := string(appendStem([]byte("x"), s)[1:]), stem(s); got != want {
			t.Fatalf("appendStem(%q) = %q, want %q", s, got, want)
		}
		buf, ends := appendAltStems([]byte("x"), nil, s)
		var alts []string
		for k := 1; k < len(ends); k++ {
			alts = append(alts, string(buf[ends[k-1]:ends[k]]))
		}
		if want := altStems(s); !slices.Equal(alts, want) {
			t.Fatalf("appendAltStems(%q) = %q, want %q", s, alts, want)
		}
		f := strings.Fields(s)
		first, last := firstLastField(s)
		if countFields(s) != len(f) || len(f) > 0 && (first != f[0] || last != f[len(f)-1]) || len(f) == 0 && first+last != "" {
			t.Fatalf("countFields, firstLastField(%q) = %d, %q, %q; fields %q", s, countFields(s), first, last, f)
		}
	})
}

func TestLetterCase(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		letter, upper := letterCase(r)
		if letter != unicode.IsLetter(r) || upper != unicode.IsUpper(r) || isLower(r) != unicode.IsLower(r) {
			t.Fatalf("%U: letterCase = %v, %v, isLower = %v; unicode says %v, %v, %v", r, letter, upper, isLower(r), unicode.IsLetter(r), unicode.IsUpper(r), unicode.IsLower(r))
		}
		if s := string(r); cyrillic(s) != (unicode.IsLetter(r) && unicode.Is(unicode.Cyrillic, r)) {
			t.Fatalf("%U: cyrillic = %v", r, cyrillic(s))
		}
	}
}

// TestCanonicalPeople checks that a people named in lower case keeps its
// form, where a person's inflected name gets its nominative.
func TestCanonicalPeople(t *testing.T) {
	x := extractor(t)
	for _, c := range []struct{ in, want string }{
		{"британцы", "британцы"},
		{"Путиным", "Путин"},
	} {
		if got := x.canonical([][]string{{c.in}}, "PERSON", "ru"); got != c.want {
			t.Errorf("canonical(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
