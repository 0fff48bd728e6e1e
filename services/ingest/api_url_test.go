package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/intake"
)

// TestAPIURLRepair: a url a browser would repair is repaired and its
// original kept; an unusable one costs the article its url, with a
// warning, not the article, unless its source requires urls; the good
// items of an NDJSON request are accepted either way.
func TestAPIURLRepair(t *testing.T) {
	e := newEnv(t)
	e.startStage(t)
	require, err := ParseRequireURL("strict-source")
	if err != nil {
		t.Fatal(err)
	}
	api := NewAPI(e.js, e.seen, APIConfig{MaxRequestBytes: 8 << 20, Metrics: e.m, Limits: article.Limits{RequireURL: require}}, zaptest.NewLogger(t))
	mux := http.NewServeMux()
	api.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	body := strings.Join([]string{
		`{"source":"bsnlp","title":"Ryanair","body":"Text one.","url":"http://www.dnevnik.bg/%D1%80% D1%82-ryanair"}`,
		`{"source":"bsnlp","title":"Two","body":"Text two.","url":"not a url at all"}`,
		`{"source":"strict-source","title":"Three","body":"Text three.","url":"www.example.com/no-scheme"}`,
		`{"source":"bsnlp","title":"Four","body":"Text four.","url":"https://пример.бг/новини"}`,
	}, "\n")
	resp, err := http.Post(srv.URL+"/v1/articles", "application/x-ndjson", bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(resp.Body)
	var res []Result
	if err := json.Unmarshal(raw, &res); err != nil || len(res) != 4 {
		t.Fatalf("%d %s", resp.StatusCode, raw)
	}
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("status %d, want 202", resp.StatusCode)
	}
	for i, want := range []string{StatusAccepted, StatusAccepted, StatusRejected, StatusAccepted} {
		if res[i].Status != want {
			t.Errorf("item %d: %+v, want %s", i+1, res[i], want)
		}
	}
	if len(res[1].Warnings) != 1 || !strings.Contains(res[1].Warnings[0], "accepted without a url") {
		t.Errorf("item 2 warnings %q", res[1].Warnings)
	}
	if res[2].Error == nil || res[2].Error.Field != "url" || !strings.Contains(res[2].Error.Message, "no scheme") {
		t.Errorf("item 3 error %+v, want the url's problem", res[2].Error)
	}
	// What ingest publishes, having prepared the raw messages again,
	// carries the repaired url, the original and the warnings.
	got := map[string]*article.Article{}
	for _, m := range e.collect(t, "ARTICLES", "articles.ingested.bsnlp", 3) {
		a, err := article.Decode(m.Data())
		if err != nil {
			t.Fatal(err)
		}
		got[a.ID] = a
	}
	a := got[res[0].ID]
	if a.URL != "http://www.dnevnik.bg/%D1%80%25%20D1%82-ryanair" || a.URLOriginal != "http://www.dnevnik.bg/%D1%80% D1%82-ryanair" {
		t.Errorf("repaired: url %q original %q", a.URL, a.URLOriginal)
	}
	if a := got[res[1].ID]; a.URL != "" || a.URLOriginal != "not a url at all" || len(a.Warnings) != 1 {
		t.Errorf("unusable: url %q original %q warnings %q", a.URL, a.URLOriginal, a.Warnings)
	}
	if a := got[res[3].ID]; !strings.HasPrefix(a.URL, "https://xn--e1afmkfd.xn--90ae/") {
		t.Errorf("idn: url %q", a.URL)
	}
}

// TestAPITitleSiteNamesLearned: the site name a source puts after every
// title is learned from its titles and removed from the later ones.
func TestAPITitleSiteNamesLearned(t *testing.T) {
	e := newEnv(t)
	api := NewAPI(e.js, e.seen, APIConfig{MaxRequestBytes: 8 << 20, Metrics: e.m, Titles: intake.NewTitleAffixes()}, zaptest.NewLogger(t))
	mux := http.NewServeMux()
	api.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	var lines []string
	for i := range 5 {
		lines = append(lines, fmt.Sprintf(`{"source":"dnevnik","title":"Story %d of the day - Dnevnik","body":"Text %d."}`, i, i))
	}
	resp, err := http.Post(srv.URL+"/v1/articles", "application/x-ndjson", strings.NewReader(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d", resp.StatusCode)
	}
	titles := map[string]bool{}
	for _, m := range e.collect(t, "ARTICLES_RAW", "articles.raw.dnevnik", 5) {
		a, err := article.Decode(m.Data())
		if err != nil {
			t.Fatal(err)
		}
		titles[a.Title] = true
	}
	for _, want := range []string{"Story 0 of the day - Dnevnik", "Story 1 of the day - Dnevnik", "Story 2 of the day", "Story 3 of the day", "Story 4 of the day"} {
		if !titles[want] {
			t.Errorf("no title %q in %v", want, titles)
		}
	}
}
