package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/services/poller"
)

// TestSourcesUp: `newsflow sources add` with a site's URL finds its feed;
// newsflow up's poller (its own NATS user) publishes the items, which
// are indexed; list shows the polls; rm removes the source.
func TestSourcesUp(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body>Example</body></html>`)
	})
	mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Example</title><link>%[1]s/</link>
<item><title>Okapi seen near Burgas</title><link>%[1]s/news/okapi</link><guid isPermaLink="false">okapi-1</guid>
<content:encoded><![CDATA[<p>An okapi was seen near Burgas on Monday, the zoo's keepers said. They asked people to keep away from the sea garden.</p>]]></content:encoded></item>
<item><title>Harbour reopens</title><link>%[1]s/news/harbour</link><guid isPermaLink="false">harbour-1</guid><description>Short teaser.</description></item>
</channel></rss>`, srv.URL)
	})
	mux.HandleFunc("/news/harbour", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `<html><head><title>Harbour reopens</title></head><body><article><h1>Harbour reopens</h1><p>The harbour of Varna reopened on Tuesday after the storm, the port authority said. Ferries to Odesa sail again from Wednesday.</p></article></body></html>`)
	})

	dir := filepath.Join(t.TempDir(), "data")
	p := startPipeline(t, dir)
	base := "http://" + p.HTTPAddr()
	nats := []string{"--nats", p.NATSURL(), "--data", dir}

	code, out := cli(t, append([]string{"sources", "add", srv.URL + "/", "--source", "example", "--interval", "1s"}, nats...)...)
	if code != 0 || !strings.Contains(out, "feed "+srv.URL+"/feed.xml") {
		t.Fatalf("sources add: exit %d: %s", code, out)
	}
	if code, out := cli(t, append([]string{"sources", "add", srv.URL + "/feed.xml", "--source", "example"}, nats...)...); code != 1 || !strings.Contains(out, "exists") {
		t.Errorf("adding a name twice: exit %d: %s", code, out)
	}
	waitFor(t, "the full-text item indexed", func() bool {
		code, _ := cli(t, "get", "--url", base, "okapi-1")
		return code == 0
	})
	waitFor(t, "the fetched page indexed", func() bool {
		n, _ := searchTotal(t, base, "Varna harbour")
		return n == 1
	})
	var list []poller.Source
	waitFor(t, "the source's state", func() bool {
		code, out := cli(t, append([]string{"sources", "list", "--json"}, nats...)...)
		if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 {
			return false
		}
		return list[0].State.ItemsSeen == 2 && list[0].State.Status != poller.StatusNew
	})
	if s := list[0]; s.Site != srv.URL+"/" || s.Kind != poller.KindFeed || s.State.Errors != 0 || s.State.LastFetch.IsZero() {
		t.Errorf("listed %+v", s)
	}
	if code, out := cli(t, append([]string{"sources", "list"}, nats...)...); code != 0 || !strings.Contains(out, "example") || !strings.Contains(out, "LAST FETCH") {
		t.Errorf("sources list: exit %d: %s", code, out)
	}
	if code, out := cli(t, append([]string{"sources", "rm", "example"}, nats...)...); code != 0 {
		t.Errorf("sources rm: exit %d: %s", code, out)
	}
	if code, out := cli(t, append([]string{"sources", "rm", "example"}, nats...)...); code != 1 || !strings.Contains(out, "no such source") {
		t.Errorf("rm twice: exit %d: %s", code, out)
	}
	if code, out := cli(t, append([]string{"sources", "add", srv.URL + "/news/harbour"}, nats...)...); code != 1 || !strings.Contains(out, "no feed") {
		t.Errorf("a page without a feed: exit %d: %s", code, out)
	}
}
