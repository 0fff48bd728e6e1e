package natsbus_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natsembed"
	"github.com/newsflow/newsflow/pkg/natstest"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

type countingRecorder struct {
	ok, dup, retry, dlq atomic.Int64
	dead                atomic.Int64 // last dead-letter depth reported
}

func (r *countingRecorder) DeadLetters(n uint64) { r.dead.Store(int64(n)) }

func natsembedConfig(store, addr string) natsembed.Config {
	return natsembed.Config{StoreDir: store, Addr: addr}
}

func (r *countingRecorder) Outcome(o string) {
	switch o {
	case pipeline.OutcomeOK:
		r.ok.Add(1)
	case pipeline.OutcomeDuplicate:
		r.dup.Add(1)
	case pipeline.OutcomeRetry:
		r.retry.Add(1)
	case pipeline.OutcomeDLQ:
		r.dlq.Add(1)
	}
}
func (r *countingRecorder) ConsumerInfo(uint64, uint64, uint64) {}

// startWorker runs a worker for the ingest position of the topology with h
// and returns a stop function that waits for it to end.
func startWorker(t *testing.T, js jetstream.JetStream, cfg natsbus.StageConfig, h pipeline.Handler, rec natsbus.Recorder) func() {
	t.Helper()
	w, err := natsbus.NewWorker(js, cfg, h, zaptest.NewLogger(t), rec)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker run: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}

func testStage() natsbus.StageConfig {
	cfg := natsbus.DefaultStageConfig("ingest", natsbus.StreamRaw, natsbus.SubjectRaw+".>", natsbus.SubjectIngested)
	cfg.BackoffBase = 50 * time.Millisecond
	cfg.BackoffMax = 100 * time.Millisecond
	cfg.MaxDeliver = 3
	cfg.ShutdownGrace = 2 * time.Second
	cfg.Concurrency = 4
	cfg.MaxAckPending = 16
	return cfg
}

func publishRaw(t *testing.T, js jetstream.JetStream, source, data string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := js.Publish(ctx, natsbus.RawSubject(source), []byte(data)); err != nil {
		t.Fatal(err)
	}
}

func nextMsg(t *testing.T, js jetstream.JetStream, stream, subject string) jetstream.Msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.Next(jetstream.FetchMaxWait(10 * time.Second))
	if err != nil {
		t.Fatalf("no message on %s: %v", subject, err)
	}
	return m
}

func consumerInfo(t *testing.T, js jetstream.JetStream, stream, name string) *jetstream.ConsumerInfo {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := js.Consumer(ctx, stream, name)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	eventuallyWithin(t, 15*time.Second, what, cond)
}

