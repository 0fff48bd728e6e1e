package langdetect

import "testing"

// TestAccentFree checks that text typed without its language's accents
// still reads as that language, and that text with accents is scored
// by the accented models alone. The sentences were written for this test.
func TestAccentFree(t *testing.T) {
	d := detector(t)
	tests := []struct {
		name, text, want string
	}{
		// Without the accent-free n-grams these three go to sk, sk and es.
		{"cs bare", "ceska republika ma noveho premiera", "cs"},
		{"cs bare pair", "zahranicni veci", "cs"},
		{"pt bare pair", "informacao publica", "pt"},
		{"pt bare", "as eleicoes serao em outubro", "pt"},
		{"sk bare", "vlada rozhodla o zmenach", "sk"},
		{"hu bare", "a kormany dontese", "hu"},
		{"en stays en", "The minister said the government would support the decision of the European Union next week.", "en"},
		{"cs accented", "Ministr zahraničních věcí řekl, že země podpoří rozhodnutí Evropské unie.", "cs"},
	}
	for _, tc := range tests {
		if got := d.Detect(tc.text); got.Lang != tc.want {
			t.Errorf("%s: Detect = %s (%v), want %s", tc.name, got.Lang, got.Top, tc.want)
		}
	}
}

// TestFoldedEntriesNeedBareText checks that the accent-free n-grams
// count only in text without accented letters: with one accented letter
// the text pays the accented models' costs again.
func TestFoldedEntriesNeedBareText(t *testing.T) {
	d := detector(t)
	bare := "zahranicnich rozhodnuti"
	withAccent := "zahranicnich rozhodnuti é"
	b, a := d.Detect(bare), d.Detect(withAccent)
	if b.Top[0].Lang != "cs" {
		t.Fatalf("bare Czech: top %v, want cs first", b.Top)
	}
	if a.Top[0].Lang == "cs" && a.Top[0].P >= b.Top[0].P {
		t.Errorf("with an accent elsewhere, cs still at %.3f (bare %.3f): the folded n-grams were used", a.Top[0].P, b.Top[0].P)
	}
	if f, ok := fold("žluťoučký"); !ok || f != "zlutoucky" {
		t.Errorf("fold = %q, %v; want zlutoucky, true", f, ok)
	}
	if _, ok := fold("plain"); ok {
		t.Error("fold changed plain ASCII")
	}
}

func TestIsAccented(t *testing.T) {
	for _, r := range "áÁčČőŐșȘệỆ" {
		if !isAccented(r) {
			t.Errorf("isAccented(%q) = false", r)
		}
	}
	for _, r := range "aZßжЖ中ə" {
		if isAccented(r) {
			t.Errorf("isAccented(%q) = true", r)
		}
	}
}
