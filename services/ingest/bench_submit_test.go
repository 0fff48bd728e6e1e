package ingest

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/intake"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natsembed"
	"github.com/newsflow/newsflow/pkg/natstest"
	"github.com/newsflow/newsflow/pkg/telemetry"
)

// BenchmarkSubmitPath is an HTTP submission's way to articles.ingested
// without the HTTP layer: the API's Submitter (seen-set, raw publish,
// PubAck) and the ingest stage, on an embedded server with file storage.
// b.N corpus articles, decoded and prepared before the clock starts, are
// submitted 50 at a time by 8 goroutines; the clock stops when the last
// one is on articles.ingested.
func BenchmarkSubmitPath(b *testing.B) {
	lines := corpusLines(b)
	srv := natstest.RunServerWith(b, natsembed.Config{Logs: os.Getenv("BENCH_NATS_LOGS") != ""})
	nc, js := natstest.Connect(b, srv)
	natstest.Topology(b, js)
	ctx := context.Background()
	seen, err := OpenSeenSet(ctx, js, time.Hour, 1)
	if err != nil {
		b.Fatal(err)
	}
	arts := make([]*article.Article, b.N)
	for i, raw := range reidentified(b, lines, b.N) {
		a, err := article.DecodeInput(raw)
		if err != nil {
			b.Fatal(err)
		}
		if err := intake.Prepare(a, article.Limits{}); err != nil {
			b.Fatal(err)
		}
		arts[i] = a
	}
	pjs, err := natsbus.NewJetStream(nc)
	if err != nil {
		b.Fatal(err)
	}
	tm, err := telemetry.NewMetrics(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	cfg := DefaultConfig().Stage
	w, err := natsbus.NewStage(pjs, cfg, NewHandler(seen, article.Limits{}, time.Now, HandlerOptions{}), zap.NewNop(), tm.Stage(cfg.Name))
	if err != nil {
		b.Fatal(err)
	}
	stream, err := js.Stream(ctx, natsbus.StreamArticles)
	if err != nil {
		b.Fatal(err)
	}
	sub := NewSubmitter(pjs, seen, SubmitterConfig{ConfirmTimeout: time.Minute})
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	go func() { done <- w.Run(rctx) }()
	chunks := make(chan []*article.Article)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range chunks {
				for _, r := range sub.Submit(ctx, c) {
					if r.Status != StatusAccepted {
						b.Errorf("submission %s: %v", r.Status, r.Err)
					}
				}
			}
		}()
	}
	for i := 0; i < len(arts); i += 50 {
		chunks <- arts[i:min(i+50, len(arts))]
	}
	close(chunks)
	wg.Wait()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		info, err := stream.Info(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if info.State.Msgs >= uint64(b.N) {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d articles ingested in 5 minutes", info.State.Msgs, b.N)
		}
		time.Sleep(2 * time.Millisecond)
	}
	b.StopTimer()
	reportCPU(b, cpu0)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}
