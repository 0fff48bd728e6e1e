package entities

import (
	"bufio"
	"encoding/json"
	"flag"
	"github.com/newsflow/newsflow/pkg/textseg"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/corpus"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var (
	gazOnce sync.Once
	gaz     *Gazetteer
	gazErr  error
)

// extractor returns an extractor over the embedded gazetteers, loaded once
// for the whole test binary.
func extractor(tb testing.TB) *Extractor {
	tb.Helper()
	gazOnce.Do(func() { gaz, gazErr = NewGazetteer() })
	if gazErr != nil {
		tb.Fatalf("NewGazetteer: %v", gazErr)
	}
	return New(gaz)
}

func find(r Result, text string) (Entity, bool) {
	for _, e := range r.Entities {
		if e.Text == text {
			return e, true
		}
	}
	return Entity{}, false
}

func TestExtract(t *testing.T) {
	x := extractor(t)
	type want struct {
		text, typ string
		count     int
	}
	tests := []struct {
		name   string
		lang   string
		text   string
		want   []want
		absent []string
	}{
		{
			name: "bg surname coreference and role",
			lang: "bg",
			text: "Министърът на външните работи на Русия Сергей Лавров пристигна в София. Лавров ще се срещне с колеги.",
			want: []want{{"Сергей Лавров", article.EntityPerson, 2}, {"Русия", article.EntityLocation, 1}, {"София", article.EntityLocation, 1}},
		},
		{
			name: "bg definite articles",
			lang: "bg",
			text: "Решението на Европейския парламент беше коментирано в Белия дом.",
			want: []want{{"Европейски парламент", article.EntityOrganization, 1}, {"Белият дом", article.EntityOrganization, 1}},
		},
		{
			name:   "bg capitalised sentence starts are not names",
			lang:   "bg",
			text:   "Вчера премиерът говори дълго. Според него Германия греши.",
			want:   []want{{"Германия", article.EntityLocation, 1}},
			absent: []string{"Вчера", "Според"},
		},
		{
			name: "ru case endings",
			lang: "ru",
			text: "В Германии прошли выборы. Германия выбрала нового канцлера. Бориса Джонсона там не было, сказал Борис Джонсон.",
			want: []want{{"Германия", article.EntityLocation, 2}, {"Борис Джонсон", article.EntityPerson, 2}},
		},
		{
			name: "ru genitive name only",
			lang: "ru",
			text: "Эксперты обсудили отставку Дэвида Дэвиса в Лондоне.",
			want: []want{{"Дэвид Дэвис", article.EntityPerson, 1}, {"Лондон", article.EntityLocation, 1}},
		},
		{
			name: "ru given name before a city of the same name",
			lang: "ru",
			text: "Об этом заявил Владимир Путин. Путин прибыл во Владимир.",
			want: []want{{"Владимир Путин", article.EntityPerson, 2}, {"Владимир", article.EntityLocation, 1}},
		},
		{
			name:   "en titles, possessives and demonyms",
			lang:   "en",
			text:   "British Prime Minister Tony Blair met the UN envoy. Mr Blair's office said the talks in Ankara went well.",
			want:   []want{{"Tony Blair", article.EntityPerson, 2}, {"UN", article.EntityOrganization, 1}, {"Ankara", article.EntityLocation, 1}},
			absent: []string{"British", "Prime Minister Tony Blair"},
		},
		{
			name:   "en organisation words and connectors",
			lang:   "en",
			text:   "The Health and Safety Executive disagreed with Jupiter Research on Monday.",
			want:   []want{{"Health and Safety Executive", article.EntityOrganization, 1}, {"Jupiter Research", article.EntityOrganization, 1}},
			absent: []string{"Monday"},
		},
		{
			name: "quoted organisation after a cue word",
			lang: "bg",
			text: "Това каза пред в. \"Билд ам зонтаг\" адвокатът.",
			want: []want{{"Билд ам зонтаг", article.EntityOrganization, 1}},
		},
		{
			name:   "de surname after a compound role or a reporting verb",
			lang:   "de",
			text:   "Vereinschef Brandtner lobte das Team. Die Saison sei gut gewesen, sagte Kessling. Die Regierung erklärte nichts.",
			want:   []want{{"Brandtner", article.EntityPerson, 1}, {"Kessling", article.EntityPerson, 1}},
			absent: []string{"Vereinschef", "Regierung"},
		},
		{
			name:   "de unknown full name as the subject of a reporting verb, player and politician roles",
			lang:   "de",
			text:   "Das Spiel war enttäuschend, kommentierte Tizio Bellardi. Der Verein sperrte Spieler Dario Venturo. Dazu äußerte sich auch Landespolitiker Ottmar Gressl.",
			want:   []want{{"Tizio Bellardi", article.EntityPerson, 1}, {"Dario Venturo", article.EntityPerson, 1}, {"Ottmar Gressl", article.EntityPerson, 1}},
			absent: []string{"Spiel", "Verein"},
		},
		{
			name: "de inflected organisation names in the nominative",
			lang: "de",
			text: "Ein Sprecher der Sächsischen Landeszeitung äußerte sich. Laut dem Westfälischen Rundfunk ist die Sendung abgesetzt. Die Nordische Fußball-Union tagt.",
			want: []want{{"Westfälischer Rundfunk", article.EntityOrganization, 1}, {"Nordische Fußball-Union", article.EntityOrganization, 1}},
		},
		{
			name:   "de capitalised article after a dash, colleague as a role",
			lang:   "de",
			text:   "Hannover – Der Westfälische Rundfunk plant neu. Die Ministerin traf ihren Amtskollegen Bertram Quandler.",
			want:   []want{{"Westfälischer Rundfunk", article.EntityOrganization, 1}, {"Bertram Quandler", article.EntityPerson, 1}},
			absent: []string{"Der Westfälischer Rundfunk"},
		},
		{
			name: "de kind of organisation before its name",
			lang: "de",
			text: "Kritik kam von der Oppositionspartei Freie Mitte. Der Autobauer Velano meldete Gewinne.",
			want: []want{{"Freie Mitte", article.EntityOrganization, 1}, {"Velano", article.EntityOrganization, 1}},
		},
		{
			name: "empty text",
			lang: "bg",
			text: "",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := x.Extract(tc.text, tc.lang)
			for _, w := range tc.want {
				e, ok := find(r, w.text)
				if !ok {
					t.Errorf("entity %q not found in %+v", w.text, r.Entities)
					continue
				}
				if e.Type != w.typ || e.Count != w.count {
					t.Errorf("entity %q = %s x%d, want %s x%d", w.text, e.Type, e.Count, w.typ, w.count)
				}
			}
			for _, a := range tc.absent {
				if e, ok := find(r, a); ok {
					t.Errorf("entity %q should not be found, got %+v", a, e)
				}
			}
			if len(tc.want) == 0 && len(tc.absent) == 0 && len(r.Entities) != 0 {
				t.Errorf("Extract(%q) = %+v, want no entities", tc.text, r.Entities)
			}
		})
	}
}

