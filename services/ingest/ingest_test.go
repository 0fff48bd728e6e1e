package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natstest"
	"github.com/newsflow/newsflow/pkg/pipeline"
	"github.com/newsflow/newsflow/pkg/telemetry"
)

type env struct {
	url  string
	js   jetstream.JetStream
	seen *SeenSet
	reg  *prometheus.Registry
	m    *Metrics
	tm   *telemetry.Metrics
	// takeover runs the stage with AllowIDTakeover.
	takeover bool
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	seen, err := OpenSeenSet(ctx, js, time.Hour, 1)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	tm, err := telemetry.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{url: srv.ClientURL(), js: js, seen: seen, reg: reg, m: m, tm: tm}
}

// startStage runs the ingest worker on e until the test ends.
func (e *env) startStage(t *testing.T) {
	t.Helper()
	cfg := DefaultConfig().Stage
	cfg.Concurrency, cfg.MaxAckPending, cfg.ShutdownGrace = 8, 64, 2*time.Second
	cfg.BackoffBase, cfg.BackoffMax = 50*time.Millisecond, 100*time.Millisecond
	stage := e.tm.Stage(cfg.Name)
	w, err := natsbus.NewStage(e.js, cfg, NewHandler(e.seen, article.Limits{}, time.Now, HandlerOptions{Metrics: e.m, AllowIDTakeover: e.takeover}), zaptest.NewLogger(t), stage)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker: %v", err)
		}
	})
}

func (e *env) publish(t *testing.T, source, contentType string, data []byte, hdr map[string]string) {
	t.Helper()
	msg := &nats.Msg{Subject: natsbus.RawSubject(source), Data: data, Header: nats.Header{}}
	if contentType != "" {
		msg.Header.Set("Content-Type", contentType)
	}
	for k, v := range hdr {
		msg.Header.Set(k, v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := e.js.PublishMsg(ctx, msg); err != nil {
		t.Fatal(err)
	}
}

// collect reads every message of stream on subject filter, waiting until
// want have arrived (or fails).
func (e *env) collect(t *testing.T, stream, filter string, want int) []jetstream.Msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var got []jetstream.Msg
	cons, err := e.js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}})
	if err != nil {
		t.Fatal(err)
	}
	for len(got) < want {
		m, err := cons.Next(jetstream.FetchMaxWait(time.Until(deadline(ctx))))
		if err != nil {
			t.Fatalf("got %d of %d messages on %s: %v", len(got), want, filter, err)
		}
		got = append(got, m)
	}
	// Nothing more may come.
	if m, err := cons.Next(jetstream.FetchMaxWait(300 * time.Millisecond)); err == nil {
		t.Fatalf("unexpected extra message on %s: %s", m.Subject(), m.Data())
	}
	return got
}

func deadline(ctx context.Context) time.Time {
	d, _ := ctx.Deadline()
	return d
}