// eventuallyWithin is eventually with its own wait, for tests whose work
// is large enough that a loaded machine (CI under -race) needs longer.
func eventuallyWithin(t *testing.T, wait time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestWorkerAcksAfterDownstreamPublish(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	rec := &countingRecorder{}
	startWorker(t, js, testStage(), pipeline.HandlerFunc(func(_ context.Context, m *pipeline.Message) ([]*pipeline.Message, error) {
		return []*pipeline.Message{{ID: "a1", Data: append([]byte("out:"), m.Data...)}}, nil
	}), rec)

	publishRaw(t, js, "src", "hello")
	m := nextMsg(t, js, natsbus.StreamArticles, natsbus.SubjectIngested+".src")
	if got := string(m.Data()); got != "out:hello" {
		t.Errorf("output = %q, want %q", got, "out:hello")
	}
	if got := m.Headers().Get(nats.MsgIdHdr); got != "ingested:a1" {
		t.Errorf("Nats-Msg-Id = %q, want ingested:a1", got)
	}
	if m.Headers().Get(pipeline.HeaderPublishedAt) == "" {
		t.Errorf("output lacks %s", pipeline.HeaderPublishedAt)
	}
	eventually(t, "input acked", func() bool {
		info := consumerInfo(t, js, natsbus.StreamRaw, "ingest")
		return info.AckFloor.Stream == 1 && info.NumAckPending == 0
	})
	// The outcome is recorded once the ack has gone, so it may trail the
	// consumer's state by a moment.
	eventually(t, "ok outcome", func() bool { return rec.ok.Load() >= 1 })
	if rec.ok.Load() != 1 {
		t.Errorf("ok outcomes = %d, want 1", rec.ok.Load())
	}
}

func TestWorkerDoesNotAckWhenDownstreamPublishFails(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	rec := &countingRecorder{}
	cfg := testStage()
	cfg.Output = "nowhere.stream" // no stream captures it: no PubAck
	cfg.MaxDeliver = 100
	startWorker(t, js, cfg, pipeline.HandlerFunc(func(_ context.Context, m *pipeline.Message) ([]*pipeline.Message, error) {
		return []*pipeline.Message{{ID: "x", Data: m.Data}}, nil
	}), rec)
	publishRaw(t, js, "src", "hello")
	eventually(t, "a retry", func() bool { return rec.retry.Load() >= 1 })
	info := consumerInfo(t, js, natsbus.StreamRaw, "ingest")
	if info.AckFloor.Stream != 0 {
		t.Errorf("input was acked (ack floor %d) though its output was never stored", info.AckFloor.Stream)
	}
	if rec.ok.Load() != 0 {
		t.Errorf("ok outcomes = %d, want 0", rec.ok.Load())
	}
}

func TestWorkerRedeliversAfterRetryableError(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	rec := &countingRecorder{}
	var calls atomic.Int64
	var attempts []int
	startWorker(t, js, testStage(), pipeline.HandlerFunc(func(_ context.Context, m *pipeline.Message) ([]*pipeline.Message, error) {
		attempts = append(attempts, m.Attempt)
		if calls.Add(1) == 1 {
			return nil, errors.New("database is down")
		}
		return []*pipeline.Message{{ID: "r1", Data: m.Data}}, nil
	}), rec)
	publishRaw(t, js, "src", "retry me")
	m := nextMsg(t, js, natsbus.StreamArticles, natsbus.SubjectIngested+".src")
	if string(m.Data()) != "retry me" {
		t.Errorf("output = %q", m.Data())
	}
	eventually(t, "ok outcome", func() bool { return rec.ok.Load() == 1 })
	if rec.retry.Load() != 1 || rec.dlq.Load() != 0 {
		t.Errorf("retry=%d dlq=%d, want 1 and 0", rec.retry.Load(), rec.dlq.Load())
	}
	if len(attempts) != 2 || attempts[0] != 1 || attempts[1] != 2 {
		t.Errorf("attempts = %v, want [1 2]", attempts)
	}
}

func TestWorkerDeadLettersPermanentErrorWithHeaders(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	rec := &countingRecorder{}
	startWorker(t, js, testStage(), pipeline.HandlerFunc(func(context.Context, *pipeline.Message) ([]*pipeline.Message, error) {
		return nil, pipeline.Permanent(errors.New("body: required: body or html is required\nsecond line"))
	}), rec)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	msg := &nats.Msg{Subject: natsbus.RawSubject("src"), Data: []byte(`{"source":"src"}`), Header: nats.Header{}}
	msg.Header.Set(nats.MsgIdHdr, "orig-1")
	if _, err := js.PublishMsg(ctx, msg); err != nil {
		t.Fatal(err)
	}
	dl := nextMsg(t, js, natsbus.StreamDLQ, natsbus.SubjectDLQ+".ingest")
	if string(dl.Data()) != `{"source":"src"}` {
		t.Errorf("dead letter payload = %q, want the original", dl.Data())
	}
	want := map[string]string{
		natsbus.HeaderStage:    "ingest",
		natsbus.HeaderError:    "body: required: body or html is required second line",
		natsbus.HeaderAttempts: "1",
		natsbus.HeaderSubject:  "articles.raw.src",
		natsbus.HeaderMsgID:    "orig-1",
	}
	for k, v := range want {
		if got := dl.Headers().Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	eventually(t, "input terminated", func() bool {
		return consumerInfo(t, js, natsbus.StreamRaw, "ingest").NumAckPending == 0
	})
	eventually(t, "dlq outcome", func() bool { return rec.dlq.Load() >= 1 })
	if rec.dlq.Load() != 1 {
		t.Errorf("dlq outcomes = %d, want 1", rec.dlq.Load())
	}
}

func TestWorkerDeadLettersAfterLastAttempt(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	rec := &countingRecorder{}
	cfg := testStage()
	startWorker(t, js, cfg, pipeline.HandlerFunc(func(_ context.Context, m *pipeline.Message) ([]*pipeline.Message, error) {
		return nil, errors.New("still failing on attempt " + strconv.Itoa(m.Attempt))
	}), rec)
	publishRaw(t, js, "src", "never works")
	dl := nextMsg(t, js, natsbus.StreamDLQ, natsbus.SubjectDLQ+".ingest")
	if got := dl.Headers().Get(natsbus.HeaderAttempts); got != strconv.Itoa(cfg.MaxDeliver) {
		t.Errorf("attempts = %s, want %d", got, cfg.MaxDeliver)
	}
	if got := dl.Headers().Get(natsbus.HeaderError); got != "still failing on attempt 3" {
		t.Errorf("error header = %q", got)
	}
	if rec.retry.Load() != int64(cfg.MaxDeliver-1) {
		t.Errorf("retries = %d, want %d", rec.retry.Load(), cfg.MaxDeliver-1)
	}
}

func TestWorkerPanicIsDeadLettered(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	rec := &countingRecorder{}
	h := pipeline.Chain(pipeline.HandlerFunc(func(context.Context, *pipeline.Message) ([]*pipeline.Message, error) {
		panic("boom")
	}), pipeline.Recover())
	startWorker(t, js, testStage(), h, rec)
	publishRaw(t, js, "src", "poison")
	dl := nextMsg(t, js, natsbus.StreamDLQ, natsbus.SubjectDLQ+".ingest")
	if got := dl.Headers().Get(natsbus.HeaderError); len(got) < 20 || got[:20] != "handler panic: boom " {
		t.Errorf("error header = %q", got)
	}
}

func TestWorkerDuplicateOutcome(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	rec := &countingRecorder{}
	startWorker(t, js, testStage(), pipeline.HandlerFunc(func(_ context.Context, m *pipeline.Message) ([]*pipeline.Message, error) {
		if string(m.Data) == "seen" {
			return nil, pipeline.ErrDuplicate
		}
		return []*pipeline.Message{{ID: "same", Data: m.Data}}, nil
	}), rec)
	publishRaw(t, js, "src", "first")
	publishRaw(t, js, "src", "second") // same output id: JetStream drops it
	publishRaw(t, js, "src", "seen")
	eventually(t, "three outcomes", func() bool { return rec.ok.Load()+rec.dup.Load() == 3 })
	if rec.ok.Load() != 1 || rec.dup.Load() != 2 {
		t.Errorf("ok=%d dup=%d, want 1 and 2", rec.ok.Load(), rec.dup.Load())
	}
}

// Large messages must not pile up in the client beyond the server's
// per-client pending limit (64 MiB): 80 messages of 2 MiB would be 160 MiB
// with a pull batch of 512 and no byte bound, and the server would cut the
// connection as a slow consumer.
func TestWorkerLargeMessagesStayUnderPendingLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 320 MiB to the store")
	}
	srv := natstest.RunServer(t)
	nc, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	var slow atomic.Int64
	nc.SetErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		if errors.Is(err, nats.ErrSlowConsumer) {
			slow.Add(1)
		}
	})
	const n, size = 80, 2 << 20
	payload := []byte(strings.Repeat("x", size))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for i := 0; i < n; i++ {
		if _, err := js.Publish(ctx, natsbus.RawSubject("big"), payload); err != nil {
			t.Fatal(err)
		}
	}
	rec := &countingRecorder{}
	cfg := testStage()
	cfg.PullBatch = 512
	cfg.Concurrency = 64
	cfg.MaxAckPending = 1024
	var handled atomic.Int64
	startWorker(t, js, cfg, pipeline.HandlerFunc(func(_ context.Context, m *pipeline.Message) ([]*pipeline.Message, error) {
		time.Sleep(20 * time.Millisecond) // slower than delivery: messages wait in the client
		handled.Add(1)
		return nil, nil
	}), rec)
	// 160 MiB through the store: under -race on a loaded machine publishing
	// alone has taken 48 s, so the wait is generous; what is checked is
	// that no slow-consumer error or reconnect happened on the way.
	eventuallyWithin(t, 2*time.Minute, "every large message handled", func() bool { return rec.ok.Load() == n })
	if got := slow.Load(); got != 0 {
		t.Errorf("%d slow-consumer errors: the client buffered more than the server allows", got)
	}
	if nc.Stats().Reconnects != 0 {
		t.Errorf("connection was cut %d times", nc.Stats().Reconnects)
	}
}

