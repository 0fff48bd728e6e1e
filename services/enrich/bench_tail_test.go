//go:build linux

package enrich

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/services/enrich/quality"
)

// threadCPU is the CPU time of the calling OS thread
// (CLOCK_THREAD_CPUTIME_ID): the cost of the work on it, whatever else the
// machine runs.
func threadCPU() time.Duration {
	var ts syscall.Timespec
	const clockThreadCPUTimeID = 3
	_, _, _ = syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}

// BenchmarkEnrichSpread enriches every article of every corpus file (what
// newsflow bench draws from) once, one at a time on one locked thread
// after the models are loaded, and reports the spread of the CPU time per
// article: p50, p99 and the largest. A few articles costing many times the
// median would delay the others of a stage that works on hundreds at once.
func BenchmarkEnrichSpread(b *testing.B) {
	dir := corpus.Find()
	if dir == "" {
		b.Skip("no corpus (NEWSFLOW_CORPUS)")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil || len(files) == 0 {
		b.Skipf("no corpus files in %s", dir)
	}
	var as []article.Article
	for _, f := range files {
		got, err := quality.ReadArticles(f)
		if err != nil {
			b.Fatalf("%s: %v", f, err)
		}
		for _, a := range got {
			as = append(as, *a)
		}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	e := NewEnricher(Steps(), time.Now)
	ctx := context.Background()
	warm := as[0]
	_ = e.Enrich(ctx, &warm) // load the models before timing
	for b.Loop() {
		ds := make([]float64, 0, len(as))
		for i := range as {
			c := as[i]
			c.ID = fmt.Sprintf("%s-%d", c.ID, i)
			start := threadCPU()
			_ = e.Enrich(ctx, &c)
			ds = append(ds, float64(threadCPU()-start)/1e6)
		}
		slices.Sort(ds)
		at := func(q float64) float64 { return ds[min(len(ds)-1, int(q*float64(len(ds))))] }
		b.ReportMetric(at(0.5), "p50-cpu-ms")
		b.ReportMetric(at(0.99), "p99-cpu-ms")
		b.ReportMetric(ds[len(ds)-1], "max-cpu-ms")
		b.ReportMetric(float64(len(ds)), "articles")
	}
}
