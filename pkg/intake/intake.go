// Package intake turns submissions in the formats publishers have into
// input articles: JSON, NDJSON (streamed), plain text. Each decoded article
// is then normalised and validated by Prepare.
package intake

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"path/filepath"
	"strings"

	"github.com/newsflow/newsflow/pkg/article"
)

// Format is the kind of a submission.
type Format string

// Formats understood by Decode.
const (
	FormatJSON   Format = "json"
	FormatNDJSON Format = "ndjson"
	FormatText   Format = "text"
)

// ErrUnsupportedFormat is returned for a format Decode does not know.
var ErrUnsupportedFormat = errors.New("unsupported format")

// Meta is what is known of a submission besides its bytes: the source and,
// for text, the URL and title given alongside it.
type Meta struct {
	Source string
	URL    string
	Title  string
}

// Item is one article of a submission, or the error that made it unusable.
// Index counts items from 1 (the line number for NDJSON).
type Item struct {
	Index   int
	Article *article.Article
	Err     error
}

// MaxLineBytes bounds one NDJSON line.
const MaxLineBytes = 4 << 20

// FormatFromContentType maps a media type to a Format.
func FormatFromContentType(ct string) (Format, error) {
	if ct == "" {
		return FormatJSON, nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", fmt.Errorf("%w: content type %q: %v", ErrUnsupportedFormat, ct, err)
	}
	switch mt {
	case "application/json":
		return FormatJSON, nil
	case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines":
		return FormatNDJSON, nil
	case "text/plain":
		return FormatText, nil
	}
	return "", fmt.Errorf("%w: content type %q", ErrUnsupportedFormat, mt)
}

// FormatFromPath maps a file name to a Format by its extension.
func FormatFromPath(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		return FormatJSON, nil
	case ".jsonl", ".ndjson":
		return FormatNDJSON, nil
	case ".txt", ".text":
		return FormatText, nil
	}
	return "", fmt.Errorf("%w: file %s", ErrUnsupportedFormat, path)
}

// Decode reads a submission in format f and calls fn with each item in
// order. NDJSON is streamed line by line. A bad item is passed to fn with
// its error; Decode stops early only when fn returns an error or r fails.
func Decode(r io.Reader, f Format, meta Meta, fn func(Item) error) error {
	switch f {
	case FormatJSON:
		data, err := io.ReadAll(r)
		if err != nil {
			return fmt.Errorf("read submission: %w", err)
		}
		a, err := article.DecodeInput(data)
		applyMeta(a, meta)
		return fn(Item{Index: 1, Article: a, Err: err})
	case FormatNDJSON:
		return decodeNDJSON(r, meta, fn)
	case FormatText:
		data, err := io.ReadAll(r)
		if err != nil {
			return fmt.Errorf("read submission: %w", err)
		}
		return fn(Item{Index: 1, Article: FromText(string(data), meta)})
	}
	return fmt.Errorf("%w: %q", ErrUnsupportedFormat, f)
}

func decodeNDJSON(r io.Reader, meta Meta, fn func(Item) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLineBytes)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		a, err := article.DecodeInput(b)
		applyMeta(a, meta)
		if err := fn(Item{Index: line, Article: a, Err: err}); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("ndjson line %d: longer than %d bytes", line+1, MaxLineBytes)
		}
		return fmt.Errorf("read ndjson line %d: %w", line+1, err)
	}
	return nil
}

// applyMeta fills fields the document left empty from the submission's
// metadata.
func applyMeta(a *article.Article, meta Meta) {
	if a == nil {
		return
	}
	if a.Source == "" {
		a.Source = meta.Source
	}
	if a.URL == "" {
		a.URL = meta.URL
	}
	if a.Title == "" {
		a.Title = meta.Title
	}
}

// FromText makes an article of a plain-text body. When no title is given
// and the first line looks like a headline (short, no final full stop,
// followed by more text), it becomes the title.
func FromText(text string, meta Meta) *article.Article {
	a := &article.Article{Source: meta.Source, URL: meta.URL, Title: meta.Title}
	text = strings.TrimPrefix(text, "\ufeff")
	if a.Title == "" {
		first, rest, ok := strings.Cut(strings.TrimLeft(text, " \t\r\n"), "\n")
		first = strings.TrimSpace(first)
		if ok && strings.TrimSpace(rest) != "" && looksLikeHeadline(first) {
			a.Title = first
			text = rest
		}
	}
	a.Body = text
	return a
}

func looksLikeHeadline(s string) bool {
	n := len([]rune(s))
	if n == 0 || n > 150 {
		return false
	}
	switch s[len(s)-1] {
	case '.', ',', ';', ':':
		return false
	}
	return true
}

// Prepare normalises and validates a decoded article.
func Prepare(a *article.Article, lim article.Limits) error {
	article.Normalize(a)
	return article.Validate(a, lim)
}
