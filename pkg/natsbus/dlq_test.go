package natsbus_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natstest"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

func ctxT(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// dlqMessages reads every message of ARTICLES_DLQ.
func dlqMessages(t *testing.T, js jetstream.JetStream) []natsbus.DLQEntry {
	t.Helper()
	var out []natsbus.DLQEntry
	if err := natsbus.NewDLQ(js).List(ctxT(t, 10*time.Second), "", func(d natsbus.DLQEntry) error {
		out = append(out, d)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// crashDeliveries fetches the next message of the stage's consumer n times
// without acknowledging it, as n workers that crashed while handling it.
func crashDeliveries(t *testing.T, js jetstream.JetStream, cfg natsbus.StageConfig, n int) {
	t.Helper()
	w, err := natsbus.NewWorker(js, cfg, pipeline.HandlerFunc(func(context.Context, *pipeline.Message) ([]*pipeline.Message, error) {
		return nil, nil
	}), zaptest.NewLogger(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := w.EnsureConsumer(ctxT(t, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		m, err := cons.Next(jetstream.FetchMaxWait(cfg.AckWait + 5*time.Second))
		if err != nil {
			t.Fatalf("delivery %d: %v", i, err)
		}
		meta, _ := m.Metadata()
		if int(meta.NumDelivered) != i {
			t.Fatalf("delivery count = %d, want %d", meta.NumDelivered, i)
		}
	}
}

func TestWorkerDeadLettersMessageWhoseLastDeliveryCrashed(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for ack timeouts; runs in the full suite")
	}
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	cfg := testStage()
	cfg.MaxDeliver = 2
	cfg.AckWait = time.Second

	msg := &nats.Msg{Subject: natsbus.RawSubject("src"), Data: []byte(`{"source":"src","body":"x"}`), Header: nats.Header{}}
	msg.Header.Set(nats.MsgIdHdr, "orig-7")
	msg.Header.Set("Newsflow-Title", "kept")
	if _, err := js.PublishMsg(ctxT(t, 5*time.Second), msg); err != nil {
		t.Fatal(err)
	}
	crashDeliveries(t, js, cfg, cfg.MaxDeliver)

	// Two replicas come up; the server gives up on the message after its
	// last AckWait and one of them dead-letters it.
	var calls atomic.Int64
	h := pipeline.HandlerFunc(func(_ context.Context, m *pipeline.Message) ([]*pipeline.Message, error) {
		calls.Add(1)
		return []*pipeline.Message{{ID: "x", Data: m.Data}}, nil
	})
	recA, recB := &countingRecorder{}, &countingRecorder{}
	startWorker(t, js, cfg, h, recA)
	startWorker(t, js, cfg, h, recB)

	dl := nextMsg(t, js, natsbus.StreamDLQ, natsbus.SubjectDLQ+".ingest")
	want := map[string]string{
		natsbus.HeaderStage:     "ingest",
		natsbus.HeaderAttempts:  "2",
		natsbus.HeaderSubject:   "articles.raw.src",
		natsbus.HeaderMsgID:     "orig-7",
		natsbus.HeaderStream:    natsbus.StreamRaw,
		natsbus.HeaderStreamSeq: "1",
		"Newsflow-Title":        "kept",
	}
	for k, v := range want {
		if got := dl.Headers().Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if got := dl.Headers().Get(natsbus.HeaderError); !strings.Contains(got, "delivery attempts exhausted") {
		t.Errorf("error header = %q, want the exhausted reason", got)
	}
	if string(dl.Data()) != string(msg.Data) {
		t.Errorf("payload = %q, want the original", dl.Data())
	}
	eventually(t, "the advisory handled", func() bool {
		return consumerInfo(t, js, natsbus.StreamAdvisories, "ingest-max-deliveries").NumAckPending == 0 &&
			consumerInfo(t, js, natsbus.StreamAdvisories, "ingest-max-deliveries").NumPending == 0
	})
	if n := len(dlqMessages(t, js)); n != 1 {
		t.Errorf("dead letters = %d, want 1", n)
	}
	if recA.dlq.Load()+recB.dlq.Load() != 1 {
		t.Errorf("dlq outcomes = %d + %d, want 1 in total", recA.dlq.Load(), recB.dlq.Load())
	}
	if calls.Load() != 0 {
		t.Errorf("handler ran %d times on a message whose deliveries were exhausted", calls.Load())
	}
}

func TestMaxDeliveriesAdvisoryIsIdempotent(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	cfg := testStage()
	cfg.InfoInterval = 100 * time.Millisecond
	rec := &countingRecorder{}
	startWorker(t, js, cfg, pipeline.HandlerFunc(func(context.Context, *pipeline.Message) ([]*pipeline.Message, error) {
		return nil, pipeline.Permanent(errors.New("no good"))
	}), rec)
	publishRaw(t, js, "src", "poison")
	eventually(t, "the worker's dead letter", func() bool { return rec.dlq.Load() == 1 })

	advSubject := natsbus.SubjectMaxDeliveries + "." + natsbus.StreamRaw + ".ingest"
	publish := func(data string) {
		t.Helper()
		if _, err := js.Publish(ctxT(t, 5*time.Second), advSubject, []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	// The same message again (a worker that dead-lettered it and crashed
	// before its Term), a message no longer in the stream, and garbage.
	publish(`{"type":"io.nats.jetstream.advisory.v1.max_deliver","stream":"ARTICLES_RAW","consumer":"ingest","stream_seq":1,"deliveries":5}`)
	publish(`{"type":"io.nats.jetstream.advisory.v1.max_deliver","stream":"ARTICLES_RAW","consumer":"ingest","stream_seq":999,"deliveries":5}`)
	publish(`not json`)
	eventually(t, "every advisory handled", func() bool {
		info := consumerInfo(t, js, natsbus.StreamAdvisories, "ingest-max-deliveries")
		return info.NumPending == 0 && info.NumAckPending == 0 && info.AckFloor.Stream == 3
	})
	if got := dlqMessages(t, js); len(got) != 1 {
		t.Errorf("dead letters = %d, want 1: %+v", len(got), got)
	}
	if rec.dlq.Load() != 1 {
		t.Errorf("dlq outcomes = %d, want 1", rec.dlq.Load())
	}
	eventually(t, "dlq depth reported", func() bool { return rec.dead.Load() == 1 })
}

func TestWorkerRecreatesDeletedConsumer(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	cfg := testStage()
	cfg.InfoInterval = 100 * time.Millisecond
	rec := &countingRecorder{}
	startWorker(t, js, cfg, pipeline.HandlerFunc(func(_ context.Context, m *pipeline.Message) ([]*pipeline.Message, error) {
		return []*pipeline.Message{{ID: string(m.Data), Data: m.Data}}, nil
	}), rec)
	publishRaw(t, js, "src", "before")
	eventually(t, "first message", func() bool { return rec.ok.Load() == 1 })
	if err := js.DeleteConsumer(ctxT(t, 5*time.Second), natsbus.StreamRaw, "ingest"); err != nil {
		t.Fatal(err)
	}
	publishRaw(t, js, "src", "after")
	eventually(t, "second message after the consumer was deleted", func() bool { return rec.ok.Load() >= 2 })
}

func TestWorkerCarriesOnAcrossServerRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for ack timeouts; runs in the full suite")
	}
	store := t.TempDir()
	srv := natstest.RunServerWith(t, natsembedConfig(store, "127.0.0.1:-1"))
	addr := srv.Addr().String()
	nc, js := natstest.Connect(t, srv, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	natstest.Topology(t, js)
	cfg := testStage()
	cfg.AckWait = 2 * time.Second
	rec := &countingRecorder{}
	startWorker(t, js, cfg, pipeline.HandlerFunc(func(_ context.Context, m *pipeline.Message) ([]*pipeline.Message, error) {
		return []*pipeline.Message{{ID: string(m.Data), Data: m.Data}}, nil
	}), rec)
	ready := natsbus.Ready(nc, js)
	publishRaw(t, js, "src", "one")
	eventually(t, "first message", func() bool { return rec.ok.Load() == 1 })
	if err := ready(ctxT(t, 2*time.Second)); err != nil {
		t.Fatalf("ready before the restart: %v", err)
	}

	srv.Shutdown()
	srv.WaitForShutdown()
	eventually(t, "not ready while the server is down", func() bool {
		return ready(ctxT(t, time.Second)) != nil
	})
	srv2 := natstest.RunServerWith(t, natsembedConfig(store, addr))
	_ = srv2
	eventually(t, "ready again", func() bool { return ready(ctxT(t, time.Second)) == nil })
	publishRaw(t, js, "src", "two")
	eventually(t, "second message after the restart", func() bool { return rec.ok.Load() == 2 })
	m := nextMsg(t, js, natsbus.StreamArticles, natsbus.SubjectIngested+".src")
	if m == nil {
		t.Fatal("no output")
	}
}

func TestWorkerHandsBackUnstartedMessagesOnShutdown(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	cfg := testStage()
	cfg.AckWait = time.Minute // a message not handed back would wait this long
	cfg.Concurrency = 1
	cfg.PullBatch = 10
	cfg.ShutdownGrace = 10 * time.Second
	release := make(chan struct{})
	var startedA atomic.Int64
	stopA := startWorker(t, js, cfg, pipeline.HandlerFunc(func(_ context.Context, m *pipeline.Message) ([]*pipeline.Message, error) {
		startedA.Add(1)
		<-release
		return []*pipeline.Message{{ID: string(m.Data), Data: m.Data}}, nil
	}), nil)
	for i := range 5 {
		publishRaw(t, js, "src", "m"+strconv.Itoa(i))
	}
	eventually(t, "replica A busy with its first message", func() bool { return startedA.Load() == 1 })
	stopped := make(chan struct{})
	go func() {
		stopA()
		close(stopped)
	}()
	time.Sleep(200 * time.Millisecond)
	close(release) // the in-flight message finishes within the grace period
	<-stopped
	if startedA.Load() != 1 {
		t.Errorf("replica A started %d messages after shutdown began, want 1", startedA.Load())
	}
	recB := &countingRecorder{}
	startWorker(t, js, cfg, pipeline.HandlerFunc(func(_ context.Context, m *pipeline.Message) ([]*pipeline.Message, error) {
		return []*pipeline.Message{{ID: string(m.Data), Data: m.Data}}, nil
	}), recB)
	// Well before AckWait: the four unstarted messages were handed back.
	eventually(t, "replica B takes the rest", func() bool { return recB.ok.Load() == 4 })
	info := consumerInfo(t, js, natsbus.StreamRaw, "ingest")
	if info.AckFloor.Stream != 5 {
		t.Errorf("ack floor = %d, want 5", info.AckFloor.Stream)
	}
}

func TestWorkerRerunGetsFreshMsgIDs(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	rec := &countingRecorder{}
	startWorker(t, js, testStage(), pipeline.HandlerFunc(func(_ context.Context, m *pipeline.Message) ([]*pipeline.Message, error) {
		return []*pipeline.Message{{ID: "same", Data: m.Data}}, nil
	}), rec)
	publishRaw(t, js, "src", "first run")
	rerun := &nats.Msg{Subject: natsbus.RawSubject("src"), Data: []byte("second run"), Header: nats.Header{}}
	rerun.Header.Set(pipeline.HeaderRerun, "rp-1")
	if _, err := js.PublishMsg(ctxT(t, 5*time.Second), rerun); err != nil {
		t.Fatal(err)
	}
	eventually(t, "two outcomes", func() bool { return rec.ok.Load()+rec.dup.Load() == 2 })
	if rec.ok.Load() != 2 {
		t.Fatalf("ok = %d, dup = %d: the rerun's output was swallowed as a duplicate", rec.ok.Load(), rec.dup.Load())
	}
	s, err := js.Stream(ctxT(t, 5*time.Second), natsbus.StreamArticles)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetMsg(ctxT(t, 5*time.Second), 1)
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Data) != "second run" {
		if m, err = s.GetMsg(ctxT(t, 5*time.Second), 2); err != nil {
			t.Fatal(err)
		}
	}
	if got := m.Header.Get(nats.MsgIdHdr); got != "ingested:same:rerun:rp-1" {
		t.Errorf("rerun output Nats-Msg-Id = %q", got)
	}
	if got := m.Header.Get(pipeline.HeaderRerun); got != "rp-1" {
		t.Errorf("rerun output %s = %q, want rp-1", pipeline.HeaderRerun, got)
	}
}

func TestDLQListShowReplayPurge(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	rec := &countingRecorder{}
	var fail atomic.Bool
	fail.Store(true)
	startWorker(t, js, testStage(), pipeline.HandlerFunc(func(_ context.Context, m *pipeline.Message) ([]*pipeline.Message, error) {
		if fail.Load() {
			return nil, pipeline.Permanentf("body: required: %s", m.Data)
		}
		return []*pipeline.Message{{ID: string(m.Data), Data: m.Data, Header: pipeline.Header{
			"Seen-Rerun":    {m.Header.Get(pipeline.HeaderRerun)},
			"Seen-Revision": {m.Header.Get(pipeline.HeaderRevision)},
		}}}, nil
	}), rec)
	publishRaw(t, js, "src", "a")
	publishRaw(t, js, "other", "b")
	eventually(t, "two dead letters", func() bool { return rec.dlq.Load() == 2 })
	// A dead letter of another stage, as enrich would write it.
	enr := &nats.Msg{Subject: natsbus.SubjectDLQ + ".enrich", Data: []byte(`{"id":"x"}`), Header: nats.Header{}}
	enr.Header.Set(natsbus.HeaderStage, "enrich")
	enr.Header.Set(natsbus.HeaderError, "decode ingested article: malformed")
	enr.Header.Set(natsbus.HeaderAttempts, "1")
	enr.Header.Set(natsbus.HeaderSubject, natsbus.SubjectIngested+".src")
	if _, err := js.PublishMsg(ctxT(t, 5*time.Second), enr); err != nil {
		t.Fatal(err)
	}
	dlq := natsbus.NewDLQ(js)
	ctx := ctxT(t, 30*time.Second)

	depth, err := dlq.Depth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if depth["ingest"] != 2 || depth["enrich"] != 1 {
		t.Errorf("depth = %v, want ingest 2, enrich 1", depth)
	}
	all := dlqMessages(t, js)
	if len(all) != 3 {
		t.Fatalf("list = %d dead letters, want 3", len(all))
	}
	var ingestOnly []natsbus.DLQEntry
	if err := dlq.List(ctx, "ingest", func(d natsbus.DLQEntry) error {
		ingestOnly = append(ingestOnly, d)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(ingestOnly) == 2 && ingestOnly[0].Subject != "articles.raw.src" {
		ingestOnly[0], ingestOnly[1] = ingestOnly[1], ingestOnly[0] // handled concurrently
	}
	if len(ingestOnly) != 2 || ingestOnly[0].Error != "body: required: a" || ingestOnly[0].Subject != "articles.raw.src" ||
		ingestOnly[0].Attempts != 1 || ingestOnly[0].Stream != natsbus.StreamRaw || ingestOnly[0].StreamSeq != 1 {
		t.Errorf("ingest dead letters = %+v", ingestOnly)
	}
	got, err := dlq.Get(ctx, ingestOnly[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Data) != "b" || got.Stage != "ingest" {
		t.Errorf("show = %+v", got)
	}
	js1, err := json.Marshal(got)
	if err != nil || !strings.Contains(string(js1), `"payload_text":"b"`) {
		t.Errorf("json = %s, %v", js1, err)
	}
	if _, err := dlq.Get(ctx, 999); !errors.Is(err, natsbus.ErrDeadLetterNotFound) {
		t.Errorf("get 999: %v, want ErrDeadLetterNotFound", err)
	}

	// Replay after the "fix": the original goes back to ingest and leaves
	// the DLQ.
	fail.Store(false)
	subj, err := dlq.Replay(ctx, ingestOnly[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if subj != "articles.raw.src" {
		t.Errorf("replayed to %q", subj)
	}
	out := nextMsg(t, js, natsbus.StreamArticles, natsbus.SubjectIngested+".src")
	if string(out.Data()) != "a" {
		t.Errorf("replayed output = %q, want a", out.Data())
	}
	if out.Headers().Get("Seen-Rerun") != "dlq-"+strconv.FormatUint(ingestOnly[0].ID, 10) || out.Headers().Get("Seen-Revision") != "1" {
		t.Errorf("replayed input headers: rerun %q revision %q", out.Headers().Get("Seen-Rerun"), out.Headers().Get("Seen-Revision"))
	}
	if _, err := dlq.Replay(ctx, ingestOnly[0].ID); !errors.Is(err, natsbus.ErrDeadLetterNotFound) {
		t.Errorf("second replay: %v, want ErrDeadLetterNotFound", err)
	}
	if n := len(dlqMessages(t, js)); n != 2 {
		t.Errorf("after replay %d dead letters, want 2", n)
	}

	n, err := dlq.Purge(ctx, "enrich")
	if err != nil || n != 1 {
		t.Errorf("purge enrich = %d, %v; want 1", n, err)
	}
	n, err = dlq.Purge(ctx, "")
	if err != nil || n != 1 {
		t.Errorf("purge all = %d, %v; want 1", n, err)
	}
	if n := len(dlqMessages(t, js)); n != 0 {
		t.Errorf("after purge %d dead letters, want 0", n)
	}
}

func TestDLQReplayRefusesForeignSubject(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	m := &nats.Msg{Subject: natsbus.SubjectDLQ + ".ingest", Data: []byte("x"), Header: nats.Header{}}
	m.Header.Set(natsbus.HeaderSubject, "$JS.API.STREAM.DELETE.ARTICLES")
	if _, err := js.PublishMsg(ctxT(t, 5*time.Second), m); err != nil {
		t.Fatal(err)
	}
	if _, err := natsbus.NewDLQ(js).Replay(ctxT(t, 5*time.Second), 1); !errors.Is(err, natsbus.ErrNotReplayable) {
		t.Errorf("replay: %v, want ErrNotReplayable", err)
	}
}

func FuzzDecodeMaxDeliveriesAdvisory(f *testing.F) {
	f.Add([]byte(`{"type":"io.nats.jetstream.advisory.v1.max_deliver","id":"x","timestamp":"2026-01-02T03:04:05Z","stream":"ARTICLES_RAW","consumer":"ingest","stream_seq":12,"deliveries":5}`))
	f.Add([]byte(`{"stream":"A","consumer":"b","stream_seq":0}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"stream_seq":-1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := natsbus.DecodeMaxDeliveriesAdvisory(data)
		if err != nil {
			if !errors.Is(err, natsbus.ErrBadAdvisory) {
				t.Fatalf("error %v does not wrap ErrBadAdvisory", err)
			}
			return
		}
		if a.Stream == "" || a.Consumer == "" || a.StreamSeq == 0 {
			t.Fatalf("accepted an advisory without stream, consumer or sequence: %+v", a)
		}
	})
}

func TestWorkerHeartbeatsKeepSlowWork(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for ack timeouts; runs in the full suite")
	}
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	cfg := testStage()
	cfg.AckWait = time.Second // the handler takes 2.5 of them
	var calls atomic.Int64
	rec := &countingRecorder{}
	startWorker(t, js, cfg, pipeline.HandlerFunc(func(_ context.Context, m *pipeline.Message) ([]*pipeline.Message, error) {
		calls.Add(1)
		time.Sleep(2500 * time.Millisecond)
		return []*pipeline.Message{{ID: "slow", Data: m.Data}}, nil
	}), rec)
	publishRaw(t, js, "src", "slow work")
	eventually(t, "the slow message done", func() bool { return rec.ok.Load() == 1 })
	time.Sleep(1500 * time.Millisecond) // a redelivery would have come by now
	if calls.Load() != 1 {
		t.Errorf("handler ran %d times: InProgress did not hold the message", calls.Load())
	}
	if info := consumerInfo(t, js, natsbus.StreamRaw, "ingest"); info.NumRedelivered != 0 || info.AckFloor.Stream != 1 {
		t.Errorf("redelivered %d, ack floor %d; want 0 and 1", info.NumRedelivered, info.AckFloor.Stream)
	}
}

func TestWorkerBacksOffExponentially(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for ack timeouts; runs in the full suite")
	}
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	cfg := testStage()
	cfg.BackoffBase = 300 * time.Millisecond
	cfg.BackoffMax = 2 * time.Second
	cfg.MaxDeliver = 4
	var mu sync.Mutex
	var at []time.Time
	rec := &countingRecorder{}
	startWorker(t, js, cfg, pipeline.HandlerFunc(func(context.Context, *pipeline.Message) ([]*pipeline.Message, error) {
		mu.Lock()
		at = append(at, time.Now())
		mu.Unlock()
		return nil, errors.New("dependency down")
	}), rec)
	publishRaw(t, js, "src", "keeps failing")
	eventually(t, "the dead letter after the last attempt", func() bool { return rec.dlq.Load() == 1 })
	mu.Lock()
	defer mu.Unlock()
	if len(at) != cfg.MaxDeliver {
		t.Fatalf("%d attempts, want %d", len(at), cfg.MaxDeliver)
	}
	for i := 1; i < len(at); i++ {
		want := pipeline.Backoff(i, cfg.BackoffBase, cfg.BackoffMax) // 300ms, 600ms, 1.2s
		if gap := at[i].Sub(at[i-1]); gap < want {
			t.Errorf("attempt %d came %s after attempt %d, want at least %s", i+1, gap, i, want)
		}
	}
}
