package intake

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/newsflow/newsflow/pkg/article"
)

func TestParseContentType(t *testing.T) {
	tests := []struct {
		ct      string
		want    Format
		charset string
	}{
		{"", FormatJSON, ""},
		{"application/json", FormatJSON, ""},
		{"application/x-ndjson", FormatNDJSON, ""},
		{"application/jsonl", FormatNDJSON, ""},
		{"text/plain; charset=windows-1251", FormatText, "windows-1251"},
		{"text/html; charset=KOI8-R", FormatHTML, "KOI8-R"},
		{"application/xhtml+xml", FormatHTML, ""},
		{"application/rss+xml", FormatFeed, ""},
		{"application/atom+xml", FormatFeed, ""},
		{"text/xml; charset=utf-8", FormatFeed, "utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.ct, func(t *testing.T) {
			f, cs, err := ParseContentType(tt.ct)
			if err != nil || f != tt.want || cs != tt.charset {
				t.Errorf("ParseContentType(%q) = %s, %q, %v; want %s, %q", tt.ct, f, cs, err, tt.want, tt.charset)
			}
		})
	}
	for _, bad := range []string{"image/png", "text/html; charset", "multipart/form-data"} {
		if _, _, err := ParseContentType(bad); !errors.Is(err, ErrUnsupportedFormat) {
			t.Errorf("ParseContentType(%q) error %v, want ErrUnsupportedFormat", bad, err)
		}
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Format
	}{
		{"json", `  {"source":"a","body":"b"}`, FormatJSON},
		{"ndjson", "{\"a\":1}\n{\"a\":2}\n", FormatNDJSON},
		{"rss", `<?xml version="1.0"?><rss version="2.0"><channel>`, FormatFeed},
		{"atom", `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">`, FormatFeed},
		{"html", `<!DOCTYPE html><html><body><p>x</p>`, FormatHTML},
		{"text", "Headline\n\nBody text.", FormatText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sniff([]byte(tt.in)); got != tt.want {
				t.Errorf("Sniff = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestFeedEntityExpansionIsBounded feeds a "billion laughs" document: the
// entities declared in its DTD must not be expanded.
func TestFeedEntityExpansionIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol">`)
	prev := "lol"
	for i := 1; i <= 9; i++ {
		name := "lol" + string(rune('0'+i))
		b.WriteString(`<!ENTITY ` + name + ` "` + strings.Repeat("&"+prev+";", 10) + `">`)
		prev = name
	}
	b.WriteString(`]><rss version="2.0"><channel><title>t</title><item><title>&lol9;</title><description>&lol9;</description></item></channel></rss>`)
	var total int
	err := Decode(strings.NewReader(b.String()), FormatFeed, Meta{Source: "s"}, func(it Item) error {
		if it.Article != nil {
			total += len(it.Article.Title) + len(it.Article.Body)
		}
		return nil
	})
	if err == nil && total > 10_000 {
		t.Fatalf("entities were expanded: %d bytes of text", total)
	}
	t.Logf("result: %v, %d bytes of text", err, total)
}

// TestHTMLNestingIsBounded checks that pathologically nested pages are
// rejected quickly with ErrTooDeep and that deep but legal pages pass.
func TestHTMLNestingIsBounded(t *testing.T) {
	deep := strings.Repeat("<div>", 200_000) + "text" + strings.Repeat("</div>", 10)
	a := &article.Article{Source: "s", HTML: deep}
	err := Prepare(a, article.Limits{MaxBodyBytes: 2 << 20})
	if !errors.Is(err, article.ErrInvalid) || !strings.Contains(err.Error(), "nested too deeply") {
		t.Fatalf("error %v, want an html field error about nesting", err)
	}
	// Unclosed <p> and <li> do not nest: a long list is fine.
	para := "<html><body><article>" + strings.Repeat("<p>Ein Absatz mit genug Wörtern, damit er als Text zählt, und noch ein paar mehr.", 2000) + "</article></body></html>"
	a = &article.Article{Source: "s", HTML: para}
	if err := Prepare(a, article.Limits{}); err != nil {
		t.Fatalf("long flat page: %v", err)
	}
}

// TestHostilePagesAreBounded feeds pages built to make extraction slow or
// deep: those over the limits are refused with an html error naming the
// limit, the others are extracted. (Their time is logged, not asserted.)
func TestHostilePagesAreBounded(t *testing.T) {
	tests := []struct {
		name, page string
		want       string // "" for success
	}{
		{"deep blocks repeated", strings.Repeat(strings.Repeat("<div>", 250)+"x"+strings.Repeat("</div>", 250), 150), "too large"},
		{"too deep", strings.Repeat("<section>", 300) + "x", "nested too deeply"},
		{"unclosed formatting", strings.Repeat("<b><i><u>", 30000), "nested too deeply"},
		{"table soup", strings.Repeat("<table><tr><td>", 20000), "nested too deeply"},
		{"many links", "<article>" + strings.Repeat(`<p>Some words here and there. <a href="/x">link</a></p>`, 5000) + "</article>", ""},
		{"many attributes", "<p " + strings.Repeat(`a="b" `, 150000) + ">Text of the only paragraph, long enough to count.</p>", ""},
		{"many json-ld scripts", strings.Repeat(`<script type="application/ld+json">{"@graph":[{"@type":"NewsArticle","headline":"h"}]}</script>`, 10000) + "<p>Body text of the page.</p>", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := ExtractHTML(tt.page, "")
			t.Logf("%d bytes in %s", len(tt.page), time.Since(start).Round(time.Millisecond))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("error %v, want the page extracted", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want one about %q", err, tt.want)
			}
		})
	}
}

func TestPrepareHTMLErrors(t *testing.T) {
	tests := []struct {
		name  string
		html  string
		lim   article.Limits
		field string
		code  string
	}{
		{"no text", "<html><body><script>var x=1</script></body></html>", article.Limits{}, "html", article.CodeRequired},
		{"too large", "<p>" + strings.Repeat("x", 3000), article.Limits{MaxHTMLBytes: 2048}, "html", article.CodeTooLarge},
		{"body too large", "<p>" + strings.Repeat("x", 3000), article.Limits{MaxBodyBytes: 2048}, "body", article.CodeTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Prepare(&article.Article{Source: "s", HTML: tt.html}, tt.lim)
			var fe *article.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || fe.Code != tt.code {
				t.Errorf("error %v, want field %s code %s", err, tt.field, tt.code)
			}
		})
	}
}

func TestDecodeTextAndHTMLUndecodable(t *testing.T) {
	for _, f := range []Format{FormatText, FormatHTML} {
		t.Run(string(f), func(t *testing.T) {
			var got error
			err := Decode(bytes.NewReader([]byte("abc\xffdef")), f, Meta{Source: "s", Charset: "utf-8"}, func(it Item) error {
				got = it.Err
				return nil
			})
			var fe *article.FieldError
			if err != nil || !errors.As(got, &fe) || !strings.Contains(fe.Message, "not valid UTF-8") {
				t.Errorf("Decode: %v, item error %v; want a field error about UTF-8", err, got)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	inputs, _ := filepath.Glob("testdata/*.*")
	for _, in := range inputs {
		data, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		format, _ := FormatFromPath(in)
		f.Add(data, string(format))
	}
	f.Add([]byte(`{"source":"s","body":"b","published_at":"25.11.2026"}`), string(FormatJSON))
	f.Add([]byte("<div><div><p>x"), string(FormatHTML))
	f.Fuzz(func(t *testing.T, data []byte, format string) {
		n := 0
		_ = Decode(bytes.NewReader(data), Format(format), Meta{Source: "fuzz"}, func(it Item) error {
			n++
			if it.Err == nil && it.Article == nil {
				t.Fatalf("item %d has neither article nor error", it.Index)
			}
			if it.Err == nil {
				if err := Prepare(it.Article, article.Limits{}); err == nil {
					if !article.ValidID(it.Article.ID) || it.Article.Source == "" || strings.TrimSpace(it.Article.Body) == "" {
						t.Fatalf("prepared article is not valid: %+v", it.Article)
					}
				} else if !errors.Is(err, article.ErrInvalid) {
					t.Fatalf("Prepare error %v does not wrap article.ErrInvalid", err)
				}
			}
			return nil
		})
	})
}

func FuzzExtractHTML(f *testing.F) {
	for _, in := range []string{"testdata/page-jsonld.html", "testdata/page-windows1251.html"} {
		data, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	f.Add(`<script type="application/ld+json">{"@graph":[{"@type":["NewsArticle"],"author":[{"name":"A"}]}]}</script><p>x`)
	f.Fuzz(func(t *testing.T, page string) {
		p, err := ExtractHTML(page, "https://example.com/a")
		if err == nil && strings.TrimSpace(p.Body) == "" {
			t.Fatal("no error but an empty body")
		}
	})
}

// TestJSONInADeclaredCharset transcodes JSON and NDJSON whose charset is
// declared as something other than UTF-8.
func TestJSONInADeclaredCharset(t *testing.T) {
	doc := `{"source":"s","title":"Новини","body":"Общинският съвет одобри проекта."}` + "\n"
	data, err := charmap.Windows1251.NewEncoder().Bytes([]byte(doc + doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []Format{FormatJSON, FormatNDJSON} {
		t.Run(string(f), func(t *testing.T) {
			in := data
			if f == FormatJSON {
				in = data[:len(data)/2]
			}
			n := 0
			err := Decode(bytes.NewReader(in), f, Meta{Charset: "windows-1251"}, func(it Item) error {
				n++
				if it.Err != nil || it.Article.Title != "Новини" {
					t.Errorf("item %d: %v %+v", it.Index, it.Err, it.Article)
				}
				return nil
			})
			if err != nil || n == 0 {
				t.Fatalf("Decode: %v, %d items", err, n)
			}
		})
	}
	err = Decode(bytes.NewReader(data), FormatJSON, Meta{Charset: "no-such-charset"}, func(Item) error { return nil })
	if !errors.Is(err, ErrEncoding) {
		t.Errorf("unknown charset: %v, want ErrEncoding", err)
	}
}
