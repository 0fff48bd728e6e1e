package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/cmd/newsflow/internal/standalone"
	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/pkg/natsembed"
	"github.com/newsflow/newsflow/services/index/pagetest"
)

// dashboardArticles writes n corpus articles, re-identified, as NDJSON.
func dashboardArticles(t *testing.T, n int) string {
	t.Helper()
	var lines [][]byte
	for _, name := range []string{"en.jsonl", "de.jsonl", "ru.jsonl", "bg.jsonl"} {
		f, err := os.Open(corpus.Path(t, name))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
		for sc.Scan() {
			lines = append(lines, append([]byte(nil), sc.Bytes()...))
		}
		_ = f.Close()
	}
	path := filepath.Join(t.TempDir(), "articles.jsonl")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(out)
	for i := range n {
		var a map[string]any
		if err := json.Unmarshal(lines[i%len(lines)], &a); err != nil {
			t.Fatal(err)
		}
		a["id"] = fmt.Sprintf("dash-%05d", i)
		b, _ := json.Marshal(a)
		_, _ = w.Write(append(b, '\n'))
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// dashboardCells reads the stage table of the open dashboard:
// "stage/field" -> the raw value behind the cell.
func dashboardCells(t *testing.T, b *pagetest.Browser) map[string]string {
	t.Helper()
	cells, err := chromedp.Run(b.Context(), chromedp.Evaluate[map[string]string](
		`Object.fromEntries([...document.querySelectorAll('#stages tbody tr')].flatMap(tr =>
			[...tr.querySelectorAll('td[data-field]')].map(td => [tr.dataset.stage + '/' + td.dataset.field, td.dataset.value])))`))
	if err != nil {
		b.Fail("read the stage table", err)
	}
	return cells
}

func dashboardText(t *testing.T, b *pagetest.Browser, selector string) string {
	t.Helper()
	s, err := chromedp.Run(b.Context(), chromedp.Evaluate[string](`document.querySelector(`+strconv.Quote(selector)+`).textContent`))
	if err != nil {
		b.Fail("read "+selector, err)
	}
	return s
}

func dashboardAttr(t *testing.T, b *pagetest.Browser, selector, attr string) string {
	t.Helper()
	s, err := chromedp.Run(b.Context(), chromedp.Evaluate[string](`document.querySelector(`+strconv.Quote(selector)+`).getAttribute(`+strconv.Quote(attr)+`) || ""`))
	if err != nil {
		b.Fail("read "+selector, err)
	}
	return s
}

func cellValue(cells map[string]string, key string) float64 {
	v, err := strconv.ParseFloat(cells[key], 64)
	if err != nil {
		return -1
	}
	return v
}

// waitLong polls cond every 200 ms until it holds or limit passes.
func waitLong(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestDashboardInChromium opens /dashboard of newsflow up in headless
// Chromium at rest, under the load of 5,000 articles and after it, takes a
// screenshot each time (NEWSFLOW_SCREENSHOTS keeps them; docs/deploy.md
// shows them), and checks that the numbers the page shows are the ones
// /metrics serves.
func TestDashboardInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser and publishes 5,000 articles")
	}
	pagetest.Executable(t)
	const n = 5000
	file := dashboardArticles(t, n)
	cfg := standalone.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.NATSAddr = "127.0.0.1:-1"
	cfg.DashboardInterval = 500 * time.Millisecond
	p, err := standalone.Start(context.Background(), cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop() })
	base := "http://" + p.HTTPAddr()

	b := pagetest.Start(t, 6*time.Minute)
	b.Do("open the dashboard",
		chromedp.Navigate(base+"/dashboard"),
		chromedp.WaitVisible(chromedp.CSS(`#status[data-state="live"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#stages tr[data-stage="index"]`)),
	)
	waitLong(t, "a few seconds of samples at rest", time.Minute, func() bool {
		n, _ := strconv.Atoi(dashboardAttr(t, b, "#status", "data-samples"))
		return n >= 8
	})
	rest := dashboardCells(t, b)
	for _, st := range []string{"ingest", "enrich", "index"} {
		if v := cellValue(rest, st+"/ok"); v != 0 {
			t.Errorf("at rest %s ok = %v, want 0", st, v)
		}
	}
	b.Shot("dashboard-rest.png")

	published := make(chan string, 1)
	go func() {
		code, out := cli(t, "publish", "--nats", p.NATSURL(), "--data", filepath.Dir(p.CredentialsDir()), file)
		published <- fmt.Sprintf("exit %d: %s", code, out)
	}()
	// Three poison messages that ingest must dead-letter, so that the dead
	// letter panel and tile show something.
	js := connectJS(t, p, natsembed.UserAdmin)
	for i := range 3 {
		publishRawMsg(t, js, "dashboard-poison", []byte(fmt.Sprintf(`{"source":"dashboard-poison","title":"no body %d"}`, i)))
	}
	// Under load: articles are indexed while others wait.
	waitLong(t, "the dashboard to show articles being indexed", 3*time.Minute, func() bool {
		c := dashboardCells(t, b)
		return cellValue(c, "index/ok") > 500 && cellValue(c, "index/ok") < n-1500
	})
	// Let the charts gather a few seconds of the run, then take the shot
	// while the Indexed tile (the last 5 s) shows articles going through.
	time.Sleep(4 * time.Second)
	var load map[string]string
	waitLong(t, "the Indexed tile to show articles per second", 2*time.Minute, func() bool {
		load = dashboardCells(t, b)
		tile := dashboardText(t, b, "#tile-indexed b")
		return tile != "–" && tile != "0/s" && cellValue(load, "index/ok_rate") > 0 && cellValue(load, "index/ok") < n
	})
	b.Shot("dashboard-load.png")
	if lat := dashboardText(t, b, "#tile-latency b"); lat == "–" {
		t.Errorf("under load the latency tile shows %q", lat)
	}
	if paths, err := chromedp.Run(b.Context(), chromedp.Evaluate[int](
		`document.querySelectorAll('figure[data-chart="throughput"] path.series[data-series="index"]').length`)); err != nil || paths == 0 {
		t.Errorf("no index line in the throughput chart (%d, %v)", paths, err)
	}
	if out := <-published; out[:6] != "exit 0" {
		t.Fatalf("publish: %s", out)
	}

	// After the load: every article went through every stage, every
	// consumer drained (the consumer gauges are read every 5 s); the page
	// shows what /metrics says.
	var text string
	waitLong(t, "every article to be indexed", 4*time.Minute, func() bool {
		text = metricsText(t, base)
		return metricValue(t, text, `newsflow_stage_messages_total{outcome="ok",stage="index"}`) >= n
	})
	waitLong(t, "every consumer to drain", time.Minute, func() bool {
		text = metricsText(t, base)
		for _, st := range []string{"ingest", "enrich", "index"} {
			for _, g := range []string{"newsflow_consumer_pending", "newsflow_consumer_ack_pending"} {
				if metricValue(t, text, fmt.Sprintf(`%s{stage="%s"}`, g, st)) != 0 {
					return false
				}
			}
		}
		return true
	})
	waitLong(t, "the dashboard to show the figures of /metrics", time.Minute, func() bool {
		text = metricsText(t, base)
		c := dashboardCells(t, b)
		for _, st := range []string{"ingest", "enrich", "index"} {
			for _, o := range []string{"ok", "duplicate", "retry", "dlq"} {
				want := metricValue(t, text, fmt.Sprintf(`newsflow_stage_messages_total{outcome="%s",stage="%s"}`, o, st))
				if cellValue(c, st+"/"+o) != want {
					return false
				}
			}
			for _, g := range []struct{ field, metric string }{
				{"pending", "newsflow_consumer_pending"}, {"ack_pending", "newsflow_consumer_ack_pending"}, {"dead_letters", "newsflow_dlq_messages"},
			} {
				if cellValue(c, st+"/"+g.field) != metricValue(t, text, fmt.Sprintf(`%s{stage="%s"}`, g.metric, st)) {
					return false
				}
			}
		}
		return true
	})
	after := dashboardCells(t, b)
	if got := cellValue(after, "index/ok"); got < n {
		t.Errorf("the page shows %v indexed, want %d", got, n)
	}
	if got := cellValue(after, "ingest/dlq"); got != 3 {
		t.Errorf("the page shows %v dead-lettered by ingest, want the 3 poison messages", got)
	}
	// The tile sums every stage's dead letters: the 3 poison messages, and
	// whatever a stage dead-lettered under this load (counted by /metrics
	// too). It follows the dashboard's own sampling, so it may lag.
	var tileText, tileWant string
	waitLong(t, "the dead letters tile to show the dead letters of /metrics (the 3 poison messages at least)", time.Minute, func() bool {
		text = metricsText(t, base)
		var sum float64
		for _, st := range []string{"ingest", "enrich", "index"} {
			if v := metricValue(t, text, fmt.Sprintf(`newsflow_dlq_messages{stage="%s"}`, st)); v > 0 {
				sum += v
			}
		}
		tileText, tileWant = dashboardText(t, b, "#tile-dlq b"), strconv.Itoa(int(sum))
		if tileText != tileWant {
			t.Logf("dead letters tile %q, /metrics %s", tileText, tileWant)
		}
		return sum >= 3 && tileText == tileWant
	})
	if cellValue(load, "index/ok") >= cellValue(after, "index/ok") {
		t.Errorf("index ok did not move: %v under load, %v after", load["index/ok"], after["index/ok"])
	}
	b.Shot("dashboard-after.png")
	if pr := b.Problems(); len(pr) > 0 {
		t.Errorf("the page reported problems: %q", pr)
	}
}
