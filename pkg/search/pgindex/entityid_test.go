package pgindex

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/newsflow/newsflow/pkg/article"

	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/bleveindex"
	"github.com/newsflow/newsflow/pkg/search/pgindex/pgtest"
	"github.com/newsflow/newsflow/pkg/search/searchtest"
)

// The entity facet by id is the Bleve index's, exactly, on corpus
// articles with the entities pkg/entities finds: for the query mix of the
// benchmarks, collapsed or not, and after a batch is written again with
// other entities.
func TestEntityFacetByIDAgreesWithBleve(t *testing.T) {
	arts := searchtest.LoadCorpus(t)
	arts = searchtest.WithEntities(t, arts[:min(len(arts), 1000)])
	ctx := context.Background()
	pg, err := Open(ctx, pgtest.FreshDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = pg.Close() }()
	bl, err := bleveindex.Open(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = bl.Close() }()
	write := func(docs []*article.Article) {
		for _, idx := range []search.Index{pg, bl} {
			searchtest.IndexAll(t, idx, docs, 500)
		}
	}
	compare := func(step string) {
		queries := searchtest.QueryMix(arts, 200)
		for i := range 20 {
			q := queries[i]
			q.Collapse = search.CollapseStory
			queries = append(queries, q)
		}
		nonEmpty := 0
		for _, q := range queries {
			want, err := bl.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			got, err := pg.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(want.EntityFacet) > 0 {
				nonEmpty++
			}
			if !reflect.DeepEqual(got.EntityFacet, want.EntityFacet) {
				t.Errorf("%s: %+v:\nPostgreSQL %+v\nBleve      %+v", step, q, got.EntityFacet, want.EntityFacet)
			}
		}
		if nonEmpty < len(queries)/4 {
			t.Errorf("%s: %d of %d queries have an entity facet by id, want a quarter at least", step, nonEmpty, len(queries))
		}
	}
	write(arts)
	compare("indexed")
	// A new revision of some articles, with the entities of others.
	var again []*article.Article
	for i := 0; i < len(arts); i += 7 {
		a := *arts[i]
		a.Revision++
		a.Entities = arts[(i+1)%len(arts)].Entities
		again = append(again, &a)
	}
	write(again)
	compare("revised")
}
