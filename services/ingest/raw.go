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
)

// DecodeRaw turns a raw message into a prepared article. The format comes
// from the Content-Type header (JSON when absent); the source, when the
// document has none, from the subject.
func DecodeRaw(in *pipeline.Message, lim article.Limits) (*article.Article, error) {
	if len(bytes.TrimSpace(in.Data)) == 0 {
		return nil, fmt.Errorf("raw message on source %s: %w", in.Source, ErrEmpty)
	}
	f, err := intake.FormatFromContentType(in.Header.Get(pipeline.HeaderContentType))
	if err != nil {
		return nil, err
	}
	if f == intake.FormatNDJSON {
		return nil, fmt.Errorf("%w: publish NDJSON batches through the HTTP API or newsflow publish, one article per raw message", intake.ErrUnsupportedFormat)
	}
	meta := intake.Meta{Source: in.Source, Title: in.Header.Get(HeaderTitle), URL: in.Header.Get(HeaderURL)}
	var a *article.Article
	err = intake.Decode(bytes.NewReader(in.Data), f, meta, func(it intake.Item) error {
		a = it.Article
		return it.Err
	})
	if err != nil {
		return nil, err
	}
	if err := intake.Prepare(a, lim); err != nil {
		return nil, err
	}
	return a, nil
}
