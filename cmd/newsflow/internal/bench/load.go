package bench

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/newsflow/newsflow/pkg/article"
)

// ErrNoArticles is returned when the corpus files hold no usable article.
var ErrNoArticles = errors.New("no articles in the corpus files")

// CorpusFiles returns the JSONL article files of a corpus directory (every
// *.jsonl except the near-duplicate pairs).
func CorpusFiles(dir string) ([]string, error) {
	m, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range m {
		if strings.Contains(filepath.Base(f), "near_duplicates") {
			continue
		}
		out = append(out, f)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("no *.jsonl article files in %s", dir)
	}
	return out, nil
}

// LoadArticles reads input articles from JSONL files.
func LoadArticles(files []string) ([]*article.Article, error) {
	var out []*article.Article
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
		line := 0
		for sc.Scan() {
			line++
			if len(strings.TrimSpace(sc.Text())) == 0 {
				continue
			}
			a, err := article.DecodeInput(sc.Bytes())
			if err != nil {
				_ = fh.Close()
				return nil, fmt.Errorf("%s:%d: %w", f, line, err)
			}
			out = append(out, a)
		}
		err = sc.Err()
		_ = fh.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f, err)
		}
	}
	if len(out) == 0 {
		return nil, ErrNoArticles
	}
	return out, nil
}

// Payloads re-identifies the corpus articles to reach n: article i gets the
// id "bench-<run>-<i>", so that every run and every copy is a new article.
// It returns the encoded payloads and their sources.
func Payloads(corpus []*article.Article, n int, run string) (data [][]byte, sources []string, err error) {
	if len(corpus) == 0 {
		return nil, nil, ErrNoArticles
	}
	data = make([][]byte, n)
	sources = make([]string, n)
	for i := 0; i < n; i++ {
		a := *corpus[i%len(corpus)]
		a.ID = BenchID(run, i)
		a.Source = article.SourceToken(a.Source)
		if a.Source == "" {
			a.Source = "bench"
		}
		b, err := json.Marshal(&a)
		if err != nil {
			return nil, nil, fmt.Errorf("encode article %d: %w", i, err)
		}
		data[i] = b
		sources[i] = a.Source
	}
	return data, sources, nil
}

// BenchID is the id of the i-th article of a run.
func BenchID(run string, i int) string { return fmt.Sprintf("bench-%s-%d", run, i) }

// parseBenchID returns i for an id of this run, or -1.
func parseBenchID(run, id string) int {
	rest, ok := strings.CutPrefix(id, "bench-"+run+"-")
	if !ok {
		return -1
	}
	n := 0
	if rest == "" {
		return -1
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
		if n > 1<<30 {
			return -1
		}
	}
	return n
}
