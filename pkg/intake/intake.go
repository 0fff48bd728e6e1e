// Package intake turns submissions in the formats publishers have into
// input articles: JSON, NDJSON (streamed), plain text, HTML pages (main
// content and metadata extracted) and RSS/Atom feeds (every item an
// article), in any common character set. Each decoded article is then
// normalised and validated by Prepare. The package imports nothing of NATS.
package intake

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"path/filepath"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/newsflow/newsflow/pkg/article"
)

// Format is the kind of a submission.
type Format string

// Formats understood by Decode.
const (
	FormatJSON   Format = "json"
	FormatNDJSON Format = "ndjson"
	FormatText   Format = "text"
	FormatHTML   Format = "html"
	// FormatFeed is RSS 2.0, RSS 1.0 or Atom; the parser tells them apart.
	FormatFeed Format = "feed"
)

// Multi reports whether a submission in format f may hold many articles.
func (f Format) Multi() bool { return f == FormatNDJSON || f == FormatFeed }

// ErrUnsupportedFormat is returned for a format Decode does not know.
var ErrUnsupportedFormat = errors.New("unsupported format")

// Meta is what is known of a submission besides its bytes: the source and,
// for text and HTML, the URL and title given alongside it, and the charset
// declared by the transport (HTTP or NATS Content-Type).
type Meta struct {
	Source  string
	URL     string
	Title   string
	Charset string
	// MaxHTMLBytes bounds an HTML page as it arrives, before scripts and
	// styles are stripped; 0 means DefaultMaxHTMLBytes.
	MaxHTMLBytes int64
}

// Item is one article of a submission, or the error that made it unusable.
// Index counts items from 1 (the line number for NDJSON).
type Item struct {
	Index   int
	Article *article.Article
	Err     error
	// Raw is the item's own bytes when the format has them (an NDJSON
	// line, a JSON document), kept for dead letters. It is only valid
	// during the callback: copy it to keep it.
	Raw []byte
}

// MaxLineBytes bounds one NDJSON line.
const MaxLineBytes = 4 << 20

// MaxDocumentBytes bounds a submission that is one article (a JSON
// document or a text) as it streams in: like an NDJSON line, it is never
// read past this. An HTML page has its own limit (Meta.MaxHTMLBytes).
const MaxDocumentBytes = MaxLineBytes

// ErrTooLarge is wrapped by Decode's error for a document over
// MaxDocumentBytes, an HTML page over its limit or an NDJSON line over
// MaxLineBytes.
var ErrTooLarge = errors.New("too large")

// FormatFromContentType maps a media type to a Format; an empty one is
// JSON.
func FormatFromContentType(ct string) (Format, error) {
	f, _, err := ParseContentType(ct)
	return f, err
}

// ParseContentType maps a Content-Type to a Format and returns its charset
// parameter ("" when none).
func ParseContentType(ct string) (Format, string, error) {
	if strings.TrimSpace(ct) == "" {
		return FormatJSON, "", nil
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", "", fmt.Errorf("%w: content type %q: %v", ErrUnsupportedFormat, ct, err)
	}
	cs := params["charset"]
	switch mt {
	case "application/json":
		return FormatJSON, cs, nil
	case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines", "application/jsonlines":
		return FormatNDJSON, cs, nil
	case "text/plain":
		return FormatText, cs, nil
	case "text/html", "application/xhtml+xml":
		return FormatHTML, cs, nil
	case "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml":
		return FormatFeed, cs, nil
	}
	return "", "", fmt.Errorf("%w: content type %q (use application/json, application/x-ndjson, text/plain, text/html, application/rss+xml or application/atom+xml)", ErrUnsupportedFormat, mt)
}

// ContentType is the media type of format f, as sent over HTTP and NATS.
func ContentType(f Format) string {
	switch f {
	case FormatNDJSON:
		return "application/x-ndjson"
	case FormatText:
		return "text/plain; charset=utf-8"
	case FormatHTML:
		return "text/html"
	case FormatFeed:
		return "application/rss+xml"
	}
	return "application/json"
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
	case ".html", ".htm", ".xhtml":
		return FormatHTML, nil
	case ".xml", ".rss", ".atom", ".rdf":
		return FormatFeed, nil
	}
	return "", fmt.Errorf("%w: file %s", ErrUnsupportedFormat, path)
}

