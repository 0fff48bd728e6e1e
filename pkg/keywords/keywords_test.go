package keywords

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/pkg/textseg"
)

func model(t testing.TB) *Model {
	t.Helper()
	m, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

const bgText = `Министърът на външните работи Сергей Лавров заяви, че Русия и САЩ ще възстановят диалога.
Лавров се срещна с Майк Помпео в Сочи. Според Лавров разговорите с Помпео са били полезни.
Освен това двамата са обсъдили Венецуела и контрола над въоръженията.
Времето в Сочи беше хубаво, а журналистите чакаха пред сградата.`

func TestKeywords(t *testing.T) {
	m := model(t)
	kws := m.Keywords("bg", "Лавров и Помпео в Сочи", textseg.Tokenize(bgText), 5)
	if len(kws) != 5 {
		t.Fatalf("got %d keywords, want 5: %v", len(kws), kws)
	}
	if kws[0].Term != "Лавров" || kws[0].Score != 1 {
		t.Errorf("best keyword %+v, want Лавров with score 1", kws[0])
	}
	terms := map[string]bool{}
	for i, k := range kws {
		terms[k.Term] = true
		if i > 0 && k.Score > kws[i-1].Score {
			t.Errorf("keywords not in order: %v", kws)
		}
		if m.IsStop("bg", k.Term) {
			t.Errorf("stop word %q is a keyword", k.Term)
		}
	}
	for _, want := range []string{"Помпео", "Сочи"} {
		if !terms[want] {
			t.Errorf("keywords %v lack %q", kws, want)
		}
	}
}

func TestKeywordsGroupInflectedForms(t *testing.T) {
	m := model(t)
	text := "Лавров пристигна. Лаврова посрещнаха. С Лавров говориха. Без Лавров нямаше среща. Министерството мълчи."
	kws := m.Keywords("bg", "", textseg.Tokenize(text), 3)
	if kws[0].Term != "Лавров" {
		t.Errorf("keywords %v: want the forms of Лавров grouped first", kws)
	}
	for _, k := range kws {
		if k.Term == "Лаврова" {
			t.Errorf("inflected form listed apart: %v", kws)
		}
	}
}

func TestKeywordsEmptyAndUnknownLanguage(t *testing.T) {
	m := model(t)
	if kws := m.Keywords("bg", "", nil, 10); len(kws) != 0 {
		t.Errorf("keywords of nothing: %v", kws)
	}
	kws := m.Keywords("xx", "", textseg.Tokenize("Zorba zorba zorba kilim kilim"), 10)
	if len(kws) == 0 || kws[0].Term != "zorba" {
		t.Errorf("unknown language: %v, want zorba first", kws)
	}
}

func TestSummary(t *testing.T) {
	m := model(t)
	sents := textseg.Split(bgText)
	sum := m.Summary("bg", "Лавров и Помпео в Сочи", sents, textseg.Tokenize(bgText), 3)
	if sum == "" {
		t.Fatal("empty summary")
	}
	if !strings.HasPrefix(sum, "Министърът на външните работи Сергей Лавров заяви") {
		t.Errorf("summary does not keep the lead sentence first: %q", sum)
	}
	if strings.Contains(sum, "Времето в Сочи") {
		t.Errorf("summary picked the sentence with the least weight: %q", sum)
	}
	n := 0
	for _, s := range sents {
		if strings.Contains(sum, s.Text) {
			n++
		}
	}
	if n != 2 { // a short text gets one sentence fewer than asked
		t.Errorf("summary has %d sentences, want 2: %q", n, sum)
	}
	if m.Summary("bg", "", nil, nil, 3) != "" {
		t.Error("summary of nothing is not empty")
	}
}

func TestDFRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := WriteDF(zw, map[string]int{"bg": 10}, map[string]map[string]int{"bg": {"лавров": 4, "рядко": 1}}, 2, "test"); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	zr, err := gzip.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	m := &Model{docs: map[string]int{}, df: map[string]map[string]int{}}
	if err := m.readDF(zr); err != nil {
		t.Fatal(err)
	}
	if m.docs["bg"] != 10 || m.df["bg"]["лавров"] != 4 || m.df["bg"]["рядко"] != 0 {
		t.Errorf("round trip: docs %v df %v", m.docs, m.df)
	}
}

func TestReadDFRejectsBadLines(t *testing.T) {
	m := &Model{docs: map[string]int{}, df: map[string]map[string]int{}}
	for _, bad := range []string{"#docs bg x\n", "bg\tстем\n", "bg\tстем\tмного\n"} {
		if err := m.readDF(strings.NewReader(bad)); err == nil {
			t.Errorf("readDF(%q) accepted a bad line", bad)
		}
	}
}

