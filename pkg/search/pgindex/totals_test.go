package pgindex

import (
	"context"
	"fmt"
	"math/rand"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/analysis"
	"github.com/newsflow/newsflow/pkg/search/pgindex/pgtest"
	"github.com/newsflow/newsflow/pkg/search/searchtest"
)

// randomArticle is article id at revision rev in one of four sources and
// three languages, naming up to five of eight entities, each by one of two
// names per language, an entity twice under two names at times, and one
// without an id.
func randomArticle(rng *rand.Rand, id string, rev uint64) *article.Article {
	lang := []string{"en", "bg", "de"}[rng.Intn(3)]
	a := &article.Article{ID: id, Revision: rev, Source: fmt.Sprintf("s%d", rng.Intn(4)), Lang: lang,
		Title: "title " + id, CleanBody: "body text"}
	for range rng.Intn(6) {
		q := rng.Intn(8)
		a.Entities = append(a.Entities, article.Entity{ID: fmt.Sprintf("Q%d", q),
			Text: fmt.Sprintf("E%d %s %d", q, lang, rng.Intn(2)), Type: article.EntityPerson, Count: 1})
	}
	if rng.Intn(4) == 0 {
		a.Entities = append(a.Entities, article.Entity{Text: "no id", Type: article.EntityOrganization, Count: 1})
	}
	return a
}

// requireIDFacet fails the test unless `*` has an entity facet by id, so
// that comparing facets compares something.
func requireIDFacet(t *testing.T, idx *Index, step string) {
	t.Helper()
	res, err := idx.Search(context.Background(), search.Query{Text: "*", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.EntityFacet) == 0 || len(res.Facets[search.FacetEntities]) == 0 {
		t.Fatalf("%s: `*` has no entity facets (by id %v, by name %v)", step, res.EntityFacet, res.Facets[search.FacetEntities])
	}
}

// TestFacetCountsTwoWriters has two index replicas (two Index values on
// one database) insert, replace and delete the same articles at once; the
// match-all facets, by entity id and by name, are then what grouping the
// articles gives, and the counts and totals a recount, also with deltas
// not compacted yet that move the most named entity down.
func TestFacetCountsTwoWriters(t *testing.T) {
	ctx := context.Background()
	url := pgtest.FreshDatabase(t)
	var replicas [2]*Index
	for i := range replicas {
		idx, err := Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = idx.Close() })
		replicas[i] = idx
	}
	const shared = 40
	var wg sync.WaitGroup
	errs := make(chan error, len(replicas))
	for w, idx := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(w + 1)))
			for round := range 20 {
				// Shared ids at random revisions: inserts, replacements by
				// either writer, and older revisions skipped.
				var batch []*article.Article
				for range 30 {
					batch = append(batch, randomArticle(rng, fmt.Sprintf("a%d", rng.Intn(shared)), uint64(rng.Intn(20)+1)))
				}
				batch = append(batch, randomArticle(rng, fmt.Sprintf("w%d-%d", w, round), 1))
				if err := idx.Upsert(ctx, batch); err != nil {
					errs <- err
					return
				}
				for range 3 {
					if _, err := idx.pool.Exec(ctx, "DELETE FROM articles WHERE id = $1", fmt.Sprintf("a%d", rng.Intn(shared))); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	idx := replicas[0]
	requireIDFacet(t, idx, "two writers")
	sameAsGrouping(t, idx, "two writers")

	// Deltas not compacted: the most named entity leaves most articles,
	// articles change source.
	res, err := idx.Search(ctx, search.Query{Text: "*", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	top := res.EntityFacet[0]
	if _, err := idx.pool.Exec(ctx, `UPDATE articles SET entity_id_codes = ''::bytea, entities = '{}'
		WHERE entity_ids @> ARRAY[$1] AND id NOT LIKE 'a1%'`, top.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := idx.pool.Exec(ctx, "UPDATE articles SET source = 's9' WHERE id LIKE 'a2%'"); err != nil {
		t.Fatal(err)
	}
	var pending int
	if err := idx.pool.QueryRow(ctx, "SELECT count(*) FROM article_facet_deltas WHERE kind IN ('i', 'n')").Scan(&pending); err != nil {
		t.Fatal(err)
	}
	if pending == 0 {
		t.Fatal("no pending deltas of entity keys")
	}
	res, err = idx.Search(ctx, search.Query{Text: "*", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.EntityFacet[0].ID == top.ID {
		t.Errorf("%s is still the most named entity: %+v", top.ID, res.EntityFacet)
	}
	sameAsGrouping(t, idx, "pending deltas")
	if err := replicas[1].Upsert(ctx, []*article.Article{randomArticle(rand.New(rand.NewSource(9)), "last", 1)}); err != nil {
		t.Fatal(err)
	}
	sameAsGrouping(t, idx, "compacted")
}

// TestFacetTotalsMigration fills a database at schema version 8, leaves
// deltas not compacted, and migrates it: the match-all facets are then
// what grouping gives, and stay so as writes go on.
func TestFacetTotalsMigration(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, pgtest.FreshDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := migrateTo(ctx, pool, 8); err != nil {
		t.Fatal(err)
	}
	idx := &Index{pool: pool, set: analysis.NewSet()}
	if err := idx.Upsert(ctx, searchtest.Fixtures()); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(3))
	var batch []*article.Article
	for i := range 50 {
		batch = append(batch, randomArticle(rng, fmt.Sprintf("r%d", i), 1))
	}
	if err := idx.Upsert(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "UPDATE articles SET source = 'moved', entities = '{}' WHERE id IN ('bg1', 'r1', 'r2')"); err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	requireIDFacet(t, idx, "migrated")
	sameAsGrouping(t, idx, "migrated")
	for i := range batch {
		batch[i] = randomArticle(rng, fmt.Sprintf("r%d", i), 2)
	}
	if err := idx.Upsert(ctx, batch); err != nil {
		t.Fatal(err)
	}
	sameAsGrouping(t, idx, "written after")
}
