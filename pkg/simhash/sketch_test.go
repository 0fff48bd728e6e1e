package simhash

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// words returns n pseudo-random words of a vocabulary of 5,000 (made-up
// syllable words), the same for the same seed.
func words(seed uint64, n int) []string {
	syl := []string{"ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "su", "ad", "or", "en", "ul"}
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]string, n)
	for i := range out {
		v := r.IntN(5000)
		var b strings.Builder
		for k := 0; k < 3; k++ {
			b.WriteString(syl[v%len(syl)])
			v /= len(syl)
		}
		out[i] = b.String()
	}
	return out
}

func text(ws []string) string { return strings.Join(ws, " ") }

func TestSignMatchesFingerprint(t *testing.T) {
	for _, s := range []string{original, rewritten, sameTopic, "", "one", "two words", "a b c d", "a b c d e", text(words(1, 3000))} {
		sig := Sign(s)
		if sig.FP != Fingerprint(s) {
			t.Errorf("Sign(%.20q).FP = %x, Fingerprint = %x", s, sig.FP, Fingerprint(s))
		}
		if sig.Sketch == nil {
			t.Errorf("Sign(%.20q) has a nil sketch", s)
		}
		for i := 1; i < len(sig.Sketch); i++ {
			if sig.Sketch[i] <= sig.Sketch[i-1] {
				t.Fatalf("Sign(%.20q): sketch not sorted and distinct at %d", s, i)
			}
		}
		if len(sig.Sketch) > SketchSize {
			t.Errorf("sketch of %d hashes", len(sig.Sketch))
		}
	}
	if got := len(Sign("").Sketch); got != 0 {
		t.Errorf("empty text: sketch of %d hashes", got)
	}
	if got := len(Sign("two words").Sketch) + len(Sign("a b c d e f").Sketch); got == 0 {
		t.Log("short texts sampled nothing (possible, one in two shingles is kept)")
	}
	// Case, punctuation and layout do not change the sketch.
	a, b := Sign(original), Sign(strings.ToUpper(strings.ReplaceAll(original, ", ", " ,\n")))
	if fmt.Sprint(a.Sketch) != fmt.Sprint(b.Sketch) {
		t.Errorf("case and punctuation changed the sketch")
	}
}

func TestCompare(t *testing.T) {
	long := words(1, 600)
	edited := append([]string(nil), long...)
	for i := 0; i < len(edited); i += 25 { // one word in 25 changed
		edited[i] = "changed"
	}
	extended := append(append(append([]string(nil), words(3, 300)...), long...), words(4, 600)...)
	cases := []struct {
		name       string
		a, b       []string
		jLo, jHi   float64
		cLo, cHi   float64
		near       bool
		minSamples int
	}{
		{"same", long, long, 1, 1, 1, 1, true, 100},
		{"one word in 25 changed", long, edited, 0.55, 0.8, 0.7, 0.9, true, 100},
		{"excerpt of a quarter", long, long[200:350], 0.15, 0.35, 0.9, 1, true, 20},
		{"extended at both ends", long, extended, 0.3, 0.5, 0.9, 1, true, 40},
		{"unrelated", long, words(2, 600), 0, 0.02, 0, 0.03, false, 100},
		{"short unrelated", words(5, 45), words(6, 45), 0, 0.1, 0, 0.2, false, 10},
	}
	for _, tc := range cases {
		sa, sb := Sign(text(tc.a)), Sign(text(tc.b))
		j, c, n := Compare(sa.Sketch, sb.Sketch)
		j2, c2, n2 := Compare(sb.Sketch, sa.Sketch)
		if j != j2 || c != c2 || n != n2 {
			t.Errorf("%s: Compare is not symmetric", tc.name)
		}
		if j < tc.jLo || j > tc.jHi || c < tc.cLo || c > tc.cHi || n < tc.minSamples {
			t.Errorf("%s: jaccard %.2f (want %.2f-%.2f), containment %.2f (want %.2f-%.2f), %d samples (want %d+)",
				tc.name, j, tc.jLo, tc.jHi, c, tc.cLo, tc.cHi, n, tc.minSamples)
		}
		if near, _ := Near(sa, sb); near != tc.near {
			t.Errorf("%s: Near = %v", tc.name, near)
		}
	}
	if j, c, n := Compare(Sketch{}, Sign(original).Sketch); j != 0 || c != 0 || n != 0 {
		t.Errorf("empty sketch: %v %v %v", j, c, n)
	}
}

