package grafana_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/newsflow/newsflow/deploy/internal/deploytest"
	"github.com/newsflow/newsflow/pkg/corpus"
	livedash "github.com/newsflow/newsflow/pkg/dashboard"
)

// Substitutions for Grafana's variables when a query is sent to Prometheus
// directly: the cluster, namespace and job the test's target carries (as
// the Prometheus Operator or a Kubernetes scrape config labels them), a
// rate window of several 1 s scrapes.
var grafanaVars = strings.NewReplacer(
	"$__rate_interval", "20s",
	"$__interval", "5s",
	"$__range", "10m",
	"$cluster", "test",
	"$namespace", "newsflow",
	"$job", "newsflow",
)

// TestDashboardQueriesReturnData runs `newsflow up`, feeds it corpus
// articles (and one that must be dead-lettered) while a real Prometheus
// scrapes it every second, and asserts that every query of every panel
// returns at least one finite sample.
func TestDashboardQueriesReturnData(t *testing.T) {
	if testing.Short() {
		t.Skip("starts newsflow and Prometheus; run without -short")
	}
	promBin := deploytest.Tool(t, "prometheus", "apt-get install prometheus")
	articles := readArticles(t, corpus.Path(t, "en.jsonl"))
	root := deploytest.RepoRoot(t)
	newsflow := buildNewsflow(t, root)

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	httpPort, natsPort, promPort := deploytest.FreePort(t), deploytest.FreePort(t), deploytest.FreePort(t)
	dataDir := t.TempDir()
	upLog := start(t, ctx, "newsflow up", newsflow, "up", "--data", dataDir,
		"--http", fmt.Sprintf("127.0.0.1:%d", httpPort), "--nats", fmt.Sprintf("127.0.0.1:%d", natsPort), "--log-format", "json")
	base := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	waitFor(t, ctx, "newsflow /readyz", upLog, func() error { return httpOK(base + "/readyz") })
	// A watch on every article with a webhook here: the Watches row's
	// matches, deliveries and latencies get data.
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer hook.Close()
	resp, err := http.Post(base+"/v1/watches", "application/json", strings.NewReader(`{"name":"dashboard","query":"*","webhook":"`+hook.URL+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /v1/watches: %s", resp.Status)
	}

	promDir := t.TempDir()
	alerts, err := filepath.Abs(filepath.Join(root, "deploy", "prometheus", "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`global: {scrape_interval: 1s, scrape_timeout: 900ms, evaluation_interval: 1s}
rule_files: [%q]
scrape_configs:
  - job_name: newsflow
    static_configs: [{targets: ["127.0.0.1:%d"], labels: {cluster: test, namespace: newsflow}}]
`, alerts, httpPort)
	if err := os.WriteFile(filepath.Join(promDir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	promLog := start(t, ctx, "prometheus", promBin, "--config.file="+filepath.Join(promDir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(promDir, "data"), fmt.Sprintf("--web.listen-address=127.0.0.1:%d", promPort))
	prom := fmt.Sprintf("http://127.0.0.1:%d", promPort)
	waitFor(t, ctx, "prometheus /-/ready", promLog, func() error { return httpOK(prom + "/-/ready") })

	// up's embedded NATS wants credentials: the producer's key it made.
	producer, err := nats.NkeyOptionFromSeed(filepath.Join(dataDir, "credentials", "producer.nk"))
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(fmt.Sprintf("nats://127.0.0.1:%d", natsPort), producer)
	if err != nil {
		t.Fatalf("connect to newsflow's nats: %v", err)
	}
	defer nc.Close()
	js, err := nc.JetStream()
	if err != nil {
		t.Fatal(err)
	}
	// Let Prometheus see the counters at zero first, so that the dead
	// letter below shows as an increase.
	waitFor(t, ctx, "two scrapes", promLog, func() error {
		v, err := promScalar(prom, `count_over_time(up{job="newsflow"}[1m])`)
		if err != nil {
			return err
		}
		if v < 2 {
			return fmt.Errorf("%v scrapes so far", v)
		}
		return nil
	})
	// One article ingest must reject: it ends in ARTICLES_DLQ.
	if _, err := js.Publish("articles.raw.dashboard-test", []byte(`{"source":"dashboard-test","title":"no body"}`)); err != nil {
		t.Fatalf("publish the bad article: %v", err)
	}
	// A steady trickle for the rest of the test, so that every rate and
	// histogram window holds samples.
	var published atomic.Int64
	pubCtx, stopPub := context.WithCancel(ctx)
	defer stopPub()
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for i := 0; pubCtx.Err() == nil; i++ {
			a := articles[i%len(articles)]
			a["id"] = fmt.Sprintf("dash-%d", i)
			data, _ := json.Marshal(a)
			if _, err := js.Publish("articles.raw.dashboard-test", data); err == nil {
				published.Add(1)
			}
			select {
			case <-pubCtx.Done():
			case <-tick.C:
			}
		}
	}()
	waitFor(t, ctx, "articles indexed and scraped", upLog, func() error {
		v, err := promScalar(prom, `sum(newsflow_stage_messages_total{stage="index",outcome="ok"})`)
		if err != nil {
			return err
		}
		if v < 50 {
			return fmt.Errorf("%v indexed so far", v)
		}
		return nil
	})

	d := loadDashboard(t)
	type query struct{ panel, expr string }
	var queries []query
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			queries = append(queries, query{p.Title, grafanaVars.Replace(tg.Expr)})
		}
	}
	// Every query must answer within the deadline; the slowest to fill
	// are the 20 s rate windows.
	deadline := time.Now().Add(90 * time.Second)
	pending := queries
	for len(pending) > 0 && time.Now().Before(deadline) {
		var next []query
		for _, q := range pending {
			if err := hasData(prom, q.expr); err != nil {
				next = append(next, q)
			}
		}
		pending = next
		if len(pending) > 0 {
			time.Sleep(2 * time.Second)
		}
	}
	for _, q := range pending {
		t.Errorf("panel %q: %s: %v", q.panel, q.expr, hasData(prom, q.expr))
	}
	// The annotations: deployments (newsflow just started) and alerts (the
	// dead letter fires NewsflowDeadLetters from the real alerts.yml) show;
	// the restart query is valid.
	ann := loadAnnotations(t)
	for name, wantData := range map[string]bool{"Deployments": true, "Alerts": true, "Restarts": false} {
		expr, ok := ann[name]
		if !ok {
			t.Errorf("no %s annotation", name)
			continue
		}
		expr = grafanaVars.Replace(expr)
		err := hasData(prom, expr)
		for wantData && err != nil && time.Now().Before(deadline.Add(30*time.Second)) {
			time.Sleep(time.Second)
			err = hasData(prom, expr)
		}
		if _, qerr := promQuery(prom, expr); qerr != nil || wantData && err != nil {
			t.Errorf("annotation %s: %s: %v %v", name, expr, qerr, err)
		}
	}
	// The bad article is on the dead-letter panel.
	if v, err := promScalar(prom, grafanaVars.Replace(`sum(increase(newsflow_stage_messages_total{outcome="dlq"}[$__range]))`)); err != nil || v < 1 {
		t.Errorf("dead letters in range = %v (%v), want >= 1", v, err)
	}
	// The built-in dashboard's --prometheus-url source reads the same
	// Prometheus.
	src, err := livedash.NewPrometheusSource(prom, `namespace="newsflow"`, nil)
	if err != nil {
		t.Fatal(err)
	}
	pt, err := src.Sample(ctx)
	if err != nil {
		t.Fatalf("dashboard sample from prometheus: %v", err)
	}
	if pt.Messages["index"]["ok"] < 50 || pt.Messages["ingest"]["dlq"] < 1 {
		t.Errorf("dashboard source read index ok %v, ingest dlq %v; want >= 50 and >= 1", pt.Messages["index"]["ok"], pt.Messages["ingest"]["dlq"])
	}
	if _, ok := pt.Pending["enrich"]; !ok || pt.RSS["newsflow"] <= 0 || pt.CPU["newsflow"] <= 0 {
		t.Errorf("dashboard source read pending %v, RSS %v, CPU %v", pt.Pending, pt.RSS, pt.CPU)
	}
	if q := pt.EndToEnd.Quantile(0.5); math.IsNaN(q) || q <= 0 {
		t.Errorf("dashboard source: end-to-end p50 %v from %d buckets", q, len(pt.EndToEnd.Bounds))
	}
	t.Logf("%d queries of %d panels returned data; %d articles published", len(queries)-len(pending), len(d.Panels), published.Load())
	if t.Failed() {
		dump(t, "newsflow up", upLog)
	}
}

// loadAnnotations returns the dashboard's annotation queries by name.
func loadAnnotations(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile("dashboards/newsflow.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Annotations struct {
			List []struct{ Name, Expr string } `json:"list"`
		} `json:"annotations"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, a := range d.Annotations.List {
		if a.Expr != "" {
			out[a.Name] = a.Expr
		}
	}
	return out
}

func readArticles(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() && len(out) < 300 {
		var a map[string]any
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		a["source"] = "dashboard-test"
		out = append(out, a)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no articles", path)
	}
	return out
}

// buildNewsflow returns the newsflow binary: $NEWSFLOW_BIN_DIR/newsflow when
// set (make builds it), else a fresh build.
func buildNewsflow(t *testing.T, root string) string {
	t.Helper()
	if dir := os.Getenv("NEWSFLOW_BIN_DIR"); dir != "" {
		return filepath.Join(dir, "newsflow")
	}
	out := filepath.Join(t.TempDir(), "newsflow")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/newsflow")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/newsflow: %v\n%s", err, b)
	}
	return out
}

// start runs a process until the test ends; its output goes to a file.
func start(t *testing.T, ctx context.Context, name, bin string, args ...string) string {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), strings.ReplaceAll(name, " ", "-")+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 15 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		_ = logf.Close()
	})
	return logPath
}

