package langdetect

import "testing"

// TestTurkishMojibake: Turkish read in the wrong code page is repaired and
// read as Turkish; Icelandic and Czech, which write ý, þ or ð themselves,
// are left alone. The sentences were written for this test.
func TestTurkishMojibake(t *testing.T) {
	d := detector(t)
	right := "Hükümet yarın okulların kapanacağını açıkladı ve şehirde büyük bir toplantı yapıldı."
	wrong := repairTurkishInverse(right)
	if wrong == right || !isTurkishMojibake(classesOf(wrong)) {
		t.Fatalf("the fixture %q has no mojibake", wrong)
	}
	if r := d.Detect(wrong); r.Lang != "tr" {
		t.Errorf("Detect(%q) = %s (%v), want tr", wrong, r.Lang, r.Top)
	}
	if got := repairTurkish(wrong); got != right {
		t.Errorf("repairTurkish = %q, want %q", got, right)
	}
	for _, tc := range []struct{ text, want string }{
		{"Ríkisstjórnin tilkynnti í gær að nýir skattar tækju gildi á næsta ári.", Und},
		{"Ministr zahraničních věcí řekl, že nový zákon podpoří.", "cs"},
		{"Minister povedal, že nový zákon podporí krajina.", "sk"},
	} {
		if r := d.Detect(tc.text); r.Lang != tc.want {
			t.Errorf("Detect(%q) = %s (%v), want %s", tc.text, r.Lang, r.Top, tc.want)
		}
	}
}

// repairTurkishInverse writes Turkish text as Windows-1252 would read its
// Windows-1254 bytes.
func repairTurkishInverse(s string) string {
	out := []rune{}
	for _, r := range s {
		switch r {
		case 'ı':
			r = 'ý'
		case 'ş':
			r = 'þ'
		case 'ğ':
			r = 'ð'
		case 'İ':
			r = 'Ý'
		case 'Ş':
			r = 'Þ'
		case 'Ğ':
			r = 'Ð'
		}
		out = append(out, r)
	}
	return string(out)
}

func classesOf(s string) uint8 {
	var c uint8
	for _, r := range s {
		if r >= 0xc0 && r < 0x180 {
			c |= mojibakeClass[r]
		}
	}
	return c
}
