package natsbus_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natstest"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

// BenchmarkWorkerPassThrough measures one stage of the delivery machinery
// on an embedded server with file storage: fetch, a handler that returns
// its input, async publish of the output, ack when the PubAck arrives.
// Each op is one 4 KiB message through the stage; the messages are stored
// before the timer starts.
func BenchmarkWorkerPassThrough(b *testing.B) {
	srv := natstest.RunServer(b)
	_, js := natstest.Connect(b, srv)
	natstest.Topology(b, js)
	nc2, _ := natstest.Connect(b, srv)
	wjs, err := natsbus.NewJetStream(nc2)
	if err != nil {
		b.Fatal(err)
	}
	payload := make([]byte, 4096)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		if _, err := js.PublishAsync(natsbus.RawSubject("bench"), payload); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(time.Minute):
		b.Fatal("publishing did not complete")
	}
	var done atomic.Int64
	all := make(chan struct{})
	cfg := natsbus.DefaultStageConfig("ingest", natsbus.StreamRaw, natsbus.SubjectRaw+".>", natsbus.SubjectIngested)
	h := pipeline.HandlerFunc(func(_ context.Context, m *pipeline.Message) ([]*pipeline.Message, error) {
		return []*pipeline.Message{{ID: strconv.FormatUint(m.Seq, 10), Data: m.Data}}, nil
	})
	rec := &doneRecorder{n: &done, want: int64(b.N), all: all}
	w, err := natsbus.NewWorker(wjs, cfg, h, zap.NewNop(), rec)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(payload)))
	b.ResetTimer()
	wctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- w.Run(wctx) }()
	select {
	case <-all:
	case <-time.After(5 * time.Minute):
		b.Fatalf("%d of %d messages handled", done.Load(), b.N)
	}
	b.StopTimer()
	cancel()
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

type doneRecorder struct {
	n    *atomic.Int64
	want int64
	all  chan struct{}
}

func (r *doneRecorder) Outcome(o string) {
	if o == pipeline.OutcomeOK && r.n.Add(1) == r.want {
		close(r.all)
	}
}
func (r *doneRecorder) ConsumerInfo(uint64, uint64, uint64) {}

// BenchmarkDLQList measures reading dead letters back (newsflow dlq list).
func BenchmarkDLQList(b *testing.B) {
	srv := natstest.RunServer(b)
	_, js := natstest.Connect(b, srv)
	natstest.Topology(b, js)
	const n = 1000
	for i := 0; i < n; i++ {
		if _, err := js.PublishAsync(natsbus.SubjectDLQ+".ingest", []byte(`{"source":"x"}`)); err != nil {
			b.Fatal(err)
		}
	}
	<-js.PublishAsyncComplete()
	dlq := natsbus.NewDLQ(js)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got := 0
		if err := dlq.List(context.Background(), "", func(natsbus.DLQEntry) error { got++; return nil }); err != nil {
			b.Fatal(err)
		}
		if got != n {
			b.Fatalf("listed %d, want %d", got, n)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "entries/s")
}
