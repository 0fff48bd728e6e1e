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
	// trace, when set, is called by Run with eventQueued after it took an
	// article into the next batch and eventDue when that batch's maxWait
	// is over: tests wait for these instead of sleeping.
	trace func(event string)
}

// Events reported to Batcher.trace.
const (
	eventQueued = "queued"
	eventDue    = "due"
)

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
//
// Batches are group commits: while a batch is written the next one keeps
// filling, so that under load batches grow (fewer, larger segments to
// merge, which is most of the embedded index's work) and at a low rate an
// article waits at most maxWait. A batch that is merely due (maxWait)
// is written only when no other write is under way; a full one takes any
// free writer, so writes overlap only when one writer cannot keep up.
func (b *Batcher) Run(ctx context.Context) {
	defer close(b.done)
	var wg sync.WaitGroup
	defer wg.Wait()
	finished := make(chan struct{}, b.writers) // a write ended
	busy := 0
	batch := make([]batchReq, 0, b.maxDocs)
	size := 0
	due := false
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	full := func() bool { return len(batch) >= b.maxDocs || (b.maxBytes > 0 && size >= b.maxBytes) }
	write := func() {
		busy++
		wg.Add(1)
		go func(batch []batchReq) {
			defer wg.Done()
			defer func() { finished <- struct{}{} }()
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
		due = false
		timer.Stop()
	}
	add := func(r batchReq) {
		if len(batch) == 0 {
			timer.Reset(b.maxWait)
		}
		batch = append(batch, r)
		size += textBytes(r.a)
		if b.trace != nil {
			b.trace(eventQueued)
		}
	}
	for {
		if len(batch) > 0 && busy < b.writers && (full() || (due && busy == 0)) {
			write()
			continue
		}
		reqs := b.reqs
		if full() {
			reqs = nil // wait for a writer
		}
		select {
		case <-ctx.Done():
			// Write what is already queued, in batches of the usual
			// bounds, as writers free up.
			for {
				select {
				case r := <-b.reqs:
					add(r)
					if !full() {
						continue
					}
				default:
					if len(batch) == 0 {
						return
					}
				}
				for ; busy >= b.writers; busy-- {
					<-finished
				}
				write()
			}
		case r := <-reqs:
			add(r)
		case <-timer.C:
			due = true
			if b.trace != nil {
				b.trace(eventDue)
			}
		case <-finished:
			busy--
		}
	}
}
