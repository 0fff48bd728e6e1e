// Package storage tells whether newsflow's stores can take writes: the free
// space of the directories they live in, held against a reserve, and the
// newsflow_storage_* metrics that show it.
//
// A store that runs out of space mid-write is the worst way to find out:
// the NATS server stops the stream that hit the error and Bleve's error
// paths are not all safe. So writers check first: the HTTP API refuses new
// articles (503) below the reserve, the index stage holds its batches below
// half of it, and /readyz says why.
package storage

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultReserve is the free space below which newsflow stops accepting
// new articles: room for what is already in the pipeline to go through.
const DefaultReserve = 64 << 20

// ErrLowSpace is returned by Guard.Check when a directory has less free
// space than the reserve.
var ErrLowSpace = errors.New("not enough free disk space")

// Free returns the bytes available to an unprivileged writer and the size
// of the file system that holds dir.
func Free(dir string) (avail, total uint64, err error) {
	avail, total, err = statfs(dir)
	if err != nil {
		return 0, 0, fmt.Errorf("free space of %s: %w", dir, err)
	}
	return avail, total, nil
}

// Guard holds the free space of named directories against a reserve.
type Guard struct {
	reserve uint64
	dirs    map[string]string
	pending atomic.Uint64
}

// SetPending sets the bytes the stores are still going to write for work
// already accepted (the pipeline's backlog): Check wants that much free
// on top of the reserve.
func (g *Guard) SetPending(n uint64) { g.pending.Store(n) }

// NewGuard returns a guard for dirs (store name to directory) with the
// given reserve in bytes.
func NewGuard(reserve uint64, dirs map[string]string) *Guard {
	return &Guard{reserve: reserve, dirs: dirs}
}

// Reserve returns the reserve in bytes.
func (g *Guard) Reserve() uint64 { return g.reserve }

// Check reads the free space of every directory now and returns an error
// wrapping ErrLowSpace, naming the directory, when one has less than
// fraction of the reserve (1 for the whole reserve).
func (g *Guard) Check(fraction float64) error {
	names := make([]string, 0, len(g.dirs))
	for n := range g.dirs {
		names = append(names, n)
	}
	sort.Strings(names)
	need := uint64(float64(g.reserve) * fraction)
	pending := g.pending.Load()
	for _, n := range names {
		if err := g.checkDir(n, need, pending); err != nil {
			return err
		}
	}
	return nil
}

// checkDir checks the directory of store n against need plus pending.
func (g *Guard) checkDir(n string, need, pending uint64) error {
	avail, _, err := Free(g.dirs[n])
	if errors.Is(err, errors.ErrUnsupported) {
		return nil // no way to know here: let the writes tell
	}
	if err != nil {
		return err
	}
	if avail >= need+pending {
		return nil
	}
	if pending > 0 {
		return fmt.Errorf("%w: %s (%s) has %s free, under the reserve of %s plus %s for articles still in the pipeline",
			ErrLowSpace, n, g.dirs[n], Bytes(avail), Bytes(need), Bytes(pending))
	}
	return fmt.Errorf("%w: %s (%s) has %s free, under the reserve of %s", ErrLowSpace, n, g.dirs[n], Bytes(avail), Bytes(need))
}

// Bytes formats n bytes for people.
func Bytes(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// Check reports whether a store can take writes; nil means it can.
type Check func(ctx context.Context) error

// Health gathers the writability checks of a process's stores: Check runs
// them all (for the HTTP API's 503 and /readyz), and as a Prometheus
// collector it exports newsflow_storage_free_bytes{store} (from the
// guard's directories), newsflow_storage_reserve_bytes and
// newsflow_storage_writable{store} (1 when the store's check passes, 0
// when it does not), read at each scrape.
type Health struct {
	guard    *Guard
	mu       sync.Mutex
	checks   map[string]Check
	free     *prometheus.Desc
	reserve  *prometheus.Desc
	writable *prometheus.Desc
}

// NewHealth returns the health of the stores in guard's directories (guard
// may be nil: no local store) with no checks yet; add them with AddCheck.
func NewHealth(guard *Guard) *Health {
	return &Health{
		guard:  guard,
		checks: map[string]Check{},
		free: prometheus.NewDesc("newsflow_storage_free_bytes",
			"Free bytes of the file system that holds a store (nats, index).", []string{"store"}, nil),
		reserve: prometheus.NewDesc("newsflow_storage_reserve_bytes",
			"Free space under which new articles are refused (503) and index writes wait.", nil, nil),
		writable: prometheus.NewDesc("newsflow_storage_writable",
			"1 when a store (nats, index) can take writes, 0 when it cannot: a full disk, a JetStream that stopped on a write error, an index that failed to write.", []string{"store"}, nil),
	}
}

// AddCheck adds the writability check of a store.
func (c *Health) AddCheck(store string, check Check) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checks[store] = check
}

// Reserve returns the guard's reserve, DefaultReserve without a guard.
func (c *Health) Reserve() uint64 {
	if c == nil || c.guard == nil {
		return DefaultReserve
	}
	return c.guard.reserve
}

// Check runs the guard (the whole reserve) and every store's check, and
// returns their errors joined; nil when every store can take writes. A nil
// Health has nothing to check.
func (c *Health) Check(ctx context.Context) error {
	if c == nil {
		return nil
	}
	var errs []error
	if c.guard != nil {
		if err := c.guard.Check(1); err != nil {
			errs = append(errs, err)
		}
	}
	c.mu.Lock()
	names := make([]string, 0, len(c.checks))
	for n := range c.checks {
		names = append(names, n)
	}
	checks := c.checks
	c.mu.Unlock()
	sort.Strings(names)
	for _, n := range names {
		c.mu.Lock()
		check := checks[n]
		c.mu.Unlock()
		if err := check(ctx); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n, err))
		}
	}
	return errors.Join(errs...)
}

// Describe implements prometheus.Collector.
func (c *Health) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.free
	ch <- c.reserve
	ch <- c.writable
}

// Collect implements prometheus.Collector.
func (c *Health) Collect(ch chan<- prometheus.Metric) {
	if c.guard != nil {
		for name, dir := range c.guard.dirs {
			if avail, _, err := Free(dir); err == nil {
				ch <- prometheus.MustNewConstMetric(c.free, prometheus.GaugeValue, float64(avail), name)
			}
		}
		ch <- prometheus.MustNewConstMetric(c.reserve, prometheus.GaugeValue, float64(c.guard.reserve))
	}
	c.mu.Lock()
	checks := make(map[string]Check, len(c.checks))
	for k, v := range c.checks {
		checks[k] = v
	}
	c.mu.Unlock()
	// A store is writable when its check passes and, for a store in the
	// guard's directories, when its file system has the reserve (and the
	// backlog) free: what the API's 503 and /readyz go by.
	stores := map[string]bool{}
	for name := range checks {
		stores[name] = true
	}
	if c.guard != nil {
		for name := range c.guard.dirs {
			stores[name] = true
		}
	}
	for name := range stores {
		var err error
		if c.guard != nil {
			if _, ok := c.guard.dirs[name]; ok {
				err = c.guard.checkDir(name, c.guard.reserve, c.guard.pending.Load())
			}
		}
		if check, ok := checks[name]; ok && err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err = check(ctx)
			cancel()
		}
		v := 1.0
		if err != nil {
			v = 0
		}
		ch <- prometheus.MustNewConstMetric(c.writable, prometheus.GaugeValue, v, name)
	}
}