func TestNearWithoutSketch(t *testing.T) {
	o, r, s := Sign(original), Sign(rewritten), Sign(sameTopic)
	legacy := Signature{FP: o.FP}
	if ok, _ := Near(r, legacy); !ok {
		t.Errorf("a rewrite does not match an entry without a sketch by SimHash")
	}
	if ok, _ := Near(s, legacy); ok {
		t.Errorf("another article matches an entry without a sketch")
	}
	_, bySketch := Near(r, o)
	_, bySimHash := Near(r, legacy)
	if bySketch <= bySimHash {
		t.Errorf("a sketch match scores %v, not above a SimHash match %v", bySketch, bySimHash)
	}
}

func TestSketchText(t *testing.T) {
	sk := Sign(text(words(1, 600))).Sketch
	b, err := sk.AppendText([]byte("x:"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseSketch(strings.TrimPrefix(string(b), "x:"))
	if err != nil || fmt.Sprint(got) != fmt.Sprint(sk) {
		t.Fatalf("round trip: %v, %v", err, got)
	}
	if got, err := ParseSketch(""); err != nil || got == nil || len(got) != 0 {
		t.Errorf("empty sketch: %v, %v", got, err)
	}
	for _, bad := range []string{"!!", "AAAA", "AAAAAQAAAAA", "gAAAAA", strings.Repeat("AAAAAA", SketchSize+1)} {
		if _, err := ParseSketch(bad); err == nil {
			t.Errorf("ParseSketch(%q) accepted", bad)
		}
	}
}

func FuzzParseSketch(f *testing.F) {
	b, _ := Sign(original).Sketch.AppendText(nil)
	f.Add(string(b))
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		sk, err := ParseSketch(s)
		if err != nil {
			return
		}
		b, _ := sk.AppendText(nil)
		again, err := ParseSketch(string(b))
		if err != nil || fmt.Sprint(again) != fmt.Sprint(sk) {
			t.Errorf("re-parse: %v, %v", again, err)
		}
	})
}

func TestMemoryIndexContainment(t *testing.T) {
	ctx := context.Background()
	x := NewMemoryIndex()
	long := words(1, 600)
	steps := []struct {
		id   string
		ws   []string
		want string
	}{
		{"long", long, ""},
		{"unrelated", words(2, 600), ""},
		{"excerpt", long[200:280], "long"}, // a shortened copy
		{"longer", append(append([]string(nil), long...), words(3, 900)...), "long"}, // an extended copy
		// Another article quoting the excerpt at length: it contains the
		// excerpt, a copy, but not the original, so it is no copy.
		{"quotes", append(append(append([]string(nil), words(4, 500)...), long[200:280]...), words(5, 500)...), ""},
	}
	for _, s := range steps {
		got, err := x.Add(ctx, s.id, Sign(text(s.ws)))
		if err != nil {
			t.Fatal(err)
		}
		if got != s.want {
			t.Errorf("Add(%s) = %q, want %q", s.id, got, s.want)
		}
	}
	// The original forgotten, the excerpt's group is joined through it.
	y := NewMemoryIndex()
	y.File(Entry{ID: "excerpt", FP: Fingerprint(text(long[200:280])), Root: "long"}, Sign(text(long[200:280])).Sketch)
	if got := y.Match("quotes", Sign(text(steps[4].ws))); got != "long" {
		t.Errorf("original unknown: %q, want long", got)
	}
}

