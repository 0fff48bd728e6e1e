package ingest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natstest"
	"github.com/newsflow/newsflow/pkg/pipeline"
	"github.com/newsflow/newsflow/pkg/telemetry"
)

type env struct {
	js   jetstream.JetStream
	seen *natsbus.SeenSet
	reg  *prometheus.Registry
	m    *Metrics
	tm   *telemetry.Metrics
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	seen, err := natsbus.OpenSeenSet(ctx, js, time.Hour, 1)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{js: js, seen: seen, reg: reg, m: m, tm: telemetry.NewMetrics(reg)}
}

// startStage runs the ingest worker on e until the test ends.
func (e *env) startStage(t *testing.T) {
	t.Helper()
	cfg := DefaultConfig().Stage
	cfg.Concurrency, cfg.MaxAckPending, cfg.ShutdownGrace = 8, 64, 2*time.Second
	cfg.BackoffBase, cfg.BackoffMax = 50*time.Millisecond, 100*time.Millisecond
	stage := e.tm.Stage(cfg.Name)
	dl := func(ctx context.Context, d natsbus.DeadLetter) error { return natsbus.PublishDeadLetter(ctx, e.js, d) }
	h := pipeline.Chain(NewHandler(e.seen, article.Limits{}, time.Now, HandlerOptions{DeadLetter: dl, Metrics: e.m, Log: zaptest.NewLogger(t)}),
		pipeline.Observe(stage), pipeline.Recover())
	w, err := natsbus.NewWorker(e.js, cfg, h, zaptest.NewLogger(t), stage)
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
	e.publish(t, "wire", "application/x-ndjson", ndjson, nil)        // 4 good (the source from the subject), 5 bad lines
	e.publish(t, "news-example-ru", "application/rss+xml", rss, nil) // 2 good, 2 bad items
	e.publish(t, "novini", "text/html", page, nil)                   // 1 good, charset from <meta>
	e.publish(t, "wire", "text/plain; charset=utf-8", []byte("Headline\n\nText body."), map[string]string{HeaderURL: "https://wire.example.com/x"})
	e.publish(t, "wire", "", []byte(`{"source":"wire","title":"One","body":"A single JSON article."}`), nil) // exact resubmission
	e.publish(t, "wire", "", []byte(`{"source":"wire","body":42}`), nil)                                     // bad single article
	e.publish(t, "wire", "image/png", []byte("\x89PNG"), nil)                                                // unknown type

	ingested := e.collect(t, natsbus.StreamArticles, natsbus.SubjectIngested+".>", 1+4+2+1+1)
	for _, m := range ingested {
		a, err := article.Decode(m.Data())
		if err != nil {
			t.Fatal(err)
		}
		if a.Body == "" || a.ContentHash == "" || a.Revision == 0 || a.IngestedAt.IsZero() || a.HTML != "" {
			t.Errorf("ingested article is incomplete: %+v", a)
		}
		if m.Headers().Get(natsbus.HeaderArticleID) != a.ID {
			t.Errorf("article id header %q, want %q", m.Headers().Get(natsbus.HeaderArticleID), a.ID)
		}
		if strings.Contains(a.Body, "Начало") || strings.Contains(a.Body, "права запазени") {
			t.Errorf("boilerplate left in the extracted body of %s", a.ID)
		}
	}
	dead := e.collect(t, natsbus.StreamDLQ, natsbus.SubjectDLQ+".ingest", 5+2+2)
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
	if len(items) != 7 {
		t.Errorf("%d dead items with Newsflow-Item, want 5 NDJSON lines and 2 feed items: %v", len(items), items)
	}
	if got := testutil.ToFloat64(e.m.articles.WithLabelValues(PathNATS, "ndjson", StatusRejected)); got != 5 {
		t.Errorf("ndjson rejected = %v, want 5", got)
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
	if got := testutil.ToFloat64(e.m.articles.WithLabelValues(PathAPI, "ndjson", StatusAccepted)); got != 3 {
		t.Errorf("api ndjson accepted = %v, want 3", got)
	}
}