func waitFor(t *testing.T, ctx context.Context, what, logPath string, check func() error) {
	t.Helper()
	var err error
	for ctx.Err() == nil {
		if err = check(); err == nil {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	dump(t, filepath.Base(logPath), logPath)
	t.Fatalf("waiting for %s: %v (last error: %v)", what, ctx.Err(), err)
}

func dump(t *testing.T, name, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	if len(b) > 8000 {
		b = b[len(b)-8000:]
	}
	t.Logf("--- %s (last lines) ---\n%s", name, b)
}

func httpOK(u string) error {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(u)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", u, resp.Status)
	}
	return nil
}

type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

func promQuery(prom, expr string) ([]promSample, error) {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(prom + "/api/v1/query?" + url.Values{"query": {expr}}.Encode())
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string       `json:"resultType"`
			Result     []promSample `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("decode answer: %w", err)
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("query failed: %s", body.Error)
	}
	if body.Data.ResultType != "vector" {
		return nil, fmt.Errorf("result type %s, want vector", body.Data.ResultType)
	}
	return body.Data.Result, nil
}

// hasData reports nil when expr returns at least one finite sample.
func hasData(prom, expr string) error {
	res, err := promQuery(prom, expr)
	if err != nil {
		return err
	}
	if len(res) == 0 {
		return fmt.Errorf("no series")
	}
	for _, s := range res {
		if str, ok := s.Value[1].(string); ok {
			if v, err := strconv.ParseFloat(str, 64); err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
				return nil
			}
		}
	}
	return fmt.Errorf("%d series, none with a finite value", len(res))
}

func promScalar(prom, expr string) (float64, error) {
	res, err := promQuery(prom, expr)
	if err != nil {
		return 0, err
	}
	if len(res) == 0 {
		return 0, fmt.Errorf("no series")
	}
	str, _ := res[0].Value[1].(string)
	return strconv.ParseFloat(str, 64)
}
