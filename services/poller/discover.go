package poller

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/net/html"

	"github.com/newsflow/newsflow/pkg/sitemap"
)

// ErrNoFeed is returned by Probe for a page that links no feed.
var ErrNoFeed = errors.New("no feed or sitemap found")

// Sniff tells what a fetched document is: a feed (RSS, Atom, JSON Feed),
// a sitemap or sitemap index, or an HTML page (kind "").
func Sniff(body []byte) (Kind, bool) {
	t := bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	if sitemap.IsGzip(t) {
		return KindSitemap, true
	}
	head := bytes.ToLower(t[:min(len(t), 4096)])
	switch {
	case bytes.Contains(head, []byte("<sitemapindex")):
		return KindSitemapIndex, true
	case bytes.Contains(head, []byte("<urlset")):
		return KindSitemap, true
	case bytes.Contains(head, []byte("<rss")) || bytes.Contains(head, []byte("<feed")) || bytes.Contains(head, []byte("<rdf:rdf")):
		return KindFeed, true
	case len(t) > 0 && t[0] == '{' && bytes.Contains(head, []byte("jsonfeed.org")):
		return KindFeed, true
	}
	return "", false
}

// feedTypes are the link types of feeds, best first.
var feedTypes = []string{"application/atom+xml", "application/rss+xml", "application/feed+json", "application/json", "application/rdf+xml"}

// DiscoverFeeds returns the feeds an HTML page links with <link
// rel="alternate" type=...>, resolved against base, best type first
// (Atom, RSS, JSON Feed), in page order within a type.
func DiscoverFeeds(page []byte, base string) []string {
	b, err := absURL(base)
	if err != nil {
		return nil
	}
	byType := map[string][]string{}
	z := html.NewTokenizer(bytes.NewReader(page))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		if string(name) == "body" {
			break
		}
		if string(name) != "link" || !hasAttr {
			continue
		}
		var rel, typ, href string
		for {
			k, v, more := z.TagAttr()
			switch string(k) {
			case "rel":
				rel = strings.ToLower(string(v))
			case "type":
				typ = strings.ToLower(strings.TrimSpace(string(v)))
			case "href":
				href = strings.TrimSpace(string(v))
			}
			if !more {
				break
			}
		}
		if href == "" || !hasToken(rel, "alternate") {
			continue
		}
		if u, err := b.Parse(href); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
			byType[typ] = append(byType[typ], u.String())
		}
	}
	var out []string
	for _, t := range feedTypes {
		out = append(out, byType[t]...)
	}
	return out
}

func hasToken(list, tok string) bool {
	for _, f := range strings.Fields(list) {
		if f == tok {
			return true
		}
	}
	return false
}

// Probed is what Probe found at a URL.
type Probed struct {
	// URL is what to poll: the URL given, or the feed a page links.
	URL  string
	Kind Kind
	// Site is the page the feed was found on ("" when URL was given).
	Site string
}

// Probe fetches rawURL and tells what it serves: a feed or sitemap is
// polled as it is; an HTML page is searched for the feed it links
// (<link rel="alternate">), which is fetched to check it.
func Probe(ctx context.Context, client *http.Client, userAgent, rawURL string) (Probed, error) {
	f := newFetcher(client, userAgent, 0, DefaultMaxBytes, nil)
	f.now = timeNow
	r, err := f.get(ctx, rawURL, "", "")
	if err != nil {
		return Probed{}, err
	}
	if k, ok := Sniff(r.Body); ok {
		return Probed{URL: r.URL, Kind: k}, nil
	}
	feeds := DiscoverFeeds(r.Body, r.URL)
	if len(feeds) == 0 {
		return Probed{}, fmt.Errorf("%s: %w: it is not a feed or a sitemap, and links no feed with <link rel=\"alternate\" type=\"application/rss+xml\">", rawURL, ErrNoFeed)
	}
	var errs []error
	for _, u := range feeds {
		fr, err := f.get(ctx, u, "", "")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if k, ok := Sniff(fr.Body); ok {
			return Probed{URL: fr.URL, Kind: k, Site: r.URL}, nil
		}
		errs = append(errs, fmt.Errorf("%s is linked as a feed but is not one", u))
	}
	return Probed{}, fmt.Errorf("%s: %w: %w", rawURL, ErrNoFeed, errors.Join(errs...))
}
