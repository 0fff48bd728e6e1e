package quality

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/langdetect"
	"github.com/newsflow/newsflow/pkg/simhash"
)

// CorpusFiles are the article files of the public corpus, each with the
// language its articles are labelled with ("" for mixed.jsonl, whose
// articles carry their own).
var CorpusFiles = []string{"bg.jsonl", "bg_htfn.jsonl", "ru.jsonl", "uk.jsonl", "en.jsonl", "de.jsonl", "mixed.jsonl"}

// Env is what sections measure with.
type Env struct {
	// CorpusDir is the shared corpus directory.
	CorpusDir string
	// KeywordJudgements is the file of keyword judgements
	// (testdata/keywords/heldout.jsonl); "" skips the Keywords section.
	KeywordJudgements string
	// KeywordTuning is the file of keyword judgements of the tuning set
	// (testdata/keywords/tuning.jsonl); "" skips the Keywords (tuning)
	// section.
	KeywordTuning string
	// GoldDir holds the gold set, one <id>.json per article.
	GoldDir string
	// SpeakersDir holds the speaker annotations with their held-out half
	// (services/enrich/testdata/speakers); "" skips that section.
	SpeakersDir string
	// StoryLabels is the file of hand-made story labels
	// (testdata/stories/labels.tsv); "" skips the Stories section.
	StoryLabels string
	// Enrich runs the enrich steps over an article, as the stage does
	// (Enricher.Enrich: step failures are recorded on the article; the
	// error is a store that could not be reached, which in-process stores
	// never return).
	Enrich func(ctx context.Context, a *article.Article) error
	// DetectLang returns the language of a text, as the enrich step does.
	DetectLang func(text string) langdetect.Result
	// Clean returns the boilerplate removed from an article's body: whole
	// lines, and fragments cut out of lines that stay.
	Clean func(a *article.Article) (lines, spans []string)
	// Sign returns the signature (SimHash and sketch) the near-duplicate
	// step files for an article, and false when the article is too short
	// to file.
	Sign func(a *article.Article) (simhash.Signature, bool)
	// NER extracts entities for the held-out entity section, per fold;
	// nil scores the enrich steps (Enrich).
	NER NERExtractor
	// NERBaseline, when set, is scored too, as the baseline NER is
	// compared with (the rule-based extractor alone).
	NERBaseline NERExtractor
	// NERNote is a paragraph on what NER is, for the report ("" for
	// none; end it with a newline).
	NERNote string
	// EntityID returns, for a BSNLP fold, the function that gives an
	// entity its id by its name and type as the entity step does, with
	// nothing learned from that fold; nil skips the id section.
	EntityID func(heldOut string) (func(name, typ string) string, error)
	// NERErrors, when not nil, receives the held-out entity section's
	// wrong names and missed entities, one per line (corpus text: keep it
	// out of the repository).
	NERErrors io.Writer
	// Log receives progress lines; nil for none.
	Log io.Writer
	// Removed, when not nil, receives every line the cleaner removes and
	// every fragment it cuts across the corpus files, one per line:
	// "<article id>\t<line|cut>\t<text>", to inspect what a rule change
	// removes (diff two runs). It holds corpus text: keep it out of the
	// repository.
	Removed io.Writer

	mu      sync.Mutex
	files   map[string][]*article.Article
	stories []*article.Article // the labelled story articles, enriched
	gold    []Gold
	heldNER *NERScores // the held-out entity section's scores, for the id section
}

// Articles returns the articles of one corpus file, in file order. They are
// read once and shared: a section that modifies them must clone them.
func (e *Env) Articles(file string) ([]*article.Article, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if as, ok := e.files[file]; ok {
		return as, nil
	}
	as, err := ReadArticles(filepath.Join(e.CorpusDir, file))
	if err != nil {
		return nil, err
	}
	if e.files == nil {
		e.files = map[string][]*article.Article{}
	}
	e.files[file] = as
	return as, nil
}

// Article returns one article of a corpus file by id.
func (e *Env) Article(file, id string) (*article.Article, error) {
	as, err := e.Articles(file)
	if err != nil {
		return nil, err
	}
	for _, a := range as {
		if a.ID == id {
			return a, nil
		}
	}
	return nil, fmt.Errorf("article %s not in %s: %w", id, file, ErrNoData)
}

// Enriched returns a copy of a enriched by e.Enrich.
func (e *Env) Enriched(ctx context.Context, a *article.Article) *article.Article {
	c := *a
	c.Authors = slices.Clone(a.Authors)
	c.Tags = slices.Clone(a.Tags)
	if err := e.Enrich(ctx, &c); err != nil && e.Log != nil {
		fmt.Fprintf(e.Log, "quality: enrich %s: %v\n", a.ID, err)
	}
	return &c
}

// ReadArticles reads a JSONL file of articles.
func ReadArticles(path string) ([]*article.Article, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read corpus file: %w", err)
	}
	defer f.Close()
	var out []*article.Article
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	line := 0
	for sc.Scan() {
		line++
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		a := new(article.Article)
		if err := json.Unmarshal(sc.Bytes(), a); err != nil {
			return nil, fmt.Errorf("read %s line %d: %w", path, line, err)
		}
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}

// Gold is one hand-annotated article of the gold set (see
// services/enrich/testdata/gold/README.md).
type Gold struct {
	ID               string              `json:"id"`
	CorpusFile       string              `json:"corpus_file"`
	Lang             string              `json:"lang"`
	BoilerplateLines []string            `json:"boilerplate_lines"`
	BoilerplateSpans []string            `json:"boilerplate_spans"`
	Entities         map[string][]string `json:"entities"`
	NotEntities      []string            `json:"not_entities"`
	Quotes           []GoldQuote         `json:"quotes"`
}

// GoldQuote is an annotated quotation.
type GoldQuote struct {
	StartsWith string  `json:"starts_with"`
	Speaker    *string `json:"speaker"`
}

// GoldSet returns the gold set, sorted by id.
func (e *Env) GoldSet() ([]Gold, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.gold != nil {
		return e.gold, nil
	}
	g, err := ReadGold(e.GoldDir)
	if err != nil {
		return nil, err
	}
	e.gold = g
	return g, nil
}

// ReadGold reads every <id>.json file of dir.
func ReadGold(dir string) ([]Gold, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("list gold set: %w", err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("gold set %s: no *.json files: %w", dir, ErrNoData)
	}
	var out []Gold
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read gold file: %w", err)
		}
		var g Gold
		if err := json.Unmarshal(data, &g); err != nil {
			return nil, fmt.Errorf("decode gold file %s: %w", p, err)
		}
		if g.ID == "" || g.CorpusFile == "" {
			return nil, fmt.Errorf("gold file %s: id and corpus_file are required", p)
		}
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func decodeJSON(data []byte, v any) error { return json.Unmarshal(data, v) }
