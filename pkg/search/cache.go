package search

import (
	"container/list"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/singleflight"

	"github.com/newsflow/newsflow/pkg/article"
)

// Cache keeps the answers of recent searches until the next write through
// it. It suits an index that only this process writes (the embedded
// one): every Upsert through the cache makes every cached answer stale,
// so an answer is never older than the last write. Identical searches
// that miss at the same time (a page many readers open after a write) are
// answered by one search of the index. Results are shared: callers must
// not change them.
type Cache struct {
	Index
	gen     atomic.Uint64
	mu      sync.Mutex
	max     int
	entries map[string]*list.Element
	lru     *list.List
	hits    atomic.Uint64
	misses  atomic.Uint64
	flight  singleflight.Group
}

type cacheEntry struct {
	key string
	gen uint64
	res *Result
}

// NewCache caches up to entries answers of idx.
func NewCache(idx Index, entries int) *Cache {
	return &Cache{Index: idx, max: max(entries, 1), entries: map[string]*list.Element{}, lru: list.New()}
}

// Upsert writes through to the index and makes cached answers stale.
func (c *Cache) Upsert(ctx context.Context, docs []*article.Article) error {
	defer c.gen.Add(1)
	return c.Index.Upsert(ctx, docs)
}

// Search answers from the cache when it can.
func (c *Cache) Search(ctx context.Context, q Query) (*Result, error) {
	if err := q.Normalize(); err != nil {
		return nil, err
	}
	kb, err := json.Marshal(q)
	if err != nil {
		return c.Index.Search(ctx, q)
	}
	key := string(kb)
	gen := c.gen.Load()
	c.mu.Lock()
	if el, ok := c.entries[key]; ok {
		e := el.Value.(*cacheEntry)
		if e.gen == gen {
			c.lru.MoveToFront(el)
			c.mu.Unlock()
			c.hits.Add(1)
			return e.res, nil
		}
	}
	c.mu.Unlock()
	// One search per query and generation at a time: callers that arrive
	// while it runs share its answer (an answer of the same writes).
	ran := false
	v, err, _ := c.flight.Do(strconv.FormatUint(gen, 10)+" "+key, func() (any, error) {
		ran = true
		c.misses.Add(1)
		res, err := c.Index.Search(ctx, q)
		if err != nil {
			return nil, err
		}
		c.store(key, gen, res)
		return res, nil
	})
	if !ran {
		if err != nil && ctx.Err() == nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
			// The caller whose search this was went away; this one has not.
			c.misses.Add(1)
			return c.Index.Search(ctx, q)
		}
		if err == nil {
			c.hits.Add(1)
		}
	}
	if err != nil {
		return nil, err
	}
	return v.(*Result), nil
}

// store keeps res as the answer to key at generation gen.
func (c *Cache) store(key string, gen uint64, res *Result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		el.Value = &cacheEntry{key: key, gen: gen, res: res}
		c.lru.MoveToFront(el)
		return
	}
	c.entries[key] = c.lru.PushFront(&cacheEntry{key: key, gen: gen, res: res})
	for c.lru.Len() > c.max {
		last := c.lru.Back()
		c.lru.Remove(last)
		delete(c.entries, last.Value.(*cacheEntry).key)
	}
}

// Stats returns the number of answers served without a search of the
// index (from the cache, or shared with an identical search under way)
// and with one.
func (c *Cache) Stats() (hits, misses uint64) { return c.hits.Load(), c.misses.Load() }

// Histogram answers h from the index (histograms are not cached).
func (c *Cache) Histogram(ctx context.Context, h HistogramQuery) (*Histogram, error) {
	return HistogramOf(ctx, c.Index, h)
}
