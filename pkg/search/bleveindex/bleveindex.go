// Package bleveindex is the embedded search index of newsflow, on Bleve.
package bleveindex

import (
	"context"
	"errors"
	"fmt"
	stdhtml "html"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/search"
)

const (
	textAnalyzer = "newsflow_text"
	sourceField  = "_source"
	facetSize    = 20
)

// Index is a Bleve index of enriched articles.
type Index struct {
	idx bleve.Index
	// mu serialises writers so that the revision check and the write of
	// one batch are atomic with respect to other batches.
	mu sync.Mutex
}

var _ search.Index = (*Index)(nil)

// Open opens the index in dir, creating it when it does not exist.
func Open(dir string) (*Index, error) {
	idx, err := bleve.Open(dir)
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create index directory %s: %w", dir, err)
		}
		_ = os.Remove(dir) // bleve.New wants to create the directory itself
		m, merr := Mapping()
		if merr != nil {
			return nil, merr
		}
		idx, err = bleve.New(dir, m)
	}
	if err != nil {
		return nil, fmt.Errorf("open bleve index %s: %w", dir, err)
	}
	return &Index{idx: idx}, nil
}

// Mapping returns the index mapping: text fields analysed, keyword fields
// for filters and facets, dates, and the stored article.
func Mapping() (*mapping.IndexMappingImpl, error) {
	im := bleve.NewIndexMapping()
	if err := im.AddCustomAnalyzer(textAnalyzer, map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []string{lowercase.Name},
	}); err != nil {
		return nil, fmt.Errorf("bleve analyzer: %w", err)
	}
	im.DefaultAnalyzer = textAnalyzer

	text := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = textAnalyzer
		f.Store = true
		f.IncludeTermVectors = true
		f.IncludeInAll = true
		return f
	}
	keyword := func(store bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Store = store
		f.IncludeInAll = false
		f.DocValues = true
		return f
	}
	date := func(store bool) *mapping.FieldMapping {
		f := bleve.NewDateTimeFieldMapping()
		f.Store = store
		f.IncludeInAll = false
		f.DocValues = true
		return f
	}
	num := bleve.NewNumericFieldMapping()
	num.IncludeInAll = false
	num.Store = true
	stored := bleve.NewTextFieldMapping()
	stored.Index = false
	stored.Store = true
	stored.IncludeInAll = false
	stored.IncludeTermVectors = false
	stored.DocValues = false

	dm := bleve.NewDocumentMapping()
	dm.AddFieldMappingsAt("title", text())
	dm.AddFieldMappingsAt("body", text())
	dm.AddFieldMappingsAt("id", keyword(false))
	dm.AddFieldMappingsAt("source", keyword(true))
	dm.AddFieldMappingsAt("lang", keyword(true))
	dm.AddFieldMappingsAt("entity", keyword(false))
	dm.AddFieldMappingsAt("published_at", date(true))
	dm.AddFieldMappingsAt("sort_date", date(false))
	dm.AddFieldMappingsAt("revision", num)
	dm.AddFieldMappingsAt(sourceField, stored)
	dm.AddFieldMappingsAt("excerpt", stored)
	im.DefaultMapping = dm
	return im, nil
}

func document(a *article.Article, raw []byte) map[string]any {
	ents := make([]string, 0, len(a.Entities))
	for _, e := range a.Entities {
		ents = append(ents, e.Text)
	}
	body := a.CleanBody
	if body == "" {
		body = a.Body
	}
	doc := map[string]any{
		"id":        a.ID,
		"title":     a.Title,
		"body":      body,
		"source":    a.Source,
		"lang":      a.Lang,
		"entity":    ents,
		"revision":  float64(a.Revision),
		sourceField: string(raw),
		"excerpt":   excerpt(a, body),
	}
	sortDate := a.IngestedAt
	if !a.PublishedAt.IsZero() {
		doc["published_at"] = a.PublishedAt
		sortDate = a.PublishedAt
	}
	if !sortDate.IsZero() {
		doc["sort_date"] = sortDate
	}
	return doc
}

// excerptRunes bounds the excerpt shown for hits without a highlight.
const excerptRunes = 240

func excerpt(a *article.Article, body string) string {
	s := a.Summary
	if s == "" {
		s = body
	}
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) <= excerptRunes {
		return string(r)
	}
	cut := excerptRunes
	for i := excerptRunes; i > excerptRunes-40; i-- {
		if r[i] == ' ' {
			cut = i
			break
		}
	}
	return string(r[:cut]) + "…"
}

