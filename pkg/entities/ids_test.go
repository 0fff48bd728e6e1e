package entities

import (
	"strings"
	"testing"
	"unicode"

	"github.com/newsflow/newsflow/pkg/textseg"
	"golang.org/x/text/unicode/norm"
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

// skeletonRef is skeleton as first written (a strings.Builder, a rune
// slice per letter, strings.Fields): appendSkeleton must spell every name
// as it did, or the tagger's place-like bit would no longer be the one its
// weights were trained with.
func skeletonRef(name string) string {
	sounds := strings.NewReplacer(soundPairs...)
	var b strings.Builder
	var buf [8]byte
	for _, r := range strings.ToLower(name) {
		if t, ok := translit[r]; ok {
			b.WriteString(t)
			continue
		}
		rs := []rune{r}
		if r >= 128 {
			rs = []rune(string(norm.NFD.AppendString(buf[:0], string(r))))
		}
		for _, r := range rs {
			switch {
			case unicode.Is(unicode.Mn, r):
			case translit[r] != "":
				b.WriteString(translit[r])
			case unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			default:
				b.WriteByte(' ')
			}
		}
	}
	var out []byte
	for _, w := range strings.Fields(b.String()) {
		w = initialGlideRef(w)
		if strings.HasPrefix(w, "ch") {
			w = "c" + sounds.Replace(w[2:])
		} else {
			w = sounds.Replace(w)
		}
		if len(out) > 0 {
			out = append(out, '-')
		}
		var last byte
		for i := 0; i < len(w); i++ {
			c := w[i]
			if i > 0 && (strings.IndexByte("aeiouyjh", c) >= 0) {
				continue
			}
			if c == last {
				continue
			}
			out = append(out, c)
			last = c
		}
	}
	return string(out)
}

func TestSkeletonSameAsFirstWritten(t *testing.T) {
	names := []string{"", " ", "Schumacher", "Чарлз", "Уилямсън", "Mayová", "Paňdžáb", "İstanbul", "Łódź", "EU-a", "d'Estaing", "O’Neill", "Nord Stream 2", "\xff\xfeX"}
	for _, f := range []string{"data/gazetteer.tsv", "data/gazetteer-cc-by-sa.tsv", "data/ids.tsv", "data/aliases.tsv"} {
		b, err := data.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			if i := strings.LastIndexByte(l, '\t'); i >= 0 {
				names = append(names, l[i+1:])
			}
		}
	}
	texts, _ := corpusTexts(t, "mixed.jsonl", 200)
	for _, tx := range texts {
		names = append(names, strings.Fields(tx)...)
	}
	if len(names) < 50000 {
		t.Fatalf("only %d names", len(names))
	}
	for _, n := range names {
		if got, want := skeleton(n), skeletonRef(n); got != want {
			t.Errorf("skeleton(%q) = %q, want %q", n, got, want)
		}
	}
}

// initialGlideRef is skeletonRef's rule for the first sound of a word
// (an English w written "у" before a vowel as v; a y as j).
func initialGlideRef(w string) string {
	switch {
	case len(w) > 2 && w[0] == 'u' && strings.IndexByte("aeio", w[1]) >= 0 && len(w) > 3:
		return "v" + w[1:]
	case len(w) > 1 && w[0] == 'y':
		return "j" + w[1:]
	}
	return w
}
