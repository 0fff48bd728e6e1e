package searchtest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/pkg/entities"
	"github.com/newsflow/newsflow/pkg/search"
)

// CorpusFiles are the corpus files of articles the benchmarks index.
var CorpusFiles = []string{"bg.jsonl", "bg_htfn.jsonl", "ru.jsonl", "uk.jsonl", "mixed.jsonl", "en.jsonl", "de.jsonl"}

// LoadCorpus reads the corpus articles as the enrich stage would pass them
// on (the body as clean_body), or ends the test when the corpus is missing.
func LoadCorpus(tb testing.TB) []*article.Article {
	tb.Helper()
	ingested := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []*article.Article
	for _, name := range CorpusFiles {
		f, err := os.Open(corpus.Path(tb, name))
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var a article.Article
			if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
				tb.Fatalf("%s: %v", name, err)
			}
			a.CleanBody, a.Body = a.Body, ""
			a.Revision = 1
			a.IngestedAt = ingested
			a.WordCount = len(strings.Fields(a.CleanBody))
			out = append(out, &a)
		}
		_ = f.Close()
		if err := sc.Err(); err != nil {
			tb.Fatal(err)
		}
	}
	return out
}

// Reidentify returns n articles cycling through arts, each copy with its
// own id (id~k), a published date moved by k days, and its own revision
// (as ingest gives each submission its stream sequence).
func Reidentify(arts []*article.Article, n int) []*article.Article {
	out := make([]*article.Article, n)
	for i := range out {
		a := *arts[i%len(arts)]
		a.Revision = uint64(i + 1)
		k := i / len(arts)
		if k > 0 {
			a.ID = fmt.Sprintf("%s~%d", a.ID, k)
			if !a.PublishedAt.IsZero() {
				a.PublishedAt = a.PublishedAt.AddDate(0, 0, k)
			}
		}
		out[i] = &a
	}
	return out
}

// WithEntities returns copies of arts with the entities pkg/entities finds
// in their title and body, as the enrich stage gives them, so that an index
// built from them holds what a pipeline-built one holds: entity fields and
// tens of facet values per article. The query benchmarks index these;
// without entities the facet field holds two values per article and a
// query costs a fraction of what it costs on a real index.
func WithEntities(tb testing.TB, arts []*article.Article) []*article.Article {
	tb.Helper()
	g, err := entities.NewGazetteer()
	if err != nil {
		tb.Fatal(err)
	}
	m, err := entities.LoadModel()
	if err != nil {
		tb.Fatal(err)
	}
	x := entities.New(g).WithModel(m)
	out := make([]*article.Article, len(arts))
	err = search.ParallelFor(len(arts), func(i int) error {
		a := *arts[i]
		a.Entities = x.Extract(a.Title+"\n"+a.CleanBody, a.Lang).ArticleEntities()
		out[i] = &a
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// RequireEntities ends the benchmark when idx holds no entity facets: an
// index kept between runs (NEWSFLOW_BENCH_INDEX, NEWSFLOW_BENCH_POSTGRES)
// that was built before the benchmarks indexed entities.
func RequireEntities(tb testing.TB, idx search.Index) {
	tb.Helper()
	res, err := idx.Search(context.Background(), search.Query{Text: "*", Limit: 1})
	if err != nil {
		tb.Fatal(err)
	}
	if len(res.Facets[search.FacetEntities]) == 0 {
		tb.Fatal("the benchmark index holds no entities: it was built by an older benchmark; empty it to build it again")
	}
}

// IndexAll upserts arts in batches of size.
func IndexAll(tb testing.TB, idx search.Index, arts []*article.Article, size int) {
	tb.Helper()
	for i := 0; i < len(arts); i += size {
		if err := idx.Upsert(context.Background(), arts[i:min(i+size, len(arts))]); err != nil {
			tb.Fatal(err)
		}
	}
}

// QueryMix builds n queries from words of the corpus titles: single words,
// two words, phrases, OR and NOT, field and filter queries, match-all
// sorted by date, in fixed proportions, with a fixed seed.
func QueryMix(arts []*article.Article, n int) []search.Query {
	r := rand.New(rand.NewSource(42))
	words := func(a *article.Article) []string {
		var ws []string
		for _, w := range strings.FieldsFunc(a.Title, func(r rune) bool { return !unicode.IsLetter(r) }) {
			if utf8.RuneCountInString(w) >= 5 {
				ws = append(ws, w)
			}
		}
		return ws
	}
	pick := func() (*article.Article, []string) {
		for {
			a := arts[r.Intn(len(arts))]
			if ws := words(a); len(ws) >= 2 {
				return a, ws
			}
		}
	}
	out := make([]search.Query, 0, n)
	for i := 0; i < n; i++ {
		a, ws := pick()
		w := ws[r.Intn(len(ws))]
		var q search.Query
		switch i % 10 {
		case 0, 1, 2, 3:
			q.Text = w
		case 4, 5:
			q.Text = ws[0] + " " + ws[1]
		case 6:
			q.Text = `"` + ws[0] + " " + ws[1] + `"`
		case 7:
			q.Text = ws[0] + " OR " + w + " -" + ws[1]
		case 8:
			q.Text, q.Langs = w, []string{a.Lang}
		case 9:
			q.Text, q.Sort, q.Sources = "*", search.SortDate, []string{a.Source}
		}
		if i%20 == 19 {
			q = search.Query{Text: "*", Sort: search.SortDate}
		}
		out = append(out, q)
	}
	return out
}

// QueryKind is one kind of query of the mix.
type QueryKind struct {
	Name    string
	Queries []search.Query
}

// QueryKinds splits a mix of n queries per kind by kind.
func QueryKinds(arts []*article.Article, n int) []QueryKind {
	mix := QueryMix(arts, 20*n)
	names := []string{"word", "word", "word", "word", "two_words", "two_words", "phrase", "or_not", "word_lang", "all_source_by_date"}
	byName := map[string][]search.Query{}
	for i, q := range mix {
		name := names[i%10]
		if i%20 == 19 {
			name = "all_by_date"
		}
		if len(byName[name]) < n {
			byName[name] = append(byName[name], q)
		}
	}
	var out []QueryKind
	for _, name := range []string{"word", "two_words", "phrase", "or_not", "word_lang", "all_source_by_date", "all_by_date"} {
		out = append(out, QueryKind{Name: name, Queries: byName[name]})
	}
	return out
}

// Latencies runs queries one after another and returns their durations,
// sorted.
func Latencies(tb testing.TB, idx search.Index, queries []search.Query) []time.Duration {
	tb.Helper()
	ds := make([]time.Duration, 0, len(queries))
	for _, q := range queries {
		start := time.Now()
		if _, err := idx.Search(context.Background(), q); err != nil {
			tb.Fatalf("search %+v: %v", q, err)
		}
		ds = append(ds, time.Since(start))
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds
}

// CPUTime is the user and system CPU time of this process so far. On a
// machine shared with other work, CPU time per operation is steadier than
// wall time.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// SortDurations sorts ds in place.
func SortDurations(ds []time.Duration) {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
}

// Percentile returns the p-th percentile (0-100) of sorted durations.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// ReportLatencies reports p50, p95, p99 and max in milliseconds.
func ReportLatencies(b *testing.B, ds []time.Duration) {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(Percentile(ds, 50)), "p50_ms")
	b.ReportMetric(ms(Percentile(ds, 95)), "p95_ms")
	b.ReportMetric(ms(Percentile(ds, 99)), "p99_ms")
	b.ReportMetric(ms(ds[len(ds)-1]), "max_ms")
}

// ExpensivePrefixQuery is the query of the adversarial run in issue 19:
// 64 two-letter Cyrillic prefixes joined by OR (по* OR пе* OR ...), 572
// bytes, within every limit of the query language but one whose prefixes
// each match thousands of terms.
func ExpensivePrefixQuery() string {
	var parts []string
	for _, c := range "пкнсмтдвлрбгзжчшщхфц" {
		for _, v := range "оеаиу" {
			if len(parts) < 64 {
				parts = append(parts, string(c)+string(v)+"*")
			}
		}
	}
	return strings.Join(parts, " OR ")
}

// PeakRSS returns the process's peak resident set size (VmHWM) in bytes,
// or 0 where /proc is missing.
func PeakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			_, _ = fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb << 10
		}
	}
	return 0
}

