package index

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natstest"
	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/pgindex/pgtest"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/pkg/telemetry"
)

// rawSeq is the last sequence of the raw stream in a stageEnv.
const rawSeq = 1000

type stageEnv struct {
	js  jetstream.JetStream
	nc  *nats.Conn
	reg *prometheus.Registry
}

func newStageEnv(t *testing.T) *stageEnv {
	t.Helper()
	srv := natstest.RunServer(t)
	nc, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	// The stage takes no revision above the raw stream's last sequence:
	// start that at rawSeq so that the tests' revisions are real ones.
	raw, err := js.Stream(context.Background(), natsbus.StreamRaw)
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.Purge(context.Background(), jetstream.WithPurgeSequence(rawSeq+1)); err != nil {
		t.Fatal(err)
	}
	return &stageEnv{js: js, nc: nc, reg: prometheus.NewRegistry()}
}

// start runs one index stage replica on location until the test ends; it
// returns the replica's HTTP handler (the search API).
func (e *stageEnv) start(t *testing.T, location string, reg *prometheus.Registry) (*Service, http.Handler) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Index = location
	cfg.BatchWait = 10 * time.Millisecond
	cfg.Stage.Concurrency, cfg.Stage.MaxAckPending, cfg.Stage.ShutdownGrace = 16, 256, 2*time.Second
	cfg.Stage.BackoffBase, cfg.Stage.BackoffMax = 50*time.Millisecond, 100*time.Millisecond
	httpSrv := telemetry.NewServer("127.0.0.1:0", reg, zaptest.NewLogger(t))
	tm, err := telemetry.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := New(ctx, cfg, service.Deps{
		Log: zaptest.NewLogger(t), Metrics: tm, Registry: reg,
		NC: e.nc, JS: e.js, HTTP: httpSrv, Topology: natsbus.DefaultTopology(),
	})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("index stage: %v", err)
		}
	})
	return svc, httpSrv.Handler()
}

func (e *stageEnv) publishEnriched(t *testing.T, a *article.Article) {
	t.Helper()
	data, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	e.publishRaw(t, a.Source, data, fmt.Sprintf("enriched:%s:%d", a.ID, a.Revision))
}

func (e *stageEnv) publishRaw(t *testing.T, source string, data []byte, msgID string) {
	t.Helper()
	msg := &nats.Msg{Subject: natsbus.SubjectEnriched + "." + source, Data: data, Header: nats.Header{}}
	if msgID != "" {
		msg.Header.Set(jetstream.MsgIDHeader, msgID)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := e.js.PublishMsg(ctx, msg); err != nil {
		t.Fatal(err)
	}
}

// waitEvents waits until n indexed events are in the stream.
func (e *stageEnv) waitEvents(t *testing.T, subject string, n uint64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		s, err := e.js.Stream(context.Background(), natsbus.StreamArticles)
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(context.Background(), jetstream.WithSubjectFilter(subject))
		if err != nil {
			t.Fatal(err)
		}
		var got uint64
		for _, c := range info.State.Subjects {
			got += c
		}
		if got >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %d events on %s", n, subject)
}

func (e *stageEnv) dlqCount(t *testing.T) uint64 {
	t.Helper()
	s, err := e.js.Stream(context.Background(), natsbus.StreamDLQ)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

func enriched(id string, rev uint64, title string) *article.Article {
	return &article.Article{ID: id, Source: "tass", Lang: "ru", Revision: rev, ContentHash: fmt.Sprintf("h%d", rev),
		Title: title, Body: "Сергей Лавров заявил. " + title, CleanBody: "Сергей Лавров заявил, что переговоры продолжатся. " + title,
		PublishedAt: time.Date(2019, 5, 15, 9, 0, 0, 0, time.UTC), EnrichedAt: time.Now().UTC(),
		Entities: []article.Entity{{Text: "Сергей Лавров", Type: article.EntityPerson, Count: 1}}}
}

func searchAPI(t *testing.T, h http.Handler, query string) search.Result {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/search?"+query, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("search %s: %d %s", query, rec.Code, rec.Body)
	}
	var res search.Result
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	return res
}

func backends(t *testing.T, run func(t *testing.T, location func(t *testing.T) string)) {
	t.Run("bleve", func(t *testing.T) {
		run(t, func(t *testing.T) string { return filepath.Join(t.TempDir(), "index") })
	})
	t.Run("postgres", func(t *testing.T) {
		run(t, func(t *testing.T) string { return pgtest.FreshDatabase(t) })
	})
}

func TestStage(t *testing.T) {
	backends(t, func(t *testing.T, location func(t *testing.T) string) {
		e := newStageEnv(t)
		svc, h := e.start(t, location(t), e.reg)
		ctx := context.Background()

		e.publishEnriched(t, enriched("a1", 5, "Пятая версия"))
		e.waitEvents(t, natsbus.SubjectIndexed+".tass", 1)
		got, err := svc.Index().Get(ctx, "a1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Revision != 5 || got.IndexedAt.IsZero() {
			t.Errorf("stored revision %d, indexed_at %v; want 5 and a time", got.Revision, got.IndexedAt)
		}
		if res := searchAPI(t, h, "q=Лавров"); res.Total != 1 || res.Hits[0].ID != "a1" {
			t.Errorf("search Лавров = %+v, want a1", res)
		}

		// An older revision arrives late, and the same version is replayed
		// without a message id: neither changes the stored article nor
		// adds a hit.
		e.publishEnriched(t, enriched("a1", 3, "Третья версия"))
		e.publishRaw(t, "tass", mustJSON(t, enriched("a1", 5, "Пятая версия")), "")
		e.publishEnriched(t, enriched("a2", 1, "Другая статья"))
		e.waitEvents(t, natsbus.SubjectIndexed+".tass", 3)
		if res := searchAPI(t, h, "q=Лавров"); res.Total != 2 {
			t.Errorf("search Лавров: total %d, want 2 (a1 once, a2)", res.Total)
		}
		if res := searchAPI(t, h, "q=Третья"); res.Total != 0 {
			t.Errorf("the older revision is searchable")
		}
		if got, _ := svc.Index().Get(ctx, "a1"); got == nil || got.Title != "Пятая версия" {
			t.Errorf("a1 = %+v, want the fifth version", got)
		}

		// Bad input is dead-lettered, not lost.
		e.publishRaw(t, "tass", []byte("{not json"), "bad-1")
		e.publishRaw(t, "tass", mustJSON(t, &article.Article{ID: "bad id!", Source: "tass"}), "bad-2")
		deadline := time.Now().Add(20 * time.Second)
		for e.dlqCount(t) < 2 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if n := e.dlqCount(t); n != 2 {
			t.Errorf("%d dead letters, want 2", n)
		}
		if n := histCount(t, e.reg, "newsflow_index_batch_articles"); n < 1 {
			t.Errorf("no index batch recorded")
		}
	})
}

// histCount is the number of observations of histogram name in reg.
func histCount(t *testing.T, reg *prometheus.Registry, name string) uint64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) > 0 {
			return mf.GetMetric()[0].GetHistogram().GetSampleCount()
		}
	}
	t.Fatalf("metric %s not found", name)
	return 0
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReplicasSharePostgres runs two index replicas on one consumer and
// one database: every article is indexed once, and both serve searches.
func TestReplicasSharePostgres(t *testing.T) {
	url := pgtest.FreshDatabase(t)
	e := newStageEnv(t)
	_, h1 := e.start(t, url, e.reg)
	_, h2 := e.start(t, url, prometheus.NewRegistry())
	const n = 200
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 4 {
				e.publishEnriched(t, enriched(fmt.Sprintf("r%03d", i), 1, fmt.Sprintf("Статья %d", i)))
			}
		}()
	}
	wg.Wait()
	e.waitEvents(t, natsbus.SubjectIndexed+".tass", n)
	for i, h := range []http.Handler{h1, h2} {
		if res := searchAPI(t, h, "q=Лавров&limit=1"); res.Total != n {
			t.Errorf("replica %d: total %d, want %d", i+1, res.Total, n)
		}
	}
}

