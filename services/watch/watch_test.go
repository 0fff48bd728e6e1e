package watch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natstest"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/pkg/telemetry"
)

type env struct {
	srv *server.Server
	nc  *nats.Conn
	js  jetstream.JetStream
}

func newEnv(t testing.TB) *env {
	t.Helper()
	srv := natstest.RunServer(t)
	nc, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	return &env{srv: srv, nc: nc, js: js}
}

func testConfig() Config {
	cfg := DefaultConfig()
	for _, sc := range []*natsbus.StageConfig{&cfg.Match, &cfg.Webhook} {
		sc.Concurrency, sc.MaxAckPending, sc.ShutdownGrace = 32, 256, 2*time.Second
		sc.AckWait = 2 * time.Second
		sc.BackoffBase, sc.BackoffMax = 20*time.Millisecond, 100*time.Millisecond
		sc.InfoInterval = time.Second
	}
	cfg.WebhookTimeout = 300 * time.Millisecond
	return cfg
}

type running struct {
	svc    *Service
	reg    *prometheus.Registry
	http   http.Handler
	cancel context.CancelFunc
	done   chan error
	nc     *nats.Conn
}

// start runs a worker replica on its own connection.
func (e *env) start(t testing.TB, cfg Config) *running {
	t.Helper()
	nc, js := natstest.Connect(t, e.srv)
	reg := prometheus.NewRegistry()
	tm, err := telemetry.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	httpSrv := telemetry.NewServer("127.0.0.1:0", reg, zaptest.NewLogger(t))
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := New(ctx, cfg, service.Deps{
		Log: zaptest.NewLogger(t), Metrics: tm, Registry: reg, NC: nc, JS: js, HTTP: httpSrv, Topology: natsbus.DefaultTopology(),
	})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	r := &running{svc: svc, reg: reg, http: httpSrv.Handler(), cancel: cancel, done: make(chan error, 1), nc: nc}
	go func() { r.done <- svc.Run(ctx) }()
	select {
	case <-svc.Loaded():
	case <-time.After(10 * time.Second):
		t.Fatal("watches not loaded")
	}
	waitFor(t, "the watch consumer", func() bool {
		_, err := js.Consumer(context.Background(), natsbus.StreamArticles, StageWatch)
		return err == nil
	})
	t.Cleanup(r.stop)
	return r
}

func (r *running) stop() {
	r.cancel()
	<-r.done
	r.done <- nil // later stops return at once
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// putWatch stores w and waits until the replica r has loaded it.
func (e *env) putWatch(t testing.TB, r *running, w *Watch) {
	t.Helper()
	if err := r.svc.Store().Put(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "watch "+w.Name, func() bool {
		got, ok := r.svc.Set().Get(w.Name)
		return ok && got.Revision == w.Revision
	})
}

// publishArticle stores a as an enriched article and announces it as
// indexed, as the index stage does.
func (e *env) publishArticle(t *testing.T, a *article.Article) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	data, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	ack, err := e.js.Publish(ctx, natsbus.SubjectEnriched+"."+a.Source, data)
	if err != nil {
		t.Fatal(err)
	}
	ev, _ := json.Marshal(article.Indexed{ID: a.ID, Source: a.Source, Revision: a.Revision, IndexedAt: time.Now().UTC(), EnrichedSeq: ack.Sequence})
	if _, err := e.js.Publish(ctx, natsbus.SubjectIndexed+"."+a.Source, ev, jetstream.WithMsgID(fmt.Sprintf("indexed:%s:%d", a.ID, a.Revision))); err != nil {
		t.Fatal(err)
	}
}

// alerts reads every alert in the ALERTS stream.
func (e *env) alerts(t *testing.T) []Alert {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := e.js.Stream(ctx, natsbus.StreamAlerts)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []Alert
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		var al Alert
		if err := json.Unmarshal(m.Data, &al); err != nil {
			t.Fatal(err)
		}
		if want := natsbus.SubjectAlerts + "."; !strings.HasPrefix(m.Subject, want) {
			t.Errorf("alert on %s", m.Subject)
		}
		out = append(out, al)
	}
	return out
}

