package langdetect

import "testing"

func TestChoose(t *testing.T) {
	d := detector(t)
	const (
		bg   = "Министърът на външните работи заяви, че страната ще подкрепи решението на Европейския съюз."
		enT  = "The foreign minister said the country would support the decision of the European Union."
		word = "Сочи"
		eo   = "La registaro anoncis hieraŭ, ke la novaj impostoj ekvalidos en la venonta jaro."
	)
	tests := []struct {
		name, declared, text, want string
	}{
		{"nothing declared", "", bg, "bg"},
		{"declared and agreed", "bg", bg, "bg"},
		{"declared, text clearly other", "en", bg, "bg"},
		{"declared, text too short to say", "ru", word, "ru"},
		{"declared, no letters", "de", "12345", "de"},
		{"nothing declared, no letters", "", "12345", Und},
		{"declared language without a model, text English", "mt", enT, "en"},
		{"close language declared", "hr", "Ministar vanjskih poslova izjavio je da će zemlja podržati odluku Europske unije.", "hr"},
		// Text in a language outside the supported set is und: it never
		// overrides what the publisher declared, and with nothing
		// declared the article is und.
		{"unsupported language declared, text in it", "eo", eo, "eo"},
		{"another language declared, unsupported text", "de", eo, "de"},
		{"nothing declared, unsupported text", "", eo, Und},
		{"close language declared the other way", "bs", "Ministar vanjskih poslova izjavio je da će zemlja podržati odluku Europske unije.", "bs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := d.Detect(tc.text)
			got, conf := Choose(tc.declared, r)
			if got != tc.want {
				t.Errorf("Choose(%q, %+v) = %s, want %s", tc.declared, r, got, tc.want)
			}
			if conf < 0 || conf > 1 {
				t.Errorf("confidence %v", conf)
			}
		})
	}
}
