package entities

import (
	"strings"
	"testing"
)

func TestToLower(t *testing.T) {
	for _, s := range []string{"", "abc", "ABC Def", "ЁЖИК Ѐ Џ Ѓ", "Москва-Сити", "СЪЕДИНЕНИ ЩАТИ", "Україна Її Ґ", "Straße ÄÖÜ", "Ωmega", "\xd0", "a\xd0\x90"} {
		if got, want := toLower(s), strings.ToLower(s); got != want {
			t.Errorf("toLower(%q) = %q, want %q", s, got, want)
		}
	}
}

func FuzzToLower(f *testing.F) {
	for _, s := range []string{"ABC", "МОСКВА", "Ёж", "ÄÖÜ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := toLower(s), strings.ToLower(s); got != want {
			t.Fatalf("toLower(%q) = %q, want %q", s, got, want)
		}
	})
}