func (e *env) alertCount(t testing.TB) uint64 {
	t.Helper()
	s, err := e.js.Stream(context.Background(), natsbus.StreamAlerts)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

func art(id, title, body string) *article.Article {
	return &article.Article{ID: id, Source: "tass", Lang: "ru", Revision: 1, Title: title, CleanBody: body, URL: "https://example.org/" + id,
		Entities: []article.Entity{{Text: "Сергей Лавров", Type: article.EntityPerson, ID: "Q80137", Count: 1}}}
}

// receiver is a webhook receiver that fails as told, then accepts.
type receiver struct {
	secret   string
	mu       sync.Mutex
	plan     []string // per request: "fail", "slow", then "ok" forever
	requests int
	got      map[string]int // accepted deliveries by id
	bodies   map[string][]byte
	badSig   int
	release  chan struct{}
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	step := "ok"
	if rc.requests < len(rc.plan) {
		step = rc.plan[rc.requests]
	}
	rc.requests++
	rc.mu.Unlock()
	switch step {
	case "fail":
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	case "slow":
		select {
		case <-rc.release:
		case <-r.Context().Done():
		}
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if !Verify(rc.secret, body, r.Header.Get(SignatureHeader)) || r.Header.Get("X-"+SignatureHeader) != r.Header.Get(SignatureHeader) {
		rc.badSig++
	}
	id := r.Header.Get("Newsflow-Delivery")
	rc.got[id]++
	rc.bodies[id] = body
	w.WriteHeader(http.StatusNoContent)
}

func TestAlertsAndWebhookThatFailsTimesOutAndComesBack(t *testing.T) {
	e := newEnv(t)
	rc := &receiver{secret: "s3cret", plan: []string{"fail", "fail", "slow", "fail"}, got: map[string]int{}, bodies: map[string][]byte{}, release: make(chan struct{})}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	defer close(rc.release)
	r := e.start(t, testConfig())
	e.putWatch(t, r, &Watch{Name: "lavrov", Query: `"Сергей Лавров" -Помпео`, Webhook: hook.URL + "/hook", Secret: rc.secret})
	e.putWatch(t, r, &Watch{Name: "venezuela", Query: "Венесуэла lang:ru", Subject: "latam"})

	e.publishArticle(t, art("a1", "Лавров о Венесуэле", "Сергей Лавров заявил, что Россия не вмешивается в дела Венесуэлы."))
	e.publishArticle(t, art("a2", "Погода", "Завтра дождь."))
	e.publishArticle(t, art("a3", "Встреча", "Сергей Лавров встретился с Майком Помпео."))

	waitFor(t, "the webhook delivery", func() bool {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		return len(rc.got) == 1
	})
	waitFor(t, "two alerts", func() bool { return e.alertCount(t) == 2 })
	als := e.alerts(t)
	byWatch := map[string]Alert{}
	for _, al := range als {
		byWatch[al.Watch] = al
	}
	lv, ok := byWatch["lavrov"]
	if !ok || lv.ArticleID != "a1" || byWatch["venezuela"].ArticleID != "a1" {
		t.Fatalf("alerts = %+v, want lavrov and venezuela for a1", als)
	}
	if lv.URL != "https://example.org/a1" || lv.Lang != "ru" || lv.Title != "Лавров о Венесуэле" || !strings.Contains(lv.Snippet, "<mark>") {
		t.Errorf("alert fields: %+v", lv)
	}
	if len(lv.Entities) != 1 || lv.Entities[0].ID != "Q80137" {
		t.Errorf("matched entities = %+v, want Сергей Лавров", lv.Entities)
	}
	// Wait past another retry period: nothing more arrives.
	time.Sleep(300 * time.Millisecond)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.got["lavrov:a1:1"] != 1 || len(rc.got) != 1 {
		t.Errorf("deliveries = %v, want lavrov:a1:1 once", rc.got)
	}
	if rc.badSig != 0 {
		t.Errorf("%d deliveries with a bad signature", rc.badSig)
	}
	var body Alert
	if err := json.Unmarshal(rc.bodies["lavrov:a1:1"], &body); err != nil || body.ArticleID != "a1" || body.Watch != "lavrov" {
		t.Errorf("webhook body %s: %v", rc.bodies["lavrov:a1:1"], err)
	}
	if rc.requests < 5 {
		t.Errorf("%d requests, want the 4 failures then a success", rc.requests)
	}
	if got := testutil.ToFloat64(r.svc.metrics.Deliveries.WithLabelValues(OutcomeDelivered)); got != 1 {
		t.Errorf("delivered = %v, want 1", got)
	}
}
