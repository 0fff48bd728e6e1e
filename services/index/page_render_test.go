package index

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/bleveindex"
	"github.com/newsflow/newsflow/pkg/search/searchtest"
)

// hostileTitle and hostileBody would run script if the page put them into
// its HTML unescaped.
const (
	hostileTitle = `<script>alert("title")</script><img src=x onerror=alert(1)>`
	hostileBody  = `Зловреден текст <b>bold</b> & <script>alert("body")</script> край.`
)

// renderIndex is a real embedded index holding the search fixtures, a
// hostile article, an untitled one and twelve that share a word (more
// than a page), behind the budget the stage puts on the API's searches.
func renderIndex(t *testing.T, cfg APIConfig) *httptest.Server {
	t.Helper()
	idx, err := bleveindex.Open(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	docs := searchtest.Fixtures()
	at := time.Date(2020, 2, 3, 10, 0, 0, 0, time.UTC)
	docs = append(docs,
		&article.Article{ID: "evil", Source: "x", Lang: "bg", Revision: 1, Title: hostileTitle, CleanBody: hostileBody, PublishedAt: at},
		&article.Article{ID: "untitled", Source: "x", Lang: "bg", Revision: 1,
			CleanBody: "Първото изречение на статията без заглавие. Второто изречение.", PublishedAt: at})
	for i := range 12 {
		docs = append(docs, &article.Article{ID: fmt.Sprintf("fill-%02d", i), Source: "filler", Lang: "bg", Revision: 1,
			Title: fmt.Sprintf("Пълнеж %d", i), CleanBody: "Пълнеж за страниците.", PublishedAt: at.Add(time.Duration(i) * time.Hour)})
	}
	if err := idx.Upsert(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	NewAPI(search.NewBounded(idx, search.DefaultBudget()), cfg, zaptest.NewLogger(t)).Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func getPage(t *testing.T, srv *httptest.Server, query string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + "/?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(body)
}

var hitIDs = regexp.MustCompile(`<li class="hit" data-id="([^"]+)"`)

func renderedHits(body string) []string {
	var ids []string
	for _, m := range hitIDs.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// TestPageRendersResults: GET /?q= renders the first page of results
// into the HTML (titles linking to the article, source, language, date,
// the snippet with its matches marked), the form filled from the URL, and
// the filters as hidden fields the form keeps; without a search, the form
// alone.
func TestPageRendersResults(t *testing.T) {
	srv := renderIndex(t, APIConfig{})

	code, h, body := getPage(t, srv, "q="+url.QueryEscape("Лавров"))
	if code != http.StatusOK {
		t.Fatalf("GET /?q=Лавров = %d", code)
	}
	if got := h.Get("Content-Security-Policy"); !strings.Contains(got, "script-src 'self'") {
		t.Errorf("CSP %q", got)
	}
	if ids := renderedHits(body); len(ids) != 2 || ids[0] != "bg1" && ids[1] != "bg1" {
		t.Errorf("hits %q, want bg1 and ru1", ids)
	}
	for _, want := range []string{
		`<title>Лавров – newsflow search</title>`,
		`value="Лавров"`,
		`<section id="results" aria-live="polite" data-state="server">`,
		`<p id="status" class="meta">1–2 of 2 articles</p>`,
		`<a class="title" href="?id=bg1">Лавров се срещна с Помпео в Сочи</a>`,
		`<div class="meta">actualno · bg · 2019-05-14</div>`,
		`<mark>Лавров</mark>`,
		`<p id="error" class="error" role="alert" hidden></p>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}

	// Filters: kept by the form as hidden fields, shown with a link that
	// removes each; sort and collapse fill their controls.
	_, _, body = getPage(t, srv, "q=*&lang=bg&lang=ru&source=tass&sort=date&collapse=story&from=2019-01-01")
	if ids := renderedHits(body); len(ids) != 1 || ids[0] != "ru1" {
		t.Errorf("filtered hits %q, want ru1", ids)
	}
	for _, want := range []string{
		`<input type="hidden" name="lang" value="bg">`, `<input type="hidden" name="lang" value="ru">`,
		`<input type="hidden" name="source" value="tass">`,
		`<option value="date" data-i18n="date" selected>`, `value="story" checked>`,
		`name="from" form="search" value="2019-01-01"`,
		`1–1 of 1 story`, `<a class="story-link" href="?story=bg1">`,
		`<a href="?collapse=story&amp;from=2019-01-01&amp;lang=bg&amp;q=%2A&amp;sort=date&amp;source=tass" aria-label="remove lang ru">×</a>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the filtered page lacks %s", want)
		}
	}

	// More than a page: links to the next and the previous.
	_, _, body = getPage(t, srv, "q="+url.QueryEscape("пълнеж")+"&sort=date")
	if ids := renderedHits(body); len(ids) != 10 || ids[0] != "fill-11" {
		t.Errorf("first page %q, want 10 hits from fill-11", ids)
	}
	if !strings.Contains(body, "1–10 of 12 articles") || !strings.Contains(body, `rel="next">More →</a>`) ||
		!strings.Contains(body, `href="?offset=10&amp;q=%D0%BF%D1%8A%D0%BB%D0%BD%D0%B5%D0%B6&amp;sort=date"`) || strings.Contains(body, `rel="prev"`) {
		t.Errorf("first page: status or pager wrong:\n%s", pagerOf(body))
	}
	_, _, body = getPage(t, srv, "q="+url.QueryEscape("пълнеж")+"&sort=date&offset=10&limit=100")
	if ids := renderedHits(body); len(ids) != 2 {
		t.Errorf("second page %q, want 2 hits", ids)
	}
	if !strings.Contains(body, "11–12 of 12 articles") || !strings.Contains(body, `href="?q=%D0%BF%D1%8A%D0%BB%D0%BD%D0%B5%D0%B6&amp;sort=date" rel="prev">← Newer</a>`) ||
		strings.Contains(body, `rel="next"`) {
		t.Errorf("second page: status or pager wrong:\n%s", pagerOf(body))
	}

	// An untitled article is headed by its first sentence, marked.
	_, _, body = getPage(t, srv, "q="+url.QueryEscape("заглавие"))
	if want := `<span class="untitled" title="untitled: its first sentence">Първото изречение на статията без заглавие.</span><span class="untitled-mark">(untitled)</span>`; !strings.Contains(body, want) {
		t.Errorf("untitled hit not headed by its first sentence: %s", hitsOf(body))
	}

	// No search in the URL (or an article's view, which the script
	// shows): the form alone.
	for _, q := range []string{"", "id=bg1", "story=bg1"} {
		code, _, body := getPage(t, srv, q)
		if code != http.StatusOK || !strings.Contains(body, `<form id="search"`) || len(renderedHits(body)) != 0 ||
			strings.Contains(body, `data-state="server"`) || !strings.Contains(body, `<p id="status" class="meta"></p>`) {
			t.Errorf("GET /?%s = %d: want the form alone, got hits %q", q, code, renderedHits(body))
		}
	}
}

func pagerOf(body string) string {
	i := strings.Index(body, `<p id="status"`)
	j := strings.Index(body, `</nav>`)
	if i < 0 || j < i {
		return body
	}
	return body[i:j]
}

func hitsOf(body string) string {
	i := strings.Index(body, `<ol id="hits">`)
	j := strings.Index(body, `</ol>`)
	if i < 0 || j < i {
		return body
	}
	return body[i:j]
}

// TestPageEscapes: a hostile title, snippet and query reach the page as
// text, never as markup.
func TestPageEscapes(t *testing.T) {
	srv := renderIndex(t, APIConfig{})
	code, _, body := getPage(t, srv, "q="+url.QueryEscape("Зловреден"))
	if code != http.StatusOK || len(renderedHits(body)) != 1 {
		t.Fatalf("GET /?q=Зловреден = %d, hits %q", code, renderedHits(body))
	}
	hits := hitsOf(body)
	for _, bad := range []string{"<script", "<img", "<b>"} {
		if strings.Contains(hits, bad) {
			t.Errorf("the results hold %s unescaped:\n%s", bad, hits)
		}
	}
	for _, want := range []string{
		`&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;</a>`,
		`<mark>Зловреден</mark> текст &lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;alert(&#34;body&#34;)&lt;/script&gt;`,
	} {
		if !strings.Contains(hits, want) {
			t.Errorf("the results lack %s:\n%s", want, hits)
		}
	}

	// A hostile query is echoed escaped, in the title, the search box and
	// the error it makes.
	hostile := `"><script>alert("q")</script>`
	code, _, body = getPage(t, srv, "q="+url.QueryEscape(hostile))
	if strings.Contains(body, `<script>alert("q")`) || strings.Contains(body, `"><script`) {
		t.Errorf("GET /?q=%s = %d echoes the query unescaped", hostile, code)
	}
	if !strings.Contains(body, `value="&#34;&gt;&lt;script&gt;alert(&#34;q&#34;)&lt;/script&gt;"`) {
		t.Errorf("the search box does not hold the query escaped")
	}
}

// TestPageSearchErrors: a search the API refuses renders the page with
// the API's status and message (no internals), the form still there.
func TestPageSearchErrors(t *testing.T) {
	srv := renderIndex(t, APIConfig{})
	for _, tt := range []struct {
		query, msg string
		status     int
	}{
		{"q=a+OR", "OR needs something to search for on both sides", 400},
		{"q=*&offset=20000", "offset must be between 0 and 10000", 400},
		{"q=*&offset=ten", "offset must be a non-negative integer, at most 10000", 400},
		{"q=*&from=yesterday", "from must be an RFC 3339 time or a date", 400},
		{"q=*&sort=random", "sort must be relevance or date", 400},
		{"q=" + url.QueryEscape(manyPrefixes(20)), "--search-max-prefixes", 400}, // the budget
	} {
		code, h, body := getPage(t, srv, tt.query)
		if code != tt.status || !strings.Contains(body, `<p id="error" class="error" role="alert">`) || !strings.Contains(body, tt.msg) {
			t.Errorf("GET /?%s = %d, want %d and the message %q:\n%s", tt.query, code, tt.status, tt.msg, pagerOf(body))
		}
		if !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(body, `<form id="search"`) || len(renderedHits(body)) != 0 {
			t.Errorf("GET /?%s: want the page with its form and no hits", tt.query)
		}
	}
	// The page's own page size, whatever limit the URL asks for.
	code, _, body := getPage(t, srv, "q=*&limit=1000")
	if code != http.StatusOK || len(renderedHits(body)) != pageLimit {
		t.Errorf("GET /?q=*&limit=1000 = %d with %d hits, want %d", code, len(renderedHits(body)), pageLimit)
	}
}

// manyPrefixes is a query of n prefixes (xa* xb* ...).
func manyPrefixes(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "x%c* ", 'a'+i)
	}
	return b.String()
}

// TestPageWithReadToken: when searches need the read token, which a
// browser's navigation cannot carry, the page renders no results (the
// token guards them) and says why to a reader without script.
func TestPageWithReadToken(t *testing.T) {
	srv := renderIndex(t, APIConfig{ReadToken: "s3cret"})
	code, _, body := getPage(t, srv, "q="+url.QueryEscape("Лавров"))
	if code != http.StatusOK || len(renderedHits(body)) != 0 || strings.Contains(body, "Помпео") {
		t.Errorf("GET /?q=Лавров with a read token = %d, hits %q: want no results", code, renderedHits(body))
	}
	if !strings.Contains(body, "needs a token") || !strings.Contains(body, `value="Лавров"`) {
		t.Errorf("want the form filled and a notice of the token")
	}
}

// failingIndex is a real index whose searches fail with err.
type failingIndex struct {
	search.Index
	err error
}

func (f failingIndex) Search(context.Context, search.Query) (*search.Result, error) {
	return nil, f.err
}

// TestPageSearchFailures: a search that fails in the index renders the
// page with the status and message GET /v1/search gives (Retry-After when
// trying again may help), never the cause.
func TestPageSearchFailures(t *testing.T) {
	idx, err := bleveindex.Open(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	const secret = "open /var/lib/newsflow/index/secret.zap: input/output error"
	for _, tt := range []struct {
		err    error
		status int
		msg    string
		retry  bool
	}{
		{fmt.Errorf("read segment: %s", secret), 500, "search failed", false},
		{fmt.Errorf("%w: %s", search.ErrBusy, secret), 429, "too many searches are running, try again shortly", true},
		{search.ErrTimeout, 503, "search took longer than its time limit (--search-timeout): narrow the query", true},
	} {
		mux := http.NewServeMux()
		m, err := NewMetrics(nil)
		if err != nil {
			t.Fatal(err)
		}
		NewAPI(failingIndex{Index: idx, err: tt.err}, APIConfig{Metrics: m}, zaptest.NewLogger(t)).Routes(mux)
		srv := httptest.NewServer(mux)
		code, h, body := getPage(t, srv, "q=x")
		srv.Close()
		if code != tt.status || !strings.Contains(body, `<p id="error" class="error" role="alert">`+tt.msg) {
			t.Errorf("%v: GET /?q=x = %d, want %d with %q:\n%s", tt.err, code, tt.status, tt.msg, pagerOf(body))
		}
		if strings.Contains(body, "secret.zap") {
			t.Errorf("%v: the page shows the cause", tt.err)
		}
		if got := h.Get("Retry-After") != ""; got != tt.retry {
			t.Errorf("%v: Retry-After %q", tt.err, h.Get("Retry-After"))
		}
		if !strings.Contains(body, `<form id="search"`) {
			t.Errorf("%v: the page has no form", tt.err)
		}
	}
}
