package entities

import (
	"testing"

	"github.com/newsflow/newsflow/pkg/textseg"
)

func TestID(t *testing.T) {
	g, err := NewGazetteer()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		names []string
		typ   string
		want  string
	}{
		{[]string{"Тръмп", "Трамп", "Trump", "Trumpa", "Доналд Тръмп", "Donald Trump", "Trumpom"}, "PERSON", "per:trmp"},
		{[]string{"Меркел", "Меркель", "Merkel", "Ангела Меркель", "Merkelová"}, "PERSON", "per:mrkl"},
		{[]string{"Джонсън", "Джонсон", "Johnson", "Boris Johnson"}, "PERSON", "per:jnsn"},
		{[]string{"Путин", "Putin", "Путиным"}, "PERSON", "per:ptn"},
		{[]string{"Сергей Лавров", "Лавров", "Lavrov", "Ławrow", "Лаврова"}, "PERSON", "per:lvr"},
		{[]string{"Ангела Меркель", "Angela Merkel"}, "PERSON", "per:mrkl"},
		{[]string{"Шумахер", "Schumacher"}, "PERSON", "per:smr"},
		{[]string{"Азия Биби", "Asia Bibi"}, "PERSON", "per:b"},
		{[]string{"Германия", "Germany", "Deutschland", "Німеччина", "Германии"}, "LOCATION", "iso:DE"},
		{[]string{"САЩ", "США", "United States"}, "LOCATION", "iso:US"},
		{[]string{"София", "Sofia"}, "LOCATION", "tz:Europe/Sofia"},
		{[]string{"European Union", "Европейский союз", "Європейський Союз"}, "ORGANIZATION", "Q458"},
		// CLDR names from x/text, curated short forms, skeleton matches.
		{[]string{"Дания", "Dania", "Dánsko", "Danska"}, "LOCATION", "iso:DK"},
		{[]string{"Unia Europejska", "Evropská unie", "UE", "ЕС", "Евросоюз"}, "ORGANIZATION", "Q458"},
		{[]string{"Европейска комисия", "Komisja Europejska", "ЕК", "KE", "Еврокомиссия"}, "ORGANIZATION", "Q8880"},
		{[]string{"Россия", "Rosja", "Rusko", "РФ"}, "LOCATION", "iso:RU"},
		{[]string{"Москва", "Moskva", "Moskwa"}, "LOCATION", "tz:Europe/Moscow"},
		// Key rules: -ová, a first y/j, у before a vowel, French -ier.
		{[]string{"May", "Мей", "Mayová", "Theresa Mayová"}, "PERSON", "per:m"},
		{[]string{"Юнкер", "Juncker"}, "PERSON", "per:jnkr"},
		{[]string{"Уилямсън", "Williamson"}, "PERSON", "per:vlmsn"},
		{[]string{"Барние", "Barnier", "Michel Barnier"}, "PERSON", "per:brn"},
		{[]string{"Engie", "Engie SA"}, "ORGANIZATION", "org:eng"},
	} {
		for _, n := range c.names {
			if got := g.ID(n, c.typ); got != c.want {
				t.Errorf("ID(%q, %s) = %q, want %q", n, c.typ, got, c.want)
			}
		}
	}
	if g.ID("Тръмп", "PERSON") == g.ID("Тръмп", "ORGANIZATION") {
		t.Error("a person and an organisation of the same name share an id")
	}
	// People never take a place's id, even spelt like one.
	if id := g.ID("Moskva", "PERSON"); id == "tz:Europe/Moscow" {
		t.Errorf("ID(Moskva, PERSON) = %q, a place's id", id)
	}
	if id := g.ID("...", "PERSON"); id != "" {
		t.Errorf("ID of no letters = %q, want empty", id)
	}
}

// TestSlavicPlaces checks that the countries and organisations the ids
// files name in the Latin-script Slavic languages are found in their
// inflected forms in texts of those languages, and not in texts of other
// languages.
func TestSlavicPlaces(t *testing.T) {
	x := extractor(t)
	r := x.Extract("Premier Wielkiej Brytanii powiedział, że Rosji nie ufa, a Ukrainę wspiera Unia Europejska.", "pl")
	want := map[string]string{"Wielkiej Brytanii": "LOCATION", "Rosji": "LOCATION", "Ukrainę": "LOCATION", "Unia Europejska": "ORGANIZATION"}
	got := map[string]string{}
	for _, e := range r.Entities {
		got[e.Text] = e.Type
	}
	for name, typ := range want {
		if got[name] != typ {
			t.Errorf("pl: %s: type %q, want %q (entities %v)", name, got[name], typ, got)
		}
	}
	for name, id := range map[string]string{"Wielkiej Brytanii": "iso:GB", "Rosji": "iso:RU", "Ukrainę": "iso:UA", "Unii Europejskiej": "Q458"} {
		if got := x.g.ID(name, "LOCATION"); got != id && !(id == "Q458" && x.g.ID(name, "ORGANIZATION") == id) {
			t.Errorf("ID(%q) = %q, want %q", name, got, id)
		}
	}
	toks := textseg.Tokenize("Wielkiej Brytanii")
	for _, lang := range []string{"pl", "cs", "en", "ru"} {
		n, _ := x.matchGazetteer(toks, 0, lang)
		if wantN := map[bool]int{true: 2, false: 0}[latinSlavicLangs[lang]]; n != wantN {
			t.Errorf("%s: matched %d words of %q, want %d", lang, n, "Wielkiej Brytanii", wantN)
		}
	}
}
