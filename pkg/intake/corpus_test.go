package intake

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

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

type groundTruth struct {
	File string `json:"file"`
	URL  string `json:"url"`
	Body string `json:"body"`
}

// bagF1 is the bag-of-words precision, recall and F1 of got against want:
// words are lower-cased runs of letters and digits, counted with
// multiplicity.
func bagF1(got, want string) (p, r, f1 float64) {
	words := func(s string) map[string]int {
		m := map[string]int{}
		for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		}) {
			m[w]++
		}
		return m
	}
	g, w := words(got), words(want)
	common, ng, nw := 0, 0, 0
	for k, c := range g {
		ng += c
		common += min(c, w[k])
	}
	for _, c := range w {
		nw += c
	}
	if ng == 0 || nw == 0 {
		return 0, 0, 0
	}
	p, r = float64(common)/float64(ng), float64(common)/float64(nw)
	if p+r == 0 {
		return p, r, 0
	}
	return p, r, 2 * p * r / (p + r)
}

// TestHTMLExtractionF1 measures main-content extraction on the corpus pages
// against their human-annotated bodies (bag-of-words F1, micro-averaged
// per page) and fails below the floor measured when it was written.
func TestHTMLExtractionF1(t *testing.T) {
	p, r, f1, n := measureF1(t)
	t.Logf("%d pages: precision %.3f recall %.3f F1 %.3f", n, p, r, f1)
	const floor = 0.96
	if f1 < floor {
		t.Errorf("mean F1 %.3f is below %.2f", f1, floor)
	}
}

func measureF1(tb testing.TB) (p, r, f1 float64, n int) {
	dir := corpus.Path(tb, "html")
	fh, err := os.Open(filepath.Join(dir, "ground_truth.jsonl"))
	if err != nil {
		tb.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(nil, 8<<20)
	for sc.Scan() {
		var gt groundTruth
		if err := json.Unmarshal(sc.Bytes(), &gt); err != nil {
			tb.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, gt.File))
		if err != nil {
			tb.Fatal(err)
		}
		dec, err := toUTF8(data, "", kindHTML)
		if err != nil {
			tb.Fatal(err)
		}
		page, err := ExtractHTML(dec.Text, gt.URL)
		if err != nil {
			tb.Errorf("%s: %v", gt.File, err)
			continue
		}
		pp, rr, ff := bagF1(page.Body, gt.Body)
		if testing.Verbose() {
			tb.Logf("%s P %.3f R %.3f F1 %.3f", gt.File, pp, rr, ff)
		}
		p, r, f1, n = p+pp, r+rr, f1+ff, n+1
	}
	if n == 0 {
		tb.Fatal("no pages")
	}
	return p / float64(n), r / float64(n), f1 / float64(n), n
}
