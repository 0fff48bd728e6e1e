package enrich

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/services/enrich/quality"
)

// BenchmarkEnrichSpread enriches every article of every corpus file (what
// newsflow bench draws from) once, one at a time, and reports the spread
// of the time per article: p50, p99 and the largest. A few articles that
// cost many times the median are what a stage working on hundreds at
// once shares its cores with.
func BenchmarkEnrichSpread(b *testing.B) {
	dir := corpus.Find()
	if dir == "" {
		b.Skip("no corpus (NEWSFLOW_CORPUS)")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil || len(files) == 0 {
		b.Skipf("no corpus files in %s", dir)
	}
	e := NewEnricher(Steps(), time.Now)
	ctx := context.Background()
	for b.Loop() {
		var ds []float64
		for _, f := range files {
			as, err := quality.ReadArticles(f)
			if err != nil {
				fmt.Fprintln(os.Stderr, f, err)
				continue
			}
			for i, a := range as {
				c := *a
				c.ID = fmt.Sprintf("%s-%d-%d", c.ID, i, len(ds))
				start := time.Now()
				_ = e.Enrich(ctx, &c)
				ds = append(ds, float64(time.Since(start).Microseconds())/1000)
			}
		}
		slices.Sort(ds)
		at := func(q float64) float64 { return ds[min(len(ds)-1, int(q*float64(len(ds))))] }
		b.ReportMetric(at(0.5), "p50-ms")
		b.ReportMetric(at(0.99), "p99-ms")
		b.ReportMetric(ds[len(ds)-1], "max-ms")
		b.ReportMetric(float64(len(ds)), "articles")
	}
}