// Sniff guesses the format of a submission from its first bytes: JSON
// object, NDJSON (a second line starting with '{'), an RSS/Atom feed, an
// HTML page, else plain text.
func Sniff(head []byte) Format {
	t := bytes.TrimSpace(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")))
	switch {
	case len(t) > 0 && t[0] == '{':
		if i := bytes.IndexByte(t, '\n'); i >= 0 && bytes.HasPrefix(bytes.TrimSpace(t[i:]), []byte("{")) {
			return FormatNDJSON
		}
		return FormatJSON
	case len(t) > 0 && t[0] == '<':
		lower := bytes.ToLower(t[:min(len(t), 2048)])
		if bytes.Contains(lower, []byte("<rss")) || bytes.Contains(lower, []byte("<feed")) || bytes.Contains(lower, []byte("<rdf:rdf")) {
			return FormatFeed
		}
		return FormatHTML
	}
	return FormatText
}

// Decode reads a submission in format f and calls fn with each item in
// order. NDJSON is streamed line by line; a JSON or text document is read
// up to MaxDocumentBytes (more is an error wrapping ErrTooLarge, returned
// before any decoding); an HTML page is streamed through StripHTML up to
// meta.MaxHTMLBytes, so only what may become text is held; a feed is read
// whole (bound r). A bad item is passed to fn with its error; Decode stops early
// only when fn returns an error, r fails or the document as a whole cannot
// be read (a broken feed, undecodable bytes).
func Decode(r io.Reader, f Format, meta Meta, fn func(Item) error) error {
	if (f == FormatJSON || f == FormatNDJSON) && meta.Charset != "" {
		// JSON is UTF-8 (RFC 8259), but a producer that declares another
		// charset gets its bytes transcoded rather than refused.
		e, name, err := lookupCharset(meta.Charset)
		if err != nil {
			return err
		}
		switch {
		case isUTF16(name):
			// A byte order mark, when there is one, says which UTF-16.
			r = transform.NewReader(r, unicode.BOMOverride(e.NewDecoder()))
		case name != "utf-8":
			r = e.NewDecoder().Reader(r)
		}
	}
	switch f {
	case FormatNDJSON:
		return decodeNDJSON(r, meta, fn)
	case FormatHTML:
		return decodeHTML(r, meta, fn)
	case FormatJSON, FormatText, FormatFeed:
	default:
		return fmt.Errorf("%w: %q", ErrUnsupportedFormat, f)
	}
	if f != FormatFeed {
		r = io.LimitReader(r, MaxDocumentBytes+1)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("read submission: %w", err)
	}
	if f != FormatFeed && len(data) > MaxDocumentBytes {
		return fmt.Errorf("%w: a %s document is over the limit of %d bytes for one article (send many articles as NDJSON, one per line)", ErrTooLarge, f, MaxDocumentBytes)
	}
	switch f {
	case FormatJSON:
		a, err := article.DecodeInput(data)
		applyMeta(a, meta)
		return fn(Item{Index: 1, Article: a, Err: err, Raw: data})
	case FormatText:
		dec, err := toUTF8(data, meta.Charset, kindText)
		if err != nil {
			return fn(Item{Index: 1, Err: &article.FieldError{Field: "body", Code: article.CodeInvalid, Message: err.Error()}})
		}
		return fn(Item{Index: 1, Article: FromText(dec.Text, meta)})
	}
	return decodeFeed(data, meta, fn)
}

// decodeHTML strips the page as it streams in (StripHTML), then decodes
// its charset. A page in UTF-16 (by its byte order mark or the declared
// charset) is turned into UTF-8 first, as it streams too.
func decodeHTML(r io.Reader, meta Meta, fn func(Item) error) error {
	max := meta.MaxHTMLBytes
	if max <= 0 {
		max = DefaultMaxHTMLBytes
	}
	br := bufio.NewReader(r)
	head, _ := br.Peek(4096)
	cs := meta.Charset
	var src io.Reader = br
	_, declared, derr := lookupCharset(cs)
	bom := bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF})
	if bom || (cs != "" && derr == nil && isUTF16(declared)) {
		var e encoding.Encoding = unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
		if !bom {
			// The byte order the text shows; ASCII declared UTF-16 is
			// refused rather than read as junk.
			var err error
			if e, _, err = utf16Encoding(head, cs, "declared"); err != nil {
				return fn(Item{Index: 1, Err: &article.FieldError{Field: "html", Code: article.CodeInvalid, Message: err.Error()}})
			}
		}
		// The limit counts the bytes as they arrive.
		lr := &countingReader{r: io.LimitReader(br, max+1)}
		src = &limitCheck{r: transform.NewReader(lr, unicode.BOMOverride(e.NewDecoder())), c: lr, max: max}
		cs = "utf-8"
	}
	data, err := StripHTML(src, max)
	switch {
	case errors.Is(err, ErrTooDeep):
		return fn(Item{Index: 1, Err: &article.FieldError{Field: "html", Code: article.CodeInvalid, Message: err.Error()}})
	case errors.Is(err, ErrTooLarge):
		return err
	case err != nil:
		return fmt.Errorf("read submission: %w", err)
	}
	dec, err := toUTF8(data, cs, kindHTML)
	if err != nil {
		return fn(Item{Index: 1, Err: &article.FieldError{Field: "html", Code: article.CodeInvalid, Message: err.Error()}})
	}
	a := &article.Article{HTML: dec.Text}
	applyMeta(a, meta)
	return fn(Item{Index: 1, Article: a})
}

