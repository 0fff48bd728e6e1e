package pgindex

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/analysis"
	"github.com/newsflow/newsflow/pkg/search/pgindex/pgtest"
)

// TestTSVectorStorageMigration checks migration 0010: an article written
// before it keeps its compressed tsvector and is still found and ranked
// alike; written again, its tsvector is stored uncompressed, out of line.
func TestTSVectorStorageMigration(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, pgtest.FreshDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := migrateTo(ctx, pool, 9); err != nil {
		t.Fatal(err)
	}
	idx := &Index{pool: pool, set: analysis.NewSet()}
	// A body long enough for its tsvector to go to TOAST, repetitive
	// enough to compress.
	var words []string
	for i := range 1500 {
		words = append(words, fmt.Sprintf("wort%d", i%700), "Haus")
	}
	a := &article.Article{ID: "long", Revision: 1, Source: "s", Lang: "de", Title: "Haus am See",
		Body: strings.Join(words, " "), CleanBody: strings.Join(words, " "),
		PublishedAt: time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)}
	if err := idx.Upsert(ctx, []*article.Article{a}); err != nil {
		t.Fatal(err)
	}
	storage := func(step string) (compression string, external bool) {
		t.Helper()
		var c *string
		if err := pool.QueryRow(ctx, `SELECT pg_column_compression(tsv), pg_column_size(tsv) < octet_length(tsv::text)
			FROM articles WHERE id = 'long'`).Scan(&c, new(bool)); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if err := pool.QueryRow(ctx, `SELECT attstorage = 'e' FROM pg_attribute
			WHERE attrelid = 'articles'::regclass AND attname = 'tsv'`).Scan(&external); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if c == nil {
			return "", external
		}
		return *c, external
	}
	if c, ext := storage("at version 9"); c == "" || ext {
		t.Fatalf("at version 9: tsvector compression %q, EXTERNAL %v: want compressed, not EXTERNAL", c, ext)
	}
	q := search.Query{Text: "Haus"}
	before, err := idx.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if c, ext := storage("migrated"); c == "" || !ext {
		t.Errorf("migrated: tsvector compression %q, EXTERNAL %v: want the old row compressed, the column EXTERNAL", c, ext)
	}
	migrated, err := idx.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	a.Revision = 2
	if err := idx.Upsert(ctx, []*article.Article{a}); err != nil {
		t.Fatal(err)
	}
	if c, _ := storage("written again"); c != "" {
		t.Errorf("written again: tsvector compressed with %s, want uncompressed", c)
	}
	again, err := idx.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*search.Result{migrated, again} {
		if r.Total != 1 || before.Total != 1 || r.Hits[0].Score != before.Hits[0].Score || r.Hits[0].Snippet != before.Hits[0].Snippet {
			t.Errorf("search %q: total %d, hits %+v; before the migration: total %d, hits %+v", q.Text, r.Total, r.Hits, before.Total, before.Hits)
		}
	}
}
