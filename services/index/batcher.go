package index

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/search"
)

// ErrBatcherClosed is returned by Add after the batcher stopped.
var ErrBatcherClosed = errors.New("index batcher stopped")

// Batcher groups concurrent writes into index batches: a batch is written
// when it holds maxDocs articles or maxBytes of text, or maxWait after its
// first article arrived, and every Add of the batch returns the batch's
// result. The stage acks a message only after Add returned nil, so an ack
// always follows the write.
type Batcher struct {
	idx      search.Index
	maxDocs  int
	maxBytes int
	maxWait  time.Duration
	// writers bounds the batches being written at once: while one is
	// written, the next one fills and can be written on the other core.
	writers int
	reqs    chan batchReq
	done    chan struct{}
	// observe, when set, is told the size and duration of every write.
	observe func(n int, d time.Duration, err error)
}

type batchReq struct {
	a   *article.Article
	res chan error
}

// NewBatcher returns a batcher writing to idx, at most writers batches at
// once (the index must allow concurrent Upserts). maxBytes bounds the text
// (title and body) of a batch; 0 means no bound. Call Run.
func NewBatcher(idx search.Index, writers, maxDocs, maxBytes int, maxWait time.Duration, observe func(n int, d time.Duration, err error)) *Batcher {
	return &Batcher{idx: idx, writers: max(writers, 1), maxDocs: max(maxDocs, 1), maxBytes: maxBytes, maxWait: maxWait,
		reqs: make(chan batchReq), done: make(chan struct{}), observe: observe}
}

func textBytes(a *article.Article) int {
	return len(a.Title) + len(a.Body) + len(a.CleanBody) + len(a.HTML)
}

// Add queues a for the next batch and waits until that batch is written.
func (b *Batcher) Add(ctx context.Context, a *article.Article) error {
	r := batchReq{a: a, res: make(chan error, 1)}
	select {
	case b.reqs <- r:
	case <-b.done:
		return ErrBatcherClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-r.res:
		return err
	case <-ctx.Done():
		// The write may still happen; the message will be redelivered and
		// the upsert is idempotent.
		return ctx.Err()
	}
}

// Run writes batches until ctx is cancelled, then writes what is queued
// and waits for the writes under way.
func (b *Batcher) Run(ctx context.Context) {
	defer close(b.done)
	var wg sync.WaitGroup
	defer wg.Wait()
	slots := make(chan struct{}, b.writers)
	batch := make([]batchReq, 0, b.maxDocs)
	size := 0
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	flush := func() {
		if len(batch) == 0 {
			return
		}
		slots <- struct{}{}
		wg.Add(1)
		go func(batch []batchReq) {
			defer wg.Done()
			defer func() { <-slots }()
			docs := make([]*article.Article, len(batch))
			for i, r := range batch {
				docs[i] = r.a
			}
			start := time.Now()
			err := b.idx.Upsert(context.WithoutCancel(ctx), docs)
			if b.observe != nil {
				b.observe(len(docs), time.Since(start), err)
			}
			for _, r := range batch {
				r.res <- err
			}
		}(batch)
		batch = make([]batchReq, 0, b.maxDocs)
		size = 0
	}
	for {
		select {
		case <-ctx.Done():
			// Drain what is already queued, then stop.
			for {
				select {
				case r := <-b.reqs:
					batch = append(batch, r)
				default:
					flush()
					return
				}
			}
		case r := <-b.reqs:
			if len(batch) == 0 {
				timer.Reset(b.maxWait)
			}
			batch = append(batch, r)
			size += textBytes(r.a)
			if len(batch) >= b.maxDocs || (b.maxBytes > 0 && size >= b.maxBytes) {
				timer.Stop()
				flush()
			}
		case <-timer.C:
			flush()
		}
	}
}
