package enrich

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/pkg/natstest"
	"github.com/newsflow/newsflow/pkg/pipeline"
	"github.com/newsflow/newsflow/pkg/story"
	"github.com/newsflow/newsflow/services/enrich/quality"
)

// benchArticles returns corpus articles in a fixed mix of languages,
// bodies cut to whole articles of about 4 KB on average.
func benchArticles(b *testing.B) []*article.Article {
	b.Helper()
	var out []*article.Article
	for _, f := range []string{"bg.jsonl", "ru.jsonl", "en.jsonl", "uk.jsonl", "de.jsonl", "bg_htfn.jsonl"} {
		as, err := quality.ReadArticles(corpus.Path(b, f))
		if err != nil {
			b.Fatal(err)
		}
		if len(as) > 150 {
			as = as[:150]
		}
		out = append(out, as...)
	}
	return out
}

func avgBytes(as []*article.Article) int {
	n := 0
	for _, a := range as {
		n += len(a.Title) + len(a.Body)
	}
	return n / len(as)
}

// BenchmarkEnrich runs every step over corpus articles, one article per
// operation, with the shared state in process memory (the key-value
// round trips of a deployment are measured apart, in BenchmarkEnrichKV).
func BenchmarkEnrich(b *testing.B) {
	b.Run("all", func(b *testing.B) { benchEnrich(b) })
	// The text steps alone: cleaning, language, statistics, keywords,
	// summary and near duplicates.
	b.Run("text", func(b *testing.B) { benchEnrich(b, StepEntities, StepQuotes) })
}

func benchEnrich(b *testing.B, disabled ...string) {
	as := benchArticles(b)
	e := NewEnricher(Steps(disabled...), time.Now)
	ctx := context.Background()
	warm := *as[0]
	e.Enrich(ctx, &warm) // load the models before timing
	b.SetBytes(int64(avgBytes(as)))
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	cpu0 := cpuTime()
	for b.Loop() {
		a := *as[i%len(as)]
		a.ID = fmt.Sprintf("%s-%d", a.ID, i) // every article new to the stores
		e.Enrich(ctx, &a)
		i++
	}
	reportCPU(b, cpu0)
}

// BenchmarkProcess is BenchmarkEnrich/all through the stage's handler:
// the ingested article decoded from JSON, enriched and encoded again, as
// each message costs the stage before NATS.
func BenchmarkProcess(b *testing.B) {
	as := benchArticles(b)
	msgs := make([][]byte, len(as))
	for i, a := range as {
		c := *a
		c.ID = fmt.Sprintf("%s-%d", c.ID, i)
		data, err := article.Encode(&c)
		if err != nil {
			b.Fatal(err)
		}
		msgs[i] = data
	}
	e := NewEnricher(Steps(), time.Now)
	ctx := context.Background()
	if _, err := e.Process(ctx, &pipeline.Message{Data: msgs[0]}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	cpu0 := cpuTime()
	for b.Loop() {
		if _, err := e.Process(ctx, &pipeline.Message{Data: msgs[i%len(msgs)]}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportCPU(b, cpu0)
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports articles per second of wall time and, from the CPU
// time the process used (which the other loads of a shared machine do not
// inflate), the CPU time per article and the articles one core handles per
// second. The garbage collector's work is included.
func reportCPU(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		per := float64(cpu.Microseconds()) / float64(b.N)
		b.ReportMetric(per, "cpu-us/article")
		b.ReportMetric(1e6/per, "articles/s/core")
	}
}

// BenchmarkStep measures each step alone on the same articles, after the
// steps before it, so that its input is what the stage gives it.
func BenchmarkStep(b *testing.B) {
	as := benchArticles(b)
	ctx := context.Background()
	steps := Steps()
	// Prepare every article up to each step once.
	for k, s := range steps {
		b.Run(s.Name, func(b *testing.B) {
			prepared := make([]article.Article, len(as))
			before := NewEnricher(steps[:k], time.Now)
			for i, a := range as {
				prepared[i] = *a
				before.Enrich(ctx, &prepared[i])
			}
			warm := prepared[0]
			_ = s.Run(ctx, &warm)
			b.ResetTimer()
			i := 0
			cpu0 := cpuTime()
			for b.Loop() {
				a := prepared[i%len(prepared)]
				a.ID = fmt.Sprintf("%s-%d", a.ID, i)
				_ = s.Run(ctx, &a)
				i++
			}
			reportCPU(b, cpu0)
		})
	}
}

// BenchmarkEnrichUpTo runs the steps up to each one, as
// BenchmarkEnrich/all does: what a step adds to the stage is the
// difference with the run before it. (Measured alone, as BenchmarkStep
// does, a step also pays for the shared analysis it would find done, and
// reads articles no step before it has brought into the caches.)
func BenchmarkEnrichUpTo(b *testing.B) {
	steps := Steps()
	for k, s := range steps {
		b.Run(s.Name, func(b *testing.B) {
			var disabled []string
			for _, later := range steps[k+1:] {
				disabled = append(disabled, later.Name)
			}
			benchEnrich(b, disabled...)
		})
	}
}

// BenchmarkModelMemory loads the language profiles, keyword frequencies
// and gazetteers and reports the heap they hold.
func BenchmarkModelMemory(b *testing.B) {
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		e := NewEnricher(Steps(), time.Now)
		a := &article.Article{ID: "warm", Source: "x", Title: "Лавров в Сочи", Body: "Сергей Лавров заяви в Сочи, че Русия и САЩ ще говорят."}
		e.Enrich(context.Background(), a)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MB")
		runtime.KeepAlive(e)
	}
}

// BenchmarkEnrichKV runs the text steps with their shared state in the
// key-value buckets of an embedded NATS server (file storage, in this
// process, so cpu-us/article includes the server's work): the round trips
// a deployment adds to BenchmarkEnrich/text. Articles run one at a time
// (see BenchmarkEnrichKVConcurrent for the stage's way).
func BenchmarkEnrichKV(b *testing.B) {
	as := benchArticles(b)
	e := kvEnricher(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	cpu0 := cpuTime()
	for b.Loop() {
		a := *as[i%len(as)]
		a.ID = fmt.Sprintf("%s-%d", a.ID, i)
		e.Enrich(ctx, &a)
		if len(a.EnrichErrors) > 0 {
			b.Fatal(a.EnrichErrors)
		}
		i++
	}
	reportCPU(b, cpu0)
}

// kvEnricher returns the text steps with their shared state in the
// key-value buckets of an embedded NATS server.
func kvEnricher(b *testing.B) *Enricher {
	srv := natstest.RunServer(b)
	_, js := natstest.Connect(b, srv)
	ctx := context.Background()
	learner, err := OpenKVLearner(ctx, js, time.Hour, 1)
	if err != nil {
		b.Fatal(err)
	}
	index, err := OpenKVIndex(ctx, js, time.Hour, 1, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = index.Close() })
	stories, err := OpenKVStories(ctx, js, story.DefaultParams(), 1, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = stories.Close() })
	return NewEnricher(StepsWith(Stores{Boilerplate: learner, NearDup: index, Stories: stories}, StepEntities, StepQuotes), time.Now)
}

// BenchmarkEnrichKVConcurrent is BenchmarkEnrichKV with 64 articles in
// flight per core, as the stage runs them (--concurrency): the client and
// the server then share their socket writes between articles.
func BenchmarkEnrichKVConcurrent(b *testing.B) {
	as := benchArticles(b)
	e := kvEnricher(b)
	ctx := context.Background()
	var next atomic.Int64
	var failed atomic.Value
	b.ReportAllocs()
	b.SetParallelism(64)
	b.ResetTimer()
	cpu0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1))
			a := *as[i%len(as)]
			a.ID = fmt.Sprintf("%s-%d", a.ID, i)
			e.Enrich(ctx, &a)
			if len(a.EnrichErrors) > 0 {
				failed.Store(fmt.Sprint(a.EnrichErrors))
			}
		}
	})
	if f := failed.Load(); f != nil {
		b.Fatal(f)
	}
	reportCPU(b, cpu0)
}

