package intake

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsflow/newsflow/pkg/article"
)

// DefaultMaxHTMLBytes is the default limit on an HTML page as it arrives
// (before scripts and styles are stripped): real news pages of 1-5 MB are
// common, most of it inline scripts.
const DefaultMaxHTMLBytes = article.DefaultMaxHTMLBytes

// Bounds of what stripping keeps.
const (
	// maxKeptTagBytes: a start tag longer than this (a data: URI image,
	// inline SVG in an attribute) is written again with its short
	// attributes only.
	maxKeptTagBytes = 4 << 10
	// maxKeptAttrBytes bounds one attribute value of a tag written again.
	maxKeptAttrBytes = 2 << 10
	// maxJSONLDBytes bounds one JSON-LD script kept for the metadata.
	maxJSONLDBytes = 1 << 20
)

// MaxStrippedHTMLBytes bounds what StripHTML keeps of a page: markup and
// text of one article (whose text is bounded again by the body limit).
// The tree built from it costs several times its size, so this bounds
// the memory of one extraction.
const MaxStrippedHTMLBytes = 8 << 20

// stripped names the elements whose content never becomes article text
// and is dropped while streaming: scripts (all but JSON-LD), styles,
// inline SVG and templates.
var stripped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Svg: true, atom.Template: true,
}

// StripHTML copies the page read from r without what never becomes
// article text (comments, scripts other than JSON-LD, styles, inline SVG,
// templates, long attribute values) and fails, with an error wrapping
// ErrTooLarge, as soon as more than max bytes were read. It holds at most
// the largest single token of the page (a long inline script) besides
// what it keeps, so a 12 MB page of scripts costs little more than its
// text. It also fails, wrapping ErrTooDeep, when what is kept nests
// deeper than MaxHTMLDepth or holds more than MaxHTMLElements elements
// (the tree builder and readability would cost quadratic time; readability
// refuses more elements after building the whole tree). The bytes are copied as they are, so
// any charset whose markup is ASCII works; UTF-16 must be decoded first.
func StripHTML(r io.Reader, max int64) ([]byte, error) {
	cr := &countingReader{r: io.LimitReader(r, max+1)}
	z := html.NewTokenizer(newRawFilter(cr))
	var out bytes.Buffer
	var skip atom.Atom // the element being skipped, 0 when none
	skipName := ""
	skipDepth := 0
	keepLD := false // inside a JSON-LD script that is kept
	elements, depth := 0, 0
	for {
		tt := z.Next()
		if cr.n > max {
			return nil, fmt.Errorf("%w: the html page is over the limit of %d bytes", ErrTooLarge, max)
		}
		if out.Len() > MaxStrippedHTMLBytes {
			return nil, fmt.Errorf("%w: the html page is over %d bytes once scripts and styles are left out (more than one article holds)", ErrTooLarge, MaxStrippedHTMLBytes)
		}
		switch tt {
		case html.ErrorToken:
			if errors.Is(z.Err(), io.EOF) {
				return out.Bytes(), nil
			}
			return nil, fmt.Errorf("read html: %w", z.Err())
		case html.CommentToken:
			continue
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			if skip != 0 {
				if tt == html.StartTagToken && string(name) == skipName {
					skipDepth++
				}
				continue
			}
			if stripped[a] && tt == html.SelfClosingTagToken {
				continue
			}
			if stripped[a] {
				if a == atom.Script && hasAttr && isJSONLD(z) {
					keepLD = true
					out.Write(z.Raw())
					continue
				}
				skip, skipName, skipDepth = a, string(name), 1
				continue
			}
			if tt == html.StartTagToken && !voidOrOptionalEnd[a] {
				if depth++; depth > MaxHTMLDepth {
					return nil, fmt.Errorf("%w: more than %d open elements", ErrTooDeep, MaxHTMLDepth)
				}
			}
			elements++
			if elements > MaxHTMLElements {
				return nil, fmt.Errorf("%w: the page is too large: more than %d elements once scripts and styles are left out", ErrTooDeep, MaxHTMLElements)
			}
			raw := z.Raw()
			if len(raw) > maxKeptTagBytes {
				writeShortTag(&out, z, name, tt)
				continue
			}
			out.Write(raw)
		case html.EndTagToken:
			if skip != 0 {
				name, _ := z.TagName()
				if string(name) == skipName {
					if skipDepth--; skipDepth == 0 {
						skip, skipName = 0, ""
					}
				}
				continue
			}
			keepLD = false
			if name, _ := z.TagName(); !voidOrOptionalEnd[atom.Lookup(name)] && depth > 0 {
				depth--
			}
			out.Write(z.Raw())
		case html.TextToken:
			if skip != 0 {
				continue
			}
			if keepLD && len(z.Raw()) > maxJSONLDBytes {
				continue
			}
			out.Write(z.Raw())
		default: // doctype
			if skip == 0 {
				out.Write(z.Raw())
			}
		}
	}
}

