package index

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/newsflow/newsflow/services/index/pagetest"
)

// TestPageWithoutScriptInChromium: with JavaScript disabled, /?q= shows
// the first page of results as the server rendered them (titles linking
// to the article, meta, marked snippets), a hostile title stays text, the
// form searches by a plain GET, and the pager's links page.
func TestPageWithoutScriptInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	pagetest.Executable(t)
	srv := renderIndex(t, APIConfig{})
	b := pagetest.Start(t, 60*time.Second)
	b.Do("disable JavaScript", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	type view struct {
		IDs, Titles []string
		Status      string
		Snippet     string
		WatchHidden bool
		State       string
		Scripts     int
		Location    string
	}
	read := func() view {
		t.Helper()
		v, err := chromedp.Run(b.Context(), chromedp.Evaluate[view](`(() => ({
			IDs: [...document.querySelectorAll('#hits li.hit')].map(l => l.dataset.id),
			Titles: [...document.querySelectorAll('#hits li.hit a.title')].map(a => a.textContent),
			Status: document.querySelector('#status').textContent,
			Snippet: (document.querySelector('#hits li.hit .snippet') || {}).innerHTML || '',
			WatchHidden: document.querySelector('#watch-bar').hidden,
			State: document.querySelector('#results').dataset.state || '',
			Scripts: document.querySelectorAll('script').length,
			Location: location.search,
		}))()`))
		if err != nil {
			b.Fail("read the page", err)
		}
		return v
	}

	b.Do("open a search", chromedp.Navigate(srv.URL+"/?q="+url.QueryEscape("Лавров")),
		chromedp.WaitVisible(chromedp.CSS(pagetest.HitSelector("bg1"))))
	v := read()
	b.Shot("nojs-results.png")
	// The script did not run: it would unhide the watch button and set
	// the state to loading, then done.
	if !v.WatchHidden || v.State != "server" {
		t.Fatalf("the page's script ran (watch bar hidden %v, state %q): JavaScript is not disabled", v.WatchHidden, v.State)
	}
	slices.Sort(v.IDs)
	if !slices.Equal(v.IDs, []string{"bg1", "ru1"}) || v.Status != "1–2 of 2 articles" {
		t.Errorf("without script: hits %q, status %q; want bg1 and ru1, 1–2 of 2 articles", v.IDs, v.Status)
	}
	if !slices.Contains(v.Titles, "Лавров се срещна с Помпео в Сочи") {
		t.Errorf("titles %q", v.Titles)
	}
	if !strings.Contains(v.Snippet, "<mark>Лавров") {
		t.Errorf("snippet %q does not mark the match", v.Snippet)
	}

	b.Do("open the hostile article's search", chromedp.Navigate(srv.URL+"/?q="+url.QueryEscape("Зловреден")),
		chromedp.WaitVisible(chromedp.CSS(pagetest.HitSelector("evil"))))
	v = read()
	elements, err := chromedp.Run(b.Context(), chromedp.Evaluate[int](`document.querySelectorAll('#hits script, #hits img, #hits b').length`))
	if err != nil {
		b.Fail("count elements", err)
	}
	if len(v.Titles) != 1 || v.Titles[0] != hostileTitle || elements != 0 || v.Scripts != 1 {
		t.Errorf("hostile article: titles %q, %d elements made of its text, %d scripts; want its title as text", v.Titles, elements, v.Scripts)
	}

	// The form is a plain GET form: type a query, submit, and the server
	// answers with its results; the pager's links page.
	b.Do("search with the form",
		chromedp.SetValue(chromedp.CSS(`#q`), "пълнеж"),
		chromedp.SetValue(chromedp.CSS(`#sort`), "date"),
		chromedp.Click(chromedp.CSS(`#search button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(pagetest.HitSelector("fill-11"))),
	)
	v = read()
	if len(v.IDs) != 10 || v.IDs[0] != "fill-11" || v.Status != "1–10 of 12 articles" || !strings.Contains(v.Location, "sort=date") {
		t.Errorf("after the form: hits %q, status %q, location %q; want 10 from fill-11 by date", v.IDs, v.Status, v.Location)
	}
	b.Do("page on", chromedp.Click(chromedp.CSS(`#pager a[rel=next]`)), chromedp.WaitVisible(chromedp.CSS(pagetest.HitSelector("fill-00"))))
	v = read()
	if len(v.IDs) != 2 || v.Status != "11–12 of 12 articles" {
		t.Errorf("the next page: hits %q, status %q; want 2, 11–12 of 12 articles", v.IDs, v.Status)
	}
	b.Shot("nojs-page2.png")
}

// TestPageScriptTakesOverInChromium: with JavaScript on, the script takes
// over the server's results for the URL's search without duplicating them
// and without a flash: from the moment the document is parsed, the
// results never empty and the status never reads "Searching…".
func TestPageScriptTakesOverInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	pagetest.Executable(t)
	srv := renderIndex(t, APIConfig{})
	b := pagetest.Start(t, 60*time.Second)
	b.Do("watch the results", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `
			window.__seen = [];
			new MutationObserver(() => {
				if (document.readyState === 'loading') return;
				const h = document.querySelector('#hits'), s = document.querySelector('#status');
				window.__seen.push(h.querySelectorAll('li.hit').length + '|' + s.textContent);
			}).observe(document, { subtree: true, childList: true, characterData: true });`})
		return err
	}))
	b.Do("open a search", chromedp.Navigate(srv.URL+"/?q="+url.QueryEscape("пълнеж")+"&sort=date"),
		chromedp.WaitVisible(chromedp.CSS(`#results[data-state="done"] `+pagetest.HitSelector("fill-11"))))
	type view struct {
		IDs         []string
		Status      string
		Buttons     int
		Links       int
		WatchHidden bool
		Seen        []string
	}
	v, err := chromedp.Run(b.Context(), chromedp.Evaluate[view](`({
		IDs: [...document.querySelectorAll('#hits li.hit')].map(l => l.dataset.id),
		Status: document.querySelector('#status').textContent,
		Buttons: document.querySelectorAll('#pager button').length,
		Links: document.querySelectorAll('#pager a').length,
		WatchHidden: document.querySelector('#watch-bar').hidden,
		Seen: window.__seen,
	})`))
	if err != nil {
		b.Fail("read the page", err)
	}
	b.Shot("takeover.png")
	unique := slices.Compact(slices.Sorted(slices.Values(v.IDs)))
	if len(v.IDs) != 10 || len(unique) != 10 || v.IDs[0] != "fill-11" {
		t.Errorf("hits %q after the script: want 10 distinct, from fill-11", v.IDs)
	}
	if !strings.HasPrefix(v.Status, "1–10 of 12 articles") || v.Buttons != 2 || v.Links != 0 || v.WatchHidden {
		t.Errorf("status %q, %d pager buttons, %d pager links, watch hidden %v: want the script's pager and watch button",
			v.Status, v.Buttons, v.Links, v.WatchHidden)
	}
	if len(v.Seen) == 0 {
		t.Errorf("the observer saw no change: it did not run")
	}
	for _, s := range v.Seen {
		if strings.HasPrefix(s, "0|") || strings.Contains(s, "Searching") {
			t.Errorf("the results flashed while the script took over: %q", v.Seen)
			break
		}
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("the page reported problems: %q", p)
	}
}
