package pgindex

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/searchtest"
)

// sameEntityFacet checks that queries answer exactly the same (total,
// facets, hits) with the entity facet counted from entity_codes in
// newsflow and grouped by name in the server, and returns how many
// queries had entity facet values.
func sameEntityFacet(t *testing.T, idx *Index, step string, queries []search.Query) int {
	t.Helper()
	ctx := context.Background()
	withValues := 0
	for _, q := range queries {
		idx.textEntityFacet = false
		codes, err := idx.Search(ctx, q)
		if err != nil {
			t.Fatalf("%s: %q: %v", step, q.Text, err)
		}
		idx.textEntityFacet = true
		grouped, err := idx.Search(ctx, q)
		idx.textEntityFacet = false
		if err != nil {
			t.Fatalf("%s: %q (grouping names): %v", step, q.Text, err)
		}
		if len(grouped.Facets[search.FacetEntities]) > 0 {
			withValues++
		}
		if !reflect.DeepEqual(codes, grouped) {
			t.Errorf("%s: %q %v: entity codes: total %d, entities %v\ngrouping names: total %d, entities %v",
				step, q.Text, q.Langs, codes.Total, codes.Facets[search.FacetEntities],
				grouped.Total, grouped.Facets[search.FacetEntities])
		}
	}
	// Every row's codes are its entities' numbers.
	var wrong int
	if err := idx.pool.QueryRow(ctx,
		"SELECT count(*) FROM articles WHERE entity_codes <> article_entity_codes(entities)").Scan(&wrong); err != nil {
		t.Fatal(err)
	}
	if wrong > 0 {
		t.Errorf("%s: %d articles' entity_codes differ from their entities", step, wrong)
	}
	return withValues
}

// TestEntityCodes checks the entity facet counted from entity_codes
// against grouping the names: on the suite's fixtures and corpus articles
// with entities, after revisions that change entities, after concurrent
// writers add the same new names, and after the migration fills the codes
// of rows written before it.
func TestEntityCodes(t *testing.T) {
	ctx := context.Background()
	idx := openFresh(t)
	docs := searchtest.Fixtures()
	queries := []search.Query{
		{Text: "Лавров", Limit: 5}, {Text: "Лавров OR elections", Sort: search.SortDate},
		{Text: "entity:Помпео"}, {Text: "несъществуващадума"}, {Text: "*", Langs: []string{"bg"}, Limit: 1},
	}
	if !testing.Short() {
		arts := searchtest.WithEntities(t, searchtest.LoadCorpus(t)[:1000])
		docs = append(docs, arts...)
		for _, k := range searchtest.QueryKinds(arts, 25) {
			queries = append(queries, k.Queries...)
		}
	}
	idx.noFacetCounts = true // match-all queries too
	if err := idx.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	if n := sameEntityFacet(t, idx, "indexed", queries); n == 0 {
		t.Fatal("no query had entity facet values: the comparison tested nothing")
	}

	// Revisions: entities renamed, dropped, repeated and new.
	var revs []*article.Article
	for i, d := range docs[:min(len(docs), 60)] {
		a := *d
		a.Revision++
		switch i % 3 {
		case 0:
			a.Entities = nil
		case 1:
			a.Entities = append(append([]article.Entity{}, a.Entities...), a.Entities...)
		default:
			a.Entities = append([]article.Entity{{Text: fmt.Sprintf("Нов %d", i%7), Type: "PER"}}, a.Entities...)
		}
		revs = append(revs, &a)
	}
	if err := idx.Upsert(ctx, revs); err != nil {
		t.Fatal(err)
	}
	sameEntityFacet(t, idx, "revised", queries)

	// Writers adding the same new names at once, in different orders.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for w := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; round < 5 && errs[w] == nil; round++ {
				var batch []*article.Article
				for i, d := range docs[:min(len(docs), 40)] {
					a := *d
					a.Revision += uint64(10 + round*4 + w)
					a.Entities = nil
					for k := 0; k < 6; k++ {
						a.Entities = append(a.Entities, article.Entity{Text: fmt.Sprintf("Общ %d", (i*7+k*(w+1)+round)%23), Type: "ORG"})
					}
					batch = append(batch, &a)
				}
				errs[w] = idx.Upsert(ctx, batch)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent writers: %v", err)
		}
	}
	sameEntityFacet(t, idx, "concurrent writers", queries)

	// A database whose rows predate the codes: the migration fills them.
	for _, s := range []string{
		"DROP TRIGGER articles_entity_codes_insert ON articles",
		"DROP TRIGGER articles_entity_codes_update ON articles",
		"UPDATE articles SET entity_codes = ''",
		"DELETE FROM newsflow_schema_migrations WHERE version >= 7",
	} {
		if _, err := idx.pool.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if err := migrate(ctx, idx.pool); err != nil {
		t.Fatal(err)
	}
	var empty int
	if err := idx.pool.QueryRow(ctx,
		"SELECT count(*) FROM articles WHERE cardinality(entities) > 0 AND entity_codes = ''").Scan(&empty); err != nil {
		t.Fatal(err)
	}
	if empty > 0 {
		t.Errorf("migrated: %d articles with entities have no codes", empty)
	}
	sameEntityFacet(t, idx, "migrated", queries)
}

func TestTopCounts(t *testing.T) {
	tests := []struct {
		name   string
		n      int
		counts []int
		cut    int
	}{
		{"none", 3, nil, 0},
		{"fewer than n", 3, []int{4, 9}, 4},
		{"n-th highest", 3, []int{1, 7, 3, 9, 2, 5}, 5},
		{"repeats count", 3, []int{5, 9, 9, 9, 1}, 9},
		{"repeat at the cut", 3, []int{2, 8, 2, 8, 2, 1}, 2},
		{"ascending", 2, []int{1, 2, 3, 4}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			top := topCounts{n: tt.n}
			for _, c := range tt.counts {
				top.add(c)
			}
			if got := top.cut(); got != tt.cut {
				t.Errorf("cut of %v, n %d = %d, want %d (top %v)", tt.counts, tt.n, got, tt.cut, top.top)
			}
		})
	}
}
