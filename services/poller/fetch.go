package poller

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/newsflow/newsflow/pkg/robots"
)

// ErrDisallowed is wrapped by a fetch that robots.txt forbids.
var ErrDisallowed = errors.New("disallowed by robots.txt")

// ErrTooLarge is wrapped by a fetch whose body is over the limit.
var ErrTooLarge = errors.New("response too large")

// HTTPError is a fetch answered with a status other than 200 or 304.
type HTTPError struct {
	URL    string
	Status int
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("GET %s: %d %s", e.URL, e.Status, http.StatusText(e.Status))
}

// Permanent reports whether trying again will not help (a 4xx other than
// 408 and 429).
func (e *HTTPError) Permanent() bool {
	return e.Status >= 400 && e.Status < 500 && e.Status != http.StatusRequestTimeout && e.Status != http.StatusTooManyRequests
}

// response is a fetched document.
type response struct {
	URL          string // after redirects
	NotModified  bool
	Body         []byte
	ContentType  string
	Charset      string
	ETag         string
	LastModified string
}

// fetcher makes every HTTP request of a process: one at a time per host,
// Delay (or the host's Crawl-delay, if longer) between the end of one and
// the start of the next, robots.txt read first and honoured.
type fetcher struct {
	client    *http.Client
	userAgent string
	delay     time.Duration
	maxBytes  int64
	robotsTTL time.Duration
	now       func() time.Time

	mu    sync.Mutex
	hosts map[string]*host
}

type host struct {
	slot chan struct{} // one request at a time
	// next is the earliest start of the next request (held with slot).
	next time.Time
	// robots and robotsUntil: the host's rules (held with slot).
	robots      *robots.Rules
	robotsUntil time.Time
}

func newFetcher(client *http.Client, userAgent string, delay time.Duration, maxBytes int64, now func() time.Time) *fetcher {
	return &fetcher{client: client, userAgent: userAgent, delay: delay, maxBytes: maxBytes, robotsTTL: time.Hour,
		now: now, hosts: map[string]*host{}}
}

func (f *fetcher) host(key string) *host {
	f.mu.Lock()
	defer f.mu.Unlock()
	h, ok := f.hosts[key]
	if !ok {
		h = &host{slot: make(chan struct{}, 1)}
		f.hosts[key] = h
	}
	return h
}

// get fetches rawURL, conditionally when etag or lastModified are given,
// after checking the host's robots.txt.
func (f *fetcher) get(ctx context.Context, rawURL, etag, lastModified string) (*response, error) {
	u, err := absURL(rawURL)
	if err != nil {
		return nil, err
	}
	h := f.host(u.Scheme + "://" + u.Host)
	select {
	case h.slot <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-h.slot }()
	if h.robots == nil || !f.now().Before(h.robotsUntil) {
		h.robots, h.robotsUntil, err = f.robots(ctx, h, u)
		if err != nil {
			return nil, err
		}
	}
	if !h.robots.Allowed(f.userAgent, u.RequestURI()) {
		return nil, fmt.Errorf("GET %s: %w", rawURL, ErrDisallowed)
	}
	if err := f.wait(ctx, h); err != nil {
		return nil, err
	}
	defer func() { h.next = f.now().Add(max(f.delay, min(h.robots.CrawlDelay(f.userAgent), time.Minute))) }()
	return f.do(ctx, u.String(), etag, lastModified)
}

// wait sleeps until the host may be asked again.
func (f *fetcher) wait(ctx context.Context, h *host) error {
	d := h.next.Sub(f.now())
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// robots reads the host's robots.txt (RFC 9309): a 4xx means no rules, a
// 5xx or no answer means nothing may be fetched for now (tried again in a
// minute).
func (f *fetcher) robots(ctx context.Context, h *host, u *url.URL) (*robots.Rules, time.Time, error) {
	if err := f.wait(ctx, h); err != nil {
		return nil, time.Time{}, err
	}
	defer func() { h.next = f.now().Add(f.delay) }()
	r, err := f.do(ctx, u.Scheme+"://"+u.Host+"/robots.txt", "", "")
	if ctx.Err() != nil {
		return nil, time.Time{}, ctx.Err()
	}
	var he *HTTPError
	switch {
	case err == nil:
		return robots.Parse(r.Body), f.now().Add(f.robotsTTL), nil
	case errors.As(err, &he) && he.Status >= 400 && he.Status < 500:
		return robots.AllowAll(), f.now().Add(f.robotsTTL), nil
	}
	return robots.DisallowAll(), f.now().Add(time.Minute), nil
}

func (f *fetcher) do(ctx context.Context, rawURL, etag, lastModified string) (*response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", rawURL, err)
	}
	req.Header.Set("User-Agent", f.userAgent)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/html;q=0.8, */*;q=0.5")
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	if lastModified != "" {
		req.Header.Set("If-Modified-Since", lastModified)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", rawURL, err)
	}
	defer func() { _ = resp.Body.Close() }()
	out := &response{URL: resp.Request.URL.String(), ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotModified:
		out.NotModified = true
		return out, nil
	default:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, &HTTPError{URL: rawURL, Status: resp.StatusCode}
	}
	out.Body, err = io.ReadAll(io.LimitReader(resp.Body, f.maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: read body: %w", rawURL, err)
	}
	if int64(len(out.Body)) > f.maxBytes {
		return nil, fmt.Errorf("GET %s: %w: over %d bytes", rawURL, ErrTooLarge, f.maxBytes)
	}
	out.ContentType = resp.Header.Get("Content-Type")
	if mt, params, err := mime.ParseMediaType(out.ContentType); err == nil {
		out.ContentType, out.Charset = mt, params["charset"]
	}
	return out, nil
}

// absURL parses an absolute http(s) URL.
func absURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("url %q: %w", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("url %q: want an absolute http:// or https:// URL", s)
	}
	return u, nil
}
