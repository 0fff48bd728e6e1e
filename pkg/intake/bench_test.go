package intake

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/corpus"
)

// BenchmarkHTMLPage decodes and prepares the corpus pages one after the
// other, as ingest does with a text/html submission (strip, charset,
// extraction, metadata, normalisation): ns/op is per page, 29 pages of
// 26-232 KB.
func BenchmarkHTMLPage(b *testing.B) {
	files, err := filepath.Glob(filepath.Join(corpus.Path(b, "html"), "*.html"))
	if err != nil || len(files) == 0 {
		b.Fatalf("pages: %v %v", files, err)
	}
	pages := make([][]byte, len(files))
	size := 0
	for i, f := range files {
		if pages[i], err = os.ReadFile(f); err != nil {
			b.Fatal(err)
		}
		size += len(pages[i])
	}
	b.SetBytes(int64(size / len(pages)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		preparePage(b, pages[i%len(pages)])
	}
}

// BenchmarkHTMLLargePage is one 5 MB page, most of it inline scripts.
func BenchmarkHTMLLargePage(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("<html><head><title>T</title></head><body><article>")
	for range 30 {
		sb.WriteString("<p>Paragraph of the article, long enough to count as text for the extractor.</p>")
	}
	sb.WriteString("</article>")
	for sb.Len() < 5<<20 {
		sb.WriteString("<script>var s = \"" + strings.Repeat("v", 128<<10) + "\";</script><!-- c -->")
	}
	page := []byte(sb.String())
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		preparePage(b, page)
	}
}

func preparePage(b *testing.B, page []byte) {
	err := Decode(bytes.NewReader(page), FormatHTML, Meta{Source: "bench"}, func(it Item) error {
		if it.Err != nil {
			return it.Err
		}
		return Prepare(it.Article, article.Limits{})
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkHTMLManyParagraphs is a page of 19,000 short paragraphs, near
// MaxHTMLElements: over voteMaxElements, so go-trafilatura (20 s on it)
// does not read it.
func BenchmarkHTMLManyParagraphs(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("<html><head><title>T</title></head><body><article>")
	for i := range 19000 {
		fmt.Fprintf(&sb, "<p>Paragraph %d of the article.</p>", i)
	}
	sb.WriteString("</article></body></html>")
	page := []byte(sb.String())
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		preparePage(b, page)
	}
}