func TestRoles(t *testing.T) {
	x := extractor(t)
	text := "Държавният секретар Майк Помпео пристигна. Говорител на Мей коментира. Секретарят добави още."
	r := x.Extract(text, "bg")
	if len(r.Roles) < 2 {
		t.Fatalf("roles = %+v, want at least two", r.Roles)
	}
	if r.Roles[0].Person != "Майк Помпео" {
		t.Errorf("role %q -> %q, want Майк Помпео", text[r.Roles[0].Start:r.Roles[0].End], r.Roles[0].Person)
	}
	for _, ro := range r.Roles {
		if strings.HasPrefix(text[ro.Start:ro.End], "Секретар") && ro.Person != "Майк Помпео" {
			t.Errorf("later role %q -> %q, want the person bound to the same role", text[ro.Start:ro.End], ro.Person)
		}
	}
}

// TestGolden runs Extract over the texts in testdata/*.txt (written for
// these tests, not corpus articles) and compares with the .golden.json
// files; -update rewrites them.
func TestGolden(t *testing.T) {
	x := extractor(t)
	paths, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			lang := strings.SplitN(filepath.Base(p), "-", 2)[0]
			got, err := json.MarshalIndent(x.Extract(string(data), lang).Entities, "", " ")
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(p, ".txt") + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read golden file (run with -update to create it): %v", err)
			}
			if strings.TrimSpace(string(want)) != strings.TrimSpace(string(got)) {
				t.Errorf("entities of %s differ from %s:\n got %s\nwant %s", p, golden, got, want)
			}
		})
	}
}

