package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/pkg/intake"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natsembed"
	"github.com/newsflow/newsflow/pkg/natstest"
	"github.com/newsflow/newsflow/pkg/pipeline"
	"github.com/newsflow/newsflow/pkg/telemetry"
)

// corpusLines returns every article line of the corpus JSONL files.
func corpusLines(b *testing.B) [][]byte {
	b.Helper()
	files, err := filepath.Glob(filepath.Join(corpus.Dir(b), "*.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	var lines [][]byte
	for _, f := range files {
		if filepath.Base(f) == "near_duplicates.jsonl" {
			continue
		}
		fh, err := os.Open(f)
		if err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 8<<20)
		for sc.Scan() {
			lines = append(lines, bytes.Clone(sc.Bytes()))
		}
		_ = fh.Close()
	}
	if len(lines) == 0 {
		b.Fatal("no corpus lines")
	}
	return lines
}

// reidentified returns n raw JSON articles made of the corpus lines, each
// with a unique id, so that none is a duplicate of another.
func reidentified(b *testing.B, lines [][]byte, n int) [][]byte {
	b.Helper()
	out := make([][]byte, n)
	for i := range out {
		var m map[string]any
		if err := json.Unmarshal(lines[i%len(lines)], &m); err != nil {
			b.Fatal(err)
		}
		m["id"] = fmt.Sprintf("%v-%d", m["id"], i)
		data, err := json.Marshal(m)
		if err != nil {
			b.Fatal(err)
		}
		out[i] = data
	}
	return out
}

// BenchmarkHandlerPath is the ingest work per article without NATS:
// decode the JSON input, normalise, validate, derive the id and hash,
// encode the canonical article. One op is one corpus article.
func BenchmarkHandlerPath(b *testing.B) {
	lines := corpusLines(b)
	var bytesIn int64
	for _, l := range lines {
		bytesIn += int64(len(l))
	}
	b.SetBytes(bytesIn / int64(len(lines)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		a, err := article.DecodeInput(lines[i%len(lines)])
		if err != nil {
			b.Fatal(err)
		}
		if err := intake.Prepare(a, article.Limits{}); err != nil {
			b.Fatal(err)
		}
		if _, err := article.Encode(a); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu0)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
}

// processCPU is the CPU time (user and system) this process has used: on
// a machine shared with other work it measures the cost of an article
// better than the wall clock does. The embedded NATS server runs in this
// process, so the stage figures include its work.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU microseconds per article since cpu0, and what
// they allow on 2 cores.
func reportCPU(b *testing.B, cpu0 time.Duration) {
	per := (processCPU() - cpu0) / time.Duration(b.N)
	b.ReportMetric(float64(per.Nanoseconds())/1e3, "cpu-µs/article")
	if per > 0 {
		b.ReportMetric(2*float64(time.Second)/float64(per), "articles/s@2cores")
	}
}

// BenchmarkHandlerPathParallel is the same on every core.
func BenchmarkHandlerPathParallel(b *testing.B) {
	lines := corpusLines(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			a, err := article.DecodeInput(lines[i%len(lines)])
			if err != nil {
				b.Fatal(err)
			}
			if err := intake.Prepare(a, article.Limits{}); err != nil {
				b.Fatal(err)
			}
			if _, err := article.Encode(a); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
}

// BenchmarkSeenRecord is one seen-set decision for a new article: the
// key-value round trip every article pays, 64 at a time.
func BenchmarkSeenRecord(b *testing.B) {
	srv := natstest.RunServer(b)
	_, js := natstest.Connect(b, srv)
	ctx := context.Background()
	seen, err := OpenSeenSet(ctx, js, time.Hour, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(32) // 64 goroutines on 2 cores
	b.ResetTimer()
	cpu0 := processCPU()
	var n int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), n)
			if _, err := seen.Record(ctx, SeenVersion{ID: id, Hash: "hash", Source: "bench", Seq: 1}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportCPU(b, cpu0)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
}

// BenchmarkStage runs the ingest stage as deployed (durable consumer,
// seen-set, async publish of the outputs, ack after the PubAcks) on an
// embedded NATS server with file storage. b.N raw articles are stored
// before the clock starts; the clock stops when the last one is on
// articles.ingested. batch=1 is one article per raw message; batch=100
// sends NDJSON batches of 100.
func BenchmarkStage(b *testing.B) {
	lines := corpusLines(b)
	for _, batch := range []int{1, 100} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			benchStage(b, lines, batch, false)
		})
	}
	// The same bus work with a handler that forwards each raw message
	// unchanged: what consuming, publishing and acking cost without
	// ingest's own work.
	b.Run("passthrough", func(b *testing.B) {
		benchStage(b, lines, 1, true)
	})
}