// isJSONLD reads the attributes of the current start tag: type
// application/ld+json. It consumes them, so it is called last.
func isJSONLD(z *html.Tokenizer) bool {
	for {
		k, v, more := z.TagAttr()
		if string(k) == "type" && bytes.EqualFold(bytes.TrimSpace(v), []byte("application/ld+json")) {
			return true
		}
		if !more {
			return false
		}
	}
}

// writeShortTag writes the current start tag again with its attributes of
// at most maxKeptAttrBytes.
func writeShortTag(out *bytes.Buffer, z *html.Tokenizer, name []byte, tt html.TokenType) {
	out.WriteByte('<')
	out.Write(name)
	for {
		k, v, more := z.TagAttr()
		if len(k) > 0 && len(v) <= maxKeptAttrBytes {
			out.WriteByte(' ')
			out.Write(k)
			out.WriteString(`="`)
			out.WriteString(html.EscapeString(string(v)))
			out.WriteByte('"')
		}
		if !more {
			break
		}
	}
	if tt == html.SelfClosingTagToken {
		out.WriteByte('/')
	}
	out.WriteByte('>')
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// rawFilter drops, as the bytes stream by, what the tokenizer would
// otherwise hold whole as one token: the content of <script> (but
// JSON-LD) and <style> elements and comments. Tags stay, so the
// tokenizer sees empty elements. It needs a few bytes of lookahead only.
type rawFilter struct {
	r       *bufio.Reader
	pending []byte // filtered bytes not yet returned
	err     error
}

func newRawFilter(r io.Reader) *rawFilter {
	return &rawFilter{r: bufio.NewReaderSize(r, 16<<10)}
}

func (f *rawFilter) Read(p []byte) (int, error) {
	for len(f.pending) == 0 && f.err == nil {
		f.err = f.step()
	}
	n := copy(p, f.pending)
	f.pending = f.pending[n:]
	if len(f.pending) == 0 && f.err != nil {
		return n, f.err
	}
	return n, nil
}

// step passes the text up to the next '<' and, when it opens a comment, a
// script or a style, drops what they hold.
func (f *rawFilter) step() error {
	s, err := f.r.ReadSlice('<')
	if len(s) == 0 || s[len(s)-1] != '<' {
		f.pending = append(f.pending[:0], s...)
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil
		}
		return err
	}
	f.pending = append(f.pending[:0], s...)
	head, _ := f.r.Peek(8)
	switch {
	case bytes.HasPrefix(head, []byte("!--")):
		f.pending = f.pending[:len(f.pending)-1]
		_, _ = f.r.Discard(3)
		return f.dropThrough([]byte("-->"))
	case hasTagPrefix(head, "script"), hasTagPrefix(head, "style"):
		name := "script"
		if hasTagPrefix(head, "style") {
			name = "style"
		}
		tag, err := f.readTag()
		f.pending = append(f.pending, tag...)
		if err != nil {
			return err
		}
		if name == "script" && bytes.Contains(bytes.ToLower(tag), []byte("ld+json")) {
			return nil // kept: the tokenizer reads it
		}
		if len(tag) >= 2 && tag[len(tag)-2] == '/' {
			return nil // <script/>
		}
		return f.dropUntilEnd(name)
	}
	return nil
}

func hasTagPrefix(b []byte, name string) bool {
	if len(b) <= len(name) || !bytes.EqualFold(b[:len(name)], []byte(name)) {
		return false
	}
	switch b[len(name)] {
	case '>', '/', ' ', '\t', '\n', '\r', '\f':
		return true
	}
	return false
}

// readTag reads the rest of a start tag, through its '>', at most
// maxKeptTagBytes of it (a longer one is cut and closed).
func (f *rawFilter) readTag() ([]byte, error) {
	var tag []byte
	for {
		s, err := f.r.ReadSlice('>')
		if len(tag) < maxKeptTagBytes {
			tag = append(tag, s...)
		}
		switch {
		case err == nil:
			if len(tag) > maxKeptTagBytes {
				tag = append(tag[:maxKeptTagBytes], '>')
			}
			return tag, nil
		case errors.Is(err, bufio.ErrBufferFull):
		default:
			return tag, err
		}
	}
}

// dropThrough drops bytes through the next end, which it drops too.
func (f *rawFilter) dropThrough(end []byte) error {
	last := end[len(end)-1]
	var tail []byte // the bytes before the last delimiter seen
	for {
		s, err := f.r.ReadSlice(last)
		if err == nil {
			t := append(tail, s...)
			if bytes.HasSuffix(t, end) {
				return nil
			}
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
		if len(s) >= len(end) {
			tail = append(tail[:0], s[len(s)-len(end):]...)
		} else {
			tail = append(tail, s...)
			if len(tail) > len(end) {
				tail = append(tail[:0], tail[len(tail)-len(end):]...)
			}
		}
	}
}

// dropUntilEnd drops bytes up to the end tag of name, which it keeps.
func (f *rawFilter) dropUntilEnd(name string) error {
	for {
		_, err := f.r.ReadSlice('<')
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			return err
		}
		head, _ := f.r.Peek(len(name) + 2)
		if len(head) > 0 && head[0] == '/' && hasTagPrefix(head[1:], name) {
			f.pending = append(f.pending, '<')
			return nil
		}
	}
}
