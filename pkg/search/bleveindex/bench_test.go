package bleveindex

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/searchtest"
)

func dirSize(tb testing.TB, dir string) int64 {
	tb.Helper()
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			n += info.Size()
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// BenchmarkBulkIndex indexes the whole corpus (about 4,500 articles in
// seven languages) into a fresh index per iteration, in batches of the
// given size written by one or two goroutines at once (the index stage
// writes batches of 1024, two at a time by default), and reports
// articles/s and the index size per article once the index is closed.
func BenchmarkBulkIndex(b *testing.B) {
	for _, size := range []int{256, 1024, 4096} {
		b.Run("batch="+strconv.Itoa(size), func(b *testing.B) { benchBulk(b, size, 1) })
	}
	b.Run("batch=1024/writers=2", func(b *testing.B) { benchBulk(b, 1024, 2) })
}

// BenchmarkBulkIndexLarge indexes NEWSFLOW_BENCH_ARTICLES (default
// 100,000) re-identified corpus articles as the index stage does (batches
// of 1024, two at a time, each article with its own revision), so that
// merges work on an index of that size. The entities= variants give the
// articles the entities pkg/entities finds in them, as enrich does (tens
// of entity and facet values per article, as in the pipeline's index).
func BenchmarkBulkIndexLarge(b *testing.B) {
	corpus := searchtest.LoadCorpus(b)
	for _, ents := range []bool{false, true} {
		var arts []*article.Article
		name := ""
		if ents {
			name = "entities/"
		}
		for _, size := range []int{32, 1024} {
			b.Run(name+"batch="+strconv.Itoa(size)+"/writers=2", func(b *testing.B) {
				if arts == nil {
					in := corpus
					if ents {
						in = searchtest.WithEntities(b, corpus)
					}
					arts = searchtest.Reidentify(in, benchArticles())
					b.ResetTimer()
				}
				benchBulkArticles(b, arts, size, 2)
			})
		}
	}
}

// indexConcurrently writes arts in batches of size, writers batches at once.
func indexConcurrently(b *testing.B, idx *Index, arts []*article.Article, size, writers int) {
	var g errgroup.Group
	g.SetLimit(max(writers, 1))
	for i := 0; i < len(arts); i += size {
		batch := arts[i:min(i+size, len(arts))]
		g.Go(func() error { return idx.Upsert(context.Background(), batch) })
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
}

func benchBulk(b *testing.B, batch, writers int) {
	benchBulkArticles(b, searchtest.LoadCorpus(b), batch, writers)
}

func benchBulkArticles(b *testing.B, arts []*article.Article, batch, writers int) {
	var size int64
	var elapsed, cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := filepath.Join(b.TempDir(), "index")
		idx, err := OpenWith(dir, os.Getenv(ConfigEnv)) // for tuning experiments
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start, startCPU := time.Now(), searchtest.CPUTime()
		indexConcurrently(b, idx, arts, batch, writers)
		// The merges the batches left to do are part of their cost (Close
		// would abandon the ones under way).
		if err := idx.Settle(context.Background(), 20*time.Millisecond); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		elapsed += time.Since(start)
		cpu += searchtest.CPUTime() - startCPU
		if err := idx.Close(); err != nil {
			b.Fatal(err)
		}
		size = dirSize(b, dir)
		b.StartTimer()
	}
	b.ReportMetric(float64(len(arts)*b.N)/elapsed.Seconds(), "articles/s")
	b.ReportMetric(float64(size)/float64(len(arts)), "index_bytes/article")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(len(arts)*b.N), "cpu_ms/article")
}

// benchArticles is how many articles the query benchmark indexes
// (NEWSFLOW_BENCH_ARTICLES, default 100,000): the corpus re-identified.
func benchArticles() int {
	if n, err := strconv.Atoi(os.Getenv("NEWSFLOW_BENCH_ARTICLES")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

var (
	bigOnce sync.Once
	bigIdx  *Index
	bigErr  error
)

// openBig opens the benchmark index: the one in NEWSFLOW_BENCH_INDEX when
// it holds n articles (built there when it is empty), or a new one in a
// temporary directory. Its articles carry entities, as in the pipeline.
func openBig(b *testing.B, arts []*article.Article, n int) (*Index, error) {
	dir := os.Getenv("NEWSFLOW_BENCH_INDEX")
	if dir == "" {
		tmp, err := os.MkdirTemp("", "newsflow-bench-index-")
		if err != nil {
			return nil, err
		}
		dir = filepath.Join(tmp, "index")
	}
	idx, err := Open(dir)
	if err != nil {
		return nil, err
	}
	if c, _ := idx.Count(); c == uint64(n) {
		searchtest.RequireEntities(b, idx)
		return idx, nil
	}
	start := time.Now()
	searchtest.IndexAll(b, idx, searchtest.Reidentify(searchtest.WithEntities(b, arts), n), 1024)
	b.Logf("indexed %d articles in %s (%.0f/s), %d bytes on disk", n, time.Since(start).Round(time.Millisecond),
		float64(n)/time.Since(start).Seconds(), dirSize(b, dir))
	return idx, nil
}

// BenchmarkQueryKinds reports the latency of each kind of query of the
// mix separately.
func BenchmarkQueryKinds(b *testing.B) {
	arts := searchtest.LoadCorpus(b)
	n := benchArticles()
	bigOnce.Do(func() { bigIdx, bigErr = openBig(b, arts, n) })
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	for _, k := range searchtest.QueryKinds(arts, 200) {
		b.Run(k.Name, func(b *testing.B) {
			var all []time.Duration
			cpu := searchtest.CPUTime()
			for i := 0; i < b.N; i++ {
				all = append(all, searchtest.Latencies(b, bigIdx, k.Queries)...)
			}
			cpu = searchtest.CPUTime() - cpu
			searchtest.SortDurations(all)
			searchtest.ReportLatencies(b, all)
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(len(all)), "cpu_ms/query")
		})
	}
}

// BenchmarkQueryLatency runs a fixed mix of 2,000 queries (words, phrases,
// OR/NOT, filters, match-all by date; each with facets and snippets) one
// after another on an index of 100,000 articles, through the answer cache
// as the index stage serves them, and reports percentiles.
// BenchmarkQueryKinds gives each kind without the cache.
func BenchmarkQueryLatency(b *testing.B) {
	arts := searchtest.LoadCorpus(b)
	n := benchArticles()
	bigOnce.Do(func() { bigIdx, bigErr = openBig(b, arts, n) })
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	// As the index stage serves it: with the answer cache.
	cached := search.NewCache(bigIdx, 512)
	queries := searchtest.QueryMix(arts, 2000)
	searchtest.Latencies(b, bigIdx, queries[:200]) // warm up
	b.ResetTimer()
	var all []time.Duration
	cpu := searchtest.CPUTime()
	for i := 0; i < b.N; i++ {
		all = append(all, searchtest.Latencies(b, cached, queries)...)
	}
	b.StopTimer()
	cpu = searchtest.CPUTime() - cpu
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(len(all)), "cpu_ms/query")
	searchtest.SortDurations(all)
	searchtest.ReportLatencies(b, all)
	b.ReportMetric(float64(len(all))/b.Elapsed().Seconds(), "queries/s")
}

// BenchmarkExpensivePrefixQuery runs the 64-prefix query of issue 19 and
// two smaller prefix queries on 5,000 articles (see
// searchtest.BenchPrefixQueries).
func BenchmarkExpensivePrefixQuery(b *testing.B) {
	idx, err := Open(filepath.Join(b.TempDir(), "index"))
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = idx.Close() }()
	searchtest.BenchPrefixQueries(b, idx)
}
