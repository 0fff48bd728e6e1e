package langdetect

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/pkg/corpus"
)

func detector(tb testing.TB) *Detector {
	tb.Helper()
	d, err := New()
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// TestDetect covers every modelled language with sentences and titles
// that are not in any training text (written for this test), plus the
// scripts without a model.
func TestDetect(t *testing.T) {
	d := detector(t)
	tests := []struct {
		name, text, want string
	}{
		{"bg title", "Лавров и Помпео се срещнаха в Сочи", "bg"},
		{"bg sentence", "Министърът на външните работи заяви, че страната ще подкрепи решението на Европейския съюз.", "bg"},
		{"ru title", "Лавров и Помпео встретились в Сочи", "ru"},
		{"ru sentence", "Министр иностранных дел заявил, что страна поддержит решение Евросоюза.", "ru"},
		{"uk title", "Лавров і Помпео зустрілися в Сочі", "uk"},
		{"uk sentence", "Міністр закордонних справ заявив, що країна підтримає рішення Євросоюзу.", "uk"},
		{"sr sentence", "Министар спољних послова изјавио је да ће земља подржати одлуку Европске уније.", "sr"},
		{"sr title", "Влада Србије усвојила нове мере", "sr"},
		{"mk sentence", "Министерот за надворешни работи изјави дека земјата ќе ја поддржи одлуката на Европската унија.", "mk"},
		{"mk title", "Владата ги усвои новите мерки за економијата", "mk"},
		{"en title", "Foreign ministers meet in Sochi", "en"},
		{"en sentence", "The foreign minister said the country would support the decision of the European Union.", "en"},
		{"de sentence", "Der Außenminister sagte, das Land werde die Entscheidung der Europäischen Union unterstützen.", "de"},
		{"fr sentence", "Le ministre des Affaires étrangères a déclaré que le pays soutiendrait la décision de l'Union européenne.", "fr"},
		{"fr title", "Les ministres se réunissent à Sotchi", "fr"},
		{"es sentence", "El ministro de Asuntos Exteriores afirmó que el país apoyará la decisión de la Unión Europea.", "es"},
		{"es title", "Los ministros se reúnen en Sochi", "es"},
		{"pl sentence", "Minister spraw zagranicznych powiedział, że kraj poprze decyzję Unii Europejskiej.", "pl"},
		{"cs sentence", "Ministr zahraničních věcí řekl, že země podpoří rozhodnutí Evropské unie.", "cs"},
		{"sk sentence", "Minister zahraničných vecí povedal, že krajina podporí rozhodnutie Európskej únie.", "sk"},
		{"sl sentence", "Zunanji minister je dejal, da bo država podprla odločitev Evropske unije.", "sl"},
		{"hr sentence", "Ministar vanjskih poslova izjavio je da će zemlja podržati odluku Europske unije.", "hr"},
		{"greek", "Ο υπουργός Εξωτερικών δήλωσε", "el"},
		{"arabic", "قال وزير الخارجية", "ar"},
		{"japanese", "外務大臣は述べた。ことです", "ja"},
		{"chinese", "外交部长表示", "zh"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := d.Detect(tc.text)
			if r.Lang != tc.want {
				t.Errorf("Detect(%q) = %s (%.3f), want %s", tc.text, r.Lang, r.Confidence, tc.want)
			}
			if r.Confidence <= 0 || r.Confidence > 1 {
				t.Errorf("confidence %v out of (0,1]", r.Confidence)
			}
		})
	}
}

func TestDetectNoLetters(t *testing.T) {
	d := detector(t)
	for _, s := range []string{"", "   ", "12345 !!! ...", "\xff\xfe"} {
		if r := d.Detect(s); r.Lang != "" || r.Confidence != 0 {
			t.Errorf("Detect(%q) = %+v, want no language", s, r)
		}
	}
}

func TestConfidenceGrowsWithEvidence(t *testing.T) {
	d := detector(t)
	short := d.Detect("Сочи")
	long := d.Detect("Министърът на външните работи на Русия Сергей Лавров заяви на съвместна пресконференция, че двете страни са се договорили да предприемат мерки.")
	if long.Lang != "bg" || long.Confidence < 0.95 {
		t.Errorf("long Bulgarian text: %+v, want bg with confidence >= 0.95", long)
	}
	if short.Confidence >= long.Confidence {
		t.Errorf("one ambiguous word (%v) is not less certain than a sentence (%v)", short.Confidence, long.Confidence)
	}
}

func TestProfilesRoundTrip(t *testing.T) {
	d, err := Train([]Sample{
		{Lang: "bg", Text: "Това е българският текст за обучение на модела."},
		{Lang: "en", Text: "This is the English text that trains the model."},
	}, TrainOptions{TopK: 100})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := d.WriteProfiles(&buf, "test"); err != nil {
		t.Fatal(err)
	}
	d2, err := Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := d2.Detect("текстът е български"); got.Lang != "bg" {
		t.Errorf("reloaded detector: %+v, want bg", got)
	}
	if got := d2.Detect("the text is English"); got.Lang != "en" {
		t.Errorf("reloaded detector: %+v, want en", got)
	}
	if len(d2.index) != len(d.index) {
		t.Errorf("reloaded %d trigrams, wrote %d", len(d2.index), len(d.index))
	}
}

