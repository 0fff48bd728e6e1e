package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/pkg/telemetry"
	"github.com/newsflow/newsflow/services/enrich"
	"github.com/newsflow/newsflow/services/index"
	"github.com/newsflow/newsflow/services/ingest"
	"github.com/newsflow/newsflow/services/poller"
	"github.com/newsflow/newsflow/services/watch"
)

// repoRoot is the directory holding go.work.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for ; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		if filepath.Dir(dir) == dir {
			t.Fatal("go.work not found above the test's directory")
		}
	}
}

// natsUser is a connection as one deploy/nats user, with the async errors
// the server sent it (permission violations arrive that way).
type natsUser struct {
	nc *nats.Conn
	js jetstream.JetStream

	mu   sync.Mutex
	errs []string
}

func (u *natsUser) violation(subject string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, e := range u.errs {
		if strings.Contains(strings.ToLower(e), "permissions violation") && strings.Contains(e, subject) {
			return true
		}
	}
	return false
}

func connectAs(t *testing.T, url, user, password, inbox string) *natsUser {
	t.Helper()
	u := &natsUser{}
	cfg := natsbus.ConnConfig{URL: url, Name: "newsflow-" + user, User: user, Password: password, InboxPrefix: inbox}
	nc, err := natsbus.Connect(cfg, zaptest.NewLogger(t), nats.RetryOnFailedConnect(false),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			u.mu.Lock()
			u.errs = append(u.errs, err.Error())
			u.mu.Unlock()
		}))
	if err != nil {
		t.Fatalf("connect as %s: %v", user, err)
	}
	t.Cleanup(nc.Close)
	js, err := natsbus.NewJetStream(nc)
	if err != nil {
		t.Fatal(err)
	}
	u.nc, u.js = nc, js
	return u
}