func TestMemoryIndexLegacyEntries(t *testing.T) {
	x := NewMemoryIndex()
	x.File(Entry{ID: "orig", FP: Fingerprint(original), Root: "orig"}, nil)
	if got := x.Match("copy", Sign(rewritten)); got != "orig" {
		t.Errorf("a rewrite of an entry without a sketch: %q, want orig", got)
	}
	if got := x.Match("other", Sign(sameTopic)); got != "" {
		t.Errorf("another article: %q", got)
	}
	// Replaced by an entry with a sketch, it leaves the bands.
	x.File(Entry{ID: "orig", FP: Fingerprint(original), Root: "orig"}, Sign(original).Sketch)
	if n := x.Len(); n != 1 {
		t.Errorf("Len = %d after replacing, want 1", n)
	}
	for k, es := range x.bands {
		if len(es) != 0 {
			t.Fatalf("band slot %d keeps %d entries after the entry got a sketch", k, len(es))
		}
	}
	if got := x.Match("copy", Sign(rewritten)); got != "orig" {
		t.Errorf("a rewrite: %q, want orig", got)
	}
}

func TestMemoryIndexCapacity(t *testing.T) {
	ctx := context.Background()
	x := NewMemoryIndex()
	first := Sign(text(words(1, 300)))
	if _, err := x.Add(ctx, "first", first); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < Capacity+10; i++ {
		if _, err := x.Add(ctx, fmt.Sprint("a", i), Sign(text(words(uint64(100+i%50), 60)))); err != nil {
			t.Fatal(err)
		}
	}
	if n := x.Len(); n != Capacity {
		t.Errorf("Len = %d, want %d", n, Capacity)
	}
	if got := x.Match("again", first); got != "" {
		t.Errorf("the oldest article is still found: %q", got)
	}
	postings := 0
	for _, as := range x.anchors {
		postings += len(as)
		if len(as) > AnchorSlotCapacity {
			t.Fatalf("anchor slot of %d entries", len(as))
		}
		for _, a := range as {
			if x.byID[a.e.ID] != a.e {
				t.Fatalf("anchor of a forgotten entry %s", a.e.ID)
			}
		}
	}
	if postings == 0 {
		t.Errorf("no anchors filed")
	}
	// Fifty texts repeated: each later one points at the first of its
	// text, still remembered or not.
	if got := x.Match("b", Sign(text(words(100, 60)))); got == "" {
		t.Errorf("a repeated text is not found")
	}
}

// BenchmarkSign is BenchmarkFingerprint with the sketch.
func BenchmarkSign(b *testing.B) {
	text := strings.Repeat(original+"\n", 3)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		Sign(text)
	}
}

// BenchmarkMemoryIndexFull fills an index with Capacity articles of 400
// words and reports the heap it holds per article.
func BenchmarkMemoryIndexFull(b *testing.B) {
	sigs := make([]Signature, 1000)
	for i := range sigs {
		sigs[i] = Sign(text(words(uint64(i), 400)))
	}
	ctx := context.Background()
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		x := NewMemoryIndex()
		for i := 0; i < Capacity; i++ {
			s := sigs[i%len(sigs)]
			s.Sketch = append(Sketch(nil), s.Sketch...) // as parsed from the bucket
			x.File(Entry{ID: fmt.Sprintf("article-%08d", i), FP: s.FP, Root: fmt.Sprintf("article-%08d", i)}, s.Sketch)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/Capacity, "B/article")
		if _, err := x.Add(ctx, "probe", sigs[0]); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFinish checks the cut-off finish against sorting every sampled hash.
func TestFinish(t *testing.T) {
	for _, n := range []int{0, 1, 50, SketchSize, 2*SketchSize + 1, 1000, 5000} {
		r := rand.New(rand.NewPCG(uint64(n), 1))
		var s Sketch
		for i := 0; i < n; i++ {
			s = append(s, r.Uint32N(sampleLimit))
			if i%7 == 0 {
				s = append(s, s[r.IntN(len(s))]) // repeated shingles
			}
		}
		want := slices.Clone(s)
		slices.Sort(want)
		want = slices.Compact(want)
		want = want[:min(len(want), SketchSize)]
		if got := s.finish(); !slices.Equal(got, want) || got == nil {
			t.Errorf("%d hashes: finish kept %d, want %d", n, len(got), len(want))
		}
	}
	// Hashes far from uniform (all near the limit) take the slow way.
	var s Sketch
	for i := 0; i < 3*SketchSize; i++ {
		s = append(s, sampleLimit-1-uint32(i))
	}
	if got := s.finish(); len(got) != SketchSize || got[0] != sampleLimit-3*SketchSize {
		t.Errorf("skewed hashes: %d kept, first %d", len(got), got[0])
	}
}
