// Package search defines the article index behind /v1/search and
// /v1/articles/{id}, independent of the engine that implements it
// (bleveindex embedded, or PostgreSQL).
package search

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
)

// CollapseStory collapses the articles of a story to one hit.
const CollapseStory = "story"

// Sort orders.
const (
	SortRelevance = "relevance"
	SortDate      = "date"
)

// Limits on a query.
const (
	DefaultLimit = 10
	MaxLimit     = 100
	MaxOffset    = 10000
)

var (
	// ErrNotFound is returned by Get for an unknown id.
	ErrNotFound = errors.New("article not found")
	// ErrInvalidQuery wraps errors in a query a person wrote.
	ErrInvalidQuery = errors.New("invalid query")
	// ErrBusy is returned when as many searches as the budget allows
	// are running already: try again shortly (the API answers 429).
	ErrBusy = errors.New("too many searches at once")
)

// Query is a search request.
type Query struct {
	// Text is the query string; "*" or "" matches every article.
	Text string
	// Filters: an article must match one of the values of each.
	Langs    []string
	Sources  []string
	Entities []string
	// EntityIDs filters on entities[].id (one id for an entity in every
	// language).
	EntityIDs []string
	// StoryIDs filters on story_id (the articles of one story).
	StoryIDs []string
	// From and To bound published_at (inclusive); zero means open.
	From, To time.Time
	// Sort is SortRelevance (default) or SortDate (newest first).
	Sort string
	// Collapse is "" or CollapseStory: one hit per story (the first in
	// the sort order), and Total counts stories; facets still count
	// articles.
	Collapse string
	Limit    int
	Offset   int
}

// Hit is one search result.
type Hit struct {
	ID string `json:"id"`
	// Title, Snippet and Lang are absent from JSON when empty.
	Title string `json:"title,omitempty"`
	// Snippet is HTML: text escaped, matches wrapped in <mark>.
	Snippet     string     `json:"snippet,omitempty"`
	Score       float64    `json:"score"`
	Source      string     `json:"source"`
	Lang        string     `json:"lang,omitempty"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	// StoryID is the article's story_id, absent when it has none.
	StoryID string `json:"story_id,omitempty"`
}

// Result is a page of hits, the total number of matches, and facet counts
// (lang, source, entities) over all matches.
type Result struct {
	Total  uint64                    `json:"total"`
	Hits   []Hit                     `json:"hits"`
	Facets map[string]map[string]int `json:"facets"`
	// EntityFacet is the entities facet grouped by entity id (one entry
	// per id, most articles first, at most FacetSize); absent when no
	// match has an entity with an id (or none was indexed since the
	// backend gave it).
	EntityFacet []EntityCount `json:"entity_facet,omitempty"`
}

// EntityCount is one entity of EntityFacet: its id, the name it is shown
// by (the one most matching articles use, in the language filtered on
// when there is one) and the number of matching articles naming it.
type EntityCount struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Index stores enriched articles and searches them. Implementations are
// safe for concurrent use.
type Index interface {
	// Upsert writes articles by id. An article never replaces a stored
	// version with a higher revision.
	Upsert(ctx context.Context, docs []*article.Article) error
	// Search runs q. Errors in the query wrap ErrInvalidQuery.
	Search(ctx context.Context, q Query) (*Result, error)
	// Get returns the stored article, or ErrNotFound.
	Get(ctx context.Context, id string) (*article.Article, error)
	// Close releases the index.
	Close() error
}

// ParamError is a bad value of one search parameter (limit, offset, sort,
// from, to). It wraps ErrInvalidQuery.
type ParamError struct {
	Param string
	Msg   string
}

func (e *ParamError) Error() string { return "invalid query: " + e.Param + " " + e.Msg }

// Unwrap returns ErrInvalidQuery.
func (e *ParamError) Unwrap() error { return ErrInvalidQuery }

// Field names the parameter.
func (e *ParamError) Field() string { return e.Param }

// Field names the parameter a syntax error is in: q.
func (e *SyntaxError) Field() string { return "q" }

// Normalize applies defaults to q and checks its bounds: limit 0..MaxLimit
// (0 is DefaultLimit), offset 0..MaxOffset. Errors are *ParamError.
func (q *Query) Normalize() error {
	if q.Limit < 0 || q.Limit > MaxLimit {
		return &ParamError{Param: "limit", Msg: fmt.Sprintf("must be between 0 and %d (0: the default, %d)", MaxLimit, DefaultLimit)}
	}
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if q.Offset < 0 || q.Offset > MaxOffset {
		return &ParamError{Param: "offset", Msg: fmt.Sprintf("must be between 0 and %d", MaxOffset)}
	}
	switch q.Sort {
	case "":
		q.Sort = SortRelevance
	case SortRelevance, SortDate:
	default:
		return &ParamError{Param: "sort", Msg: fmt.Sprintf("must be relevance or date, not %q", q.Sort)}
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		return &ParamError{Param: "to", Msg: "is before from"}
	}
	if q.Collapse != "" && q.Collapse != CollapseStory {
		return &ParamError{Param: "collapse", Msg: fmt.Sprintf("must be story, not %q", q.Collapse)}
	}
	return nil
}

// StoryKey is what collapse=story groups an article by: its story_id, or
// its own id when it has none.
func StoryKey(a *article.Article) string {
	if a.StoryID != "" {
		return a.StoryID
	}
	return a.ID
}
