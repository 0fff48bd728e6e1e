package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenItem is what a golden file records of one item.
type goldenItem struct {
	Index       int       `json:"index"`
	ID          string    `json:"id,omitempty"`
	Source      string    `json:"source,omitempty"`
	URL         string    `json:"url,omitempty"`
	URLOriginal string    `json:"url_original,omitempty"`
	Title       string    `json:"title,omitempty"`
	Body        string    `json:"body,omitempty"`
	PublishedAt time.Time `json:"published_at,omitzero"`
	Lang        string    `json:"lang,omitempty"`
	Authors     []string  `json:"authors,omitempty"`
	Tags        []string  `json:"tags,omitempty"`
	Image       string    `json:"image,omitempty"`
	ImageCap    string    `json:"image_caption,omitempty"`
	ContentHash string    `json:"content_hash,omitempty"`
	Warnings    []string  `json:"warnings,omitempty"`
	Error       string    `json:"error,omitempty"`
}

// TestGolden decodes and prepares every input in testdata (a windows-1251
// page, a JSON-LD page, a KOI8-R RSS feed, an Atom feed, JSON, NDJSON with
// bad lines, windows-1251 text) and compares the articles and errors with
// testdata/golden/<file>.json. Refresh with go test -run TestGolden -update.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.*")
	if err != nil {
		t.Fatal(err)
	}
	// One small page per metadata rule (title, date, authors, image).
	meta, err := filepath.Glob("testdata/meta/*.html")
	if err != nil || len(meta) == 0 {
		t.Fatalf("metadata pages: %v %v", meta, err)
	}
	inputs = append(inputs, meta...)
	if len(inputs) < 7 {
		t.Fatalf("found %d inputs in testdata", len(inputs))
	}
	for _, in := range inputs {
		name := filepath.Base(in)
		t.Run(name, func(t *testing.T) {
			f, err := FormatFromPath(in)
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			meta := Meta{}
			if f == FormatText || f == FormatHTML {
				meta.Source = "testdata"
			}
			var got []goldenItem
			err = Decode(bytes.NewReader(data), f, meta, func(it Item) error {
				g := goldenItem{Index: it.Index}
				if it.Err == nil {
					it.Err = Prepare(it.Article, article.Limits{})
				}
				if it.Err != nil {
					var fe *article.FieldError
					if !errors.As(it.Err, &fe) {
						t.Errorf("item %d: error %v is not a *article.FieldError", it.Index, it.Err)
					}
					g.Error = it.Err.Error()
					got = append(got, g)
					return nil
				}
				a := it.Article
				g.ID, g.Source, g.URL, g.Title, g.Body = a.ID, a.Source, a.URL, a.Title, a.Body
				g.PublishedAt, g.Lang, g.Authors, g.Tags, g.ContentHash = a.PublishedAt, a.Lang, a.Authors, a.Tags, a.ContentHash
				g.URLOriginal, g.Warnings = a.URLOriginal, a.Warnings
				g.Image, g.ImageCap = a.Image, a.ImageCaption
				got = append(got, g)
				return nil
			})
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			out, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, '\n')
			golden := filepath.Join("testdata", "golden", strings.TrimSuffix(name, filepath.Ext(name))+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read golden file (run with -update to create it): %v", err)
			}
			if !bytes.Equal(out, want) {
				t.Errorf("%s differs from %s (run with -update and review the diff):\n%s", name, golden, out)
			}
		})
	}
}
