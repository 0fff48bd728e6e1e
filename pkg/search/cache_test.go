package search_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// gatedIndex counts searches and holds each until released (or its
// context ends).
type gatedIndex struct {
	search.Index
	searches atomic.Int32
	release  chan struct{}
}

func (g *gatedIndex) Search(ctx context.Context, q search.Query) (*search.Result, error) {
	g.searches.Add(1)
	select {
	case <-g.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g.Index.Search(ctx, q)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 500 {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// Identical searches that miss together are answered by one search of the
// index, and a caller that goes away does not take the others' answer
// with it.
func TestCacheSharesConcurrentMisses(t *testing.T) {
	ctx := context.Background()
	idx, err := bleveindex.Open(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	g := &gatedIndex{Index: idx, release: make(chan struct{})}
	c := search.NewCache(g, 8)
	defer func() { _ = c.Close() }()
	if err := c.Upsert(ctx, []*article.Article{{ID: "a", Source: "s", Lang: "en", Revision: 1, Title: "alpha", CleanBody: "text"}}); err != nil {
		t.Fatal(err)
	}
	q := search.Query{Text: "alpha"}

	t.Run("shared", func(t *testing.T) {
		results := make([]*search.Result, 5)
		var wg sync.WaitGroup
		search := func(i int) {
			defer wg.Done()
			res, err := c.Search(ctx, q)
			if err != nil {
				t.Error(err)
			}
			results[i] = res
		}
		wg.Add(1)
		go search(0)
		waitFor(t, "the first search", func() bool { return g.searches.Load() == 1 })
		for i := 1; i < len(results); i++ {
			wg.Add(1)
			go search(i)
		}
		time.Sleep(50 * time.Millisecond) // the others are waiting for it now
		close(g.release)
		wg.Wait()
		if n := g.searches.Load(); n != 1 {
			t.Errorf("%d searches of the index for 5 identical ones, want 1", n)
		}
		for i, r := range results {
			if r == nil || r.Total != 1 || r != results[0] {
				t.Errorf("caller %d got %+v, want the shared answer with 1 hit", i, r)
			}
		}
		if h, m := c.Stats(); h != 4 || m != 1 {
			t.Errorf("hits %d misses %d, want 4 and 1", h, m)
		}
	})

	t.Run("the first caller goes away", func(t *testing.T) {
		g.searches.Store(0)
		g.release = make(chan struct{})
		q := search.Query{Text: "text"}
		first, cancel := context.WithCancel(ctx)
		errc := make(chan error, 1)
		go func() {
			_, err := c.Search(first, q)
			errc <- err
		}()
		waitFor(t, "the first search", func() bool { return g.searches.Load() == 1 })
		done := make(chan *search.Result, 1)
		go func() {
			res, err := c.Search(ctx, q)
			if err != nil {
				t.Error(err)
			}
			done <- res
		}()
		time.Sleep(50 * time.Millisecond)
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Errorf("the cancelled caller got %v, want context.Canceled", err)
		}
		waitFor(t, "the second caller's own search", func() bool { return g.searches.Load() == 2 })
		close(g.release)
		if res := <-done; res == nil || res.Total != 1 {
			t.Errorf("the remaining caller got %+v, want 1 hit", res)
		}
	})
}
