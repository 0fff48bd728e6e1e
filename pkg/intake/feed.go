package intake

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/mmcdole/gofeed"

	"github.com/newsflow/newsflow/pkg/article"
)

// ErrFeed is wrapped when a document is not a readable RSS or Atom feed.
var ErrFeed = errors.New("not a readable RSS or Atom feed")

// MaxFeedItems bounds the items read from one feed.
const MaxFeedItems = 10_000

// decodeFeed reads an RSS 2.0, RSS 1.0 or Atom feed and passes every item
// to fn as an article. The feed is decoded to UTF-8 first (BOM, declared
// charset, XML declaration, detection); gofeed's parser uses encoding/xml,
// which never expands entities declared in a DTD, so "billion laughs"
// documents cost no more than their size.
func decodeFeed(data []byte, meta Meta, fn func(Item) error) error {
	return decodeFeedEntries(data, meta, func(e FeedEntry) error { return fn(e.Item) })
}

// FeedEntry is one item of a feed with what a poller needs besides the
// article: the item's own id and link, and whether it carried full
// content (content:encoded, Atom content, JSON Feed content_html) rather
// than a description only.
type FeedEntry struct {
	Item
	GUID       string
	Link       string
	HasContent bool
}

// DecodeFeedEntries reads an RSS, Atom or JSON Feed document as Decode
// reads a feed, and passes every item to fn with its FeedEntry details.
func DecodeFeedEntries(data []byte, meta Meta, fn func(FeedEntry) error) error {
	return decodeFeedEntries(data, meta, fn)
}

func decodeFeedEntries(data []byte, meta Meta, fn func(FeedEntry) error) error {
	dec, err := toUTF8(data, meta.Charset, kindXML)
	if err != nil {
		return fmt.Errorf("feed: %w", err)
	}
	text := xmlDeclEncoding.ReplaceAllStringFunc(dec.Text, func(decl string) string {
		m := xmlDeclEncoding.FindStringSubmatchIndex(decl)
		return decl[:m[2]] + "UTF-8" + decl[m[3]:]
	})
	text = strings.TrimPrefix(text, "\ufeff")
	feed, err := gofeed.NewParser().Parse(bytes.NewReader([]byte(text)))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrFeed, err)
	}
	if len(feed.Items) > MaxFeedItems {
		return fmt.Errorf("%w: %d items, the limit is %d", ErrFeed, len(feed.Items), MaxFeedItems)
	}
	var base *url.URL
	if u, err := url.Parse(strings.TrimSpace(feed.Link)); err == nil && u.IsAbs() {
		base = u
	}
	// The source, when the submission names none: the host of the feed's
	// link or self link, else of the item's link, else the feed's title.
	source := meta.Source
	for _, l := range []string{feed.Link, feed.FeedLink} {
		if u, err := url.Parse(strings.TrimSpace(l)); source == "" && err == nil && u.Hostname() != "" {
			source = u.Hostname()
		}
	}
	for i, it := range feed.Items {
		a, err := feedItem(it, feed, base)
		if a != nil && a.Source == "" {
			a.Source = source
			if u, err := url.Parse(a.URL); a.Source == "" && err == nil {
				a.Source = u.Hostname()
			}
			if a.Source == "" {
				a.Source = feed.Title
			}
		}
		e := FeedEntry{Item: Item{Index: i + 1, Article: a, Err: err}, GUID: strings.TrimSpace(it.GUID),
			Link: strings.TrimSpace(it.Link), HasContent: strings.TrimSpace(it.Content) != ""}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

func feedItem(it *gofeed.Item, feed *gofeed.Feed, base *url.URL) (*article.Article, error) {
	a := &article.Article{Lang: article.LangTag(feed.Language)}
	if id := strings.TrimSpace(it.GUID); article.ValidID(id) {
		a.ID = id
	}
	if link := strings.TrimSpace(it.Link); link != "" {
		a.URL = resolve(base, link)
		if a.URL == "" {
			a.URL = link // Validate names it as a bad url
		}
	}
	a.Title = plainText(it.Title)
	content := it.Content
	if strings.TrimSpace(content) == "" {
		content = it.Description
	}
	body, err := htmlFragmentText(content)
	if err != nil {
		return a, &article.FieldError{Field: "body", Code: article.CodeInvalid, Message: err.Error()}
	}
	a.Body = body
	switch {
	case it.PublishedParsed != nil:
		a.PublishedAt = it.PublishedParsed.UTC()
	case strings.TrimSpace(it.Published) != "":
		t, err := article.ParseTime(it.Published)
		if err != nil {
			return a, &article.FieldError{Field: "published_at", Code: article.CodeInvalid,
				Message: fmt.Sprintf("item date %q is not a time", it.Published)}
		}
		a.PublishedAt = t
	case it.UpdatedParsed != nil:
		a.PublishedAt = it.UpdatedParsed.UTC()
	}
	for _, p := range it.Authors {
		if p != nil && strings.TrimSpace(p.Name) != "" {
			a.Authors = append(a.Authors, strings.TrimSpace(p.Name))
		}
	}
	if len(a.Authors) == 0 && it.DublinCoreExt != nil {
		a.Authors = append(a.Authors, it.DublinCoreExt.Creator...)
	}
	for _, c := range it.Categories {
		if c = strings.TrimSpace(c); c != "" {
			a.Tags = append(a.Tags, c)
		}
	}
	a.Authors, a.Tags = fitList(CleanAuthors(a.Authors)), fitList(a.Tags)
	return a, nil
}

// plainText renders s as text when it holds markup.
func plainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	t, err := htmlFragmentText(s)
	if err != nil {
		return s
	}
	return strings.Join(strings.Fields(t), " ")
}