func benchStage(b *testing.B, lines [][]byte, batch int, passthrough bool) {
	srv := natstest.RunServerWith(b, natsembed.Config{Logs: os.Getenv("BENCH_NATS_LOGS") != ""})
	nc, js := natstest.Connect(b, srv)
	natstest.Topology(b, js)
	ctx := context.Background()
	seen, err := OpenSeenSet(ctx, js, time.Hour, 1)
	if err != nil {
		b.Fatal(err)
	}
	payloads := reidentified(b, lines, b.N)
	pjs, err := natsbus.NewJetStream(nc)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < len(payloads); {
		end, size := i, 0
		for end < len(payloads) && end-i < batch && (end == i || size+len(payloads[end]) < 512<<10) {
			size += len(payloads[end]) + 1
			end++
		}
		msg := &nats.Msg{Subject: natsbus.RawSubject("bench"), Header: nats.Header{}}
		if batch == 1 {
			msg.Data = payloads[i]
		} else {
			msg.Data = bytes.Join(payloads[i:end], []byte("\n")) // at most 512 KiB, under max_payload
			msg.Header.Set("Content-Type", "application/x-ndjson")
		}
		if _, err := pjs.PublishMsgAsync(msg); err != nil {
			b.Fatal(err)
		}
		i = end
	}
	select {
	case <-pjs.PublishAsyncComplete():
	case <-time.After(5 * time.Minute):
		b.Fatal("raw publish did not complete in 5 minutes")
	}

	tm, err := telemetry.NewMetrics(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	cfg := DefaultConfig().Stage
	if batch > 1 {
		// 512 buffered messages of up to 512 KiB would pass the server's
		// 64 MiB pending limit for a client: pull fewer.
		cfg.PullBatch = 32
	}
	stage := tm.Stage(cfg.Name)
	var h pipeline.Handler = NewHandler(seen, article.Limits{}, time.Now, HandlerOptions{})
	if passthrough {
		h = pipeline.HandlerFunc(func(_ context.Context, in *pipeline.Message) ([]*pipeline.Message, error) {
			return []*pipeline.Message{{ID: fmt.Sprintf("p%d", in.Seq), Source: in.Source, Data: in.Data}}, nil
		})
	}
	w, err := natsbus.NewStage(pjs, cfg, h, zap.NewNop(), stage)
	if err != nil {
		b.Fatal(err)
	}
	stream, err := js.Stream(ctx, natsbus.StreamArticles)
	if err != nil {
		b.Fatal(err)
	}
	if path := os.Getenv("BENCH_STAGE_CPUPROFILE"); path != "" {
		// A profile of the stage alone, without the setup above.
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
		defer func() {
			pprof.StopCPUProfile()
			_ = f.Close()
		}()
	}
	b.ResetTimer()
	cpu0 := processCPU()
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(rctx) }()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		ictx, icancel := context.WithTimeout(ctx, time.Minute)
		info, err := stream.Info(ictx)
		icancel()
		if err != nil {
			b.Fatalf("read the state of %s: %v", natsbus.StreamArticles, err)
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
