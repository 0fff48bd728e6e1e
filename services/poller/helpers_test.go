package poller

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natstest"
)

// bus is an embedded NATS server with the contract's streams.
type bus struct {
	nc *nats.Conn
	js jetstream.JetStream
}

func newBus(t *testing.T) *bus {
	srv := natstest.RunServer(t)
	nc, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	return &bus{nc: nc, js: js}
}

// testConfig polls fast: no host delay, a short lease and tick.
func testConfig() Config {
	c := DefaultConfig()
	c.HostDelay = 0
	c.Tick = 20 * time.Millisecond
	c.Lease = 2 * time.Second
	c.Timeout = 20 * time.Second
	c.UserAgent = "newsflow-poller/test"
	return c
}

// running is a started poller.
type running struct {
	p      *Poller
	reg    *prometheus.Registry
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

func startPoller(t *testing.T, b *bus, cfg Config, id string) *running {
	t.Helper()
	reg := prometheus.NewRegistry()
	ctx, cancel := context.WithCancel(context.Background())
	p, err := NewWith(ctx, cfg, Deps{JS: b.js, NC: b.nc, Log: zaptest.NewLogger(t).With(), Registry: reg, ID: id})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	r := &running{p: p, reg: reg, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- p.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels the poller and waits for Run to return.
func (r *running) stop(t *testing.T) {
	t.Helper()
	r.once.Do(func() {
		r.cancel()
		select {
		case err := <-r.done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("poller did not stop within 30s")
		}
	})
}

func (r *running) fetches(source, outcome string) float64 {
	return testutil.ToFloat64(r.p.m.fetches.WithLabelValues(source, outcome))
}

func addSource(t *testing.T, s *Store, name, url string, kind Kind) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Add(ctx, Source{Name: name, URL: url, Kind: kind, Interval: Duration(time.Second), AddedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond every 10ms until it holds, failing after 20s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// raw reads every message on articles.raw.<source>.
func (b *bus) raw(t *testing.T, source string) []*nats.Msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := b.js.Stream(ctx, natsbus.StreamRaw)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []*nats.Msg
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			continue
		}
		if m.Subject == natsbus.RawSubject(source) {
			out = append(out, &nats.Msg{Subject: m.Subject, Header: m.Header, Data: m.Data})
		}
	}
	return out
}

// site serves a feed, pages and robots.txt, and counts the requests.
type site struct {
	mu    sync.Mutex
	feed  string
	etag  string
	hits  map[string]int
	pages map[string]string
	// block, when set for a path, holds its request until closed.
	block map[string]chan struct{}
	// inflight counts the requests being served.
	inflight map[string]int
	robots   string
}

func newSite() *site {
	return &site{hits: map[string]int{}, pages: map[string]string{}, block: map[string]chan struct{}{}, inflight: map[string]int{}}
}

func (s *site) setFeed(body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.feed = body
	s.etag = fmt.Sprintf(`"%x"`, len(body)*31+strings.Count(body, "<item>"))
}

func (s *site) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func (s *site) serving(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inflight[path]
}

func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	s.inflight[r.URL.Path]++
	block := s.block[r.URL.Path]
	feed, etag, robots := s.feed, s.etag, s.robots
	page, isPage := s.pages[r.URL.Path]
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inflight[r.URL.Path]--
		s.mu.Unlock()
	}()
	if block != nil {
		select {
		case <-block:
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case r.URL.Path == "/robots.txt":
		if robots == "" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(robots))
	case r.URL.Path == "/feed.xml" || r.URL.Path == "/sitemap.xml" || r.URL.Path == "/feed.json":
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "application/xml")
		_, _ = w.Write([]byte(feed))
	case isPage:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	default:
		http.NotFound(w, r)
	}
}

// rss is a feed of items; full gives each its full text
// (content:encoded), else a one-line description and a link to a page.
func rss(base string, full bool, ids ...int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Test</title><link>` + base + `/</link>`)
	for _, i := range ids {
		fmt.Fprintf(&b, `<item><title>Story %d</title><link>%s/news/%d</link><guid isPermaLink="false">story-%d</guid><pubDate>Mon, 07 Dec 2026 10:00:00 GMT</pubDate><description>Teaser %d.</description>`, i, base, i, i, i)
		if full {
			fmt.Fprintf(&b, `<content:encoded><![CDATA[<p>The full text of story %d. Reporters in Burgas said the okapi was seen near the sea garden on Monday morning.</p>]]></content:encoded>`, i)
		}
		b.WriteString(`</item>`)
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

func page(i int) string {
	return fmt.Sprintf(`<!doctype html><html><head><title>Story %d</title><script>var junk = 1;</script></head><body><article><h1>Story %d</h1><p>The whole page text of story %d, long enough to be an article body.</p></article></body></html>`, i, i, i)
}
