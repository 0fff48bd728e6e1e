package langdetect

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

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
		{"maltese", "Il-Gvern ħabbar illum li l-liġijiet il-ġodda se jidħlu fis-seħħ ix-xahar li ġej.", "mt"},
		{"korean", "외교부 장관이 말했다", "ko"},
		{"hindi", "सरकार ने घोषणा की कि कल सभी स्कूल बंद रहेंगे।", "hi"},
		{"hindi title", "विदेश मंत्री ने कहा", "hi"},
		{"hebrew", "שר החוץ אמר", "he"},
		{"italian", "Il ministro degli Esteri ha dichiarato che il paese sosterrà la decisione dell'Unione europea.", "it"},
		{"dutch", "De minister van Buitenlandse Zaken zei dat het land het besluit van de Europese Unie zal steunen.", "nl"},
		{"portuguese", "O ministro dos Negócios Estrangeiros afirmou que o país apoiará a decisão da União Europeia.", "pt"},
		{"turkish", "Dışişleri Bakanı, ülkenin Avrupa Birliği'nin kararını destekleyeceğini söyledi.", "tr"},
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

// TestProfilesRoundTrip writes two small models and reads them back.
func TestProfilesRoundTrip(t *testing.T) {
	models := []NgramModel{
		{Lang: "bg", Cost: map[string]uint8{}},
		{Lang: "en", Cost: map[string]uint8{}},
	}
	for i, text := range []string{"Това е българският текст за обучение на модела", "This is the English text that trains the model"} {
		for _, w := range strings.Fields(strings.ToLower(text)) {
			rs := []rune(w)
			for n := 1; n <= 3; n++ {
				for j := 0; j+n <= len(rs); j++ {
					models[i].Cost[string(rs[j:j+n])] = Quantise(0.1)
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := WriteProfiles(&buf, models); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	d2, err := Load(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if got := d2.Detect("текстът е български"); got.Lang != "bg" {
		t.Errorf("reloaded detector: %+v, want bg", got)
	}
	if got := d2.Detect("the text is English"); got.Lang != "en" {
		t.Errorf("reloaded detector: %+v, want en", got)
	}
	want := map[string]bool{}
	for _, m := range models {
		for g := range m.Cost {
			want[g] = true
		}
	}
	if d2.ngrams != len(want) {
		t.Errorf("reloaded %d n-grams, wrote %d", d2.ngrams, len(want))
	}
	var again bytes.Buffer
	if err := WriteProfiles(&again, []NgramModel{models[1], models[0]}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), data) {
		t.Error("the same models in another order give other bytes")
	}
}

func TestLoadRejectsBadProfiles(t *testing.T) {
	var good bytes.Buffer
	if err := WriteProfiles(&good, []NgramModel{{Lang: "en", Cost: map[string]uint8{"th": 10}}}); err != nil {
		t.Fatal(err)
	}
	g := good.String()
	tests := []struct{ name, data string }{
		{"empty", ""},
		{"no magic", "langs bg\nabc 1\n"},
		{"truncated", g[:len(g)-1]},
		{"trailing data", g + "x"},
		{"unknown language", strings.Replace(g, "en", "xx", 1)},
		{"no languages", magic + "\x00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Load(strings.NewReader(tc.data)); !errors.Is(err, ErrBadProfile) {
				t.Errorf("Load = %v, want ErrBadProfile", err)
			}
		})
	}
	if err := WriteProfiles(io.Discard, []NgramModel{{Lang: "en", Cost: map[string]uint8{"sixsix": 1}}}); err == nil {
		t.Error("WriteProfiles took a 6-gram")
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
	cpu := startCPU()
	for i := 0; b.Loop(); i++ {
		d.Detect(texts[i%len(texts)])
	}
	cpu.report(b)
}

// cpuClock measures the CPU time of the process, which on a shared
// machine says more about a benchmark's cost than its wall time does.
type cpuClock struct{ start time.Duration }

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuClock { return cpuClock{cpuTime()} }

// report adds the CPU time per operation, in µs.
func (c cpuClock) report(b *testing.B) {
	b.ReportMetric(float64(cpuTime()-c.start)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
}

func BenchmarkDetectTitle(b *testing.B) {
	d := detector(b)
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		d.Detect("Лавров и Помпео се срещнаха в Сочи")
	}
	cpu.report(b)
}

// BenchmarkNew loads the shipped profiles and reports the heap a loaded
// detector holds (held-MB).
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	cpu := startCPU()
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
	cpu.report(b)
}

func FuzzDetect(f *testing.F) {
	d, err := New()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"", "Лавров", "the U.S.", "Ђоковић", "外務大臣", "\xff", "a'b’c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := d.Detect(s)
		if r.Confidence < 0 || r.Confidence > 1 || r.Lang == "" && r.Confidence != 0 {
			t.Errorf("Detect(%q) = %+v", s, r)
		}
		if r.Lang != "" && r.Lang != Und && (r.Confidence < MinConfidence || r.Top[0].Lang != r.Lang) {
			t.Errorf("Detect(%q) = %+v", s, r)
		}
	})
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
