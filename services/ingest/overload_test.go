package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natstest"
	"github.com/newsflow/newsflow/pkg/pipeline"
	"github.com/newsflow/newsflow/pkg/telemetry"
)

func ndjsonArticles(prefix string, n int) []byte {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"source":"alpha","title":"%s %d","body":"Article %s number %d has a body of its own."}`+"\n", prefix, i, prefix, i)
	}
	return []byte(b.String())
}

// TestAPIBacklogOverLimit: while the raw stream holds more unread
// submissions than --max-backlog the API answers 429 with Retry-After,
// reading nothing of the request; once the ingest stage drains the
// backlog, submissions are accepted again.
func TestAPIBacklogOverLimit(t *testing.T) {
	e := newEnv(t)
	// The ingest consumer exists (as when the stage runs) but reads
	// nothing until started below.
	cfg := DefaultConfig().Stage
	cfg.Concurrency, cfg.MaxAckPending, cfg.ShutdownGrace = 8, 64, 2*time.Second
	w, err := natsbus.NewStage(e.js, cfg, NewHandler(e.seen, article.Limits{}, time.Now, HandlerOptions{Metrics: e.m}), zaptest.NewLogger(t), e.tm.Stage(cfg.Name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.EnsureConsumer(context.Background()); err != nil {
		t.Fatal(err)
	}
	backlog := NewBacklog(e.js, natsbus.StreamRaw, cfg.Name, 5)
	backlog.refresh = 20 * time.Millisecond
	api := NewAPI(e.js, e.seen, APIConfig{MaxRequestBytes: 1 << 20, Metrics: e.m, Backlog: backlog}, zaptest.NewLogger(t))
	ts := telemetry.NewServer("127.0.0.1:0", e.reg, zaptest.NewLogger(t))
	api.Routes(ts)
	url := startServer(t, ts)

	status, body, _ := post(t, url, "application/x-ndjson", "", ndjsonArticles("first", 10))
	if status != http.StatusAccepted || strings.Count(body, StatusAccepted) != 10 {
		t.Fatalf("first request: %d %s, want 10 accepted", status, body)
	}
	if err := backlog.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := backlog.backlog.Load(); n != 10 {
		t.Errorf("backlog read as %d, want the 10 accepted", n)
	}
	// Over the limit: 429 once the cached backlog is refreshed.
	var resp *http.Response
	waitFor(t, 10*time.Second, "429 while 10 submissions wait, limit 5", func() bool {
		resp = postResp(t, url, ndjsonArticles("second", 3))
		return resp.StatusCode == http.StatusTooManyRequests
	})
	if ra := resp.Header.Get("Retry-After"); ra == "" {
		t.Error("429 without Retry-After")
	}
	var eb map[string]ErrorBody
	if err := json.NewDecoder(resp.Body).Decode(&eb); err != nil || eb["error"].Code != CodeOverloaded || !strings.Contains(eb["error"].Message, "--max-backlog") {
		t.Errorf("429 body %+v (%v), want code %s naming --max-backlog", eb, err, CodeOverloaded)
	}
	_ = resp.Body.Close()
	// Nothing of the refused request was taken.
	info, err := e.js.Stream(context.Background(), natsbus.StreamRaw)
	if err != nil {
		t.Fatal(err)
	}
	if n := info.CachedInfo().State.Msgs; n != 10 {
		t.Errorf("raw stream holds %d messages after the 429, want the 10 accepted", n)
	}

	// Drain: the stage runs, the backlog falls under the limit.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker: %v", err)
		}
	})
	waitFor(t, 15*time.Second, "202 after the backlog drained", func() bool {
		resp := postResp(t, url, ndjsonArticles("second", 3))
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusAccepted
	})
}

// TestAPIRawStreamFull: with ARTICLES_RAW bounded (max_msgs, discard:
// new) and no backlog limit, the articles the stream refuses are each told
// so (unavailable, "the queue is full"), the others accepted, and every
// accepted one is in the stream.
func TestAPIRawStreamFull(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	topo := natsbus.DefaultTopology()
	topo.Storage = jetstream.MemoryStorage
	topo.RawMaxMsgs = 5
	if err := natsbus.EnsureStreams(ctx, js, topo); err != nil {
		t.Fatal(err)
	}
	seen, err := OpenSeenSet(ctx, js, time.Hour, 1)
	if err != nil {
		t.Fatal(err)
	}
	api := NewAPI(js, seen, APIConfig{MaxRequestBytes: 1 << 20}, zaptest.NewLogger(t))
	ts := telemetry.NewServer("127.0.0.1:0", prometheus.NewRegistry(), zaptest.NewLogger(t))
	api.Routes(ts)
	url := startServer(t, ts)

	const n = 8
	status, body, _ := post(t, url, "application/x-ndjson", "", ndjsonArticles("full", n))
	if status != http.StatusAccepted {
		t.Fatalf("%d %s, want 202 (some accepted)", status, body)
	}
	var results []Result
	if err := json.Unmarshal([]byte(body), &results); err != nil {
		t.Fatal(err)
	}
	accepted, full := 0, 0
	for _, r := range results {
		switch {
		case r.Status == StatusAccepted:
			accepted++
		case r.Status == StatusRejected && r.Error != nil && r.Error.Code == "unavailable" && strings.Contains(r.Error.Message, "queue is full"):
			full++
		default:
			t.Errorf("article %d: %+v, want accepted or refused as the queue is full", r.Index, r)
		}
	}
	if accepted != 5 || full != n-5 || len(results) != n {
		t.Errorf("%d results: %d accepted, %d refused as full; want %d = 5 + %d", len(results), accepted, full, n, n-5)
	}
	st, err := js.Stream(ctx, natsbus.StreamRaw)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.CachedInfo().State.Msgs; got != uint64(accepted) {
		t.Errorf("raw stream holds %d messages, %d were accepted", got, accepted)
	}
	// One article alone: 503 with Retry-After, and the reason.
	resp := postResp(t, url, []byte(`{"source":"alpha","body":"One more article, refused."}`))
	defer func() { _ = resp.Body.Close() }()
	var eb map[string]ErrorBody
	_ = json.NewDecoder(resp.Body).Decode(&eb)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(eb["error"].Message, "queue is full") {
		t.Errorf("%d Retry-After %q %+v, want 503 with Retry-After: the queue is full", resp.StatusCode, resp.Header.Get("Retry-After"), eb)
	}
}

func postResp(t *testing.T, url string, body []byte) *http.Response {
	t.Helper()
	ct := "application/x-ndjson"
	if strings.Count(string(body), "\n") == 0 {
		ct = "application/json"
	}
	resp, err := http.Post(url+"/v1/articles", ct, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %s", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func startServer(t *testing.T, ts *telemetry.Server) string {
	t.Helper()
	srv := httptest.NewServer(ts.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestBacklogCountsLaterStages: the articles waiting for a later stage
// (Backlog.Also) count against --max-backlog too, so that a pipeline
// slower after ingest still refuses; a later consumer not created yet
// counts as empty.
func TestBacklogCountsLaterStages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ingestCfg := DefaultConfig().Stage
	enrichCfg := natsbus.DefaultStageConfig(natsbus.StageEnrich, natsbus.StreamArticles, natsbus.SubjectIngested+".>", natsbus.SubjectEnriched)
	for _, cfg := range []natsbus.StageConfig{ingestCfg, enrichCfg} {
		w, err := natsbus.NewStage(e.js, cfg, pipeline.HandlerFunc(func(context.Context, *pipeline.Message) ([]*pipeline.Message, error) { return nil, nil }), zaptest.NewLogger(t), e.tm.Stage(cfg.Name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.EnsureConsumer(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 7 {
		if _, err := e.js.Publish(ctx, natsbus.SubjectIngested+".wire", []byte(strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	only := NewBacklog(e.js, natsbus.StreamRaw, ingestCfg.Name, 5)
	all := NewBacklog(e.js, natsbus.StreamRaw, ingestCfg.Name, 5).
		Also(natsbus.StreamArticles, natsbus.StageEnrich).Also(natsbus.StreamArticles, natsbus.StageIndex)
	for _, tc := range []struct {
		name string
		b    *Backlog
		want uint64
		over bool
	}{
		{"ingest alone", only, 0, false},
		{"with enrich and a missing index consumer", all, 7, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.b.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			over, n, _ := tc.b.Over()
			if n != tc.want || over != tc.over {
				t.Errorf("backlog %d, over %v; want %d, %v", n, over, tc.want, tc.over)
			}
		})
	}
	if (*Backlog)(nil).Also(natsbus.StreamArticles, natsbus.StageEnrich) != nil {
		t.Error("Also on a disabled backlog enabled it")
	}
}
