package index

import (
	"bytes"
	"embed"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/search"
)

// web holds the search page: plain HTML, CSS and JavaScript, no build step.
// index.html is an html/template: the server renders the form, and the
// first page of results when the URL carries a search, so that the page is
// useful before (or without) its script.
//
//go:embed web
var web embed.FS

// pageTemplate is web/index.html.
var pageTemplate = template.Must(template.ParseFS(web, "web/index.html"))

// pageCSP allows only the page's own script, style and API calls.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// pageLimit is the hits of one page, as the script asks for (LIMIT).
const pageLimit = 10

// pageLists are the repeatable filters of the page's URL (the script's
// LISTS).
var pageLists = []string{"lang", "source", "entity", "entity_id", "story_id"}

func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
}

// staticHandler serves the page's assets (GET /static/...).
func staticHandler() http.Handler {
	sub, _ := fs.Sub(web, "web") // "web" is embedded above
	files := http.FileServerFS(sub)
	return http.StripPrefix("/static", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" || r.URL.Path == "/index.html" {
			http.NotFound(w, r)
			return
		}
		securityHeaders(w.Header())
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	}))
}

// pageView is what web/index.html renders.
type pageView struct {
	Q, Sort, From, To string
	Collapse          bool
	// Filters are the list filters of the URL, kept by the form.
	Filters []pageFilter
	// Searched: the server ran the search (Status, Hits, Pager).
	Searched bool
	Status   string
	Hits     []pageHit
	Prev     *pageLink
	Next     *pageLink
	// Error is the message of a failed search.
	Error string
	// TokenNeeded: searches need the read token, which only the script
	// can send, so the server renders no results.
	TokenNeeded bool
}

type pageFilter struct {
	Name, Value string
	// Remove is the URL without this filter.
	Remove string
}

type pageLink struct{ Href, Text string }

type pageHit struct {
	ID, Href, Title string
	// Untitled is the first sentence heading a hit without a title.
	Untitled  string
	Meta      string
	Published string // RFC 3339, for <time datetime>
	StoryHref string
	Snippet   []snippetPart
}

// snippetPart is text of a snippet, a match when Mark.
type snippetPart struct {
	Text string
	Mark bool
}