// BenchPrefixQueries fills idx with 5,000 corpus articles with entities
// (NEWSFLOW_BENCH_PREFIX_ARTICLES) and runs the 64-prefix query of issue
// 19, 16 of its prefixes and по* alone, each alone and 10 and 20 at once,
// within the default search budget (NEWSFLOW_BENCH_UNBOUNDED=1: without
// one). It reports CPU per query, wall time per round, the share refused
// and the peak RSS of the process since the round began.
func BenchPrefixQueries(b *testing.B, idx search.Index) {
	n := 5000
	if v, err := strconv.Atoi(os.Getenv("NEWSFLOW_BENCH_PREFIX_ARTICLES")); err == nil && v > 0 {
		n = v
	}
	IndexAll(b, idx, Reidentify(WithEntities(b, LoadCorpus(b)), n), 1024)
	var target search.Index = search.NewBounded(idx, search.DefaultBudget())
	if os.Getenv("NEWSFLOW_BENCH_UNBOUNDED") == "1" {
		target = idx
	}
	full := ExpensivePrefixQuery()
	for _, qc := range []struct{ name, text string }{
		{"64-prefixes", full},
		{"16-prefixes", strings.Join(strings.Split(full, " OR ")[:16], " OR ")},
		{"one-prefix", "по*"},
	} {
		for _, conc := range []int{1, 10, 20} {
			b.Run(fmt.Sprintf("%s/concurrent=%d", qc.name, conc), func(b *testing.B) {
				benchConcurrent(b, target, search.Query{Text: qc.text}, conc)
			})
		}
	}
}

func benchConcurrent(b *testing.B, idx search.Index, q search.Query, conc int) {
	runtime.GC()
	ResetPeakRSS()
	var refused atomic.Int64
	var lastErr atomic.Value
	cpu := CPUTime()
	var wall time.Duration
	for i := 0; i < b.N; i++ {
		var wg sync.WaitGroup
		start := time.Now()
		for range conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := idx.Search(context.Background(), q)
				switch {
				case err == nil:
				case errors.Is(err, search.ErrInvalidQuery), errors.Is(err, search.ErrBusy), errors.Is(err, search.ErrTimeout):
					refused.Add(1)
					lastErr.Store(err.Error())
				default:
					b.Error(err)
				}
			}()
		}
		wg.Wait()
		wall += time.Since(start)
	}
	cpu = CPUTime() - cpu
	if e, ok := lastErr.Load().(string); ok {
		b.Logf("refused: %s", e)
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N*conc), "cpu_ms/query")
	b.ReportMetric(float64(wall.Milliseconds())/float64(b.N), "wall_ms/round")
	b.ReportMetric(float64(PeakRSS()>>20), "peak_rss_MiB")
	b.ReportMetric(float64(refused.Load())/float64(b.N*conc), "refused/query")
}

// ResetPeakRSS makes the peak RSS (VmHWM) start again from the current RSS
// (Linux; elsewhere nothing).
func ResetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }
