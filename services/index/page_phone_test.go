package index

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/services/index/pagetest"
)

// TestPageLayoutInChromium: at 390 px (a phone) and 1280 px the page has
// no horizontal overflow, and on the phone the first result is above the
// filters and within the first screen. An untitled article is headed by
// its first sentence, marked as untitled. Screenshots phone.png and
// desktop.png. A browser preferring Bulgarian gets the UI in Bulgarian
// (phone-bg.png).
func TestPageLayoutInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	pagetest.Executable(t)
	e := newStageEnv(t)
	_, h := e.start(t, filepath.Join(t.TempDir(), "index"), e.reg)
	for i := range 6 {
		a := enriched(fmt.Sprintf("art-%d", i), 1, fmt.Sprintf("Новина номер %d за преговорите", i))
		a.ContentHash = fmt.Sprintf("p%d", i)
		if i == 0 {
			a.Title = ""
			a.CleanBody = "Министърът пристигна в Сочи рано сутринта. Срещата продължи три часа."
			a.Body = a.CleanBody
			a.PublishedAt = a.PublishedAt.Add(time.Hour) // the newest: first by date
		}
		e.publishEnriched(t, a)
	}
	e.waitEvents(t, natsbus.SubjectIndexed+".>", 6)
	srv := httptest.NewServer(h)
	defer srv.Close()

	b := pagetest.Start(t, 60*time.Second)
	type layout struct {
		ScrollWidth, Width, Height, HitTop, FiltersTop float64
		Heading                                        string
	}
	measure := func(width, height int64) layout {
		b.Do(fmt.Sprintf("open the page at %d px", width),
			chromedp.EmulateViewport(width, height),
			chromedp.Navigate(srv.URL+"/?q=*&sort=date"),
			chromedp.WaitVisible(chromedp.CSS(`#results[data-state="done"] `+pagetest.HitSelector("art-0"))),
		)
		l, err := chromedp.Run(b.Context(), chromedp.Evaluate[layout](`(() => {
			const hit = document.querySelector('#hits li.hit').getBoundingClientRect();
			const filters = document.querySelector('#filters').getBoundingClientRect();
			return { ScrollWidth: document.documentElement.scrollWidth, Width: window.innerWidth, Height: window.innerHeight,
				HitTop: hit.top, FiltersTop: filters.top, Heading: document.querySelector('#hits li.hit a.title').textContent };
		})()`))
		if err != nil {
			b.Fail("measure the page", err)
		}
		return l
	}
	phone := measure(390, 844)
	b.Shot("phone.png")
	desktop := measure(1280, 900)
	b.Shot("desktop.png")
	for name, l := range map[string]layout{"390 px": phone, "1280 px": desktop} {
		if l.ScrollWidth > l.Width {
			t.Errorf("%s: the page is %v px wide, overflowing the %v px window", name, l.ScrollWidth, l.Width)
		}
	}
	if phone.HitTop >= phone.FiltersTop || phone.HitTop >= phone.Height {
		t.Errorf("390 px: first result at %v px, filters at %v px, window %v px high: want the result first and on screen",
			phone.HitTop, phone.FiltersTop, phone.Height)
	}
	if want := "Министърът пристигна в Сочи рано сутринта.(untitled)"; !strings.Contains(desktop.Heading, want) {
		t.Errorf("untitled heading %q, want %q", desktop.Heading, want)
	}
	// A reader whose browser prefers Bulgarian gets the UI in Bulgarian.
	b.Do("prefer Bulgarian", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
			UserAgent: "Mozilla/5.0 (X11; Linux x86_64) newsflow-test", AcceptLanguage: "bg-BG,bg;q=0.9,en;q=0.5"})
		return err
	}))
	bg := measure(390, 844)
	ui, err := chromedp.Run(b.Context(), chromedp.Evaluate[[]string](
		`[document.documentElement.lang, document.querySelector('#status').textContent, document.querySelector('#search button[type=submit]').textContent,
		  document.querySelector('#filters h3').textContent, document.querySelector('.untitled-mark').textContent,
		  document.querySelector('#hits li.hit .meta').textContent]`))
	if err != nil {
		b.Fail("read the Bulgarian UI", err)
	}
	b.Shot("phone-bg.png")
	if want := []string{"bg", "1–6 от 6 статии", "Търси", "Език", "(без заглавие)", "tass · ru · 15.05.2019 г."}; !slices.Equal(ui, want) {
		t.Errorf("Bulgarian UI %q, want %q", ui, want)
	}
	if bg.ScrollWidth > bg.Width {
		t.Errorf("390 px in Bulgarian: the page is %v px wide", bg.ScrollWidth)
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("the page reported problems: %q", p)
	}
}