func TestLoadRejectsBadProfiles(t *testing.T) {
	tests := []struct{ name, data string }{
		{"empty", ""},
		{"no script", "langs bg\nabc 1\n"},
		{"wrong arity", "langs bg-Cyrl en-Latn\nfloor 100\nabc 1\n"},
		{"bad value", "langs bg-Cyrl\nfloor 100\nabc x\n"},
		{"bad trigram", "langs bg-Cyrl\nfloor 100\nabcd 1\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Load(strings.NewReader(tc.data)); !errors.Is(err, ErrBadProfile) {
				t.Errorf("Load = %v, want ErrBadProfile", err)
			}
		})
	}
}

func TestSerbianCyrillic(t *testing.T) {
	if got, want := SerbianCyrillic("Njegova ljubav, vrijeme i džep: Đoković, Ćuprija, Šabac"), "Његова љубав, време и џеп: Ђоковић, Ћуприја, Шабац"; got != want {
		t.Errorf("SerbianCyrillic = %q, want %q", got, want)
	}
}

// TestCorpusAccuracy checks the target over the whole public corpus: at
// least 99% of articles (title and body) get their labelled language.
func TestCorpusAccuracy(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the whole corpus")
	}
	d := detector(t)
	total, right := 0, 0
	for _, file := range []string{"bg.jsonl", "bg_htfn.jsonl", "ru.jsonl", "uk.jsonl", "en.jsonl", "de.jsonl", "mixed.jsonl"} {
		for _, a := range corpusArticles(t, file) {
			total++
			if d.Detect(a.Title+"\n"+a.Body).Lang == a.Lang {
				right++
			}
		}
	}
	if acc := float64(right) / float64(total); acc < 0.99 {
		t.Errorf("accuracy %.4f (%d/%d), want at least 0.99", acc, right, total)
	}
}

type corpusArticle struct{ Lang, Title, Body string }

func corpusArticles(tb testing.TB, file string) []corpusArticle {
	tb.Helper()
	f, err := os.Open(corpus.Path(tb, file))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []corpusArticle
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var a corpusArticle
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			tb.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func BenchmarkDetect(b *testing.B) {
	d := detector(b)
	var texts []string
	size := 0
	for _, f := range []string{"bg.jsonl", "ru.jsonl", "en.jsonl"} {
		for i, a := range corpusArticles(b, f) {
			if i == 200 {
				break
			}
			texts = append(texts, a.Title+"\n"+a.Body)
			size += len(a.Body)
		}
	}
	b.SetBytes(int64(size / len(texts)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		d.Detect(texts[i%len(texts)])
	}
}

func BenchmarkDetectTitle(b *testing.B) {
	d := detector(b)
	b.ReportAllocs()
	for b.Loop() {
		d.Detect("Лавров и Помпео се срещнаха в Сочи")
	}
}

// BenchmarkNew loads the shipped profiles and reports the heap a loaded
// detector holds (held-MB).
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		d, err := New()
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "held-MB")
		runtime.KeepAlive(d)
	}
}

func FuzzDetect(f *testing.F) {
	d, err := New()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"", "Лавров", "the U.S.", "Ђоковић", "外務大臣", "\xff", "a'b’c"} {
		f.Add(s)
	}
	plain := withoutTable(d)
	f.Fuzz(func(t *testing.T, s string) {
		r := d.Detect(s)
		if r.Confidence < 0 || r.Confidence > 1 || (r.Lang == "") != (r.Confidence == 0) {
			t.Errorf("Detect(%q) = %+v", s, r)
		}
		if p := plain.Detect(s); p != r {
			t.Errorf("Detect(%q) = %+v with the packed table, %+v without", s, r, p)
		}
	})
}

// withoutTable returns d reading its profiles through the map, as it does
// for more than maxPacked languages.
func withoutTable(d *Detector) *Detector {
	plain := *d
	plain.table = trigramTable{}
	return &plain
}

// TestPackedTable checks that the packed table gives the results of the
// plain profiles on corpus articles, titles alone included.
func TestPackedTable(t *testing.T) {
	d := detector(t)
	plain := withoutTable(d)
	n := 0
	for _, f := range []string{"bg.jsonl", "ru.jsonl", "en.jsonl", "uk.jsonl", "de.jsonl", "mixed.jsonl"} {
		for i, a := range corpusArticles(t, f) {
			if i == 300 {
				break
			}
			for _, s := range []string{a.Title, a.Title + "\n" + a.Body} {
				if got, want := d.Detect(s), plain.Detect(s); got != want {
					t.Fatalf("%q: Detect = %+v with the packed table, %+v without", a.Title, got, want)
				}
				n++
			}
		}
	}
	if n == 0 {
		t.Fatal("no corpus articles")
	}
}

// TestDetectReadsLetters checks what callers rely on to pass a text with
// or without a line break before it: only letters count.
func TestDetectReadsLetters(t *testing.T) {
	d := detector(t)
	for _, s := range []string{"Лавров и Помпео се срещнаха в Сочи", "The minister said", "Der Minister sagte"} {
		if a, b := d.Detect(s), d.Detect("\n"+s+" \n"); a != b {
			t.Errorf("Detect(%q) = %+v, with line breaks around %+v", s, a, b)
		}
	}
}
