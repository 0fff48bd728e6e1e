package pgindex

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/pgindex/pgtest"
	"github.com/newsflow/newsflow/pkg/search/searchtest"
)

func (x *Index) tableBytes(tb testing.TB) int64 {
	tb.Helper()
	var n int64
	if err := x.pool.QueryRow(context.Background(), "SELECT pg_total_relation_size('articles')").Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// BenchmarkBulkIndex indexes the corpus into a fresh database per
// iteration in batches of 1024 and reports articles/s, the CPU time of
// this process (analysis) per article and the table size with its indexes
// per article. The server's own CPU time is not in cpu_ms/article.
func BenchmarkBulkIndex(b *testing.B) {
	arts := searchtest.LoadCorpus(b)
	var elapsed, cpu time.Duration
	var size int64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		idx, err := Open(context.Background(), pgtest.FreshDatabase(b))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start, startCPU := time.Now(), searchtest.CPUTime()
		searchtest.IndexAll(b, idx, arts, 1024)
		elapsed += time.Since(start)
		cpu += searchtest.CPUTime() - startCPU
		b.StopTimer()
		size = idx.tableBytes(b)
		_ = idx.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(len(arts)*b.N)/elapsed.Seconds(), "articles/s")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(len(arts)*b.N), "cpu_ms/article")
	b.ReportMetric(float64(size)/float64(len(arts)), "table_bytes/article")
}

// benchVariant is what the query benchmarks compare the current searches
// with, alternating, so that both see the same load:
// NEWSFLOW_BENCH_PG_COMPARE=noid (the default) without the entity facet by
// id (as before migration 0008), =cte the matches materialized in a CTE
// and ranked by re-reading them by id (as before the one-pass grouping),
// =grouped the matches grouped by (lang, source) in the server (as before
// they were streamed to newsflow).
// It returns the metric prefix and a function that switches idx to the
// variant (on) or back.
func benchVariant(b *testing.B) (string, func(idx *Index, on bool)) {
	switch v := os.Getenv("NEWSFLOW_BENCH_PG_COMPARE"); v {
	case "", "noid":
		return "noid_", func(idx *Index, on bool) { idx.noEntityIDFacet = on }
	case "cte":
		return "cte_", func(idx *Index, on bool) { idx.matchesCTE = on }
	case "grouped":
		return "grouped_", func(idx *Index, on bool) { idx.groupedInServer = on }
	default:
		b.Fatalf("NEWSFLOW_BENCH_PG_COMPARE=%q: want noid, cte or grouped", v)
		return "", nil
	}
}

// BenchmarkQueryKinds reports each kind of query of the mix separately,
// alternating by query with the variant of benchVariant (reported as
// noid_p50_ms... or cte_p50_ms...), on the database NEWSFLOW_BENCH_POSTGRES
// (built by BenchmarkQueryLatency).
func BenchmarkQueryKinds(b *testing.B) {
	url := os.Getenv("NEWSFLOW_BENCH_POSTGRES")
	if url == "" {
		b.Skip("set NEWSFLOW_BENCH_POSTGRES to a database BenchmarkQueryLatency filled")
	}
	prefix, variant := benchVariant(b)
	arts := searchtest.LoadCorpus(b)
	idx, err := Open(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = idx.Close() }()
	searchtest.RequireEntities(b, idx)
	for _, k := range searchtest.QueryKinds(arts, 100) {
		b.Run(k.Name, func(b *testing.B) {
			// Which runs first alternates by query: the first run of a
			// query reads pages the second then finds in shared buffers.
			var with, without []time.Duration
			for i := 0; i < b.N; i++ {
				for j, q := range k.Queries {
					for r := 0; r < 2; r++ {
						on := (j+r)%2 == 1
						variant(idx, on)
						ds := searchtest.Latencies(b, idx, []search.Query{q})
						if on {
							without = append(without, ds...)
						} else {
							with = append(with, ds...)
						}
					}
				}
			}
			variant(idx, false)
			searchtest.SortDurations(with)
			searchtest.SortDurations(without)
			searchtest.ReportLatencies(b, with)
			for _, p := range []float64{50, 95, 99} {
				b.ReportMetric(float64(searchtest.Percentile(without, p).Microseconds())/1000, prefix+"p"+strconv.Itoa(int(p))+"_ms")
			}
		})
	}
}

// BenchmarkQueryLatency runs the query mix of the Bleve benchmark on a
// database of NEWSFLOW_BENCH_ARTICLES (default 100,000) articles.
func BenchmarkQueryLatency(b *testing.B) {
	arts := searchtest.LoadCorpus(b)
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("NEWSFLOW_BENCH_ARTICLES")); err == nil && v > 0 {
		n = v
	}
	// NEWSFLOW_BENCH_POSTGRES names a database to keep between runs.
	url := os.Getenv("NEWSFLOW_BENCH_POSTGRES")
	if url == "" {
		url = pgtest.FreshDatabase(b)
	}
	idx, err := Open(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = idx.Close() }()
	if c, err := idx.Count(context.Background()); err != nil || c != uint64(n) {
		start := time.Now()
		searchtest.IndexAll(b, idx, searchtest.Reidentify(searchtest.WithEntities(b, arts), n), 1024)
		if _, err := idx.pool.Exec(context.Background(), "VACUUM ANALYZE articles"); err != nil {
			b.Fatal(err)
		}
		b.Logf("indexed %d articles in %s, %d bytes", n, time.Since(start).Round(time.Millisecond), idx.tableBytes(b))
	}
	searchtest.RequireEntities(b, idx)
	if res, err := idx.Search(context.Background(), search.Query{Text: "*", Limit: 1}); err != nil || len(res.EntityFacet) == 0 {
		b.Fatalf("the benchmark database has no entity facet by id (err %v): it was filled before migration 0008; empty it to fill it again", err)
	}
	queries := searchtest.QueryMix(arts, 2000)
	// The current searches (reported as p50_ms...) and the variant of
	// benchVariant (noid_p50_ms... or cte_p50_ms...), alternating by
	// blocks of 100 queries so that both see the same load.
	prefix, variant := benchVariant(b)
	searchtest.Latencies(b, idx, queries[:200])
	b.ResetTimer()
	var with, without []time.Duration
	for i := 0; i < b.N; i++ {
		for s := 0; s < len(queries); s += 100 {
			block := queries[s:min(s+100, len(queries))]
			for k := 0; k < 2; k++ {
				on := (s/100+k)%2 == 1
				variant(idx, on)
				ds := searchtest.Latencies(b, idx, block)
				if on {
					without = append(without, ds...)
				} else {
					with = append(with, ds...)
				}
			}
		}
	}
	variant(idx, false)
	b.StopTimer()
	searchtest.SortDurations(with)
	searchtest.SortDurations(without)
	searchtest.ReportLatencies(b, with)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	for _, p := range []float64{50, 95, 99} {
		b.ReportMetric(ms(searchtest.Percentile(without, p)), prefix+"p"+strconv.Itoa(int(p))+"_ms")
	}
	b.ReportMetric(float64(len(with)+len(without))/b.Elapsed().Seconds(), "queries/s")
}
