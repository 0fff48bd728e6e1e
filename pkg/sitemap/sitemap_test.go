package sitemap

import (
	"bytes"
	"compress/gzip"
	"errors"
	"testing"
	"time"
)

const news = `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url>
    <loc> https://example.org/a/okapi-burgas </loc>
    <lastmod>2026-12-01T10:00:00+02:00</lastmod>
    <news:news>
      <news:publication><news:name>Example News</news:name><news:language>bg</news:language></news:publication>
      <news:publication_date>2026-12-01T09:30:00+02:00</news:publication_date>
      <news:title>Окапи   край Бургас</news:title>
    </news:news>
  </url>
  <url><loc></loc></url>
  <url><loc>https://example.org/b</loc><lastmod>2026-12-02</lastmod></url>
</urlset>`

const index = `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://example.org/sitemap-1.xml</loc><lastmod>2026-11-01</lastmod></sitemap>
  <sitemap><loc>https://example.org/sitemap-2.xml.gz</loc></sitemap>
</sitemapindex>`

func TestParse(t *testing.T) {
	sm, err := Parse([]byte(news))
	if err != nil {
		t.Fatal(err)
	}
	if sm.Index || len(sm.Entries) != 2 {
		t.Fatalf("got index=%v %d entries, want a url set of 2", sm.Index, len(sm.Entries))
	}
	e := sm.Entries[0]
	if e.Loc != "https://example.org/a/okapi-burgas" || e.Title != "Окапи край Бургас" || e.Lang != "bg" || e.Publication != "Example News" {
		t.Errorf("news entry = %+v", e)
	}
	if want := time.Date(2026, 12, 1, 7, 30, 0, 0, time.UTC); !e.PublishedAt.Equal(want) {
		t.Errorf("published %s, want %s", e.PublishedAt, want)
	}
	if sm.Entries[1].LastMod.IsZero() {
		t.Error("a date-only lastmod was not read")
	}

	idx, err := Parse([]byte(index))
	if err != nil {
		t.Fatal(err)
	}
	if !idx.Index || len(idx.Entries) != 2 || idx.Entries[1].Loc != "https://example.org/sitemap-2.xml.gz" {
		t.Errorf("index = %+v", idx)
	}
}

func TestParseGzip(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte(news))
	_ = zw.Close()
	if !Is(buf.Bytes()) {
		t.Error("Is does not know a gzipped sitemap")
	}
	sm, err := Parse(buf.Bytes())
	if err != nil || len(sm.Entries) != 2 {
		t.Fatalf("gzipped: %v, %+v", err, sm)
	}
}

func TestParseErrors(t *testing.T) {
	for name, doc := range map[string]string{
		"rss":       `<rss><channel><item><link>x</link></item></channel></rss>`,
		"empty":     ``,
		"truncated": `<urlset><url><loc>https://a</loc>`,
		"gzip junk": "\x1f\x8b\x08junk",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse([]byte(doc)); !errors.Is(err, ErrSitemap) {
				t.Errorf("err = %v, want ErrSitemap", err)
			}
		})
	}
	if Is([]byte(`<rss version="2.0">`)) || !Is([]byte(`<?xml version="1.0"?><urlset>`)) {
		t.Error("Is tells sitemaps from feeds wrongly")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(news))
	f.Add([]byte(index))
	f.Fuzz(func(t *testing.T, data []byte) {
		sm, err := Parse(data)
		if err == nil {
			for _, e := range sm.Entries {
				if e.Loc == "" {
					t.Fatal("an entry without loc")
				}
			}
		}
	})
}
