package keywords

import (
	"slices"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/pkg/textseg"
)

// phraseText is written for this test: a full name introduced once and
// then by surname, a project named between quotes, a repeated generic
// noun and a word said once.
const phraseText = `Държавният секретар Майк Помпео се срещна с колегата си Сергей Лавров в Сочи.
Помпео заяви, че „Северен поток 2“ заплашва сигурността на Европа. Лавров отговори на колегата си, че „Северен поток 2“ е търговски проект.
Според Помпео санкциите срещу „Северен поток 2“ ще продължат, а колегата му Лавров ги нарече незаконни.
Газопроводът ще бъде завършен, каза Лавров, а колегата му Помпео не отговори. Междувременно вчера валеше.`

// names finds the mentions of the given names in text, each with the
// canonical name, as the entity step gives them.
func names(text string, forms map[string]string) []Name {
	var out []Name
	for form, canon := range forms {
		for at := 0; ; {
			i := strings.Index(text[at:], form)
			if i < 0 {
				break
			}
			out = append(out, Name{Start: at + i, End: at + i + len(form), Text: canon})
			at += i + len(form)
		}
	}
	return out
}

func TestPhrases(t *testing.T) {
	m := model(t)
	an := m.Analyze("bg", "Помпео и Лавров за „Северен поток 2“", textseg.Tokenize(phraseText))
	ns := names(phraseText, map[string]string{"Майк Помпео": "Майк Помпео", "Помпео": "Майк Помпео", "Сергей Лавров": "Сергей Лавров", "Лавров": "Сергей Лавров"})
	kws := an.Phrases(10, ns, func(w string) bool { return IsGeneric("bg", w) })
	var got []string
	for _, k := range kws {
		got = append(got, k.Term)
		if k.Score <= 0 || k.Score > 1 {
			t.Errorf("keyword %q score %v, want (0,1]", k.Term, k.Score)
		}
	}
	has := func(term string) bool {
		for _, g := range got {
			if g == term {
				return true
			}
		}
		return false
	}
	for _, want := range []string{"Майк Помпео", "Сергей Лавров", "Северен поток 2"} {
		if !has(want) {
			t.Errorf("keywords %q lack the phrase %q", got, want)
		}
	}
	for _, bad := range []string{"Майк", "Помпео", "Сергей", "Лавров", "Северен", "поток", "колегата", "колега", "валеше"} {
		if has(bad) {
			t.Errorf("keywords %q hold %q (a fragment of a phrase, a generic noun or a word said once)", got, bad)
		}
	}
	if len(kws) > 0 && kws[0].Score != 1 {
		t.Errorf("first keyword scores %v, want 1", kws[0].Score)
	}
	// Without names the repeated quoted phrase still holds its words.
	plain := an.Phrases(10, nil, nil)
	for _, k := range plain {
		if k.Term == "поток" || k.Term == "Северен" {
			t.Errorf("keywords without names hold %q: %v", k.Term, plain)
		}
	}
	if got := an.Phrases(0, ns, nil); len(got) != 0 {
		t.Errorf("Phrases(0) = %v", got)
	}
}

// TestPhrasesIntroducedName: a name introduced in full once, then by
// surname, that no entity mention covers, is shown in full, once.
func TestPhrasesIntroducedName(t *testing.T) {
	m := model(t)
	const text = `The champion Roger Federer won again on Sunday. Federer beat his rival in three sets.
Federer said the crowd in London helped him. Asked about the final, Federer smiled.`
	an := m.Analyze("en", "Federer wins in London", textseg.Tokenize(text))
	kws := an.Phrases(10, nil, func(w string) bool { return IsGeneric("en", w) })
	n := 0
	for _, k := range kws {
		if k.Term == "Federer" || k.Term == "Roger" {
			t.Errorf("keywords %v hold %q alone", kws, k.Term)
		}
		if k.Term == "Roger Federer" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("keywords %v: want Roger Federer once", kws)
	}
}

func TestIsGeneric(t *testing.T) {
	for _, tc := range []struct {
		lang, word string
		want       bool
	}{
		{"bg", "колега", true}, {"bg", "колегата", true}, {"bg", "Помпео", false},
		{"en", "people", true}, {"en", "pipeline", false}, {"de", "Kollegen", true},
		{"xx", "колега", false},
		// Months and days are no topic; "May" is a surname as often.
		{"bg", "декември", true}, {"ru", "декабря", true}, {"ru", "декабрь", true},
		{"en", "Thursday", true}, {"en", "May", false}, {"de", "Jänner", true}, {"bg", "Майк", false},
	} {
		if got := IsGeneric(tc.lang, tc.word); got != tc.want {
			t.Errorf("IsGeneric(%s, %q) = %v, want %v", tc.lang, tc.word, got, tc.want)
		}
	}
}

