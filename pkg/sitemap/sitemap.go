// Package sitemap reads sitemaps (sitemaps.org): a URL set, with the
// Google News extension (title, publication date, language), or a
// sitemap index, plain or gzipped. It does no I/O.
package sitemap

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
)

// ErrSitemap is wrapped when a document is not a readable sitemap.
var ErrSitemap = errors.New("not a readable sitemap")

// MaxBytes bounds a sitemap, after gunzipping (sitemaps.org allows 50 MB).
const MaxBytes = 50 << 20

// MaxEntries bounds the URLs or sitemaps of one document (sitemaps.org
// allows 50,000).
const MaxEntries = 50_000

// Entry is one <url> of a URL set or one <sitemap> of an index.
type Entry struct {
	Loc     string
	LastMod time.Time
	// The news extension (<news:news>), when present.
	Title       string
	PublishedAt time.Time
	Lang        string
	Publication string
}

// Sitemap is a parsed document: Index tells an index (Entries are
// sitemaps) from a URL set (Entries are pages).
type Sitemap struct {
	Index   bool
	Entries []Entry
}

// Is reports whether the start of a document looks like a sitemap or a
// sitemap index (a gzip stream counts: feeds are not gzipped files).
func Is(head []byte) bool {
	if IsGzip(head) {
		return true
	}
	h := bytes.ToLower(head[:min(len(head), 4096)])
	return bytes.Contains(h, []byte("<urlset")) || bytes.Contains(h, []byte("<sitemapindex"))
}

// IsGzip reports whether data starts like a gzip stream.
func IsGzip(data []byte) bool { return len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b }

type xmlEntry struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod"`
	News    *struct {
		Title           string `xml:"title"`
		PublicationDate string `xml:"publication_date"`
		Publication     struct {
			Name     string `xml:"name"`
			Language string `xml:"language"`
		} `xml:"publication"`
	} `xml:"news"`
}

// Parse reads a sitemap or a sitemap index, gunzipping it first when it
// is gzipped. Entries without a <loc> are skipped; a date that cannot be
// read is left zero.
func Parse(data []byte) (*Sitemap, error) {
	if IsGzip(data) {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%w: gzip: %v", ErrSitemap, err)
		}
		plain, err := io.ReadAll(io.LimitReader(zr, MaxBytes+1))
		if err != nil {
			return nil, fmt.Errorf("%w: gzip: %v", ErrSitemap, err)
		}
		if len(plain) > MaxBytes {
			return nil, fmt.Errorf("%w: over %d bytes once gunzipped", ErrSitemap, MaxBytes)
		}
		data = plain
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	dec.CharsetReader = func(charset string, r io.Reader) (io.Reader, error) {
		// sitemaps.org requires UTF-8; a declared latin-1 or ASCII is
		// read as UTF-8 too rather than refused.
		return r, nil
	}
	sm := &Sitemap{}
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrSitemap, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch name := se.Name.Local; {
		case root == "":
			if name != "urlset" && name != "sitemapindex" {
				return nil, fmt.Errorf("%w: the root element is <%s>, want <urlset> or <sitemapindex>", ErrSitemap, name)
			}
			root, sm.Index = name, name == "sitemapindex"
		case name == "url" || name == "sitemap":
			var e xmlEntry
			if err := dec.DecodeElement(&e, &se); err != nil {
				return nil, fmt.Errorf("%w: <%s> %d: %v", ErrSitemap, name, len(sm.Entries)+1, err)
			}
			if len(sm.Entries) >= MaxEntries {
				return nil, fmt.Errorf("%w: more than %d entries", ErrSitemap, MaxEntries)
			}
			if out, ok := entry(e); ok {
				sm.Entries = append(sm.Entries, out)
			}
		default:
			if err := dec.Skip(); err != nil {
				return nil, fmt.Errorf("%w: %v", ErrSitemap, err)
			}
		}
	}
	if root == "" {
		return nil, fmt.Errorf("%w: no <urlset> or <sitemapindex>", ErrSitemap)
	}
	return sm, nil
}

func entry(e xmlEntry) (Entry, bool) {
	out := Entry{Loc: strings.TrimSpace(e.Loc)}
	if out.Loc == "" {
		return out, false
	}
	out.LastMod = parseTime(e.LastMod)
	if n := e.News; n != nil {
		out.Title = strings.Join(strings.Fields(n.Title), " ")
		out.PublishedAt = parseTime(n.PublicationDate)
		out.Lang = article.LangTag(n.Publication.Language)
		out.Publication = strings.TrimSpace(n.Publication.Name)
	}
	return out, true
}

func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	t, err := article.ParseTime(s)
	if err != nil {
		return time.Time{}
	}
	return t
}
