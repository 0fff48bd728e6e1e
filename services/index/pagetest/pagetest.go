// Package pagetest drives the search page in headless Chromium (Debian's
// chromium package) for tests: it collects script errors and CSP
// violations, takes screenshots, and runs a search the way a person does.
package pagetest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Browser is a headless Chromium tab bound to a test.
type Browser struct {
	t        testing.TB
	ctx      context.Context
	dir      string
	mu       sync.Mutex
	problems []string
}

// Executable returns the Chromium binary, skipping the test when there is
// none (failing it under CI=true, where .ci/run installs it).
func Executable(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found: .ci/run installs Debian's chromium package")
	}
	t.Skip("chromium not found (apt-get install chromium); skipping the page test")
	return ""
}

// Start launches Chromium for the test; it is closed when the test ends.
// Screenshots go to $NEWSFLOW_SCREENSHOTS or the test's temporary directory.
func Start(t testing.TB, timeout time.Duration) *Browser {
	t.Helper()
	exe := Executable(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-gpu", true), chromedp.WindowSize(1280, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() {
		cancelTimeout()
		cancel()
		cancelAlloc()
	})
	b := &Browser{t: t, ctx: ctx, dir: os.Getenv("NEWSFLOW_SCREENSHOTS")}
	if b.dir == "" {
		b.dir = t.TempDir()
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			b.problems = append(b.problems, "exception: "+ev.ExceptionDetails.Text)
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError && !strings.Contains(ev.Entry.URL, "favicon") {
				b.problems = append(b.problems, "console: "+ev.Entry.Text)
			}
		}
	}); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, cdplog.Enable, cdp.Empty{})
		return err
	})); err != nil {
		t.Fatalf("enable the console log: %v", err)
	}
	return b
}

// Context is the tab's context, for chromedp actions.
func (b *Browser) Context() context.Context { return b.ctx }

// Problems returns the script errors and console errors seen so far.
func (b *Browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// Fail ends the test with what failed and the page's problems.
func (b *Browser) Fail(what string, err error) {
	b.t.Helper()
	b.t.Fatalf("%s: %v (page problems: %q)", what, err, b.Problems())
}

// Do runs actions, failing the test with what when they fail.
func (b *Browser) Do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.Fail(what, err)
	}
}

// Shot saves a full-page screenshot as name.
func (b *Browser) Shot(name string) {
	b.t.Helper()
	img, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.Fail("screenshot "+name, err)
	}
	p := filepath.Join(b.dir, name)
	if err := os.WriteFile(p, img, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", p)
}

// HitSelector is the CSS selector of the result for article id.
func HitSelector(id string) string { return `#hits li.hit[data-id="` + id + `"]` }

// Search opens the page at base, types query into the search box, submits
// it and waits until the results for that query show the article id.
func (b *Browser) Search(base, query, id string) {
	b.t.Helper()
	b.Do("search for "+query,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#q`)),
		chromedp.SendKeys(chromedp.CSS(`#q`), query),
		chromedp.Click(chromedp.CSS(`#search button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#results[data-state="done"][data-q="`+query+`"] `+HitSelector(id))),
	)
}

// Open clicks the result for article id and waits for its entities.
func (b *Browser) Open(id string) {
	b.t.Helper()
	b.Do("open the article",
		chromedp.Click(chromedp.CSS(HitSelector(id)+` a.title`)),
		chromedp.WaitVisible(chromedp.CSS(`#entities`)),
	)
}

// Entities returns the entity names the open article shows.
func (b *Browser) Entities() []string {
	b.t.Helper()
	names, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('#entities a.entity')].map(a => a.firstChild.textContent)`))
	if err != nil {
		b.Fail("read the entities", err)
	}
	return names
}

// Quotes returns how many quotes the open article shows.
func (b *Browser) Quotes() int {
	b.t.Helper()
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll('#article .quotes blockquote').length`))
	if err != nil {
		b.Fail("read the quotes", err)
	}
	return n
}