func TestGazetteerLoads(t *testing.T) {
	x := extractor(t)
	st := x.Gazetteer().Stats()
	if st.Names < 5000 || st.PersonWords < 5000 || st.CommonWords < 10000 {
		t.Errorf("gazetteer smaller than the data files: %+v", st)
	}
	for _, tc := range []struct{ w, lang string }{{"това", "bg"}, {"сегодня", "ru"}, {"because", "en"}} {
		if !x.g.isCommon(tc.lang, tc.w) {
			t.Errorf("isCommon(%s, %s) = false", tc.lang, tc.w)
		}
	}
}

func TestPlaceLike(t *testing.T) {
	g := extractor(t).g
	for w, want := range map[string]bool{
		"Londyn": true, "Londynie": true, "Londýn": true, "Berlina": true, "Moskwy": true, "Waszyngtonie": true, "Dublinu": true,
		// People, a lower-case word, an acronym and a skeleton too short
		// to say anything.
		"Kaczyński": false, "Trump": false, "Merkel": false, "londyn": false, "USA": false, "Kijowa": false,
	} {
		if got := g.placeLike(w); got != want {
			t.Errorf("placeLike(%q) = %v, want %v", w, got, want)
		}
	}
}

func TestStem(t *testing.T) {
	tests := []struct{ a, b string }{
		{"Германия", "Германии"}, {"Москва", "Москве"}, {"Лондон", "Лондона"}, {"Върховен", "Върховния"},
		{"Конгрес", "Конгреса"}, {"Украина", "Украиной"}, {"Bombardier", "Bombardier's"},
	}
	for _, tc := range tests {
		t.Run(tc.a+"/"+tc.b, func(t *testing.T) {
			if stem(tc.a) != stem(tc.b) {
				t.Errorf("stem(%q) = %q, stem(%q) = %q; want equal", tc.a, stem(tc.a), tc.b, stem(tc.b))
			}
		})
	}
	if stem("США") != "сша" {
		t.Errorf("acronyms keep their letters: stem(США) = %q", stem("США"))
	}
}

func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		"Министърът Сергей Лавров заяви в Москва. Лавров добави.",
		"«Мы готовы», — сказал Дональд Трамп в Вашингтоне.",
		"Mr Blair's office said: \"No.\" O' Neill of Board of Deputies of British Jews",
		"„\"«»“”", "A", "ЕС НАТО США UN", "Ъ Ё ё -- .. Г-20 Н. Ф. Гамалеи",
		strings.Repeat("Абв ", 100),
	} {
		f.Add(s, "bg")
		f.Add(s, "ru")
		f.Add(s, "en")
	}
	x := extractor(f)
	f.Fuzz(func(t *testing.T, text, lang string) {
		r := x.Extract(text, lang)
		names := map[string]bool{}
		for _, e := range r.Entities {
			if e.Text == "" || e.Count <= 0 {
				t.Fatalf("bad entity %+v", e)
			}
			names[e.Text] = true
		}
		for _, m := range r.Mentions {
			if m.Start < 0 || m.End > len(text) || m.Start >= m.End {
				t.Fatalf("mention %+v out of bounds of a %d-byte text", m, len(text))
			}
			if !names[m.Entity] {
				t.Fatalf("mention %+v names no entity of %+v", m, r.Entities)
			}
		}
	})
}

// corpusTexts returns title and body of the first n articles of a corpus
// file.
func corpusTexts(tb testing.TB, file string, n int) (texts, langs []string) {
	tb.Helper()
	f, err := os.Open(corpus.Path(tb, file))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() && len(texts) < n {
		var a struct{ Title, Body, Lang string }
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			tb.Fatal(err)
		}
		texts = append(texts, a.Title+"\n"+a.Body)
		langs = append(langs, a.Lang)
	}
	return texts, langs
}