// TestWorkerDeadLettersBadItems checks per-item failures: the good outputs
// are published, each bad item gets its own dead letter (its bytes, its
// reason, the contract's headers and the item's own, an id that is the
// same on every delivery of the input), and the input is acked.
func TestWorkerDeadLettersBadItems(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	rec := &countingRecorder{}
	var calls atomic.Int64
	startWorker(t, js, testStage(), pipeline.HandlerFunc(func(_ context.Context, m *pipeline.Message) ([]*pipeline.Message, error) {
		bad := &pipeline.BatchError{}
		bad.Failed(2, errors.New("item 2: no body"), []byte("line two"), pipeline.Header{"Newsflow-Item": {"2"}})
		bad.Failed(3, errors.New("item 3: bad date"), []byte("line three"), nil)
		if calls.Add(1) == 1 {
			// A failure of the whole input: nothing is dead-lettered.
			return nil, errors.New("seen-set unreachable")
		}
		return []*pipeline.Message{{ID: "good-1", Data: []byte("line one")}}, bad.Err()
	}), rec)
	publishRaw(t, js, "src", "line one\nline two\nline three")

	out := nextMsg(t, js, natsbus.StreamArticles, natsbus.SubjectIngested+".src")
	if string(out.Data()) != "line one" {
		t.Errorf("output = %q, want line one", out.Data())
	}
	eventually(t, "input acked", func() bool {
		info := consumerInfo(t, js, natsbus.StreamRaw, "ingest")
		return info.AckFloor.Stream == 1 && info.NumAckPending == 0
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := js.OrderedConsumer(ctx, natsbus.StreamDLQ, jetstream.OrderedConsumerConfig{FilterSubjects: []string{natsbus.SubjectDLQ + ".ingest"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ data, reason, item string }{{"line two", "item 2: no body", "2"}, {"line three", "item 3: bad date", ""}}
	for i, w := range want {
		dl, err := c.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatalf("dead letter %d: %v", i, err)
		}
		h := dl.Headers()
		if string(dl.Data()) != w.data || h.Get(natsbus.HeaderError) != w.reason || h.Get("Newsflow-Item") != w.item {
			t.Errorf("dead letter %d = %q, reason %q, item %q; want %q, %q, %q", i, dl.Data(), h.Get(natsbus.HeaderError), h.Get("Newsflow-Item"), w.data, w.reason, w.item)
		}
		if h.Get(natsbus.HeaderStage) != "ingest" || h.Get(natsbus.HeaderSubject) != "articles.raw.src" || h.Get(natsbus.HeaderAttempts) != "2" ||
			h.Get(natsbus.HeaderStream) != natsbus.StreamRaw || h.Get(natsbus.HeaderStreamSeq) != "1" {
			t.Errorf("dead letter %d headers = %v", i, h)
		}
		if got, want := h.Get(nats.MsgIdHdr), "dlq:ingest:"+natsbus.StreamRaw+":1:"+strconv.Itoa(i+2); got != want {
			t.Errorf("dead letter %d Nats-Msg-Id = %q, want %q", i, got, want)
		}
	}
	if dl, err := c.Next(jetstream.FetchMaxWait(300 * time.Millisecond)); err == nil {
		t.Errorf("extra dead letter %q", dl.Data())
	}
	eventually(t, "ok outcome", func() bool { return rec.ok.Load() == 1 })
	if rec.dlq.Load() != 0 || rec.retry.Load() != 1 {
		t.Errorf("dlq=%d retry=%d, want 0 and 1 (bad items do not dead-letter the input)", rec.dlq.Load(), rec.retry.Load())
	}
}

// stageRecorder is a countingRecorder that is also a StageMetrics.
type stageRecorder struct{ countingRecorder }

func (*stageRecorder) Started()               {}
func (*stageRecorder) Finished(time.Duration) {}
func (*stageRecorder) EndToEnd(time.Duration) {}

// TestStageHandlerTimeout checks that a stage's HandlerTimeout, not its
// AckWait, bounds a handler: a call that outlasts AckWait succeeds once
// (heartbeats keep the message), and one past HandlerTimeout is retried.
func TestStageHandlerTimeout(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	cfg := testStage()
	cfg.AckWait, cfg.HandlerTimeout = time.Second, 5*time.Second
	var calls atomic.Int64
	h := pipeline.HandlerFunc(func(ctx context.Context, m *pipeline.Message) ([]*pipeline.Message, error) {
		n := calls.Add(1)
		wait := 2500 * time.Millisecond // past AckWait, within HandlerTimeout
		if string(m.Data) == "slow" && n == 1 {
			wait = 8 * time.Second // past HandlerTimeout
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return []*pipeline.Message{{ID: string(m.Data) + "-" + strconv.FormatInt(n, 10), Data: m.Data}}, nil
	})
	rec := &stageRecorder{}
	w, err := natsbus.NewStage(js, cfg, h, zaptest.NewLogger(t), rec)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	publishRaw(t, js, "src", "steady")
	eventually(t, "steady acked", func() bool { return rec.ok.Load() >= 1 })
	if n := calls.Load(); n != 1 {
		t.Errorf("a handler slower than AckWait was called %d times, want 1", n)
	}
	calls.Store(0)
	publishRaw(t, js, "src", "slow")
	eventually(t, "slow acked after a retry", func() bool { return rec.ok.Load() >= 2 })
	if n := calls.Load(); n != 2 {
		t.Errorf("a handler past HandlerTimeout was called %d times, want 2 (timed out, then done)", n)
	}
}