func TestStageFormatsAndDeadLetters(t *testing.T) {
	e := newEnv(t)
	e.startStage(t)
	ndjson, err := os.ReadFile("../../pkg/intake/testdata/batch.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	rss, err := os.ReadFile("../../pkg/intake/testdata/feed-koi8r.rss.xml")
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile("../../pkg/intake/testdata/page-windows1251.html")
	if err != nil {
		t.Fatal(err)
	}
	e.publish(t, "wire", "", []byte(`{"source":"wire","title":"One","body":"A single JSON article."}`), nil)
	e.publish(t, "wire", "application/x-ndjson", ndjson, nil)        // 5 good (the source from the subject; one without its unusable url), 4 bad lines
	e.publish(t, "news-example-ru", "application/rss+xml", rss, nil) // 2 good, 2 bad items
	e.publish(t, "novini", "text/html", page, nil)                   // 1 good, charset from <meta>
	e.publish(t, "wire", "text/plain; charset=utf-8", []byte("Headline\n\nText body."), map[string]string{HeaderURL: "https://wire.example.com/x"})
	e.publish(t, "wire", "", []byte(`{"source":"wire","title":"One","body":"A single JSON article."}`), nil) // exact resubmission
	e.publish(t, "wire", "", []byte(`{"source":"wire","body":42}`), nil)                                     // bad single article
	e.publish(t, "wire", "image/png", []byte("\x89PNG"), nil)                                                // unknown type

	ingested := e.collect(t, natsbus.StreamArticles, natsbus.SubjectIngested+".>", 1+5+2+1+1)
	for _, m := range ingested {
		a, err := article.Decode(m.Data())
		if err != nil {
			t.Fatal(err)
		}
		if a.Body == "" || a.ContentHash == "" || a.Revision == 0 || a.IngestedAt.IsZero() || a.HTML != "" {
			t.Errorf("ingested article is incomplete: %+v", a)
		}
		if m.Headers().Get(pipeline.HeaderArticleID) != a.ID {
			t.Errorf("article id header %q, want %q", m.Headers().Get(pipeline.HeaderArticleID), a.ID)
		}
		if strings.Contains(a.Body, "Начало") || strings.Contains(a.Body, "права запазени") {
			t.Errorf("boilerplate left in the extracted body of %s", a.ID)
		}
	}
	dead := e.collect(t, natsbus.StreamDLQ, natsbus.SubjectDLQ+".ingest", 4+2+2)
	items := map[string]bool{}
	for _, m := range dead {
		h := m.Headers()
		if h.Get(natsbus.HeaderStage) != "ingest" || h.Get(natsbus.HeaderError) == "" || h.Get(natsbus.HeaderSubject) == "" {
			t.Errorf("dead letter without reason headers: %v", h)
		}
		if it := h.Get(HeaderItem); it != "" {
			items[h.Get(natsbus.HeaderSubject)+"#"+it] = true
			if len(m.Data()) == 0 || len(m.Data()) > 400 {
				t.Errorf("dead item %s carries %d bytes, want its own payload", it, len(m.Data()))
			}
		}
	}
	if len(items) != 6 {
		t.Errorf("%d dead items with Newsflow-Item, want 4 NDJSON lines and 2 feed items: %v", len(items), items)
	}
	if got := testutil.ToFloat64(e.m.articles.WithLabelValues(PathNATS, "ndjson", StatusRejected)); got != 4 {
		t.Errorf("ndjson rejected = %v, want 4", got)
	}
	if got := testutil.ToFloat64(e.m.articles.WithLabelValues(PathNATS, "json", StatusDuplicate)); got != 1 {
		t.Errorf("json duplicates = %v, want 1", got)
	}
	if got := testutil.ToFloat64(e.m.rejected.WithLabelValues("published_at", article.CodeInvalid)); got != 2 {
		t.Errorf("published_at rejections = %v, want 2 (ndjson line 6, feed item 3)", got)
	}
}

// TestRedeliveryIsNotADuplicate checks the seen-set rule: the same raw
// message handled twice (a crash before its ack) is ingested again, while
// the same content in another raw message is a duplicate.
func TestRedeliveryIsNotADuplicate(t *testing.T) {
	e := newEnv(t)
	h := NewHandler(e.seen, article.Limits{}, time.Now, HandlerOptions{})
	ctx := context.Background()
	in := &pipeline.Message{Source: "wire", Seq: 7, Header: pipeline.Header{},
		Data: []byte(`{"source":"wire","url":"https://wire.example.com/a?utm_source=x","body":"text"}`)}
	for attempt := 1; attempt <= 2; attempt++ {
		out, err := h.Process(ctx, in)
		if err != nil || len(out) != 1 {
			t.Fatalf("attempt %d: %d outputs, %v", attempt, len(out), err)
		}
	}
	again := *in
	again.Seq = 9
	again.Data = []byte(`{"source":"wire","url":"https://WIRE.example.com:443/a#top","body":"text"}`)
	if _, err := h.Process(ctx, &again); !errorsIsDuplicate(err) {
		t.Fatalf("resubmission with an equivalent URL: %v, want a duplicate", err)
	}
	changed := again
	changed.Seq = 10
	changed.Data = []byte(`{"source":"wire","url":"https://wire.example.com/a","body":"text, corrected"}`)
	out, err := h.Process(ctx, &changed)
	if err != nil || len(out) != 1 {
		t.Fatalf("new version: %d outputs, %v", len(out), err)
	}
}

func errorsIsDuplicate(err error) bool {
	return err != nil && strings.Contains(err.Error(), pipeline.ErrDuplicate.Error())
}

func TestAPI(t *testing.T) {
	e := newEnv(t)
	api := NewAPI(e.js, e.seen, APIConfig{MaxRequestBytes: 1 << 20, Token: "s3cret", Metrics: e.m}, zaptest.NewLogger(t))
	mux := http.NewServeMux()
	api.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	ndjson, err := os.ReadFile("../../pkg/intake/testdata/batch.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile("../../pkg/intake/testdata/page-jsonld.html")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, ct, query, body, token string
		status                       int
		want                         string
	}{
		{"no token", "application/json", "", `{"source":"a","body":"b"}`, "", 401, `"code":"unauthorized"`},
		{"wrong token", "application/json", "", `{"source":"a","body":"b"}`, "nope", 401, `"code":"unauthorized"`},
		{"json", "application/json", "", `{"source":"a","body":"b"}`, "s3cret", 202, `"status":"accepted"`},
		{"json again", "application/json", "", `{"source":"a","body":"b"}`, "s3cret", 202, `"status":"duplicate"`},
		{"missing source", "application/json", "", `{"body":"b"}`, "s3cret", 400, `"field":"source"`},
		{"wrong type", "application/json", "", `{"source":"a","body":["b"]}`, "s3cret", 400, `"code":"wrong_type"`},
		{"ndjson", "application/x-ndjson", "", string(ndjson), "s3cret", 202, `"index":7,"error":{"code":"malformed"`},
		{"html", "text/html; charset=utf-8", "?source=daily", string(page), "s3cret", 202, `"status":"accepted"`},
		{"html without text", "text/html", "?source=daily", "<html><body><script>var a = 1;</script></body></html>", "s3cret", 400, `"field":"html"`},
		{"text in koi8-r, charset declared", "text/plain; charset=koi8-r", "?source=a&title=T", "\xf4\xc5\xcb\xd3\xd4", "s3cret", 202, `"status":"accepted"`},
		{"bad utf-8", "text/plain; charset=utf-8", "?source=a", "ab\xffcd", "s3cret", 400, `not valid UTF-8`},
		{"unknown type", "image/png", "", "x", "s3cret", 415, `unsupported`},
		{"too large", "application/json", "", `{"source":"a","body":"` + strings.Repeat("x", 2<<20) + `"}`, "s3cret", 413, `"code":"too_large"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/articles"+tt.query, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", tt.ct)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var raw json.RawMessage
			if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
				t.Fatalf("answer is not JSON: %v", err)
			}
			if resp.StatusCode != tt.status || !strings.Contains(string(raw), tt.want) {
				t.Errorf("status %d %s, want %d with %s", resp.StatusCode, raw, tt.status, tt.want)
			}
		})
	}
	// 3 good lines and the one whose url is unusable (accepted without it).
	if got := testutil.ToFloat64(e.m.articles.WithLabelValues(PathAPI, "ndjson", StatusAccepted)); got != 4 {
		t.Errorf("api ndjson accepted = %v, want 4", got)
	}
}

// TestAPILargeNDJSON posts more lines than one publish chunk: every line is
// answered and stored once.
func TestAPILargeNDJSON(t *testing.T) {
	e := newEnv(t)
	api := NewAPI(e.js, e.seen, APIConfig{MaxRequestBytes: 8 << 20, Metrics: e.m}, zaptest.NewLogger(t))
	mux := http.NewServeMux()
	api.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	const n = 3*apiPublishChunk + 17
	var body strings.Builder
	for i := range n {
		fmt.Fprintf(&body, `{"source":"bulk","id":"bulk-%d","body":"Article number %d."}`+"\n", i, i)
	}
	resp, err := http.Post(srv.URL+"/v1/articles", "application/x-ndjson", strings.NewReader(body.String()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var results []Result
	if err := json.NewDecoder(resp.Body).Decode(&results); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusAccepted || len(results) != n {
		t.Fatalf("status %d with %d results, want 202 with %d", resp.StatusCode, len(results), n)
	}
	for i, r := range results {
		if r.Status != StatusAccepted || r.Index != i+1 || r.ID != fmt.Sprintf("bulk-%d", i) {
			t.Fatalf("result %d = %+v", i, r)
		}
	}
	st, err := e.js.Stream(context.Background(), natsbus.StreamRaw)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != n {
		t.Errorf("%d raw messages stored, want %d", info.State.Msgs, n)
	}
}

// TestCorpusThroughTheStage publishes every corpus file onto
// articles.raw.corpus as a producer would (a JSONL line per message, each
// feed and page as one message with its content type) and checks that the
// running stage ingests every article and dead-letters nothing.
func TestCorpusThroughTheStage(t *testing.T) {
	if testing.Short() {
		t.Skip("publishes the whole corpus; skipped with -short")
	}
	dir := corpus.Dir(t)
	e := newEnv(t)
	// The corpus's feeds carry some articles of its JSONL files again
	// (same guid, so the same id) under the feed's source: that is an id
	// taken over, which the stage refuses unless allowed. This test is
	// about the formats; owner_test.go about the refusal.
	e.takeover = true
	nc, err := nats.Connect(e.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	pjs, err := natsbus.NewJetStream(nc)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	publish := func(data []byte, contentType string) {
		msg := &nats.Msg{Subject: natsbus.RawSubject("corpus"), Data: data, Header: nats.Header{}}
		if contentType != "" {
			msg.Header.Set("Content-Type", contentType)
		}
		if _, err := pjs.PublishMsgAsync(msg); err != nil {
			t.Fatal(err)
		}
	}
	jsonl, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	for _, f := range jsonl {
		if filepath.Base(f) == "near_duplicates.jsonl" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
			publish(line, "")
			want++
		}
	}
	feeds, _ := filepath.Glob(filepath.Join(dir, "feeds", "*.xml"))
	for _, f := range feeds {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		publish(data, "application/rss+xml")
		want += bytes.Count(data, []byte("<item>")) + bytes.Count(data, []byte("<entry>"))
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "html", "*.html"))
	for _, f := range pages {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		publish(data, "text/html")
		want++
	}
	select {
	case <-pjs.PublishAsyncComplete():
	case <-time.After(2 * time.Minute):
		t.Fatal("publishing the corpus did not complete")
	}
	if want < 4500 {
		t.Fatalf("only %d corpus articles found", want)
	}
	e.startStage(t)
	ctx := context.Background()
	arts, err := e.js.Stream(ctx, natsbus.StreamArticles)
	if err != nil {
		t.Fatal(err)
	}
	dlq, err := e.js.Stream(ctx, natsbus.StreamDLQ)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		ai, err := arts.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		di, err := dlq.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if di.State.Msgs > 0 {
			t.Fatalf("%d dead letters: the corpus must ingest without rejections (see the log)", di.State.Msgs)
		}
		if ai.State.Msgs >= uint64(want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d corpus articles ingested after 5 minutes", ai.State.Msgs, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := testutil.ToFloat64(e.m.articles.WithLabelValues(PathNATS, "json", StatusAccepted)); got < 4400 {
		t.Errorf("%v JSON articles accepted", got)
	}
	for _, f := range []string{"json", "feed", "html"} {
		if got := testutil.ToFloat64(e.m.articles.WithLabelValues(PathNATS, f, StatusRejected)); got != 0 {
			t.Errorf("%v %s articles rejected", got, f)
		}
	}
}