// BenchmarkExtract extracts the entities of corpus articles (bg, ru, en;
// title and body, about 2-4 KB each); SetBytes gives MB/s.
func BenchmarkExtract(b *testing.B) {
	x := extractor(b)
	var texts, langs []string
	for _, file := range []string{"bg.jsonl", "ru.jsonl", "en.jsonl"} {
		t, l := corpusTexts(b, file, 200)
		texts, langs = append(texts, t...), append(langs, l...)
	}
	total := 0
	for _, t := range texts {
		total += len(t)
	}
	b.SetBytes(int64(total / len(texts)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := i % len(texts)
		x.Extract(texts[k], langs[k])
	}
}

// BenchmarkNewGazetteer measures loading the embedded gazetteers and
// reports the heap a loaded gazetteer holds (held-MB).
func BenchmarkNewGazetteer(b *testing.B) {
	b.ReportAllocs()
	var before, after runtime.MemStats
	var keep *Gazetteer
	for i := 0; i < b.N; i++ {
		runtime.GC()
		runtime.ReadMemStats(&before)
		g, err := NewGazetteer()
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		keep = g
	}
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "held-MB")
	runtime.KeepAlive(keep)
}

// BenchmarkExtractSentences is BenchmarkExtract on text already split
// into sentences, as the enrich stage calls it.
func BenchmarkExtractSentences(b *testing.B) {
	x := extractor(b)
	var texts, langs []string
	for _, file := range []string{"bg.jsonl", "ru.jsonl", "en.jsonl"} {
		t, l := corpusTexts(b, file, 200)
		texts, langs = append(texts, t...), append(langs, l...)
	}
	sents := make([][]textseg.Sentence, len(texts))
	total := 0
	for i, t := range texts {
		total += len(t)
		sents[i] = textseg.Split(t)
	}
	b.SetBytes(int64(total / len(texts)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k := i % len(texts)
		x.ExtractSentences(texts[k], sents[k], langs[k])
	}
}

func TestIsRoleGermanCompounds(t *testing.T) {
	for _, tc := range []struct {
		word string
		want bool
	}{
		{"innenminister", true}, {"fernsehchef", true}, {"regierungssprecherin", true},
		{"bundespräsidenten", true}, {"innenministers", true}, {"administer", false}, {"brücke", false},
	} {
		t.Run(tc.word, func(t *testing.T) {
			if got := IsRole(tc.word); got != tc.want {
				t.Errorf("IsRole(%q) = %v, want %v", tc.word, got, tc.want)
			}
		})
	}
}

func TestIsReportingVerbGerman(t *testing.T) {
	for _, tc := range []struct {
		word string
		want bool
	}{
		{"sagte", true}, {"erklärte", true}, {"betonte", true}, {"kommentierte", true}, {"meinte", true},
		{"sprache", false}, {"so", false},
	} {
		t.Run(tc.word, func(t *testing.T) {
			if got := IsReportingVerb(tc.word); got != tc.want {
				t.Errorf("IsReportingVerb(%q) = %v, want %v", tc.word, got, tc.want)
			}
		})
	}
}

func TestGermanOrgNominative(t *testing.T) {
	for _, tc := range []struct {
		words []string
		want  string
	}{
		{[]string{"Bayerischen", "Rundfunks"}, "Bayerischer Rundfunk"},
		{[]string{"Frankfurter", "Allgemeinen", "Zeitung"}, "Frankfurter Allgemeine Zeitung"},
		{[]string{"Deutschen", "Instituts"}, "Deutsches Institut"},
		{[]string{"Europäische", "Fußball-Union"}, "Europäische Fußball-Union"},
		{[]string{"Hamburger", "Hafen"}, ""},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := germanOrgNominative(tc.words); got != tc.want {
				t.Errorf("germanOrgNominative(%q) = %q, want %q", tc.words, got, tc.want)
			}
		})
	}
}
