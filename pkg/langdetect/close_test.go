package langdetect

import (
	"bytes"
	"testing"
)

// TestClosePairs: sentences and two-word samples written for this test in
// Bosnian and Croatian, Malay and Indonesian, told apart by the words of
// data/words.txt that one of each pair uses (Bosnian evropski, hiljada,
// historija, organizovao; Croatian europski, tisuća, povijesni, uhićen;
// Malay kerajaan, kesihatan, syarikat; Indonesian pemerintah, kesehatan,
// perusahaan, besok).
func TestClosePairs(t *testing.T) {
	d := detector(t)
	for _, tc := range []struct{ text, want string }{
		{"Evropska komisija je saopštila da će hiljade radnika dobiti pomoć do kraja sedmice.", "bs"},
		{"Europska komisija priopćila je da će tisuće radnika dobiti pomoć do kraja tjedna.", "hr"},
		{"Historijski muzej u Sarajevu organizovao je izložbu o privredi grada.", "bs"},
		{"Policija je uhitila osumnjičenika, a povijesni centar grada bio je zatvoren.", "hr"},
		{"evropski parlament", "bs"},
		{"europski parlament", "hr"},
		{"naučni institut", "bs"},
		{"Kerajaan negeri akan membina sebuah hospital baharu kerana penduduk semakin ramai.", "ms"},
		{"Pemerintah provinsi akan membangun rumah sakit baru karena jumlah penduduk terus bertambah.", "id"},
		{"Syarikat itu mengumumkan keuntungan sebanyak dua bilion ringgit pada hari Isnin.", "ms"},
		{"Perusahaan itu mengumumkan keuntungan sebesar dua miliar rupiah pada hari Senin.", "id"},
		{"kesihatan awam", "ms"},
		{"kesehatan masyarakat", "id"},
	} {
		if r := d.Detect(tc.text); r.Lang != tc.want {
			t.Errorf("Detect(%q) = %s (%.3f; %+v), want %s", tc.text, r.Lang, r.Confidence, r.Top, tc.want)
		}
	}
}

// TestUndRules checks the two und rules on small models built here: a
// supported language is reported from MinConfidence (0.4) on, even when
// close languages share the rest, and text that one of OtherLanguages
// explains better than every supported language is und whatever the
// supported language's probability.
func TestUndRules(t *testing.T) {
	// "b" costs 7 (p = 0.55) in the favoured model, 8 (p = 0.5) in the
	// others; "a" costs 8 everywhere. "ab ab" (4 letters) then gives the
	// favoured model e^(2/6) = 1.40 times the weight of each other one.
	model := func(lang string, b float64) NgramModel {
		return NgramModel{Lang: lang, Cost: map[string]uint8{"a": Quantise(0.5), "b": Quantise(b)}}
	}
	build := func(ms ...NgramModel) *Detector {
		var buf bytes.Buffer
		if err := WriteProfiles(&buf, ms); err != nil {
			t.Fatal(err)
		}
		d, err := Load(&buf)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	three := build(model("en", 0.55), model("de", 0.5), model("fr", 0.5))
	if r := three.Detect("ab ab"); r.Lang != "en" || r.Confidence < MinConfidence || r.Confidence >= 0.5 {
		t.Errorf("en ahead of two close languages: %+v, want en with a confidence in [%.2f, 0.5)", r, MinConfidence)
	}
	other := build(model("en", 0.5), model("eo", 0.55))
	r := other.Detect("ab ab")
	if r.Lang != Und || r.Top[0].Lang != "en" || r.Confidence < MinConfidence {
		t.Errorf("text read better as Esperanto: %+v, want und with en at %.2f or more", r, MinConfidence)
	}
	if r := other.Detect("aa aa"); r.Lang != "en" {
		t.Errorf("text read as well in en as in eo: %+v, want en", r)
	}
}