// BenchmarkPhrases measures the keywords of one article of about 600
// words (phraseText and the collocation fixtures, repeated): the analysis
// and the phrase rules, as the keyword step runs them.
func BenchmarkPhrases(b *testing.B) {
	m := model(b)
	text := strings.Repeat(phraseText+"\n"+collocationText+"\n", 6)
	toks := textseg.Tokenize(text)
	ns := names(text, map[string]string{"Майк Помпео": "Майк Помпео", "Помпео": "Майк Помпео", "Сергей Лавров": "Сергей Лавров", "Лавров": "Сергей Лавров"})
	generic := func(w string) bool { return IsGeneric("bg", w) }
	b.ReportAllocs()
	for b.Loop() {
		an := m.Analyze("bg", "Помпео и Лавров за „Северен поток 2“", toks)
		an.Phrases(10, ns, generic)
	}
}

// collocationText is written for these tests: a lower-case set phrase
// ("преходния период") whose words a reader would not take apart.
const collocationText = `Министрите обсъдиха преходния период след излизането от съюза.
Според тях преходният период трябва да продължи две години, а търговията да остане свободна.
Преходния период ще позволи на фирмите да се подготвят, каза министърът.`

// TestPhrasesCollocation: a lower-case phrase the article repeats, that
// holds most occurrences of its words, is shown whole and lower-cased,
// never as one of its words.
func TestPhrasesCollocation(t *testing.T) {
	m := model(t)
	an := m.Analyze("bg", "Преходният период след Брекзит", textseg.Tokenize(collocationText))
	kws := an.Phrases(10, nil, func(w string) bool { return IsGeneric("bg", w) })
	var got []string
	for _, k := range kws {
		got = append(got, k.Term)
	}
	n := 0
	for _, g := range got {
		switch strings.ToLower(g) {
		case "преходния", "преходният", "период":
			t.Errorf("keywords %q hold %q, a word of a set phrase", got, g)
		case "преходния период", "преходният период":
			n++
			if g != strings.ToLower(g) {
				t.Errorf("keywords %q: the phrase %q keeps a capital of the sentence start", got, g)
			}
		}
	}
	if n != 1 {
		t.Errorf("keywords %q: want the phrase преходния период once", got)
	}
}

func TestCollocation(t *testing.T) {
	for _, tc := range []struct {
		lang, text string
		want       bool
	}{
		{"bg", "преходния период", true},
		{"en", "box office", true},
		{"en", "Iraqi civilian", true},
		{"bg", "презвитер Андрю", false}, // a role before a name
		{"de", "antiarabische Demonstrationen", true},
		{"de", "Autos mobil", false}, // no noun at the end
		{"ru", "курс фунта", true},
		{"ru", "позволяет сформировать", false}, // verbs
		{"ru", "получила название", false},
		{"ru", "длительный иммунитет", true},
	} {
		if got := collocation(tc.lang, textseg.Tokenize(tc.text)); got != tc.want {
			t.Errorf("collocation(%s, %q) = %v, want %v", tc.lang, tc.text, got, tc.want)
		}
	}
}

func TestModifier(t *testing.T) {
	for _, tc := range []struct {
		lang, word string
		want       bool
	}{
		{"ru", "мягкого", true}, {"ru", "векторная", true}, {"ru", "международного", true},
		{"ru", "сформировать", true}, {"ru", "позволяет", true}, {"ru", "зарегистрировала", true},
		{"ru", "познакомились", true},
		{"ru", "область", false}, {"ru", "соглашение", false}, {"ru", "страной", false},
		{"ru", "скандала", false}, {"ru", "бюджет", false}, {"ru", "вакцина", false},
		{"ru", "Новая", false}, // capitalised: perhaps a name
		{"bg", "партньорски", true}, {"bg", "митническо", true}, {"bg", "британските", true},
		{"bg", "отношения", false}, {"bg", "Германия", false}, {"bg", "кампания", false},
		{"en", "lucrative", false}, // no English or German endings
	} {
		if got := Modifier(tc.lang, tc.word); got != tc.want {
			t.Errorf("Modifier(%s, %q) = %v, want %v", tc.lang, tc.word, got, tc.want)
		}
	}
}

// TestPhrasesDropModifiers: an adjective or a verb form repeated is no
// keyword alone.
func TestPhrasesDropModifiers(t *testing.T) {
	m := model(t)
	const text = `Мягкого варианта не будет, заявил министр. Мягкого решения ждали рынки, но мягкого курса нет.
Вакцина поступит в оборот, и вакцина позволяет защитить людей. Вакцина позволяет многое, сказал врач.`
	an := m.Analyze("ru", "Вакцина", textseg.Tokenize(text))
	kws := an.Phrases(10, nil, nil)
	for _, k := range kws {
		if l := strings.ToLower(k.Term); strings.Contains(l, "мягкого") || strings.Contains(l, "позволяет") {
			t.Errorf("keywords %v hold %q", kws, k.Term)
		}
	}
}

