package search_test

import (
	"errors"
	"math/rand/v2"
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

// TestHeldPrefixesAgreesWithHasAnchor: for random sorted sets of prefix
// anchors (prefixes of one another among them, of the fixtures' terms and
// not), HeldPrefixes calls back exactly the anchors HasAnchor holds, once
// each.
func TestHeldPrefixesAgreesWithHasAnchor(t *testing.T) {
	set := analysis.NewSet()
	rng := rand.New(rand.NewPCG(5, 7))
	var pool []string
	var docs []*search.Doc
	for _, a := range searchtest.Fixtures() {
		d := search.NewDoc(set, a)
		docs = append(docs, d)
		for _, term := range d.Terms() {
			for _, n := range []int{1, 2, 3, len(term) / 2, len(term)} {
				if n > 0 && n <= len(term) {
					pool = append(pool, term[:n])
				}
			}
		}
	}
	pool = append(pool, "", "zzzz", "qqq", "\u044f\u044f")
	held := 0
	for range 400 {
		seen := map[string]bool{}
		var anchors []string
		for range 1 + rng.IntN(60) {
			if p := pool[rng.IntN(len(pool))]; !seen[p] {
				seen[p] = true
				anchors = append(anchors, search.Key(search.KeyPrefix, p))
			}
		}
		sort.Strings(anchors)
		for _, d := range docs {
			got := make([]int, len(anchors))
			d.HeldPrefixes(anchors, func(i int) { got[i]++ })
			for i, a := range anchors {
				want := 0
				if d.HasAnchor(a) {
					want = 1
					held++
				}
				if got[i] != want {
					t.Fatalf("article %s, anchor %q of %q: called back %d times, HasAnchor %d", d.Article.ID, a, anchors, got[i], want)
				}
			}
		}
	}
	if held == 0 {
		t.Fatal("no anchor held")
	}
}