// page serves GET /: the form, filled from the URL, and when the URL
// carries a search (q or a filter; not ?id= or ?story=, which the script
// shows) its first page of results, searched as GET /v1/search does
// (ParseQuery, the same index, budget and limits, the same metrics). A
// failed search is a message on the page, with the status the API gives.
func (a *API) page(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	view := pageView{Q: v.Get("q"), Sort: v.Get("sort"), From: v.Get("from"), To: v.Get("to"), Collapse: v.Get("collapse") == search.CollapseStory}
	for _, name := range pageLists {
		for _, val := range v[name] {
			view.Filters = append(view.Filters, pageFilter{Name: name, Value: val, Remove: "?" + without(v, name, val).Encode()})
		}
	}
	status := http.StatusOK
	h := w.Header()
	securityHeaders(h)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	if isSearch(v) {
		if a.cfg.ReadToken != "" {
			view.TokenNeeded = true
		} else {
			h.Set("Cache-Control", "no-store")
			status = a.pageSearch(w, r, v, &view)
		}
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, view); err != nil {
		a.log.Error("render the search page", zap.Error(err))
		http.Error(w, "the page failed to render", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// isSearch reports whether the page's URL asks for a search.
func isSearch(v url.Values) bool {
	if v.Get("id") != "" || v.Get("story") != "" {
		return false
	}
	if v.Has("q") || v.Get("from") != "" || v.Get("to") != "" {
		return true
	}
	for _, name := range pageLists {
		if len(v[name]) > 0 {
			return true
		}
	}
	return false
}

// pageSearch runs the search of the page's URL into view and returns the
// status of the page.
func (a *API) pageSearch(w http.ResponseWriter, r *http.Request, v url.Values, view *pageView) int {
	start := time.Now()
	q, perr := ParseQuery(r)
	if perr != nil {
		a.cfg.Metrics.Search(OutcomeInvalid, time.Since(start))
		view.Error = perr.Message
		return http.StatusBadRequest
	}
	// The page's own page size, whatever limit the URL carries; "*" for
	// no words, as the script asks, so that the script's search of the
	// same URL is the same query (the embedded index's cache answers it).
	q.Limit = pageLimit
	if q.Text == "" {
		q.Text = "*"
	}
	res, err := a.idx.Search(r.Context(), q)
	if err != nil {
		f := a.failure(q, start, err)
		if f.retry {
			w.Header().Set("Retry-After", "1")
		}
		view.Error = f.message
		return f.status
	}
	a.cfg.Metrics.Search(OutcomeOK, time.Since(start))
	view.Searched = true
	unit := "article"
	if q.Collapse != "" {
		unit = "story"
	}
	if res.Total == 0 {
		view.Status = "No articles found."
	} else {
		view.Status = fmt.Sprintf("%d–%d of %s", q.Offset+1, q.Offset+len(res.Hits), plural(res.Total, unit))
	}
	for _, hit := range res.Hits {
		ph := pageHit{ID: hit.ID, Href: "?id=" + url.QueryEscape(hit.ID), Title: hit.Title, Snippet: snippetParts(hit.Snippet)}
		if ph.Title == "" {
			var text strings.Builder
			for _, p := range ph.Snippet {
				text.WriteString(p.Text)
			}
			ph.Untitled = firstSentence(text.String())
			if ph.Untitled == "" {
				ph.Untitled = hit.ID
			}
		}
		meta := []string{hit.Source, hit.Lang}
		if hit.PublishedAt != nil {
			ph.Published = hit.PublishedAt.UTC().Format(time.RFC3339)
			meta = append(meta, hit.PublishedAt.UTC().Format("2006-01-02"))
		}
		ph.Meta = joinNonEmpty(meta, " · ")
		if q.Collapse != "" && hit.StoryID != "" {
			ph.StoryHref = "?story=" + url.QueryEscape(hit.StoryID)
		}
		view.Hits = append(view.Hits, ph)
	}
	if res.Total > pageLimit {
		newer, older := "← Previous", "Next →"
		if q.Sort == search.SortDate {
			newer, older = "← Newer", "More →"
		}
		if q.Offset > 0 {
			view.Prev = &pageLink{Href: "?" + withOffset(v, max(0, q.Offset-pageLimit)).Encode(), Text: newer}
		}
		if uint64(q.Offset+pageLimit) < res.Total && q.Offset+pageLimit <= search.MaxOffset {
			view.Next = &pageLink{Href: "?" + withOffset(v, q.Offset+pageLimit).Encode(), Text: older}
		}
	}
	return http.StatusOK
}

func plural(n uint64, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	if unit == "story" {
		return strconv.FormatUint(n, 10) + " stories"
	}
	return strconv.FormatUint(n, 10) + " " + unit + "s"
}

func joinNonEmpty(parts []string, sep string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// without returns v without the value val of name (and without offset:
// a changed filter starts at the first page, as in the script).
func without(v url.Values, name, val string) url.Values {
	out := url.Values{}
	for k, vals := range v {
		if k == "offset" || k == "limit" {
			continue
		}
		for _, x := range vals {
			if k == name && x == val {
				continue
			}
			out.Add(k, x)
		}
	}
	return out
}

func withOffset(v url.Values, offset int) url.Values {
	out := url.Values{}
	for k, vals := range v {
		if k != "offset" && k != "limit" {
			out[k] = vals
		}
	}
	if offset > 0 {
		out.Set("offset", strconv.Itoa(offset))
	}
	return out
}

// snippetParts reads a snippet (HTML: text escaped, matches in <mark>)
// into text and matches; anything else in it stays text, which the
// template escapes.
func snippetParts(snippet string) []snippetPart {
	var parts []snippetPart
	add := func(s string, mark bool) {
		if s != "" {
			parts = append(parts, snippetPart{Text: html.UnescapeString(s), Mark: mark})
		}
	}
	for snippet != "" {
		before, rest, ok := strings.Cut(snippet, "<mark>")
		if !ok {
			add(snippet, false)
			break
		}
		add(before, false)
		match, after, closed := strings.Cut(rest, "</mark>")
		add(match, true)
		if !closed {
			break
		}
		snippet = after
	}
	return parts
}

// firstSentence is the first sentence of text, at most 100 characters
// (the script's firstSentence).
func firstSentence(text string) string {
	text = strings.Join(strings.Fields(strings.TrimPrefix(text, "…")), " ")
	rs := []rune(text)
	for i, r := range rs {
		if i > 0 && strings.ContainsRune(".!?…", r) && (i+1 == len(rs) || unicode.IsSpace(rs[i+1])) {
			text = string(rs[:i+1])
			break
		}
	}
	if utf8.RuneCountInString(text) > 100 {
		text = string([]rune(text)[:99]) + "…"
	}
	return text
}
