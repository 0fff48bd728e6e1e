package search_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/bleveindex"
)

func TestCache(t *testing.T) {
	ctx := context.Background()
	idx, err := bleveindex.Open(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	c := search.NewCache(idx, 2)
	defer func() { _ = c.Close() }()
	doc := func(id string, rev uint64, title string) *article.Article {
		return &article.Article{ID: id, Source: "s", Lang: "en", Revision: rev, Title: title, CleanBody: "text"}
	}
	if err := c.Upsert(ctx, []*article.Article{doc("a", 1, "alpha")}); err != nil {
		t.Fatal(err)
	}
	total := func(q string) uint64 {
		t.Helper()
		res, err := c.Search(ctx, search.Query{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}
	first, second := total("alpha"), total("alpha")
	if first != 1 || second != 1 {
		t.Fatalf("alpha: %d then %d hits, want 1 and 1", first, second)
	}
	if h, m := c.Stats(); h != 1 || m != 1 {
		t.Errorf("hits %d misses %d, want 1 and 1", h, m)
	}
	// A write makes the cached answer stale.
	if err := c.Upsert(ctx, []*article.Article{doc("b", 1, "alpha beta")}); err != nil {
		t.Fatal(err)
	}
	if n := total("alpha"); n != 2 {
		t.Errorf("after a write: %d hits, want 2", n)
	}
	// Bounded: the least recently used answer goes.
	total("beta")
	total("gamma")
	total("alpha")
	if h, m := c.Stats(); h != 1 || m != 5 {
		t.Errorf("hits %d misses %d, want 1 and 5", h, m)
	}
	if _, err := c.Search(ctx, search.Query{Text: "a OR"}); err == nil {
		t.Error("bad query answered")
	}
}
