package ingest

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// DefaultMaxBacklog is the default --max-backlog: articles waiting in the
// pipeline (unread plus delivered and not yet acked, summed over the
// ingest consumer and, when added with Backlog.Also, the later stages')
// above which POST /v1/articles answers 429.
const DefaultMaxBacklog = 20_000

// CodeOverloaded is the error code of a 429 while the raw stream's backlog
// is over --max-backlog.
const CodeOverloaded = "overloaded"

// backlogRefresh is how old the cached consumer info may get: requests
// never wait for it, at most one read is in flight.
const backlogRefresh = 250 * time.Millisecond

// Backlog tells whether the ingest consumer of ARTICLES_RAW is so far
// behind that new submissions should wait. It reads the consumer's info
// at most every refresh interval, in the background of a request, so a
// request costs an atomic load.
type Backlog struct {
	js       jetstream.JetStream
	stream   string
	consumer string
	// later are the consumers of the stages after ingest (Also): their
	// lag counts too, and the last one's acks are the drain rate.
	later   []consumerRef
	max     uint64
	refresh time.Duration

	backlog    atomic.Uint64
	checked    atomic.Int64 // unix nanos of the last read started
	inFlight   atomic.Bool
	started    atomic.Uint64 // reads started, numbering them
	mu         sync.Mutex
	stored     uint64 // the number of the read whose figure is kept
	lastErr    error
	drainPerS  atomic.Uint64 // messages acked per second, last interval
	lastAcked  uint64
	lastAckedT time.Time
}

// NewBacklog returns the backlog of consumer on stream, over max when
// more than max messages are unread or unacknowledged. max 0 disables it
// (nil is returned, and a nil *Backlog is never over).
func NewBacklog(js jetstream.JetStream, stream, consumer string, max int) *Backlog {
	if max <= 0 {
		return nil
	}
	return &Backlog{js: js, stream: stream, consumer: consumer, max: uint64(max), refresh: backlogRefresh}
}

type consumerRef struct{ stream, name string }

// Also counts the lag of consumer on stream (a stage after ingest) in the
// backlog, and takes the drain rate from the last consumer added. Without
// it a pipeline slower after ingest (enrich is the costliest stage) keeps
// the raw backlog near zero while the articles pile up further on, and
// the limit never refuses. A consumer that cannot be read (not created
// yet) counts as empty. It returns b; a nil b stays nil.
func (b *Backlog) Also(stream, consumer string) *Backlog {
	if b != nil {
		b.later = append(b.later, consumerRef{stream, consumer})
	}
	return b
}

// Over reports whether the last known backlog is over the limit, with
// that backlog and a Retry-After in seconds; it starts a refresh when the
// last one is older than the refresh interval.
func (b *Backlog) Over() (bool, uint64, string) {
	if b == nil {
		return false, 0, ""
	}
	now := time.Now()
	if now.UnixNano()-b.checked.Load() >= int64(b.refresh) && b.inFlight.CompareAndSwap(false, true) {
		b.checked.Store(now.UnixNano())
		go b.read()
	}
	n := b.backlog.Load()
	if n <= b.max {
		return false, n, ""
	}
	return true, n, b.retryAfter(n)
}

// Refresh reads the consumer's info now (tests, start-up).
func (b *Backlog) Refresh(ctx context.Context) error {
	if b == nil {
		return nil
	}
	return b.readCtx(ctx)
}

func (b *Backlog) read() {
	defer b.inFlight.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = b.readCtx(ctx)
}

func (b *Backlog) readCtx(ctx context.Context) error {
	// Reads overlap (a request's background read and Refresh): one that
	// started earlier but ends later must not replace a newer figure.
	seq := b.started.Add(1)
	c, err := b.js.Consumer(ctx, b.stream, b.consumer)
	var info *jetstream.ConsumerInfo
	if err == nil {
		info = c.CachedInfo()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil {
		// Unknown: keep the last figure (no consumer yet means nothing
		// is read, but also that ingest has not started; do not refuse).
		b.lastErr = fmt.Errorf("read consumer %s of %s: %w", b.consumer, b.stream, err)
		return b.lastErr
	}
	b.lastErr = nil
	if seq < b.stored {
		return nil
	}
	n := info.NumPending + uint64(info.NumAckPending)
	acked, ackedOK := info.AckFloor.Stream, len(b.later) == 0
	for i, ref := range b.later {
		c, err := b.js.Consumer(ctx, ref.stream, ref.name)
		if err != nil {
			continue
		}
		li := c.CachedInfo()
		n += li.NumPending + uint64(li.NumAckPending)
		if i == len(b.later)-1 {
			acked, ackedOK = li.AckFloor.Stream, true
		}
	}
	b.backlog.Store(n)
	b.stored = seq
	if !ackedOK {
		return nil
	}
	now := time.Now()
	if !b.lastAckedT.IsZero() && acked >= b.lastAcked {
		if dt := now.Sub(b.lastAckedT).Seconds(); dt > 0 {
			b.drainPerS.Store(uint64(float64(acked-b.lastAcked) / dt))
		}
	}
	b.lastAcked, b.lastAckedT = acked, now
	return nil
}

// retryAfter is how long the excess takes to drain at the last measured
// rate, between 1 and 30 seconds.
func (b *Backlog) retryAfter(n uint64) string {
	secs := uint64(1)
	if rate := b.drainPerS.Load(); rate > 0 && n > b.max {
		secs = (n - b.max + rate - 1) / rate
	}
	secs = max(1, min(secs, 30))
	return strconv.FormatUint(secs, 10)
}