// BenchmarkLearnerObserve is the boilerplate learner alone on an embedded
// server (file storage): per article a line every article of the source
// carries, a line it shares with one other article, one it shares with
// two others (a teaser repeated on a few articles) and one of its own. It
// measures the key-value round trips of learning, without the text steps
// around them.
func BenchmarkLearnerObserve(b *testing.B) {
	srv := natstest.RunServer(b)
	_, js := natstest.Connect(b, srv)
	ctx := context.Background()
	l, err := OpenKVLearner(ctx, js, time.Hour, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	cpu0 := cpuTime()
	for b.Loop() {
		lines := []string{
			"Subscribe to our newsletter for the latest news",
			fmt.Sprintf("Read also: the story number %d of the week", i/2),
			fmt.Sprintf("Most read: the column number %d of the day", i/3),
			fmt.Sprintf("A sentence of article %d, found only here", i),
		}
		if _, err := l.Observe(ctx, "bench-source", fmt.Sprintf("art-%d", i), lines); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportCPU(b, cpu0)
}

// BenchmarkStoryAssign is the stories step alone over the benchmark
// articles (enriched once beforehand), each under a new id and a date an
// hour later than the one before, so stories open, grow and close: in
// memory (one replica) and in the NEWSFLOW_STORIES bucket on an embedded
// server (file storage), where an assignment costs a stream-info round
// trip, and a read and a compare-and-set write of the story it joins (or
// the creation of a new one).
func BenchmarkStoryAssign(b *testing.B) {
	as := benchArticles(b)
	e := NewEnricher(Steps(StepStories), time.Now)
	ctx := context.Background()
	sigs := make([]story.Signature, len(as))
	for i, a := range as {
		c := *a
		e.Enrich(ctx, &c)
		sigs[i] = story.Sign(&c)
	}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	run := func(b *testing.B, idx story.Index) {
		b.ReportAllocs()
		b.ResetTimer()
		i := 0
		cpu0 := cpuTime()
		for b.Loop() {
			s := sigs[i%len(sigs)]
			s.At = start.Add(time.Duration(i) * time.Minute)
			if _, err := idx.Assign(ctx, fmt.Sprintf("art-%d", i), s); err != nil {
				b.Fatal(err)
			}
			i++
		}
		reportCPU(b, cpu0)
	}
	b.Run("memory", func(b *testing.B) { run(b, story.NewMemoryIndex(story.DefaultParams())) })
	b.Run("kv", func(b *testing.B) {
		srv := natstest.RunServer(b)
		_, js := natstest.Connect(b, srv)
		x, err := OpenKVStories(ctx, js, story.DefaultParams(), 1, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = x.Close() })
		run(b, x)
	})
}
