package index

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/storage"
)

// guardedIndex is the index as the stage writes it: a batch is not even
// tried while the index's file system is under its floor (half the storage
// reserve, at least two batches)
// (Bleve's error paths on a full disk are not all safe: a failed segment
// write has been seen to close a segment still in use, and the next read
// of it panics in a goroutine of Bleve's own), a panic inside Upsert is
// turned into an error naming the articles, and the outcome of the last
// write is kept for the readiness check.
type guardedIndex struct {
	search.Index
	guard  *storage.Guard // nil for PostgreSQL
	log    *zap.Logger
	panics func()

	mu      sync.Mutex
	lastErr error
	lastAt  time.Time
}

func (g *guardedIndex) Upsert(ctx context.Context, docs []*article.Article) (err error) {
	if g.guard != nil {
		if gerr := g.guard.Check(1); gerr != nil {
			return fmt.Errorf("%w: index write held: %w", natsbus.ErrStorageUnavailable, gerr)
		}
	}
	defer func() {
		if r := recover(); r != nil {
			ids := make([]string, len(docs))
			for i, a := range docs {
				ids[i] = a.ID
			}
			g.log.Error("index library panicked writing a batch; its articles will be retried",
				zap.Any("panic", r), zap.Strings("article_ids", ids), zap.ByteString("stack", debug.Stack()))
			if g.panics != nil {
				g.panics()
			}
			err = fmt.Errorf("index panic writing %d articles (%s): %v", len(docs), strings.Join(ids[:min(len(ids), 5)], ", "), r)
		}
		g.note(err)
	}()
	return g.Index.Upsert(ctx, docs)
}

// Histogram answers h from the index.
func (g *guardedIndex) Histogram(ctx context.Context, h search.HistogramQuery) (*search.Histogram, error) {
	return search.HistogramOf(ctx, g.Index, h)
}

func (g *guardedIndex) note(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.lastErr, g.lastAt = err, time.Now()
}

// Writable reports whether the index can take writes now: its file system
// has its floor free, and its last write did not fail for
// storage (a failed write counts until a write succeeds; the stage retries
// held articles every few seconds).
func (g *guardedIndex) Writable(context.Context) error {
	if g.guard != nil {
		if err := g.guard.Check(1); err != nil {
			return err
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.lastErr != nil && natsbus.IsStorageFailure(g.lastErr) {
		return fmt.Errorf("last index write (%s) failed: %w", g.lastAt.UTC().Format(time.RFC3339), g.lastErr)
	}
	return nil
}
