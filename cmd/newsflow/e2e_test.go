package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/cmd/newsflow/internal/standalone"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natsembed"
)

const seedFile = "000_cc3d19f12a0924a9"

type gold struct {
	Source             string   `json:"source"`
	Lang               string   `json:"lang"`
	BoilerplateLines   []string `json:"boilerplate_lines"`
	RelatedLinks       []string `json:"related_links"`
	SearchExpectations []struct {
		Query     string `json:"query"`
		ExpectHit bool   `json:"expect_hit"`
	} `json:"search_expectations"`
}

func loadGold(t *testing.T) (string, gold) {
	t.Helper()
	path := corpus.Path(t, "seed", seedFile+".gold.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var g gold
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	return corpus.Path(t, "seed", seedFile+".txt"), g
}

// startPipeline runs newsflow up in this process on dataDir with free ports.
func startPipeline(t *testing.T, dataDir string) *standalone.Pipeline {
	t.Helper()
	cfg := standalone.DefaultConfig()
	cfg.DataDir = dataDir
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.NATSAddr = "127.0.0.1:-1"
	p, err := standalone.Start(context.Background(), cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop() })
	return p
}

// cli runs a newsflow command and returns its exit status and output.
func cli(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String() + errb.String()
}

func searchTotal(t *testing.T, base, q string) (int, []string) {
	t.Helper()
	code, out := cli(t, "search", "--url", base, "--json", q)
	if code != 0 {
		t.Fatalf("search %q: exit %d: %s", q, code, out)
	}
	var res struct {
		Total int `json:"total"`
		Hits  []struct {
			ID string `json:"id"`
		} `json:"hits"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("search output: %v\n%s", err, out)
	}
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	return res.Total, ids
}

// waitFor waits up to a minute: the first article through a pipeline that
// has just started waits for enrich's models to load, which has taken over
// 20 s under -race on a loaded 2-core machine (TestUpReadToken in a CI
// rehearsal). A passing test waits only as long as it needs.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitForWithin(t, time.Minute, what, cond)
}

// waitForWithin is waitFor with a bound of its own.
func waitForWithin(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// postAccepted submits body to POST /v1/articles and ends the test
// unless it is accepted (202).
func postAccepted(t *testing.T, base, contentType, body string) {
	t.Helper()
	resp, err := http.Post(base+"/v1/articles", contentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /v1/articles: %s", resp.Status)
	}
}

func metricsText(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestEndToEndSeedArticle(t *testing.T) {
	seed, g := loadGold(t)
	dataDir := t.TempDir()
	p := startPipeline(t, dataDir)
	base := "http://" + p.HTTPAddr()

	code, out := cli(t, "publish", "--url", base, seed, "--source", g.Source)
	if code != 0 || !strings.Contains(out, "accepted 1, duplicates 0, rejected 0") {
		t.Fatalf("publish: exit %d: %s", code, out)
	}

	var id string
	waitFor(t, "the seed article to be searchable", func() bool {
		n, ids := searchTotal(t, base, "Лавров")
		if n == 1 {
			id = ids[0]
		}
		return n == 1
	})
	for _, se := range g.SearchExpectations {
		n, _ := searchTotal(t, base, se.Query)
		if (n > 0) != se.ExpectHit {
			t.Errorf("search %q: %d hits, want hit=%v", se.Query, n, se.ExpectHit)
		}
	}

	code, out = cli(t, "get", "--url", base, id)
	if code != 0 {
		t.Fatalf("get: exit %d: %s", code, out)
	}
	var a article.Article
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("get output: %v", err)
	}
	if a.ID != id || a.Lang != g.Lang || a.WordCount < 200 || a.ReadingTimeSeconds <= 0 {
		t.Errorf("article id=%q lang=%q word_count=%d reading=%d; want id %s, lang %s, about 250 words",
			a.ID, a.Lang, a.WordCount, a.ReadingTimeSeconds, id, g.Lang)
	}
	if a.EnrichedAt.IsZero() || a.IngestedAt.IsZero() || a.IndexedAt.IsZero() {
		t.Errorf("timestamps missing: ingested %v enriched %v indexed %v", a.IngestedAt, a.EnrichedAt, a.IndexedAt)
	}
	if strings.Contains(a.CleanBody, "Още:") {
		t.Errorf("clean_body still holds teaser lines")
	}
	for _, l := range g.BoilerplateLines {
		if strings.Contains(a.CleanBody, l) {
			t.Errorf("clean_body holds boilerplate line %q", l)
		}
	}
	if strings.Join(a.RelatedLinks, "\n") != strings.Join(g.RelatedLinks, "\n") {
		t.Errorf("related_links = %q\nwant %q", a.RelatedLinks, g.RelatedLinks)
	}

	// The same article again, through the API: reported as a duplicate.
	code, out = cli(t, "publish", "--url", base, seed, "--source", g.Source)
	if code != 0 || !strings.Contains(out, "accepted 0, duplicates 1, rejected 0") {
		t.Fatalf("second publish: exit %d: %s", code, out)
	}
	// And straight onto NATS without a Nats-Msg-Id: ingest's seen-set
	// drops it.
	js := connectJS(t, p, natsembed.UserProducer)
	raw, _ := json.Marshal(map[string]string{"source": g.Source, "body": a.Body})
	if _, err := js.Publish(context.Background(), natsbus.RawSubject(g.Source), raw); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "ingest to count the duplicate", func() bool {
		return strings.Contains(metricsText(t, base), `newsflow_stage_messages_total{outcome="duplicate",stage="ingest"} 1`)
	})
	// The article is searchable as soon as its batch is written; the ok
	// outcome is counted a moment later, once its indexed event is stored.
	waitFor(t, "index to count its article", func() bool {
		return !strings.Contains(metricsText(t, base), `newsflow_stage_messages_total{outcome="ok",stage="index"} 0`+"\n")
	})
	m := metricsText(t, base)
	if !strings.Contains(m, `newsflow_stage_messages_total{outcome="ok",stage="index"} 1`+"\n") {
		t.Errorf("index stage did not handle exactly one article")
	}
	if n, _ := searchTotal(t, base, "*"); n != 1 {
		t.Errorf("index holds %d articles, want 1", n)
	}

	// Restart on the same data: still found, not processed again.
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	p = startPipeline(t, dataDir)
	base = "http://" + p.HTTPAddr()
	if n, _ := searchTotal(t, base, "Лавров"); n != 1 {
		t.Errorf("after restart: %d hits for Лавров, want 1", n)
	}
	time.Sleep(500 * time.Millisecond)
	m = metricsText(t, base)
	for _, stage := range []string{"ingest", "enrich", "index"} {
		if !strings.Contains(m, `newsflow_stage_messages_total{outcome="ok",stage="`+stage+`"} 0`) {
			t.Errorf("after restart stage %s processed messages again", stage)
		}
	}
}

func TestMetricsForEveryStage(t *testing.T) {
	p := startPipeline(t, t.TempDir())
	base := "http://" + p.HTTPAddr()
	body := `{"source":"test-src","title":"Metrics check","body":"One article through every stage."}`
	postAccepted(t, base, "application/json", body)
	waitFor(t, "the article to be indexed", func() bool {
		return strings.Contains(metricsText(t, base), `newsflow_stage_messages_total{outcome="ok",stage="index"} 1`)
	})
	// Consumer info is read every few seconds.
	waitFor(t, "consumer metrics", func() bool {
		return strings.Contains(metricsText(t, base), `newsflow_consumer_pending{stage="index"}`)
	})
	m := metricsText(t, base)
	for _, stage := range []string{"ingest", "enrich", "index"} {
		for _, want := range []string{
			`newsflow_stage_messages_total{outcome="ok",stage="` + stage + `"} 1`,
			`newsflow_stage_messages_total{outcome="duplicate",stage="` + stage + `"}`,
			`newsflow_stage_messages_total{outcome="retry",stage="` + stage + `"}`,
			`newsflow_stage_messages_total{outcome="dlq",stage="` + stage + `"}`,
			`newsflow_stage_duration_seconds_count{stage="` + stage + `"} 1`,
			`newsflow_stage_inflight{stage="` + stage + `"} 0`,
			`newsflow_consumer_pending{stage="` + stage + `"}`,
			`newsflow_consumer_ack_pending{stage="` + stage + `"}`,
			`newsflow_consumer_redelivered{stage="` + stage + `"}`,
		} {
			if !strings.Contains(m, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	}
	for _, want := range []string{"newsflow_end_to_end_seconds_count 1", "newsflow_build_info{"} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
