package pgindex

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/pgindex/pgtest"
	"github.com/newsflow/newsflow/pkg/search/searchtest"
)

// matchAllQueries are the queries the facet counts answer.
func matchAllQueries() []search.Query {
	return []search.Query{
		{Text: "*", Sort: search.SortDate},
		{Text: "", Limit: 3, Offset: 2},
		{Text: "*", Langs: []string{"bg"}},
		{Text: "*", Langs: []string{"en", "ru", "xx"}},
		{Text: "*", Sources: []string{"bbc"}},
		{Text: "*", Sources: []string{"bbc", "tass", "s1"}, Langs: []string{"en"}},
		{Text: "*", Sources: []string{"none"}},
	}
}

// sameAsGrouping checks that every match-all query answers exactly what
// grouping the articles answers.
func sameAsGrouping(t *testing.T, idx *Index, step string) {
	t.Helper()
	ctx := context.Background()
	for _, q := range matchAllQueries() {
		idx.noFacetCounts = false
		fast, err := idx.Search(ctx, q)
		if err != nil {
			t.Fatalf("%s: %+v: %v", step, q, err)
		}
		idx.noFacetCounts = true
		slow, err := idx.Search(ctx, q)
		idx.noFacetCounts = false
		if err != nil {
			t.Fatalf("%s: %+v (grouping): %v", step, q, err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Errorf("%s: %+v:\nfacet counts: total %d, facets %v, hits %v\ngrouping:     total %d, facets %v, hits %v",
				step, q, fast.Total, fast.Facets, hitIDs(fast), slow.Total, slow.Facets, hitIDs(slow))
		}
	}
	// And the compacted counts are a recount of the articles, with no
	// zeros left behind.
	const recount = `SELECT kind, lang, source, value, sum(n)::bigint FROM (
			SELECT 'a' AS kind, lang, source, '' AS value, 1 AS n FROM articles
			UNION ALL SELECT 'e', lang, source, e, 1 FROM articles, unnest(entities) AS e
			UNION ALL SELECT k.kind, lang, source, k.key, 1 FROM articles, article_entity_id_keys(entity_id_codes) AS k
			UNION ALL SELECT kind, lang, source, value, -n FROM article_facet_counts
			UNION ALL SELECT kind, lang, source, value, -n FROM article_facet_deltas
		) d GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0`
	rows, err := idx.pool.Query(ctx, recount)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, lang, source, value string
		var n int64
		if err := rows.Scan(&kind, &lang, &source, &value, &n); err != nil {
			t.Fatal(err)
		}
		t.Errorf("%s: counts of %s %s/%s/%q are off by %d", step, kind, lang, source, value, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// The totals are the compacted counts summed over languages and
	// sources.
	const retotal = `SELECT kind, value, sum(n)::bigint FROM (
			SELECT kind, value COLLATE "C" AS value, n FROM article_facet_counts WHERE kind <> 'a'
			UNION ALL SELECT kind, value, -n FROM article_facet_totals
		) d GROUP BY 1, 2 HAVING sum(n) <> 0`
	rows, err = idx.pool.Query(ctx, retotal)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, value string
		var n int64
		if err := rows.Scan(&kind, &value, &n); err != nil {
			t.Fatal(err)
		}
		t.Errorf("%s: total of %s %q is off by %d", step, kind, value, -n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var zeros int
	if err := idx.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM article_facet_counts WHERE n <= 0)
		+ (SELECT count(*) FROM article_facet_totals WHERE n <= 0)`).Scan(&zeros); err != nil {
		t.Fatal(err)
	}
	if zeros > 0 {
		t.Errorf("%s: %d counts of 0 or less kept", step, zeros)
	}
}

func hitIDs(r *search.Result) []string {
	var ids []string
	for _, h := range r.Hits {
		ids = append(ids, h.ID)
	}
	return ids
}

func openFresh(t *testing.T) *Index {
	t.Helper()
	idx, err := Open(context.Background(), pgtest.FreshDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	return idx
}

func TestFacetCountsFollowWrites(t *testing.T) {
	ctx := context.Background()
	idx := openFresh(t)
	upsert := func(docs ...*article.Article) {
		t.Helper()
		if err := idx.Upsert(ctx, docs); err != nil {
			t.Fatal(err)
		}
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := idx.pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	sameAsGrouping(t, idx, "empty")

	fx := searchtest.Fixtures()
	upsert(fx...)
	sameAsGrouping(t, idx, "fixtures")

	// A new revision moves en1 to another source and language, and changes
	// its entities; one of the same revision changes only its text.
	moved := searchtest.Clone(fx[3:4])[0]
	moved.Revision, moved.Source, moved.Lang = 2, "tass", "ru"
	moved.Entities = []article.Entity{{Text: "Россия", Type: article.EntityLocation, Count: 1}, {Text: "Venezuela", Type: article.EntityLocation, Count: 2}}
	same := searchtest.Clone(fx[4:5])[0]
	same.CleanBody += " Bonds fell."
	upsert(moved, same)
	sameAsGrouping(t, idx, "moved between sources and languages")
	ents := searchtest.Clone(fx[2:3])[0]
	ents.Revision = 2
	ents.Entities = append(ents.Entities, article.Entity{Text: "Лавров", Type: article.EntityPerson, Count: 1})[1:]
	upsert(ents)
	sameAsGrouping(t, idx, "entities changed")

	// An older revision changes nothing; of one batch the highest wins.
	old := searchtest.Clone(fx[3:4])[0]
	upsert(old)
	back1 := searchtest.Clone(fx[0:1])[0]
	back1.Revision, back1.Source = 3, "bbc"
	back2 := searchtest.Clone(fx[0:1])[0]
	back2.Revision, back2.Source, back2.Lang, back2.Entities = 2, "s1", "en", nil
	upsert(back1, back2)
	sameAsGrouping(t, idx, "older revisions")

	// Many articles in one batch, some sources emptied by moves.
	var batch []*article.Article
	for i := range 300 {
		batch = append(batch, &article.Article{ID: fmt.Sprintf("g%d", i), Revision: 1,
			Source: fmt.Sprintf("s%d", i%7), Lang: []string{"en", "bg", "de"}[i%3],
			Title: "generated", CleanBody: "text",
			Entities: []article.Entity{{Text: fmt.Sprintf("E%d", i%11), Type: article.EntityPerson, Count: 1}}})
	}
	upsert(batch...)
	for _, a := range batch {
		a.Revision = 2
		if a.Source == "s3" {
			a.Source = "s4"
		}
	}
	upsert(batch...)
	sameAsGrouping(t, idx, "batch moved out of s3")

	// Rows written behind the index's back: deletes, an update the
	// writer did not compact, an entity listed twice.
	exec("DELETE FROM articles WHERE id = ANY($1)", []string{"bg2", "g1", "g2", "g3"})
	sameAsGrouping(t, idx, "deleted")
	exec("UPDATE articles SET lang = 'uk', entities = '{Київ,Київ}' WHERE id = 'de1'")
	sameAsGrouping(t, idx, "uncompacted update")
	exec("DELETE FROM articles WHERE source = 's5'")
	upsert(batch[5])
	sameAsGrouping(t, idx, "deleted and written again")
	exec("TRUNCATE articles")
	sameAsGrouping(t, idx, "truncated")
	upsert(fx...)
	sameAsGrouping(t, idx, "written after truncate")
}

func TestFacetCountsConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	idx := openFresh(t)
	const writers, revs = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range revs {
				// Every writer moves the same articles between sources and
				// languages, revisions out of order.
				r := uint64((i*(w+1))%revs + 1)
				var batch []*article.Article
				for k := range 20 {
					batch = append(batch, &article.Article{ID: fmt.Sprintf("c%d", k), Revision: r,
						Source: fmt.Sprintf("s%d", (int(r)+k)%5), Lang: []string{"en", "bg"}[(int(r)+k)%2],
						Title: "c", CleanBody: "c",
						Entities: []article.Entity{{Text: fmt.Sprintf("E%d", int(r)%3), Type: article.EntityPerson, Count: 1}}})
				}
				batch = append(batch, &article.Article{ID: fmt.Sprintf("w%d-%d", w, i), Revision: 1, Source: "own", Lang: "de", Title: "w", CleanBody: "w"})
				if err := idx.Upsert(ctx, batch); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	sameAsGrouping(t, idx, "concurrent writers")
}

// TestFacetCountsMigration migrates a database that holds articles to the
// facet counts.
func TestFacetCountsMigration(t *testing.T) {
	ctx := context.Background()
	idx := openFresh(t)
	if err := idx.Upsert(ctx, searchtest.Fixtures()); err != nil {
		t.Fatal(err)
	}
	// Back to schema version 2, with the articles.
	_, err := idx.pool.Exec(ctx, `DROP TRIGGER articles_facet_insert_delete ON articles;
		DROP TRIGGER articles_facet_update ON articles;
		DROP TRIGGER articles_facet_truncate ON articles;
		DROP FUNCTION article_facet_deltas_write, article_facet_counts_truncate, article_facet_compact,
			article_entity_id_keys;
		DROP TABLE article_facet_counts, article_facet_deltas, article_facet_totals;
		DROP INDEX articles_source_date_idx, articles_lang_date_idx;
		CREATE INDEX articles_lang_idx ON articles (lang);
		CREATE INDEX articles_source_idx ON articles (source);
		DELETE FROM newsflow_schema_migrations WHERE version >= 3`)
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, idx.pool); err != nil {
		t.Fatal(err)
	}
	sameAsGrouping(t, idx, "migrated")
}
