package search_test

import (
	"errors"
	"reflect"
	"sort"
	"testing"

	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/analysis"
	"github.com/newsflow/newsflow/pkg/search/searchtest"
)

// TestCompiledMatchesLikeSearch runs the backend suite's query and filter
// cases through Compiled.Match: in memory, one article at a time, the
// answers must be those every index backend gives.
func TestCompiledMatchesLikeSearch(t *testing.T) {
	set := analysis.NewSet()
	var docs []*search.Doc
	for _, a := range searchtest.Fixtures() {
		docs = append(docs, search.NewDoc(set, a))
	}
	cases := append(searchtest.QueryCases(), searchtest.FilterCases()...)
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			c, err := search.Compile(set, tt.Query)
			if err != nil {
				t.Fatalf("compile %+v: %v", tt.Query, err)
			}
			got := []string{}
			for _, d := range docs {
				if c.Match(d) {
					got = append(got, d.Article.ID)
				}
			}
			sort.Strings(got)
			if !reflect.DeepEqual(got, tt.Want) {
				t.Errorf("match %+v = %v, want %v", tt.Query, got, tt.Want)
			}
			// The anchors never exclude an article the query matches.
			if as := c.Anchors(); as != nil {
				for _, d := range docs {
					if c.Match(d) && !holds(d, as) {
						t.Errorf("query %q matches %s but none of its anchors %v", tt.Query.Text, d.Article.ID, as)
					}
				}
			}
		})
	}
}

// holds reports whether d holds one of the anchors, both ways: by
// HasAnchor, and (but for prefixes) by the terms and keys it lists.
func holds(d *search.Doc, anchors []string) bool {
	listed := map[string]bool{}
	for _, x := range append(d.Terms(), d.Keys()...) {
		listed[x] = true
	}
	for _, a := range anchors {
		if d.HasAnchor(a) && (search.IsPrefixAnchor(a) || listed[a]) {
			return true
		}
	}
	return false
}

func TestCompileRefusesBadQueries(t *testing.T) {
	set := analysis.NewSet()
	for _, q := range []string{`"unclosed`, "(a OR b", "published:yesterday", "nosuchfield:x"} {
		_, err := search.Compile(set, search.Query{Text: q})
		if !errors.Is(err, search.ErrInvalidQuery) {
			t.Errorf("compile %q: err = %v, want ErrInvalidQuery", q, err)
		}
	}
}