// limitCheck fails a read once c has counted more than max bytes.
type limitCheck struct {
	r   io.Reader
	c   *countingReader
	max int64
}

func (l *limitCheck) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if l.c.n > l.max {
		return n, fmt.Errorf("%w: the html page is over the limit of %d bytes", ErrTooLarge, l.max)
	}
	return n, err
}

func decodeNDJSON(r io.Reader, meta Meta, fn func(Item) error) error {
	// A read error (the sender went away) ends the scan without handing
	// over the line it cut: that line is not an article gone wrong.
	er := &readErr{r: r}
	sc := bufio.NewScanner(er)
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		if atEOF && er.err != nil && bytes.IndexByte(data, '\n') < 0 {
			return 0, nil, er.err
		}
		return bufio.ScanLines(data, atEOF)
	})
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
		if err := fn(Item{Index: line, Article: a, Err: err, Raw: b}); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("%w: ndjson line %d is over the limit of %d bytes", ErrTooLarge, line+1, MaxLineBytes)
		}
		return fmt.Errorf("read ndjson line %d: %w", line+1, err)
	}
	return nil
}

// fitList keeps the authors or tags found in a page or a feed that
// Validate accepts: what a publisher's markup says is dropped when too
// long, not held against the submission.
func fitList(l []string) []string {
	out := l[:0:0]
	for _, v := range l {
		if len(v) <= article.MaxListItemBytes && len(out) < maxFoundItems {
			out = append(out, v)
		}
	}
	return out
}

// maxFoundItems bounds the authors or tags taken from a page or a feed
// item (Validate allows 100).
const maxFoundItems = 100

// readErr remembers the first error of r other than its end.
type readErr struct {
	r   io.Reader
	err error
}

func (e *readErr) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && e.err == nil {
		e.err = err
	}
	return n, err
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

// Prepare turns a decoded article into the canonical one: an html field is
// checked against the limit and replaced by the extracted main content (its
// metadata fills the fields the submission left empty), then the article is
// normalised and validated. Errors are *article.FieldError values.
func Prepare(a *article.Article, lim article.Limits) error {
	return PrepareWith(a, lim, nil)
}

// PrepareWith is Prepare with a learner of the site names each source
// puts around its titles (nil for none): the title is recorded, and what
// was learned so far is removed from it, before normalisation.
func PrepareWith(a *article.Article, lim article.Limits, titles *TitleAffixes) error {
	if a.HTML != "" {
		if err := extractInto(a, lim); err != nil {
			return err
		}
	}
	if titles != nil && a.Title != "" {
		a.Title = titles.Clean(article.SourceToken(a.Source), oneLine(a.Title))
	}
	article.Normalize(a)
	return article.Validate(a, lim)
}

func extractInto(a *article.Article, lim article.Limits) error {
	maxHTML := lim.MaxHTMLBytes
	if maxHTML <= 0 {
		maxHTML = article.DefaultMaxHTMLBytes
	}
	if len(a.HTML) > maxHTML {
		return &article.FieldError{Field: "html", Code: article.CodeTooLarge,
			Message: fmt.Sprintf("html is %d bytes, the limit is %d", len(a.HTML), maxHTML)}
	}
	page, err := ExtractHTML(a.HTML, a.URL)
	if err != nil {
		code := article.CodeInvalid
		if errors.Is(err, ErrNoContent) {
			code = article.CodeRequired
		}
		return &article.FieldError{Field: "html", Code: code, Message: err.Error()}
	}
	a.HTML = ""
	if strings.TrimSpace(a.Body) == "" {
		a.Body = page.Body
	}
	if a.Title == "" {
		a.Title = page.Title
	}
	if a.URL == "" {
		a.URL = page.URL
	} else if _, _, err := article.RepairURL(a.URL); err != nil && page.URL != "" {
		// The page knows its own address better than the submission.
		a.URLOriginal, a.URL = a.URL, page.URL
	}
	if a.Lang == "" {
		a.Lang = page.Lang
	}
	if a.PublishedAt.IsZero() {
		a.PublishedAt = page.PublishedAt
	}
	if len(a.Authors) == 0 {
		a.Authors = fitList(page.Authors)
	}
	if len(a.Tags) == 0 {
		a.Tags = fitList(page.Tags)
	}
	if a.Image == "" {
		a.Image, a.ImageCaption = page.Image, page.ImageCaption
	}
	if a.Source == "" && page.URL != "" {
		if u, err := url.Parse(page.URL); err == nil {
			a.Source = u.Hostname()
		}
	}
	if strings.TrimSpace(article.CleanText(a.Body)) == "" {
		return &article.FieldError{Field: "html", Code: article.CodeRequired, Message: "no article text found in the html after main-content extraction"}
	}
	return nil
}
