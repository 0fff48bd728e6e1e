package search

import (
	"errors"
	"html"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/search/analysis"
)

// FacetSize is the number of values each facet reports.
const FacetSize = 20

// Facet names in Result.Facets.
const (
	FacetLang     = "lang"
	FacetSource   = "source"
	FacetEntities = "entities"
)

// SnippetRunes is the length of a hit's snippet in characters.
const SnippetRunes = 240

// Terms is a Text clause after analysis: the term sequences it stands for,
// one per distinct analysis. A sequence of more than one term is a phrase.
type Terms struct {
	Field    string
	Variants [][]string
	// Prefix means each variant is a single term to match as a prefix.
	Prefix bool
	// Optional marks a bare stop word: a conjunction may drop it.
	Optional bool
}

// Analyze analyses t with the analyzers of langs (all when empty), the way
// both backends translate text clauses.
func Analyze(set *analysis.Set, t *Text, langs []string) Terms {
	out := Terms{Field: t.Field}
	if t.Prefix {
		lower := strings.ToLower(t.Value)
		seen := map[string]bool{}
		add := func(p string) {
			if p != "" && !seen[p] {
				seen[p] = true
				out.Variants = append(out.Variants, []string{p})
			}
		}
		if vs := set.Variants(t.Value, langs); len(vs) > 0 && allSingle(vs) {
			add(strings.ReplaceAll(lower, "ё", "е"))
			for _, v := range vs {
				add(v[0])
			}
			out.Prefix = true
			return out
		}
		// A prefix of several words: match the words as written.
		out.Variants = set.Variants(t.Value, langs)
		return out
	}
	out.Variants = set.Variants(t.Value, langs)
	if !t.Phrase && set.IsStopWord(t.Value) {
		out.Optional = true
	}
	if len(out.Variants) == 0 {
		out.Optional = true // punctuation only: nothing to look for
	}
	return out
}

func allSingle(vs [][]string) bool {
	for _, v := range vs {
		if len(v) != 1 {
			return false
		}
	}
	return true
}

// Droppable reports whether n may be left out of a conjunction that has
// other positive clauses: a bare stop word or a clause with no words.
func Droppable(set *analysis.Set, n Node, langs []string) bool {
	t, ok := n.(*Text)
	return ok && Analyze(set, t, langs).Optional
}

// Highlights returns a matcher for the terms of the positive text clauses
// of n (those not under a NOT), to mark in snippets.
func Highlights(set *analysis.Set, n Node, langs []string) *analysis.Matcher {
	m := &analysis.Matcher{}
	var walk func(Node)
	walk = func(n Node) {
		switch v := n.(type) {
		case *Text:
			if v.Field == FieldEntity {
				return
			}
			ts := Analyze(set, v, langs)
			if ts.Optional && !v.Phrase {
				return
			}
			for _, vr := range ts.Variants {
				for _, term := range vr {
					if term == "" {
						continue
					}
					if ts.Prefix {
						m.AddPrefix(term)
					} else {
						m.AddTerm(term)
					}
				}
			}
		case *And:
			for _, c := range v.Nodes {
				walk(c)
			}
		case *Or:
			for _, c := range v.Nodes {
				walk(c)
			}
		}
	}
	walk(n)
	return m
}

// HasText reports whether n has a positive text clause, one that gives
// matches a relevance score; without one, relevance order is date order.
func HasText(n Node) bool {
	switch v := n.(type) {
	case *Text:
		return true
	case *And:
		for _, c := range v.Nodes {
			if HasText(c) {
				return true
			}
		}
	case *Or:
		for _, c := range v.Nodes {
			if HasText(c) {
				return true
			}
		}
	}
	return false
}

// ParseText parses q.Text; "" and "*" match everything.
func (q *Query) ParseText() (Node, error) {
	s := strings.TrimSpace(q.Text)
	if s == "" || s == "*" {
		return &All{}, nil
	}
	return Parse(s)
}

// NewHit builds the hit for a stored article: the snippet marks the
// matches of m in the body (or shows the start of the summary or body).
func NewHit(set *analysis.Set, a *article.Article, score float64, m *analysis.Matcher) Hit {
	h := Hit{ID: a.ID, Title: a.Title, Score: score, Source: a.Source, Lang: a.Lang, StoryID: a.StoryID}
	if !a.PublishedAt.IsZero() {
		t := a.PublishedAt
		h.PublishedAt = &t
	}
	body := a.CleanBody
	if body == "" {
		body = a.Body
	}
	if s, ok := set.For(a.Lang).Snippet(body, m, SnippetRunes); ok {
		h.Snippet = s
		return h
	}
	h.Snippet = html.EscapeString(Excerpt(a))
	return h
}

// Excerpt is the start of the summary, or of the body, cut at a word
// boundary near SnippetRunes characters.
func Excerpt(a *article.Article) string {
	s := a.Summary
	if s == "" {
		s = a.CleanBody
	}
	if s == "" {
		s = a.Body
	}
	// The words joined by single spaces, up to one rune past the snippet:
	// a long body is not split whole.
	var b strings.Builder
	n := 0
	for w := range strings.FieldsSeq(s) {
		if n > SnippetRunes {
			break
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += utf8.RuneCountInString(w)
	}
	s = b.String()
	if n <= SnippetRunes {
		return s
	}
	r := []rune(s)
	cut := SnippetRunes
	for i := SnippetRunes; i > SnippetRunes-40; i-- {
		if r[i] == ' ' {
			cut = i
			break
		}
	}
	return string(r[:cut]) + "…"
}

// EmptyFacets returns facets with every name present.
func EmptyFacets() map[string]map[string]int {
	return map[string]map[string]int{FacetLang: {}, FacetSource: {}, FacetEntities: {}}
}

// ArticleTerms is what both backends index of an article's text.
type ArticleTerms struct {
	Title, Body []analysis.Token
	// Entities holds the analysed names, one list per entity.
	Entities [][]analysis.Token
	// EntityNames, EntityTypes and EntityIDs are the distinct names, types
	// and ids.
	EntityNames, EntityTypes, EntityIDs []string
}

// AnalyzeArticle analyses the text of a with the analyzer of its language.
func AnalyzeArticle(set *analysis.Set, a *article.Article) ArticleTerms {
	an := set.For(a.Lang)
	var out ArticleTerms
	collect := func(text string) []analysis.Token {
		var ts []analysis.Token
		an.Tokens(text, func(t analysis.Token) { ts = append(ts, t) })
		return ts
	}
	out.Title = collect(a.Title)
	b := a.CleanBody
	if b == "" {
		b = a.Body
	}
	out.Body = collect(b)
	seenName, seenType, seenID := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, e := range a.Entities {
		if e.ID != "" && !seenID[e.ID] {
			seenID[e.ID] = true
			out.EntityIDs = append(out.EntityIDs, e.ID)
		}
		if e.Text == "" || seenName[e.Text] {
			continue
		}
		seenName[e.Text] = true
		out.EntityNames = append(out.EntityNames, e.Text)
		out.Entities = append(out.Entities, collect(e.Text))
		if e.Type != "" && !seenType[e.Type] {
			seenType[e.Type] = true
			out.EntityTypes = append(out.EntityTypes, e.Type)
		}
	}
	return out
}

// ParallelFor calls fn(i) for i in [0, n) on up to GOMAXPROCS goroutines
// and returns the first error. Backends analyse a batch's articles with it.
func ParallelFor(n int, fn func(i int) error) error {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			if err := fn(i); err != nil {
				return err
			}
		}
		return nil
	}
	var next atomic.Int64
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || errs[w] != nil {
					return
				}
				errs[w] = fn(i)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
