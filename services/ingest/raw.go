package ingest

import (
	"bytes"
	"fmt"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/intake"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

// Headers a producer may set on a raw message that is not JSON.
const (
	HeaderTitle = "Newsflow-Title"
	HeaderURL   = "Newsflow-Url"
	// HeaderItem names the item of a multi-article raw message (NDJSON
	// line, feed item, counted from 1) on its dead letter.
	HeaderItem = "Newsflow-Item"
)

// RawItem is one article of a raw message, prepared, or the reason it
// cannot be.
type RawItem struct {
	Index   int
	Article *article.Article
	Err     error
	// Raw is the item's own bytes (an NDJSON line) or, for a feed item,
	// nil.
	Raw []byte
}

// DecodeRaw turns a raw message into prepared articles. The format and
// charset come from the Content-Type header (JSON when absent): a JSON
// article, plain text or an HTML page is one item; an NDJSON batch or an
// RSS/Atom feed is one item per line or entry. The source, when a document
// has none, is the subject's last token. An error is returned only when the
// message as a whole cannot be read (empty, unknown content type, broken
// feed); a bad item is returned with its own error.
//
// titles (may be nil) learns the site names each source puts around its
// titles and removes them (intake.PrepareWith).
func DecodeRaw(in *pipeline.Message, lim article.Limits, titles *intake.TitleAffixes) ([]RawItem, intake.Format, error) {
	if len(bytes.TrimSpace(in.Data)) == 0 {
		return nil, "", pipeline.Permanent(fmt.Errorf("raw message on source %s: %w", in.Source, ErrEmpty))
	}
	f, cs, err := intake.ParseContentType(in.Header.Get(pipeline.HeaderContentType))
	if err != nil {
		return nil, "", err
	}
	meta := intake.Meta{Source: in.Source, Title: in.Header.Get(HeaderTitle), URL: in.Header.Get(HeaderURL), Charset: cs, MaxHTMLBytes: int64(lim.MaxHTMLBytes)}
	var items []RawItem
	err = intake.Decode(bytes.NewReader(in.Data), f, meta, func(it intake.Item) error {
		ri := RawItem{Index: it.Index, Article: it.Article, Err: it.Err}
		if f.Multi() && it.Raw != nil {
			ri.Raw = bytes.Clone(it.Raw)
		}
		if ri.Err == nil {
			ri.Err = intake.PrepareWith(ri.Article, lim, titles)
		}
		items = append(items, ri)
		return nil
	})
	if err != nil {
		return nil, f, err
	}
	if len(items) == 0 {
		return nil, f, fmt.Errorf("raw %s message on source %s: %w", f, in.Source, ErrEmpty)
	}
	return items, f, nil
}