// Upsert writes docs in one batch. A doc whose revision is lower than the
// stored one is skipped, and of several versions in docs the highest wins.
func (x *Index) Upsert(_ context.Context, docs []*article.Article) error {
	latest := make(map[string]*article.Article, len(docs))
	for _, a := range docs {
		if prev, ok := latest[a.ID]; !ok || a.Revision >= prev.Revision {
			latest[a.ID] = a
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	b := x.idx.NewBatch()
	for id, a := range latest {
		stored, err := x.revision(id)
		if err != nil {
			return err
		}
		if stored > a.Revision {
			continue
		}
		raw, err := article.Encode(a)
		if err != nil {
			return err
		}
		if err := b.Index(id, document(a, raw)); err != nil {
			return fmt.Errorf("index article %s: %w", id, err)
		}
	}
	if b.Size() == 0 {
		return nil
	}
	if err := x.idx.Batch(b); err != nil {
		return fmt.Errorf("write batch of %d articles: %w", b.Size(), err)
	}
	return nil
}

// revision returns the stored revision of id, 0 when absent.
func (x *Index) revision(id string) (uint64, error) {
	doc, err := x.idx.Document(id)
	if err != nil {
		return 0, fmt.Errorf("read article %s: %w", id, err)
	}
	if doc == nil {
		return 0, nil
	}
	var rev uint64
	doc.VisitFields(func(f index.Field) {
		if f.Name() == "revision" {
			if nf, ok := f.(index.NumericField); ok {
				if v, err := nf.Number(); err == nil {
					rev = uint64(v)
				}
			}
		}
	})
	return rev, nil
}

// Get returns the stored article id.
func (x *Index) Get(_ context.Context, id string) (*article.Article, error) {
	doc, err := x.idx.Document(id)
	if err != nil {
		return nil, fmt.Errorf("read article %s: %w", id, err)
	}
	if doc == nil {
		return nil, search.ErrNotFound
	}
	var raw []byte
	doc.VisitFields(func(f index.Field) {
		if f.Name() == sourceField {
			raw = f.Value()
		}
	})
	if raw == nil {
		return nil, search.ErrNotFound
	}
	a, err := article.Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("decode stored article %s: %w", id, err)
	}
	return a, nil
}

// Search runs q.
func (x *Index) Search(ctx context.Context, q search.Query) (*search.Result, error) {
	if err := q.Normalize(); err != nil {
		return nil, err
	}
	var must []query.Query
	text := strings.TrimSpace(q.Text)
	if text == "" || text == "*" {
		must = append(must, bleve.NewMatchAllQuery())
	} else {
		qs := bleve.NewQueryStringQuery(text)
		if _, err := qs.Parse(); err != nil {
			return nil, fmt.Errorf("%w: %v", search.ErrInvalidQuery, err)
		}
		must = append(must, qs)
	}
	for _, f := range []struct {
		field  string
		values []string
	}{{"lang", q.Langs}, {"source", q.Sources}, {"entity", q.Entities}} {
		if len(f.values) == 0 {
			continue
		}
		var any []query.Query
		for _, v := range f.values {
			tq := bleve.NewTermQuery(v)
			tq.SetField(f.field)
			any = append(any, tq)
		}
		must = append(must, bleve.NewDisjunctionQuery(any...))
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		incl := true
		dr := bleve.NewDateRangeInclusiveQuery(q.From, q.To, &incl, &incl)
		dr.SetField("published_at")
		must = append(must, dr)
	}
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(must...), q.Limit, q.Offset, false)
	req.Fields = []string{"title", "source", "lang", "published_at", "excerpt"}
	req.Highlight = bleve.NewHighlightWithStyle(html.Name)
	req.Highlight.AddField("body")
	req.Highlight.AddField("title")
	req.AddFacet("lang", bleve.NewFacetRequest("lang", facetSize))
	req.AddFacet("source", bleve.NewFacetRequest("source", facetSize))
	req.AddFacet("entities", bleve.NewFacetRequest("entity", facetSize))
	if q.Sort == search.SortDate {
		req.SortBy([]string{"-sort_date", "-_score", "_id"})
	}
	res, err := x.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	out := &search.Result{Total: res.Total, Hits: make([]search.Hit, 0, len(res.Hits)), Facets: map[string]map[string]int{}}
	for _, h := range res.Hits {
		hit := search.Hit{ID: h.ID, Score: h.Score}
		hit.Title, _ = h.Fields["title"].(string)
		hit.Source, _ = h.Fields["source"].(string)
		hit.Lang, _ = h.Fields["lang"].(string)
		if s, ok := h.Fields["published_at"].(string); ok {
			if t, err := time.Parse(time.RFC3339, s); err == nil {
				hit.PublishedAt = &t
			}
		}
		if fr := h.Fragments["body"]; len(fr) > 0 {
			hit.Snippet = fr[0]
		} else {
			ex, _ := h.Fields["excerpt"].(string)
			hit.Snippet = stdhtml.EscapeString(ex)
		}
		out.Hits = append(out.Hits, hit)
	}
	for name, fr := range res.Facets {
		m := map[string]int{}
		if fr.Terms != nil {
			for _, t := range fr.Terms.Terms() {
				m[t.Term] = t.Count
			}
		}
		out.Facets[name] = m
	}
	for _, name := range []string{"lang", "source", "entities"} {
		if out.Facets[name] == nil {
			out.Facets[name] = map[string]int{}
		}
	}
	return out, nil
}

// Count returns the number of documents in the index.
func (x *Index) Count() (uint64, error) { return x.idx.DocCount() }

// Close closes the index.
func (x *Index) Close() error { return x.idx.Close() }