// TestPhrasesMergeScores: a name weighs its best term plus part of its
// other terms, so it ranks no lower than its best term ranks alone.
func TestPhrasesMergeScores(t *testing.T) {
	m := model(t)
	an := m.Analyze("bg", "Помпео и Лавров за „Северен поток 2“", textseg.Tokenize(phraseText))
	ns := names(phraseText, map[string]string{"Майк Помпео": "Майк Помпео", "Помпео": "Майк Помпео", "Сергей Лавров": "Сергей Лавров", "Лавров": "Сергей Лавров"})
	rank := func(kws []Keyword, term string) int {
		for i, k := range kws {
			if k.Term == term {
				return i
			}
		}
		return len(kws)
	}
	plain := an.Keywords(10)
	kws := an.Phrases(10, ns, func(w string) bool { return IsGeneric("bg", w) })
	for _, c := range []struct{ name, term string }{{"Майк Помпео", "Помпео"}, {"Сергей Лавров", "Лавров"}} {
		if r, p := rank(kws, c.name), rank(plain, c.term); r > p {
			t.Errorf("%s ranks %d in %v, its term %s %d in %v", c.name, r, kws, c.term, p, plain)
		}
	}
	for i := 1; i < len(kws); i++ {
		if kws[i].Score > kws[i-1].Score {
			t.Errorf("keywords %v out of order", kws)
		}
	}
}

func TestTidyNames(t *testing.T) {
	// Spans do not matter here: tidyNames reads the names.
	in := []Name{
		{Text: "Kei Nishikori"}, {Text: "Tomas Berdych"}, {Text: "Tomas Berdych"},
		{Text: "Nishikori Berdych"},                     // two names run together, once
		{Text: "Luiz Inácio Lula"}, {Text: "Luiz Lula"}, // the same man
		{Text: "Европейския съюз"}, {Text: "Съвета на Европейския съюз"}, // two bodies
		{Text: "Доналд Тръмп"}, {Text: "Доналд Тръмп"}, {Text: "Мелания Тръмп"}, {Text: "Доналд Туск"}, // said twice: kept
	}
	var got []string
	for _, n := range tidyNames(in) {
		got = append(got, n.Text)
	}
	want := []string{"Kei Nishikori", "Tomas Berdych", "Tomas Berdych", "Luiz Inácio Lula", "Luiz Inácio Lula",
		"Европейския съюз", "Съвета на Европейския съюз", "Доналд Тръмп", "Доналд Тръмп", "Мелания Тръмп", "Доналд Туск"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("tidyNames = %q\nwant %q", got, want)
	}
}

// TestPhrasesIntroducedOverOneWordName: when the entity mentions name a
// person by surname alone, the full name the article introduced is shown.
func TestPhrasesIntroducedOverOneWordName(t *testing.T) {
	m := model(t)
	const text = `Der Cheftrainer Heiko Salzwedel hat ein Luxus-Problem. Salzwedel muss bis Jänner entscheiden.
Es ist einfacher, Olympia zu gewinnen als unsere Ausscheidung, sagte Salzwedel. Salzwedel lachte.`
	an := m.Analyze("de", "Salzwedel vor der Wahl", textseg.Tokenize(text))
	ns := names(text, map[string]string{"Salzwedel": "Salzwedel"})
	kws := an.Phrases(10, ns, func(w string) bool { return IsGeneric("de", w) })
	n := 0
	for _, k := range kws {
		switch k.Term {
		case "Salzwedel", "Heiko":
			t.Errorf("keywords %v hold %q alone", kws, k.Term)
		case "Heiko Salzwedel":
			n++
		}
	}
	if n != 1 {
		t.Errorf("keywords %v: want Heiko Salzwedel once", kws)
	}
}

// TestPhrasesDropCommonWords: a lower-case word found in many documents
// of the language is no keyword alone unless the title has it.
func TestPhrasesDropCommonWords(t *testing.T) {
	m := model(t)
	if df, docs := m.df["en"][Stem("government")], m.docs["en"]; float64(df) <= commonShare*float64(docs) {
		t.Fatalf("government in %d of %d en documents: not common, pick another word", df, docs)
	}
	const text = `The government said robotiquette matters. Robotiquette is taught by the government to robots.
The government funds robotiquette research, the government said on Monday.`
	has := func(kws []Keyword, term string) bool {
		return slices.ContainsFunc(kws, func(k Keyword) bool { return strings.EqualFold(k.Term, term) })
	}
	kws := m.Analyze("en", "Robots learn robotiquette", textseg.Tokenize(text)).Phrases(10, nil, nil)
	if has(kws, "government") || !has(kws, "robotiquette") {
		t.Errorf("keywords %v: want robotiquette, not government", kws)
	}
	kws = m.Analyze("en", "The government and robotiquette", textseg.Tokenize(text)).Phrases(10, nil, nil)
	if !has(kws, "government") {
		t.Errorf("keywords %v lack government, a word of the title", kws)
	}
}
