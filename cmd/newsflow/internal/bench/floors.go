package bench

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/pipeline"
	"github.com/newsflow/newsflow/pkg/search/bleveindex"
	"github.com/newsflow/newsflow/services/enrich"
	"github.com/newsflow/newsflow/services/index"
	"github.com/newsflow/newsflow/services/ingest"
)

// Floors are the stages' own costs per article, measured in the bench's
// process on the same articles as the pipeline run, and their sum as the
// bound the full pipeline can reach on this machine.
type Floors struct {
	// IngestMs, EnrichMs and IndexMs are wall milliseconds per article of
	// each stage's handler alone, with no bus: ingest with an in-memory
	// seen-set, enrich with in-memory boilerplate and SimHash stores,
	// index writing a fresh embedded index in batches as the stage does.
	// Each runs Concurrency handlers at once, as the stage does. IndexMs
	// runs until the index's background merges have settled (no merge
	// left to plan), so it includes the merge work its writes caused;
	// IndexSettleMs is the part of it after the last write.
	IngestMs      float64 `json:"ingest_ms"`
	EnrichMs      float64 `json:"enrich_ms"`
	IndexMs       float64 `json:"index_ms"`
	IndexSettleMs float64 `json:"index_settle_ms"`
	// BusMs is the raw three-hop JetStream baseline per article.
	BusMs float64 `json:"bus_ms"`
	// SumMs is their sum; BoundPerS its inverse: what the pipeline would
	// do if it added nothing to its parts.
	SumMs     float64 `json:"sum_ms"`
	BoundPerS float64 `json:"bound_per_s"`
	// PipelinePerS is the pipeline's indexed rate of the same run, and
	// OfBound its ratio to BoundPerS.
	PipelinePerS float64 `json:"pipeline_per_s"`
	OfBound      float64 `json:"of_bound"`
	Concurrency  int     `json:"concurrency"`
	// Articles is how many went through all three handlers (the others
	// were refused, as in the pipeline).
	Articles int `json:"articles"`
}

// floorConcurrency is how many handlers run at once in a floor, the
// stages' default --concurrency.
const floorConcurrency = 256

// settlePoll is how often the index floor looks whether merges settled.
const settlePoll = 20 * time.Millisecond

// memSeen is an in-memory seen-set for the ingest floor: the KV round
// trips are the bus's part, not the stage's.
type memSeen struct {
	mu sync.Mutex
	m  map[string]ingest.SeenVersion
}

func (s *memSeen) Record(_ context.Context, v ingest.SeenVersion) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[v.ID]
	if ok && e.Hash == v.Hash && e.Seq != v.Seq {
		return true, nil
	}
	s.m[v.ID] = v
	return false, nil
}

func (s *memSeen) Check(context.Context, ingest.SeenVersion) error { return nil }

// Claimed: the floors publish no edge claims.
func (s *memSeen) Claimed(context.Context, ingest.SeenVersion) (bool, error) { return false, nil }

// runFloors measures the floors of the three stages on payloads.
func runFloors(ctx context.Context, payloads [][]byte, sources []string) (*Floors, error) {
	in := make([]*pipeline.Message, len(payloads))
	for i, p := range payloads {
		in[i] = &pipeline.Message{ID: fmt.Sprint(i), Source: sources[i], Data: p, Header: pipeline.Header{}, Attempt: 1, Seq: uint64(i + 1), Stored: time.Now()}
	}
	f := &Floors{Concurrency: floorConcurrency}

	ih := ingest.NewHandler(&memSeen{m: map[string]ingest.SeenVersion{}}, article.Limits{}, time.Now, ingest.HandlerOptions{})
	ingested, d, err := runStage(ctx, ih, in)
	if err != nil {
		return nil, fmt.Errorf("ingest floor: %w", err)
	}
	f.IngestMs = perArticleMs(d, len(in))

	eh := enrich.NewEnricher(enrich.StepsWith(enrich.Stores{}), time.Now)
	enriched, d, err := runStage(ctx, eh, ingested)
	if err != nil {
		return nil, fmt.Errorf("enrich floor: %w", err)
	}
	f.EnrichMs = perArticleMs(d, len(ingested))

	dir, err := os.MkdirTemp("", "newsflow-bench-floor-*")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	// The same Bleve configuration as the pipeline's index stage when the
	// variable is set for both.
	idx, err := bleveindex.OpenWith(dir+"/index", os.Getenv(bleveindex.ConfigEnv))
	if err != nil {
		return nil, fmt.Errorf("index floor: %w", err)
	}
	defer func() { _ = idx.Close() }()
	ic := index.DefaultConfig()
	b := index.NewBatcher(idx, ic.BatchWriters, ic.BatchSize, ic.BatchBytes, ic.BatchWait, nil)
	bctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); b.Run(bctx) }()
	start := time.Now()
	indexed, _, err := runStage(ctx, index.NewHandler(b, time.Now), enriched)
	stop()
	<-done
	if err != nil {
		return nil, fmt.Errorf("index floor: %w", err)
	}
	// The merges the writes left behind are the stage's work too: the
	// pipeline pays them while it runs.
	written := time.Now()
	if err := idx.Settle(ctx, settlePoll); err != nil {
		return nil, fmt.Errorf("index floor: wait for merges: %w", err)
	}
	f.IndexMs = perArticleMs(time.Since(start), len(enriched))
	f.IndexSettleMs = perArticleMs(time.Since(written), len(enriched))
	f.Articles = len(indexed)
	return f, nil
}

// complete adds the bus and the pipeline's rate of the same run.
func (f *Floors) complete(baselinePerS, pipelinePerS float64) {
	if baselinePerS > 0 {
		f.BusMs = round3(1000 / baselinePerS)
	}
	f.SumMs = round3(f.IngestMs + f.EnrichMs + f.IndexMs + f.BusMs)
	if f.SumMs > 0 {
		f.BoundPerS = round2(1000 / f.SumMs)
	}
	f.PipelinePerS = pipelinePerS
	if f.BoundPerS > 0 {
		f.OfBound = round2(pipelinePerS / f.BoundPerS)
	}
}

// runStage runs h over msgs, floorConcurrency at once, and returns the
// first output of each (in order) and the wall time.
//
// Articles the handler refuses are left out of the next stage's input.
func runStage(ctx context.Context, h pipeline.Handler, msgs []*pipeline.Message) ([]*pipeline.Message, time.Duration, error) {
	out := make([]*pipeline.Message, len(msgs))
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range floorConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(msgs) || ctx.Err() != nil {
					return
				}
				res, err := h.Process(ctx, msgs[i])
				if err != nil {
					// Refused as in the pipeline (invalid, a duplicate):
					// not passed on, counted.
					failed.Add(1)
					continue
				}
				if len(res) > 0 {
					o := res[0]
					o.Attempt, o.Seq, o.Stored = 1, msgs[i].Seq, time.Now()
					out[i] = o
				}
			}
		}()
	}
	wg.Wait()
	d := time.Since(start)
	if n := failed.Load(); n == int64(len(msgs)) && n > 0 {
		return nil, d, fmt.Errorf("the handler refused all %d articles", n)
	}
	kept := out[:0]
	for _, o := range out {
		if o != nil {
			kept = append(kept, o)
		}
	}
	return kept, d, ctx.Err()
}

func perArticleMs(d time.Duration, n int) float64 {
	if n == 0 {
		return 0
	}
	return round3(d.Seconds() * 1000 / float64(n))
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }
