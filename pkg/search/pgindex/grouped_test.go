package pgindex

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/searchtest"
)

// TestGroupedMatches checks that searches with conditions answer exactly
// the same (total, facets, entity facet by id, hits with their order,
// scores and snippets) whether the matches are streamed and counted in
// newsflow, grouped in one pass in the server and ranked from the
// tsvector they carry, or materialized in a CTE and ranked by re-reading
// each article by id as before: on the suite's
// fixtures and corpus articles with entities, with filters, pages past
// the ranked matches, and a lowered number of ranked matches so that
// the newest-first cut is taken.
func TestGroupedMatches(t *testing.T) {
	ctx := context.Background()
	idx := openFresh(t)
	docs := searchtest.Fixtures()
	// Copies of the first fixture published at one time, so that the
	// newest-first cut falls among ties of sort_date (their order is by
	// id, which the server decides).
	for _, id := range []string{"tie-e", "tie-a", "tie-d", "tie-b", "tie-c"} {
		c := *docs[0]
		c.ID = id
		docs = append(docs, &c)
	}
	var queries []search.Query
	if !testing.Short() {
		arts := searchtest.WithEntities(t, searchtest.LoadCorpus(t)[:1000])
		docs = append(docs, arts...)
		for _, k := range searchtest.QueryKinds(arts, 25) {
			for _, q := range k.Queries {
				if q.Text == "*" && len(q.Sources) <= 1 {
					// The facet counts answer those; with an entity
					// filter they are searches with conditions.
					q.Entities = []string{"България"}
				}
				queries = append(queries, q)
			}
		}
	}
	if err := idx.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	texts := []string{
		"Лавров", "Лавров OR elections", "Лавров -Помпео", "-Лавров", "Путин и Тръмп",
		`"Путин и Тръмп" OR Häuser`, "войн* OR markets", "title:Помпео OR body:Венецуела",
		"entity:Помпео OR Häuser", "Лавров OR lang:en", "(markets OR rally) (bank OR rates) -elections",
		"source:bbc", "entity_id:Q1", "несъществуващадума", "и",
	}
	from := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, s := range texts {
		queries = append(queries,
			search.Query{Text: s},
			search.Query{Text: s, Limit: 100},
			search.Query{Text: s, Limit: 1},
			search.Query{Text: s, Limit: 2, Offset: 1},
			search.Query{Text: s, Limit: 3, Offset: 4},
			search.Query{Text: s, Sort: search.SortDate, Langs: []string{"bg", "ru"}},
			search.Query{Text: s, Sources: []string{"bbc"}, From: from},
			search.Query{Text: s, Entities: []string{"Сергей Лавров", "България"}, Limit: 20},
		)
	}
	queries = append(queries,
		search.Query{Text: "*", Entities: []string{"Сергей Лавров"}},
		search.Query{Text: "*", To: from, Sort: search.SortDate, Limit: 50},
	)
	for _, ranked := range []int{0, 2} {
		idx.ranked = ranked
		for _, q := range queries {
			idx.matchesCTE = false
			streamed, err := idx.Search(ctx, q)
			if err != nil {
				t.Fatalf("%+v: %v", q, err)
			}
			idx.groupedInServer = true
			grouped, err := idx.Search(ctx, q)
			idx.groupedInServer = false
			if err != nil {
				t.Fatalf("%+v (grouped in the server): %v", q, err)
			}
			idx.matchesCTE = true
			cte, err := idx.Search(ctx, q)
			idx.matchesCTE = false
			if err != nil {
				t.Fatalf("%+v (matches in a CTE): %v", q, err)
			}
			for _, other := range []struct {
				name string
				res  *search.Result
			}{{"grouped", grouped}, {"CTE", cte}} {
				if !reflect.DeepEqual(streamed, other.res) {
					t.Errorf("ranked %d, %+v:\nstreamed: total %d, hits %v, facets %v, by id %v\n%s: total %d, hits %v, facets %v, by id %v",
						ranked, q, streamed.Total, hitIDs(streamed), streamed.Facets, streamed.EntityFacet,
						other.name, other.res.Total, hitIDs(other.res), other.res.Facets, other.res.EntityFacet)
				}
			}
		}
	}
	idx.ranked = 0
	// The comparison saw answers with matches, facets and a ranked page.
	res, err := idx.Search(ctx, search.Query{Text: "Лавров OR elections"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total < 2 || len(res.Facets[search.FacetSource]) == 0 || len(res.Facets[search.FacetEntities]) == 0 || res.Hits[0].Score == 0 {
		t.Errorf("Лавров OR elections: total %d, facets %v, hits %v: the fixtures no longer exercise the comparison",
			res.Total, res.Facets, res.Hits)
	}
}

// topValues keeps the search.FacetSize highest counts, ties in byte
// order, as the server's facet statements order them.
func TestTopValues(t *testing.T) {
	counts := map[string]int{"zero": 0}
	want := map[string]int{}
	for i := 0; i < search.FacetSize+5; i++ {
		// 25 values: five of count 1 tie at the cut, named so that
		// byte order differs from the order of insertion.
		v := string(rune('y' - i))
		c := 1
		if i < search.FacetSize-2 {
			c = 10 + i
		}
		counts[v] = c
		if c > 1 {
			want[v] = c
		}
	}
	// The 19th and 20th: the two of count 1 first in byte order.
	var ones []string
	for v, c := range counts {
		if c == 1 {
			ones = append(ones, v)
		}
	}
	sort.Strings(ones)
	want[ones[0]], want[ones[1]] = 1, 1
	got := map[string]int{}
	topValues(counts, got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("topValues = %v, want %v", got, want)
	}
}

// TestSearchOneSnapshotDuringWrites searches while two writers (as two
// index replicas) keep rewriting articles so that they match and then
// not: the matches counted and the page must come from one snapshot, so a page that holds every match has
// exactly total hits, each a matching version, and the source facet sums
// to total.
func TestSearchOneSnapshotDuringWrites(t *testing.T) {
	ctx := context.Background()
	idx := openFresh(t)
	other, err := Open(ctx, idx.pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = other.Close() }()
	var match, miss *article.Article
	for _, a := range searchtest.Fixtures() {
		if strings.Contains(a.Title+a.Body, "Лавров") {
			match = a
		} else if a.Lang == "en" {
			miss = a
		}
	}
	done := make(chan struct{})
	errs := make(chan error, 2)
	var rounds atomic.Int64
	for w, writer := range []*Index{idx, other} {
		go func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				var batch []*article.Article
				for j := 0; j < 5; j++ {
					// Every other round the article stops matching.
					c := *match
					if (i+j)%2 == 1 {
						c = *miss
					}
					c.ID = fmt.Sprintf("w%d-%d", w, j)
					c.Source = fmt.Sprintf("src%d", j)
					batch = append(batch, &c)
				}
				if err := writer.Upsert(ctx, batch); err != nil {
					errs <- err
					return
				}
				rounds.Add(1)
			}
		}()
	}
	totals := map[uint64]bool{}
	// Until the writers have rewritten the articles 40 times and
	// the searches seen several states.
	for searches := 0; searches < 100 || rounds.Load() < 40; searches++ {
		q := search.Query{Text: "Лавров", Limit: search.MaxLimit}
		if searches%2 == 1 {
			q.Sort = search.SortDate
		}
		res, err := idx.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		totals[res.Total] = true
		sum := 0
		for _, c := range res.Facets[search.FacetSource] {
			sum += c
		}
		if int(res.Total) != len(res.Hits) || sum != int(res.Total) {
			t.Fatalf("%+v: total %d, %d hits, source facet sums to %d", q, res.Total, len(res.Hits), sum)
		}
		for _, h := range res.Hits {
			if h.Title != match.Title {
				t.Fatalf("%+v: hit %s is %q, a version that does not match", q, h.ID, h.Title)
			}
		}
	}
	close(done)
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if len(totals) < 3 {
		t.Errorf("the searches saw totals %v only: the writers did not race them", totals)
	}
}
