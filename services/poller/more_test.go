package poller

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestPollHostPoliteness: requests to one host come one at a time, at
// least --host-delay apart, though three sources share the host.
func TestPollHostPoliteness(t *testing.T) {
	b := newBus(t)
	var mu sync.Mutex
	var starts []time.Time
	inflight, most := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		starts = append(starts, time.Now())
		inflight++
		most = max(most, inflight)
		mu.Unlock()
		defer func() {
			mu.Lock()
			inflight--
			mu.Unlock()
		}()
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, rss("http://"+r.Host+r.URL.Path, true, 1, 2))
	}))
	defer srv.Close()
	cfg := testConfig()
	cfg.HostDelay = 150 * time.Millisecond
	r := startPoller(t, b, cfg, "p1")
	for _, name := range []string{"a", "b", "c"} {
		addSource(t, r.p.Store(), name, srv.URL+"/"+name+".xml", KindFeed)
	}
	waitFor(t, "every source's items", func() bool {
		return len(b.raw(t, "a")) == 2 && len(b.raw(t, "b")) == 2 && len(b.raw(t, "c")) == 2
	})
	r.stop(t)
	mu.Lock()
	defer mu.Unlock()
	if most != 1 {
		t.Errorf("%d requests to one host at once, want 1", most)
	}
	if len(starts) < 4 {
		t.Fatalf("%d requests", len(starts))
	}
	for i := 1; i < len(starts); i++ {
		if gap := starts[i].Sub(starts[i-1]); gap < cfg.HostDelay {
			t.Errorf("request %d came %s after the one before, want at least %s", i+1, gap, cfg.HostDelay)
		}
	}
}

// TestPollJSONFeedAndSitemap: a JSON Feed and a plain sitemap.
func TestPollJSONFeedAndSitemap(t *testing.T) {
	b := newBus(t)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	mux.HandleFunc("/feed.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/feed+json")
		fmt.Fprintf(w, `{"version": "https://jsonfeed.org/version/1.1", "title": "J", "home_page_url": "%[1]s/",
 "items": [{"id": "j1", "url": "%[1]s/j/1", "title": "Json one", "content_html": "<p>The whole story of the first JSON Feed item, in full.</p>"},
           {"id": "j2", "url": "%[1]s/j/2", "title": "Json two", "summary": "A teaser."}]}`, srv.URL)
	})
	mux.HandleFunc("/sitemap.xml", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>%[1]s/s/1</loc><lastmod>2026-12-07</lastmod></url></urlset>`, srv.URL)
	})
	for _, p := range []string{"/j/2", "/s/1"} {
		mux.HandleFunc(p, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, page(7))
		})
	}
	r := startPoller(t, b, testConfig(), "p1")
	addSource(t, r.p.Store(), "json", srv.URL+"/feed.json", KindFeed)
	addSource(t, r.p.Store(), "plain", srv.URL+"/sitemap.xml", KindSitemap)
	waitFor(t, "the JSON Feed's items and the sitemap's page", func() bool {
		return len(b.raw(t, "json")) == 2 && len(b.raw(t, "plain")) == 1
	})
	var kinds []string
	for _, m := range b.raw(t, "json") {
		kinds = append(kinds, m.Header.Get("Content-Type"))
	}
	if got := strings.Join(kinds, ","); got != "application/json,text/html" && got != "text/html,application/json" {
		t.Errorf("content types %s: want the full item as JSON, the summary's page as HTML", got)
	}
}

// TestPollErrorsBackOffAndRecover: a failing feed counts errors, waits
// longer each time, and the gauges follow the bucket entry.
func TestPollErrorsBackOffAndRecover(t *testing.T) {
	b := newBus(t)
	var mu sync.Mutex
	fail := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		f := fail
		mu.Unlock()
		switch {
		case r.URL.Path == "/robots.txt":
			http.NotFound(w, r)
		case f:
			http.Error(w, "down", http.StatusServiceUnavailable)
		default:
			fmt.Fprint(w, rss("http://"+r.Host, true, 1))
		}
	}))
	defer srv.Close()
	r := startPoller(t, b, testConfig(), "p1")
	addSource(t, r.p.Store(), "flaky", srv.URL+"/feed.xml", KindFeed)
	waitFor(t, "two failed polls", func() bool { return r.fetches("flaky", OutcomeError) >= 2 })
	s := sourceState(t, r.p.Store(), "flaky")
	if s.Status != StatusError || !strings.Contains(s.Error, "503") || s.Failures < 2 || s.Errors < 2 {
		t.Errorf("state %+v", s)
	}
	// The interval (1s) doubled after the second failure in a row.
	if wait := s.NextDue.Sub(s.LastFetch); wait < time.Duration(s.Failures-1)*2*time.Second-time.Millisecond {
		t.Errorf("next poll %s after %d failures, want the interval doubled", wait, s.Failures)
	}
	waitFor(t, "the failures gauge", func() bool {
		return testutil.ToFloat64(r.p.m.failures.WithLabelValues("flaky")) >= 2
	})
	mu.Lock()
	fail = false
	mu.Unlock()
	waitFor(t, "the recovery", func() bool { return len(b.raw(t, "flaky")) == 1 })
	waitFor(t, "the gauges of the recovered source", func() bool {
		s := sourceState(t, r.p.Store(), "flaky")
		last := testutil.ToFloat64(r.p.m.lastSuccess.WithLabelValues("flaky"))
		return s.Failures == 0 && s.Status == StatusOK && testutil.ToFloat64(r.p.m.failures.WithLabelValues("flaky")) == 0 &&
			last == float64(s.LastSuccess.UnixMilli())/1000
	})
	if err := r.p.Store().Remove(t.Context(), "flaky"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the removed source's gauges gone", func() bool {
		return testutil.CollectAndCount(r.p.m.lastSuccess) == 0
	})
}