func TestConfigValidateBatches(t *testing.T) {
	for _, tc := range []struct {
		set  func(*Config)
		want string
	}{
		{func(c *Config) { c.BatchSize = 0 }, "--batch-size must be 1 to 10000, got 0"},
		{func(c *Config) { c.BatchBytes = -1 }, "--batch-bytes must be 0 (no bound) or more"},
		{func(c *Config) { c.BatchWait = 0 }, "--batch-wait must be positive"},
		{func(c *Config) { c.BatchWriters = 65 }, "--batch-writers must be 1 to 64, got 65"},
	} {
		c := DefaultConfig()
		tc.set(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate = %v, want an error saying %q", err, tc.want)
		}
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Errorf("the defaults do not validate: %v", err)
	}
}

// TestStageDeadLettersInvalidArticles: an enriched article that fails
// validation (injected on the bus behind ingest's back) is dead-lettered
// with its reason and never indexed.
func TestStageDeadLettersInvalidArticles(t *testing.T) {
	e := newStageEnv(t)
	svc, h := e.start(t, filepath.Join(t.TempDir(), "index"), e.reg)
	for _, tc := range []struct {
		name, reason string
		edit         func(a *article.Article)
	}{
		{"javascript url", "url: invalid", func(a *article.Article) { a.URL = "javascript:alert(document.cookie)" }},
		{"revision 2^62", "revision: invalid", func(a *article.Article) { a.Revision = 1 << 62 }},
		{"revision above the raw stream", "above the last raw submission", func(a *article.Article) { a.Revision = rawSeq + 1 }},
		{"missing id", "id: invalid", func(a *article.Article) { a.ID = "" }},
		{"tag over the limit", "tags: too_large", func(a *article.Article) { a.Tags = make([]string, 1000) }},
		{"title over the limit", "title: too_large", func(a *article.Article) { a.Title = strings.Repeat("Лавров ", 1000) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.dlqCount(t)
			a := enriched("inj-"+strings.ReplaceAll(tc.name, " ", "-"), 7, "Внедрённая статья")
			a.ID = strings.ReplaceAll(a.ID, "^", "")
			id := a.ID
			tc.edit(a)
			e.publishRaw(t, "tass", mustJSON(t, a), "")
			deadline := time.Now().Add(20 * time.Second)
			for e.dlqCount(t) == before && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			dlq, err := e.js.Stream(context.Background(), natsbus.StreamDLQ)
			if err != nil {
				t.Fatal(err)
			}
			msg, err := dlq.GetLastMsgForSubject(context.Background(), natsbus.SubjectDLQ+".>")
			if err != nil {
				t.Fatalf("no dead letter: %v", err)
			}
			if got := msg.Header.Get(natsbus.HeaderError); !strings.Contains(got, tc.reason) {
				t.Errorf("dead letter reason %q, want it to name %q", got, tc.reason)
			}
			if got, _ := svc.Index().Get(context.Background(), id); got != nil {
				t.Errorf("the invalid article %s is indexed", id)
			}
		})
	}
	if res := searchAPI(t, h, "q=Внедрённая"); res.Total != 0 {
		t.Errorf("search finds %d injected articles, want 0", res.Total)
	}
	// A valid one still goes through.
	e.publishEnriched(t, enriched("ok-1", rawSeq, "Настоящая статья"))
	e.waitEvents(t, natsbus.SubjectIndexed+".tass", 1)
}
