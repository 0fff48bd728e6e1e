package poller

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
)

func sourceState(t *testing.T, s *Store, name string) State {
	t.Helper()
	src, err := s.Get(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return src.State
}

// TestPollFeedNewItemsOnce: a feed's items are published once each, a
// new item later on; an unchanged feed (304) publishes nothing.
func TestPollFeedNewItemsOnce(t *testing.T) {
	b := newBus(t)
	st := newSite()
	srv := httptest.NewServer(st)
	defer srv.Close()
	st.setFeed(rss(srv.URL, true, 1, 2))

	r := startPoller(t, b, testConfig(), "p1")
	addSource(t, r.p.Store(), "example", srv.URL+"/feed.xml", KindFeed)
	waitFor(t, "two items", func() bool { return len(b.raw(t, "example")) == 2 })
	waitFor(t, "a 304", func() bool { return r.fetches("example", OutcomeNotModified) >= 1 })
	if n := len(b.raw(t, "example")); n != 2 {
		t.Fatalf("after a 304: %d messages, want 2", n)
	}
	for _, m := range b.raw(t, "example") {
		a, err := article.Decode(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		if a.Source != "example" || !strings.HasPrefix(a.ID, "story-") || !strings.Contains(a.Body, "full text of story") {
			t.Errorf("published article %+v", a)
		}
		if m.Header.Get("Nats-Msg-Id") == "" || !strings.HasPrefix(m.Header.Get("Nats-Msg-Id"), "poll:example.") {
			t.Errorf("Nats-Msg-Id %q", m.Header.Get("Nats-Msg-Id"))
		}
	}
	if n := st.count("/news/1"); n != 0 {
		t.Errorf("a full-text item's page was fetched %d times", n)
	}

	st.setFeed(rss(srv.URL, true, 1, 2, 3))
	waitFor(t, "the third item", func() bool { return len(b.raw(t, "example")) == 3 })
	ok := r.fetches("example", OutcomeOK)
	waitFor(t, "another poll", func() bool { return r.fetches("example", OutcomeNotModified)+r.fetches("example", OutcomeOK) >= ok+2 })
	if n := len(b.raw(t, "example")); n != 3 {
		t.Fatalf("%d messages, want 3", n)
	}
	s := sourceState(t, r.p.Store(), "example")
	if s.ItemsSeen != 3 || s.LastSuccess.IsZero() || s.Failures != 0 || s.ETag == "" {
		t.Errorf("state %+v", s)
	}
}

// TestPollSummaryFetchesPage: items that carry a summary only are
// fetched from their links and published as HTML; robots.txt is honoured.
func TestPollSummaryFetchesPage(t *testing.T) {
	b := newBus(t)
	st := newSite()
	srv := httptest.NewServer(st)
	defer srv.Close()
	st.robots = "User-agent: *\nDisallow: /news/2\n"
	for i := 1; i <= 3; i++ {
		st.pages[fmt.Sprintf("/news/%d", i)] = page(i)
	}
	st.setFeed(rss(srv.URL, false, 1, 2, 3))

	r := startPoller(t, b, testConfig(), "p1")
	addSource(t, r.p.Store(), "summaries", srv.URL+"/feed.xml", KindFeed)
	waitFor(t, "two pages", func() bool { return len(b.raw(t, "summaries")) == 2 })
	waitFor(t, "a 304", func() bool { return r.fetches("summaries", OutcomeNotModified) >= 1 })
	msgs := b.raw(t, "summaries")
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	urls := map[string]bool{}
	for _, m := range msgs {
		if ct := m.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("content type %q", ct)
		}
		if strings.Contains(string(m.Data), "var junk") {
			t.Error("the page's script was published")
		}
		urls[m.Header.Get("Newsflow-Url")] = true
	}
	if !urls[srv.URL+"/news/1"] || !urls[srv.URL+"/news/3"] {
		t.Errorf("published %v", urls)
	}
	if n := st.count("/news/2"); n != 0 {
		t.Errorf("/news/2, disallowed by robots.txt, was fetched %d times", n)
	}
	if n := st.count("/robots.txt"); n != 1 {
		t.Errorf("robots.txt fetched %d times, want once (cached)", n)
	}
}

// TestPollRobotsDisallowFeed: a feed that robots.txt forbids is not
// fetched; the source says why.
func TestPollRobotsDisallowFeed(t *testing.T) {
	b := newBus(t)
	st := newSite()
	srv := httptest.NewServer(st)
	defer srv.Close()
	st.robots = "User-agent: newsflow-poller\nDisallow: /feed\n\nUser-agent: *\nAllow: /\n"
	st.setFeed(rss(srv.URL, true, 1))
	r := startPoller(t, b, testConfig(), "p1")
	addSource(t, r.p.Store(), "private", srv.URL+"/feed.xml", KindFeed)
	waitFor(t, "a disallowed poll", func() bool { return r.fetches("private", OutcomeDisallowed) >= 1 })
	s := sourceState(t, r.p.Store(), "private")
	if s.Status != StatusDisallowed || !strings.Contains(s.Error, "robots.txt") || s.Failures < 1 {
		t.Errorf("state %+v", s)
	}
	if n := st.count("/feed.xml"); n != 0 {
		t.Errorf("the feed was fetched %d times", n)
	}
}

// TestPollSitemapIndex: a sitemap index leads to its news sitemap, whose
// pages are fetched and published.
func TestPollSitemapIndex(t *testing.T) {
	b := newBus(t)
	st := newSite()
	srv := httptest.NewServer(st)
	defer srv.Close()
	st.setFeed(`<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>` + srv.URL + `/news-sitemap.xml</loc></sitemap></sitemapindex>`)
	st.pages["/news-sitemap.xml"] = `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">` +
		`<url><loc>` + srv.URL + `/news/1</loc><news:news><news:title>Story one</news:title><news:publication_date>2026-12-07T10:00:00Z</news:publication_date></news:news></url>` +
		`<url><loc>` + srv.URL + `/news/2</loc></url></urlset>`
	st.pages["/news/1"], st.pages["/news/2"] = page(1), page(2)
	r := startPoller(t, b, testConfig(), "p1")
	addSource(t, r.p.Store(), "maps", srv.URL+"/sitemap.xml", KindSitemapIndex)
	waitFor(t, "two pages", func() bool { return len(b.raw(t, "maps")) == 2 })
	ok := r.fetches("maps", OutcomeOK)
	waitFor(t, "another poll", func() bool { return r.fetches("maps", OutcomeOK) > ok })
	msgs := b.raw(t, "maps")
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	titles := msgs[0].Header.Get("Newsflow-Title") + msgs[1].Header.Get("Newsflow-Title")
	if titles != "Story one" {
		t.Errorf("titles %q, want the news sitemap's", titles)
	}
}

// TestPollFailingHostDoesNotDelayOthers: a host that never answers holds
// up only its own sources.
func TestPollFailingHostDoesNotDelayOthers(t *testing.T) {
	b := newBus(t)
	stuck, good := newSite(), newSite()
	release := make(chan struct{})
	stuck.block["/robots.txt"] = release
	stuckSrv, goodSrv := httptest.NewServer(stuck), httptest.NewServer(good)
	defer goodSrv.Close()
	defer stuckSrv.Close()
	defer close(release)
	good.setFeed(rss(goodSrv.URL, true, 1, 2))

	r := startPoller(t, b, testConfig(), "p1")
	addSource(t, r.p.Store(), "stuck", stuckSrv.URL+"/feed.xml", KindFeed)
	waitFor(t, "the stuck host's request", func() bool { return stuck.serving("/robots.txt") == 1 })
	addSource(t, r.p.Store(), "good", goodSrv.URL+"/feed.xml", KindFeed)
	waitFor(t, "the good host's items", func() bool { return len(b.raw(t, "good")) == 2 })
	if stuck.serving("/robots.txt") != 1 {
		t.Fatal("the stuck host's request ended: the test proves nothing")
	}
}

// TestFaultPollerKilledMidRun: a poller killed in the middle of a poll
// (leases not handed back) loses nothing and duplicates nothing: another
// poller takes the source when the lease runs out and finishes the job.
func TestFaultPollerKilledMidRun(t *testing.T) {
	b := newBus(t)
	st := newSite()
	srv := httptest.NewServer(st)
	defer srv.Close()
	const n = 8
	ids := make([]int, n)
	for i := range ids {
		ids[i] = i + 1
		st.pages[fmt.Sprintf("/news/%d", i+1)] = page(i + 1)
	}
	// Items are taken in feed order: the poller dies fetching the 5th.
	release := make(chan struct{})
	st.block["/news/5"] = release
	st.setFeed(rss(srv.URL, false, ids...))

	cfg := testConfig()
	r1 := startPoller(t, b, cfg, "first")
	r1.p.crash = true
	addSource(t, r1.p.Store(), "killed", srv.URL+"/feed.xml", KindFeed)
	waitFor(t, "four pages and the fifth requested", func() bool { return len(b.raw(t, "killed")) == 4 && st.serving("/news/5") == 1 })
	r1.stop(t)
	st.mu.Lock()
	delete(st.block, "/news/5")
	st.mu.Unlock()
	close(release)
	if s := sourceState(t, r1.p.Store(), "killed"); s.Owner != "first" {
		t.Fatalf("the killed poller's lease is gone: %+v", s)
	}

	r2 := startPoller(t, b, cfg, "second")
	waitFor(t, "every page", func() bool { return len(b.raw(t, "killed")) == n })
	waitFor(t, "a 304 after the full poll", func() bool { return r2.fetches("killed", OutcomeNotModified) >= 1 })
	msgs := b.raw(t, "killed")
	seen := map[string]bool{}
	for _, m := range msgs {
		u := m.Header.Get("Newsflow-Url")
		if seen[u] {
			t.Errorf("%s published twice", u)
		}
		seen[u] = true
	}
	if len(msgs) != n || len(seen) != n {
		t.Errorf("%d messages for %d pages, want %d", len(msgs), len(seen), n)
	}
}

// TestLeaseOneOwner: two pollers on one source: it is polled by one at a
// time, and each item is published once.
func TestLeaseOneOwner(t *testing.T) {
	b := newBus(t)
	st := newSite()
	srv := httptest.NewServer(st)
	defer srv.Close()
	st.setFeed(rss(srv.URL, true, 1, 2, 3))
	r1 := startPoller(t, b, testConfig(), "a")
	r2 := startPoller(t, b, testConfig(), "b")
	addSource(t, r1.p.Store(), "shared", srv.URL+"/feed.xml", KindFeed)
	waitFor(t, "three items", func() bool { return len(b.raw(t, "shared")) == 3 })
	total := func() float64 {
		var n float64
		for _, r := range []*running{r1, r2} {
			n += r.fetches("shared", OutcomeOK) + r.fetches("shared", OutcomeNotModified)
		}
		return n
	}
	waitFor(t, "three polls", func() bool { return total() >= 3 })
	if n := len(b.raw(t, "shared")); n != 3 {
		t.Errorf("%d messages, want 3", n)
	}
	if hits, polls := st.count("/feed.xml"), int(total()); hits > polls+1 {
		t.Errorf("the feed was fetched %d times in %d polls", hits, polls)
	}
}

func TestProbe(t *testing.T) {
	st := newSite()
	srv := httptest.NewServer(st)
	defer srv.Close()
	st.setFeed(rss(srv.URL, true, 1))
	st.pages["/"] = `<html><head><link rel="stylesheet" href="/s.css"><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body></body></html>`
	st.pages["/plain"] = `<html><head><title>x</title></head><body><a href="/feed.xml">feed</a></body></html>`
	ctx := context.Background()
	client := srv.Client()

	got, err := Probe(ctx, client, "test", srv.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	if got.URL != srv.URL+"/feed.xml" || got.Kind != KindFeed || got.Site != srv.URL+"/" {
		t.Errorf("site: %+v", got)
	}
	got, err = Probe(ctx, client, "test", srv.URL+"/feed.xml")
	if err != nil || got.URL != srv.URL+"/feed.xml" || got.Site != "" {
		t.Errorf("feed: %+v, %v", got, err)
	}
	if _, err := Probe(ctx, client, "test", srv.URL+"/plain"); !errors.Is(err, ErrNoFeed) {
		t.Errorf("a page without feed: %v, want ErrNoFeed", err)
	}
}

func TestDiscoverFeeds(t *testing.T) {
	page := []byte(`<html><head>
<link rel="alternate" type="application/json" href="https://cdn.example.org/feed.json">
<link rel="alternate" hreflang="de" href="/de/">
<link rel="ALTERNATE" type="application/rss+xml" title="RSS" href="/rss">
<link rel="alternate" type="application/atom+xml" href="atom.xml">
</head><body><link rel="alternate" type="application/rss+xml" href="/late"></body></html>`)
	got := DiscoverFeeds(page, "https://example.org/news/")
	want := []string{"https://example.org/news/atom.xml", "https://example.org/rss", "https://cdn.example.org/feed.json"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestSniff(t *testing.T) {
	for doc, want := range map[string]Kind{
		`<?xml version="1.0"?><rss version="2.0">`:                           KindFeed,
		`<feed xmlns="http://www.w3.org/2005/Atom">`:                         KindFeed,
		`{"version": "https://jsonfeed.org/version/1.1", "items": []}`:       KindFeed,
		`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`:       KindSitemap,
		`<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`: KindSitemapIndex,
		`<!doctype html><html>`:                                              "",
	} {
		if got, _ := Sniff([]byte(doc)); got != want {
			t.Errorf("Sniff(%.30q) = %q, want %q", doc, got, want)
		}
	}
}

func TestNextState(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	prev := State{Owner: "me", LeaseUntil: now, ETag: `"old"`, ItemsSeen: 5, Failures: 2, Errors: 2}
	tests := []struct {
		name  string
		res   result
		check func(State) string
	}{
		{"ok complete keeps validators", result{outcome: OutcomeOK, complete: true, etag: `"new"`, published: 3}, func(s State) string {
			if s.ETag != `"new"` || s.ItemsSeen != 8 || s.Failures != 0 || s.Owner != "" || !s.NextDue.Equal(now.Add(time.Minute)) || s.Status != StatusOK {
				return fmt.Sprintf("%+v", s)
			}
			return ""
		}},
		{"partial forgets validators", result{outcome: OutcomeOK, etag: `"new"`, itemErr: errors.New("page 7 failed")}, func(s State) string {
			if s.ETag != "" || s.Error != "page 7 failed" {
				return fmt.Sprintf("%+v", s)
			}
			return ""
		}},
		{"more polls at once", result{outcome: OutcomeOK, more: true}, func(s State) string {
			if !s.NextDue.Equal(now) {
				return fmt.Sprintf("next due %s", s.NextDue)
			}
			return ""
		}},
		{"failure backs off", result{outcome: OutcomeError, err: errors.New("503")}, func(s State) string {
			if s.Failures != 3 || s.Errors != 3 || !s.NextDue.Equal(now.Add(4*time.Minute)) || s.ETag != `"old"` || s.Status != StatusError {
				return fmt.Sprintf("%+v", s)
			}
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if msg := tt.check(nextState(prev, tt.res, now, time.Minute, time.Hour)); msg != "" {
				t.Error(msg)
			}
		})
	}
	if d := backoff(time.Minute, 20, time.Hour); d != time.Hour {
		t.Errorf("backoff capped at %s, want 1h", d)
	}
	if d := backoff(2*time.Hour, 3, time.Hour); d != 2*time.Hour {
		t.Errorf("backoff of a long interval %s, want the interval", d)
	}
}

func TestSourceValidate(t *testing.T) {
	good := Source{Name: "example-news", URL: "https://example.org/feed", Kind: KindFeed, Interval: Duration(5 * time.Minute)}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*Source){
		"name":     func(s *Source) { s.Name = "Example News" },
		"kind":     func(s *Source) { s.Kind = "podcast" },
		"interval": func(s *Source) { s.Interval = Duration(time.Millisecond) },
		"url":      func(s *Source) { s.URL = "ftp://example.org/feed" },
	} {
		s := good
		mod(&s)
		if err := s.Validate(); !errors.Is(err, ErrInvalidSource) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func FuzzDiscoverFeeds(f *testing.F) {
	f.Add([]byte(`<html><head><link rel="alternate" type="application/rss+xml" href="/rss"></head></html>`))
	f.Add([]byte(`<link rel=alternate type=application/atom+xml href="javascript:alert(1)">`))
	f.Fuzz(func(t *testing.T, page []byte) {
		for _, u := range DiscoverFeeds(page, "https://example.org/a/") {
			if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				t.Fatalf("discovered %q", u)
			}
		}
		_, _ = Sniff(page)
	})
}
