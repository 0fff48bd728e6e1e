package intake

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/corpus"
)

// TestCorpusIngestsWithoutRejections decodes and prepares every article of
// every corpus file (all JSONL files, the feeds, the HTML pages): none may
// be rejected.
func TestCorpusIngestsWithoutRejections(t *testing.T) {
	dir := corpus.Dir(t)
	var files []string
	for _, pat := range []string{"*.jsonl", "feeds/*.xml", "html/*.html"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 10 {
		t.Fatalf("found %d corpus files, want the jsonl files, feeds and html pages", len(files))
	}
	for _, path := range files {
		rel, _ := filepath.Rel(dir, path)
		if rel == "near_duplicates.jsonl" || rel == filepath.Join("html", "ground_truth.jsonl") {
			continue // pairs and annotations, not articles
		}
		t.Run(rel, func(t *testing.T) {
			f, err := FormatFromPath(path)
			if err != nil {
				t.Fatal(err)
			}
			fh, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			n := 0
			// No source given: each format must find one itself (the JSONL
			// lines have theirs, feeds and pages their links or title).
			err = Decode(fh, f, Meta{}, func(it Item) error {
				n++
				if it.Err == nil {
					it.Err = Prepare(it.Article, article.Limits{})
				}
				if it.Err != nil {
					t.Errorf("item %d rejected: %v", it.Index, it.Err)
				}
				return nil
			})
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if n == 0 {
				t.Fatal("no article decoded")
			}
		})
	}
}

// TestHTMLExtractionF1 measures main-content extraction on the corpus pages
// against their human-annotated bodies (bag-of-words F1, averaged over
// pages) per fold (HTMLFold) and fails below the floors measured when it
// was written.
func TestHTMLExtractionF1(t *testing.T) {
	scores, err := EvaluateHTML(corpus.Path(t, "html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range scores {
		if s.Err != nil {
			t.Errorf("%s: %v", s.File, s.Err)
		}
		// The date in the URL is the corpus's only independent date.
		if p := s.Page; s.Err == nil && !s.URLDate.IsZero() && !p.PublishedAt.IsZero() && p.DateRule != DateURL {
			if d := p.PublishedAt.Sub(s.URLDate).Hours(); d <= -24 || d >= 48 {
				t.Errorf("%s: published_at %s (%s) is not on the URL's date %s", s.File, p.PublishedAt, p.DateRule, s.URLDate.Format("2006-01-02"))
			}
		}
		if testing.Verbose() && (s.Fold == FoldTune || os.Getenv("NEWSFLOW_SHOW_HELDOUT") != "") {
			t.Logf("%s %s P %.3f R %.3f F1 %.3f", s.Fold, s.File, s.Precision, s.Recall, s.F1)
		}
	}
	floors := map[string]float64{FoldHeldOut: 0.97, FoldTune: 0.99, "": 0.98}
	for _, m := range MeanByFold(scores) {
		name := m.Fold
		if name == "" {
			name = "all"
		}
		t.Logf("%s: %d pages: precision %.3f recall %.3f F1 %.3f", name, m.Pages, m.Precision, m.Recall, m.F1)
		if m.F1 < floors[m.Fold] {
			t.Errorf("%s: mean F1 %.3f is below %.3f", name, m.F1, floors[m.Fold])
		}
	}
}
