package poller

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/newsflow/newsflow/pkg/article"
)

// atom is an Atom feed of entries with their full text.
func atom(base string, ids ...int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom test</title><id>` + base + `/</id><updated>2026-12-07T10:00:00Z</updated>`)
	for _, i := range ids {
		fmt.Fprintf(&b, `<entry><title>Entry %d</title><id>urn:test:entry-%d</id><link rel="alternate" href="%s/entry/%d"/><updated>2026-12-07T10:00:00Z</updated>`+
			`<content type="html">&lt;p&gt;The full text of entry %d. Divers off Sozopol found a wreck of the fourteenth century on Tuesday.&lt;/p&gt;</content></entry>`, i, i, base, i, i)
	}
	b.WriteString(`</feed>`)
	return b.String()
}

// TestPollAtomLastModified polls an Atom feed whose server gives
// Last-Modified and no ETag: each entry is published once, and a poll of
// the unchanged feed sends If-Modified-Since and gets a 304 that
// publishes nothing.
func TestPollAtomLastModified(t *testing.T) {
	b := newBus(t)
	var (
		mu       sync.Mutex
		feed     string
		modified = "Mon, 07 Dec 2026 10:00:00 GMT"
		sentIMS  atomic.Int64
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/atom.xml" {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		body, lm := feed, modified
		mu.Unlock()
		if ims := r.Header.Get("If-Modified-Since"); ims != "" {
			sentIMS.Add(1)
			if ims == lm {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		w.Header().Set("Last-Modified", lm)
		w.Header().Set("Content-Type", "application/atom+xml")
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	feed = atom(srv.URL, 1, 2)

	r := startPoller(t, b, testConfig(), "p1")
	addSource(t, r.p.Store(), "atomic", srv.URL+"/atom.xml", KindFeed)
	waitFor(t, "two entries", func() bool { return len(b.raw(t, "atomic")) == 2 })
	waitFor(t, "a 304", func() bool { return r.fetches("atomic", OutcomeNotModified) >= 1 })
	if sentIMS.Load() == 0 {
		t.Error("no If-Modified-Since sent")
	}
	if n := len(b.raw(t, "atomic")); n != 2 {
		t.Fatalf("after a 304: %d messages, want 2", n)
	}
	for _, m := range b.raw(t, "atomic") {
		a, err := article.Decode(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		if a.Source != "atomic" || !strings.Contains(a.Body, "full text of entry") || !strings.HasPrefix(a.URL, srv.URL+"/entry/") {
			t.Errorf("published article %+v", a)
		}
	}
	s := sourceState(t, r.p.Store(), "atomic")
	if s.LastModified != modified || s.ETag != "" {
		t.Errorf("state keeps Last-Modified %q, ETag %q; want %q and none", s.LastModified, s.ETag, modified)
	}

	mu.Lock()
	feed, modified = atom(srv.URL, 1, 2, 3), "Mon, 07 Dec 2026 11:00:00 GMT"
	mu.Unlock()
	waitFor(t, "the third entry", func() bool { return len(b.raw(t, "atomic")) == 3 })
}