// TestLeastPrivilegeUsers runs the pipeline on a server configured with
// exactly deploy/nats/nats.conf (its users and permissions), each stage as
// its own user, and shows that a stage cannot publish, subscribe or manage
// streams beyond what its permissions name.
func TestLeastPrivilegeUsers(t *testing.T) {
	passwords := map[string]string{"ingest": "pw-ingest", "enrich": "pw-enrich", "index": "pw-index", "watch": "pw-watch", "producer": "pw-producer", "admin": "pw-admin", "poller": "pw-poller"}
	for user, pw := range passwords {
		t.Setenv("NEWSFLOW_NATS_"+strings.ToUpper(user)+"_PASSWORD", pw)
	}
	opts, err := server.ProcessConfigFile(filepath.Join(repoRoot(t), "deploy", "nats", "nats.conf"))
	if err != nil {
		t.Fatalf("deploy/nats/nats.conf: %v", err)
	}
	opts.Host, opts.Port, opts.HTTPPort = "127.0.0.1", -1, 0
	opts.StoreDir = t.TempDir()
	opts.NoSigs = true
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(20 * time.Second) {
		t.Fatal("nats server not ready")
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	url := srv.ClientURL()

	// The admin creates the streams; the stages only check them.
	if code, out := cli(t, "setup", "--nats", url, "--nats-user", "admin", "--nats-password", "pw-admin"); code != 0 {
		t.Fatalf("setup: exit %d: %s", code, out)
	}
	topo := natsbus.DefaultTopology()
	topo.VerifyStreams = true

	users := map[string]*natsUser{}
	for _, u := range []string{"ingest", "enrich", "index", "watch", "poller"} {
		users[u] = connectAs(t, url, u, passwords[u], "_INBOX_"+u)
	}
	producer := connectAs(t, url, "producer", passwords["producer"], "")
	admin := connectAs(t, url, "admin", passwords["admin"], "")

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	log := zaptest.NewLogger(t)
	deps := func(u string, http *telemetry.Server) service.Deps {
		reg := prometheus.NewRegistry()
		tm, err := telemetry.NewMetrics(reg)
		if err != nil {
			t.Fatal(err)
		}
		return service.Deps{Log: log.Named(u), Metrics: tm, Registry: reg, NC: users[u].nc, JS: users[u].js, HTTP: http, Topology: topo}
	}
	sctx, scancel := context.WithTimeout(ctx, 30*time.Second)
	defer scancel()
	for _, u := range []string{"ingest", "enrich", "index", "poller"} {
		if err := natsbus.EnsureStreams(sctx, users[u].js, topo); err != nil {
			t.Fatalf("%s checks the streams: %v", u, err)
		}
	}
	ingestHTTP := telemetry.NewServer("127.0.0.1:0", prometheus.NewRegistry(), log)
	ing, err := ingest.New(sctx, ingest.DefaultConfig(), deps("ingest", ingestHTTP))
	if err != nil {
		t.Fatalf("ingest as its user: %v (%v)", err, users["ingest"].errs)
	}
	enr, err := enrich.New(sctx, enrich.DefaultConfig(), deps("enrich", nil))
	if err != nil {
		t.Fatalf("enrich as its user: %v", err)
	}
	icfg := index.DefaultConfig()
	icfg.Index = filepath.Join(t.TempDir(), "index")
	idx, err := index.New(sctx, icfg, deps("index", nil))
	if err != nil {
		t.Fatalf("index as its user: %v", err)
	}
	wat, err := watch.New(sctx, watch.DefaultConfig(), deps("watch", nil))
	if err != nil {
		t.Fatalf("watch as its user: %v", err)
	}
	// Saved before the articles: every one of them makes an alert.
	if err := wat.Store().Put(sctx, &watch.Watch{Name: "all", Query: "*"}); err != nil {
		t.Fatalf("save a watch as the watch user: %v", err)
	}
	// The poller, as its user, polls a feed the admin added.
	feedSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/feed.xml" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, `<rss version="2.0"><channel><title>P</title><item><title>Polled</title><guid>p4</guid><description>Polled by the poller as its own user, then ingested, enriched and indexed like any article.</description></item></channel></rss>`)
	}))
	defer feedSrv.Close()
	pcfg := poller.DefaultConfig()
	pcfg.SummaryWords = 5
	pol, err := poller.New(sctx, pcfg, deps("poller", nil))
	if err != nil {
		t.Fatalf("poller as its user: %v", err)
	}
	if code, out := cli(t, "sources", "add", feedSrv.URL+"/feed.xml", "--source", "perm", "--interval", "1m",
		"--nats", url, "--nats-user", "admin", "--nats-password", passwords["admin"]); code != 0 {
		t.Fatalf("sources add as admin: exit %d: %s", code, out)
	}
	for _, c := range []service.Component{ing, enr, idx, wat, pol} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.Run(ctx); err != nil {
				t.Errorf("stage: %v", err)
			}
		}()
	}

	// A producer publishes onto the queue, a client through ingest's API;
	// a poison message is dead-lettered. All of it under the permissions.
	pctx, pcancel := context.WithTimeout(ctx, 10*time.Second)
	defer pcancel()
	if _, err := producer.js.Publish(pctx, natsbus.RawSubject("perm"), []byte(`{"source":"perm","id":"p1","title":"Queued","body":"Published by a producer onto the queue."}`)); err != nil {
		t.Fatalf("producer publish: %v", err)
	}
	if _, err := producer.js.Publish(pctx, natsbus.RawSubject("perm"), []byte(`{"source":"perm","title":"no body"}`)); err != nil {
		t.Fatalf("producer publish: %v", err)
	}
	rec := httptest.NewRecorder()
	ingestHTTP.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/articles",
		strings.NewReader(`{"source":"perm","id":"p2","title":"Posted | Perm News","body":"Posted to the ingest API."}`)))
	if rec.Code != http.StatusAccepted {
		t.Fatalf("POST /v1/articles as ingest: %d %s", rec.Code, rec.Body)
	}
	// newsflow publish --nats as the producer.
	file := filepath.Join(t.TempDir(), "one.json")
	if err := os.WriteFile(file, []byte(`{"source":"perm","id":"p3","title":"Published","body":"Sent by newsflow publish as the producer."}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := cli(t, "publish", "--nats", url, "--nats-user", "producer", "--nats-password", passwords["producer"], "--progress", "none", file); code != 0 {
		t.Fatalf("newsflow publish as the producer: exit %d: %s", code, out)
	}
	waitFor(t, "the four articles indexed and the poison dead-lettered", func() bool {
		return subjectCount(t, admin.js, natsbus.StreamArticles, natsbus.SubjectIndexed+".>") == 4 &&
			subjectCount(t, admin.js, natsbus.StreamDLQ, natsbus.SubjectDLQ+".ingest") == 1
	})
	if res, err := idx.Index().Search(context.Background(), search.Query{Text: "*"}); err != nil || res.Total != 4 {
		t.Errorf("index search: %+v, %v; want 4 articles", res, err)
	}
	// The title's site name was counted in the bucket ingest shares.
	if kv, err := admin.js.KeyValue(context.Background(), ingest.TitleAffixBucket); err != nil {
		t.Errorf("bucket %s: %v", ingest.TitleAffixBucket, err)
	} else if _, err := kv.Get(context.Background(), "perm"); err != nil {
		t.Errorf("ingest recorded no title affixes of source perm: %v", err)
	}
	waitFor(t, "an alert per article", func() bool {
		return subjectCount(t, admin.js, natsbus.StreamAlerts, natsbus.SubjectAlerts+".all") == 4
	})

	// Every stage consumer and its max-deliveries consumer exist: the
	// workers needed nothing beyond their permissions.
	waitFor(t, "the advisory consumers", func() bool {
		s, err := admin.js.Stream(context.Background(), natsbus.StreamAdvisories)
		return err == nil && s.CachedInfo().State.Consumers == 5
	})
	for _, u := range []string{"ingest", "enrich", "index", "watch", "poller"} {
		users[u].mu.Lock()
		if len(users[u].errs) > 0 {
			t.Errorf("%s hit errors under its permissions: %v", u, users[u].errs)
		}
		users[u].mu.Unlock()
	}

	// Now what each may not do.
	denied := func(u *natsUser, who, subject string, try func() error) {
		t.Helper()
		err := try()
		deadline := time.Now().Add(5 * time.Second)
		for !u.violation(subject) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if !u.violation(subject) {
			t.Errorf("%s: no permissions violation for %s (call returned %v)", who, subject, err)
		}
	}
	quick := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), 500*time.Millisecond)
	}
	publish := func(u *natsUser, subject string) func() error {
		return func() error {
			if err := u.nc.Publish(subject, []byte(`{"source":"x","body":"forged"}`)); err != nil {
				return err
			}
			return u.nc.Flush()
		}
	}
	enr1 := users["enrich"]
	denied(enr1, "enrich", "articles.raw.forged", publish(enr1, "articles.raw.forged"))
	denied(enr1, "enrich", "articles.indexed.forged", publish(enr1, "articles.indexed.forged"))
	denied(enr1, "enrich", "articles.dlq.ingest", publish(enr1, "articles.dlq.ingest"))
	denied(enr1, "enrich", "$KV.NEWSFLOW_SEEN.p1", publish(enr1, "$KV.NEWSFLOW_SEEN.p1"))
	denied(enr1, "enrich", "$KV.NEWSFLOW_TITLE_AFFIXES.perm", publish(enr1, "$KV.NEWSFLOW_TITLE_AFFIXES.perm"))
	denied(enr1, "enrich", "articles.>", func() error {
		_, err := enr1.nc.Subscribe("articles.>", func(*nats.Msg) {})
		if err == nil {
			err = enr1.nc.Flush()
		}
		return err
	})
	denied(enr1, "enrich", "_INBOX_ingest.>", func() error {
		_, err := enr1.nc.Subscribe("_INBOX_ingest.>", func(*nats.Msg) {})
		if err == nil {
			err = enr1.nc.Flush()
		}
		return err
	})
	denied(enr1, "enrich", "$JS.API.STREAM.UPDATE.ARTICLES_RAW", func() error {
		c, cancel := quick()
		defer cancel()
		_, err := enr1.js.UpdateStream(c, jetstream.StreamConfig{Name: natsbus.StreamRaw, Subjects: []string{"articles.raw.>"}, MaxAge: time.Second})
		return err
	})
	denied(enr1, "enrich", "$JS.API.CONSUMER.CREATE.ARTICLES_RAW.ingest", func() error {
		c, cancel := quick()
		defer cancel()
		_, err := enr1.js.CreateOrUpdateConsumer(c, natsbus.StreamRaw, jetstream.ConsumerConfig{Durable: "ingest", AckPolicy: jetstream.AckExplicitPolicy})
		return err
	})
	denied(enr1, "enrich", "$JS.API.STREAM.PURGE.ARTICLES_DLQ", publish(enr1, "$JS.API.STREAM.PURGE.ARTICLES_DLQ"))
	idx1 := users["index"]
	denied(idx1, "index", "articles.enriched.forged", publish(idx1, "articles.enriched.forged"))
	denied(idx1, "index", "$JS.API.STREAM.MSG.GET.ARTICLES_RAW", publish(idx1, "$JS.API.STREAM.MSG.GET.ARTICLES_RAW"))
	ing1 := users["ingest"]
	denied(ing1, "ingest", "articles.enriched.forged", publish(ing1, "articles.enriched.forged"))
	denied(ing1, "ingest", "$JS.API.STREAM.DELETE.ARTICLES", publish(ing1, "$JS.API.STREAM.DELETE.ARTICLES"))
	// The poller (TestSourcesUp runs it under the same permissions, as
	// newsflow up's generated user) publishes raw articles and nothing else.
	polUser := users["poller"]
	denied(polUser, "poller", "articles.ingested.forged", publish(polUser, "articles.ingested.forged"))
	denied(polUser, "poller", "$KV.NEWSFLOW_SEEN.p1", publish(polUser, "$KV.NEWSFLOW_SEEN.p1"))
	denied(producer, "producer", "articles.ingested.forged", publish(producer, "articles.ingested.forged"))
	denied(producer, "producer", "$KV.NEWSFLOW_SEEN.p1", publish(producer, "$KV.NEWSFLOW_SEEN.p1"))
	denied(producer, "producer", "$JS.API.CONSUMER.MSG.NEXT.ARTICLES_RAW.ingest", publish(producer, "$JS.API.CONSUMER.MSG.NEXT.ARTICLES_RAW.ingest"))

	// Nothing forged reached a stream, and the pipeline is intact.
	time.Sleep(200 * time.Millisecond)
	for subject, want := range map[string]uint64{
		"articles.raw.forged": 0, "articles.indexed.forged": 0, "articles.enriched.forged": 0, "articles.ingested.forged": 0,
	} {
		stream := natsbus.StreamArticles
		if strings.HasPrefix(subject, natsbus.SubjectRaw) {
			stream = natsbus.StreamRaw
		}
		if got := subjectCount(t, admin.js, stream, subject); got != want {
			t.Errorf("%d messages on %s, want %d", got, subject, want)
		}
	}
	if got := subjectCount(t, admin.js, natsbus.StreamDLQ, natsbus.SubjectDLQ+".>"); got != 1 {
		t.Errorf("%d dead letters, want 1", got)
	}
	info, err := admin.js.Stream(context.Background(), natsbus.StreamRaw)
	if err != nil || info.CachedInfo().Config.MaxAge != 0 {
		t.Errorf("ARTICLES_RAW was changed: %v", err)
	}
}