func TestShippedDataCoversTheCorpusLanguages(t *testing.T) {
	m := model(t)
	for _, l := range []string{"bg", "ru", "uk", "en", "de", "pl", "cs", "sl"} {
		if m.docs[l] < 100 || len(m.df[l]) < 1000 {
			t.Errorf("%s: %d documents, %d stems", l, m.docs[l], len(m.df[l]))
		}
	}
	for _, l := range []string{"bg", "ru", "uk", "en", "de"} {
		if len(m.stops[l]) < 50 {
			t.Errorf("%s: %d stop words", l, len(m.stops[l]))
		}
	}
}

// BenchmarkNew loads the shipped frequencies and stop words and reports
// the heap a loaded model holds (held-MB).
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m, err := New()
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "held-MB")
		runtime.KeepAlive(m)
	}
}

// TestPickIsSortOrder checks that the terms picked in one pass are the
// first of a full sort, in its order, for any number asked for.
func TestPickIsSortOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{0, 1, 5, 19, 20, 21, 50, 300} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			var ts []term
			for i := 0; i < size; i++ {
				// Few distinct scores, so that ties fall to the stem.
				ts = append(ts, term{stem: strconv.Itoa(rng.IntN(1000000)) + "-" + strconv.Itoa(i), score: float64(rng.IntN(7))})
			}
			want := slices.Clone(ts)
			slices.SortFunc(want, func(a, b term) int { return better(&a, &b) })
			an := &Analysis{terms: ts}
			an.pick(topPicked)
			for _, n := range []int{0, 1, 10, topPicked, topPicked + 1, size, size + 5} {
				got := an.top(n)
				if len(got) != min(n, size) {
					t.Fatalf("top(%d) has %d terms of %d", n, len(got), size)
				}
				for i := range got {
					if got[i].stem != want[i].stem {
						t.Fatalf("top(%d)[%d] = %s, want %s", n, i, got[i].stem, want[i].stem)
					}
				}
			}
		})
	}
}

// lowerRunes is what appendLower replaces: every rune of word mapped by
// lower, as a range loop reads it.
func lowerRunes(word string, limit int) (string, int) {
	var b []byte
	n := 0
	for _, r := range word {
		if n == limit {
			break
		}
		b = utf8.AppendRune(b, lower(r))
		n++
	}
	return string(b), n
}

func FuzzAppendLower(f *testing.F) {
	for _, s := range []string{"", "Лавров", "ЁЛКА ёлка", "Ѐѐ Ђђ Џџ Ѡѡ Ѻ", "Straße İstanbul", "Ωμέγα", "\xd0", "\xd0\x41", "\xd1\xff", "a\xffb", "ПРИВЕТ-World"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, word string) {
		for _, limit := range []int{0, 1, StemRunes, len(word) + 1} {
			got, n, read := appendLower([]byte("x"), word, limit)
			want, wn := lowerRunes(word, limit)
			if string(got[1:]) != want || n != wn {
				t.Fatalf("appendLower(%q, %d) = %q, %d runes; want %q, %d", word, limit, got[1:], n, want, wn)
			}
			if head, hn := lowerRunes(word[:read], len(word)+1); head != want || hn != n {
				t.Fatalf("appendLower(%q, %d) read %d bytes, not the %d runes it lowered", word, limit, read, n)
			}
		}
	})
}

// TestSummaryKnownTerms checks that the summary of sentences split from
// the tokens scored (whose terms are known) is the summary of the same
// sentences split again (whose words are stemmed and looked up), on
// corpus articles.
func TestSummaryKnownTerms(t *testing.T) {
	m := model(t)
	n := 0
	for _, file := range []string{"bg.jsonl", "ru.jsonl", "en.jsonl", "uk.jsonl", "de.jsonl"} {
		f, err := os.Open(corpus.Path(t, file))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<24)
		for k := 0; sc.Scan() && k < 120; k++ {
			var a struct{ Lang, Title, Body string }
			if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
				t.Fatal(err)
			}
			toks := textseg.Tokenize(a.Body)
			an := m.Analyze(a.Lang, a.Title, toks)
			known := textseg.SplitTokens(a.Body, toks)
			if !an.splits(known) {
				t.Fatalf("%s: sentences of the scored tokens not recognised", a.Title)
			}
			again := textseg.Split(a.Body)
			if len(again) > 0 && an.splits(again) {
				t.Fatalf("%s: sentences of other tokens taken for the scored ones", a.Title)
			}
			if got, want := an.Summary(known, 3), an.Summary(again, 3); got != want {
				t.Fatalf("%s: summary %q from known terms, %q from stems", a.Title, got, want)
			}
			n++
		}
		f.Close()
	}
	if n == 0 {
		t.Fatal("no corpus articles")
	}
}
