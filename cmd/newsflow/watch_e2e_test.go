package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/newsflow/newsflow/services/watch"
)

// TestWatchEndToEnd: newsflow up runs the watch worker; `newsflow watch`
// refuses a bad query with the parser's message, saves a watch, and an
// article published afterwards is delivered once to the watch's webhook,
// signed; `watch test` finds it in the index.
func TestWatchEndToEnd(t *testing.T) {
	p := startPipeline(t, t.TempDir())
	base := "http://" + p.HTTPAddr()
	var mu sync.Mutex
	var bodies [][]byte
	var sigOK []bool
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, b)
		sigOK = append(sigOK, watch.Verify("k3y", b, r.Header.Get("Newsflow-Signature")))
		mu.Unlock()
	}))
	defer hook.Close()

	code, out := cli(t, "watch", "add", "--url", base, "bibi", `"Асия Биби`)
	if code == 0 || !strings.Contains(out, "invalid query") || !strings.Contains(out, "query") {
		t.Fatalf("a bad query: exit %d: %s", code, out)
	}
	code, out = cli(t, "watch", "add", "--url", base, "bibi", "Асия Биби -Франция", "--webhook", hook.URL, "--secret", "k3y")
	if code != 0 {
		t.Fatalf("watch add: exit %d: %s", code, out)
	}
	if code, out = cli(t, "watch", "list", "--url", base); code != 0 || !strings.Contains(out, "bibi") || !strings.Contains(out, "alerts.bibi") {
		t.Fatalf("watch list: exit %d: %s", code, out)
	}
	if code, out = cli(t, "watch", "show", "--url", base, "bibi"); code != 0 || strings.Contains(out, "k3y") || !strings.Contains(out, `"secret_set": true`) {
		t.Fatalf("watch show (the secret must not show): exit %d: %s", code, out)
	}
	waitFor(t, "the watch loaded", func() bool { return strings.Contains(metricsText(t, base), "newsflow_watches 1") })

	postAccepted(t, base, "application/json", `{"source":"wire","id":"bibi-1","url":"https://example.org/bibi-1","title":"Асия Биби е освободена","body":"Пакистанката Асия Биби беше освободена от затвора в сряда, съобщиха адвокатите ѝ."}`)
	postAccepted(t, base, "application/json", `{"source":"wire","id":"other-1","title":"Времето","body":"Утре ще вали сняг в планините."}`)
	waitFor(t, "the webhook delivery", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(bodies) >= 1
	})
	waitFor(t, "both articles indexed", func() bool { n, _ := searchTotal(t, base, "*"); return n == 2 })
	mu.Lock()
	if len(bodies) != 1 || !sigOK[0] || !strings.Contains(string(bodies[0]), `"article_id":"bibi-1"`) {
		t.Errorf("deliveries %d, signature ok %v, body %s", len(bodies), sigOK, bodies)
	}
	mu.Unlock()
	if m := metricsText(t, base); !strings.Contains(m, `newsflow_watch_matches_total{watch="bibi"} 1`) ||
		!strings.Contains(m, `newsflow_watch_deliveries_total{outcome="delivered"} 1`) {
		t.Errorf("metrics lack the match or the delivery")
	}
	if code, out = cli(t, "watch", "test", "--url", base, "bibi"); code != 0 || !strings.Contains(out, "matches 1 ") || !strings.Contains(out, "bibi-1") {
		t.Errorf("watch test: exit %d: %s", code, out)
	}
	if code, out = cli(t, "watch", "rm", "--url", base, "bibi"); code != 0 {
		t.Errorf("watch rm: exit %d: %s", code, out)
	}
	if code, out = cli(t, "watch", "show", "--url", base, "bibi"); code == 0 || !strings.Contains(out, "not found") {
		t.Errorf("watch show after rm: exit %d: %s", code, out)
	}
}
