package natsbus

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ErrStorageUnavailable marks a failure to store something (a full disk, a
// JetStream that stopped accepting writes, an index that cannot be
// written): the message is not at fault and retrying it later is the cure.
// A stage holds such a message, without using up its deliveries, until the
// storage accepts writes again; it never dead-letters it for this.
var ErrStorageUnavailable = errors.New("storage unavailable")

// storageErrnos are the errors of a store that cannot take writes.
var storageErrnos = []error{syscall.ENOSPC, syscall.EDQUOT, syscall.EMFILE, syscall.ENFILE, syscall.EROFS, syscall.EIO}

// storageMessages are the same errors once flattened to text by a library
// (Bleve and the NATS server report them with %v), and the JetStream
// server's answers for a store that is full or stopped.
var storageMessages = []string{
	"no space left on device", "disk quota exceeded", "too many open files",
	"read-only file system", "input/output error",
	"insufficient resources", "insufficient storage", "resource limits exceeded",
	"jetstream not enabled", "stream store failed", "jetstream system temporarily unavailable",
	"maximum bytes exceeded", "maximum messages exceeded",
}

// IsStorageFailure reports whether err means that a store (the NATS
// server's JetStream, or the search index) could not take a write, rather
// than that the message is bad: ErrStorageUnavailable, a full disk or
// exhausted descriptors, JetStream answering that it is out of resources,
// disabled or full, or no answer at all from JetStream (a store that hit a
// write error stops answering publishes). A handler that merely ran out of
// time (context.DeadlineExceeded) is not a storage failure: a slow poison
// message must still reach the dead letters.
func IsStorageFailure(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrStorageUnavailable) {
		return true
	}
	for _, e := range storageErrnos {
		if errors.Is(err, e) {
			return true
		}
	}
	if errors.Is(err, nats.ErrTimeout) || errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse) ||
		errors.Is(err, jetstream.ErrAsyncPublishTimeout) || errors.Is(err, jetstream.ErrJetStreamNotEnabled) ||
		errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount) {
		return true
	}
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.Code == 503 {
		return true
	}
	msg := strings.ToLower(err.Error())
	for _, s := range storageMessages {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// isPayloadTooLarge reports whether a publish failed because the message
// is over the server's or the stream's size limit: no retry can fix that.
func isPayloadTooLarge(err error) bool {
	if errors.Is(err, nats.ErrMaxPayload) {
		return true
	}
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "maximum payload exceeded") || strings.Contains(msg, "message size exceeds maximum")
}

// StorageRecorder is implemented by recorders that count the times a stage
// held a message because a store could not take writes
// (telemetry.StageMetrics does).
type StorageRecorder interface {
	StorageWait()
}

// StoreTimeout bounds one round trip to a JetStream store (a key-value
// read or write) made through StoreContext. A stream stopped by a write
// error answers nothing, so without a bound of its own a call waits for
// its caller's whole deadline (a handler's ack wait).
const StoreTimeout = 5 * time.Second

// StoreContext returns ctx bounded by StoreTimeout, and a function that
// turns the error of a call made with it into a storage failure (wrapping
// ErrStorageUnavailable) when it is the bound, not ctx, that ran out.
// Call cancel when done.
func StoreContext(ctx context.Context) (sctx context.Context, classify func(error) error, cancel context.CancelFunc) {
	sctx, cancel = context.WithTimeout(ctx, StoreTimeout)
	classify = func(err error) error {
		if err != nil && sctx.Err() != nil && ctx.Err() == nil {
			return fmt.Errorf("%w: no answer from the store within %s: %w", ErrStorageUnavailable, StoreTimeout, err)
		}
		return err
	}
	return sctx, classify, cancel
}

// Growth factors of the backlog estimate: what an article still before a
// stage will yet add to the stores, in multiples of its stream's average
// message size. Measured with `newsflow up` on the corpus (4,000 articles,
// 4 KB raw on average): the ingested message is about the raw size, the
// enriched one about 9 KB, the embedded index about 17 KB per article
// (segments before merging); ARTICLES averages about 5 KB a message.
const (
	growthBeforeIngest = 8
	growthBeforeEnrich = 7
	growthBeforeIndex  = 4
)

// BacklogBytes estimates the bytes the pipeline will still write for the
// articles it has accepted and not yet indexed: each stage's undelivered
// and unacknowledged messages, at their stream's average message size,
// times what they grow into downstream. The HTTP API keeps this much free
// on top of the storage reserve, so that what it accepted can get through.
func BacklogBytes(ctx context.Context, js jetstream.JetStream) (uint64, error) {
	avg := map[string]float64{}
	for _, name := range []string{StreamRaw, StreamArticles} {
		s, err := js.Stream(ctx, name)
		if err != nil {
			return 0, fmt.Errorf("look up stream %s: %w", name, err)
		}
		st := s.CachedInfo().State
		if st.Msgs > 0 {
			avg[name] = float64(st.Bytes) / float64(st.Msgs)
		}
	}
	var total float64
	for _, c := range []struct {
		stream, consumer string
		growth           float64
	}{
		{StreamRaw, StageIngest, growthBeforeIngest},
		{StreamArticles, StageEnrich, growthBeforeEnrich},
		{StreamArticles, StageIndex, growthBeforeIndex},
	} {
		cons, err := js.Consumer(ctx, c.stream, c.consumer)
		if errors.Is(err, jetstream.ErrConsumerNotFound) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("look up consumer %s: %w", c.consumer, err)
		}
		info := cons.CachedInfo()
		total += float64(info.NumPending+uint64(info.NumAckPending)) * avg[c.stream] * c.growth
	}
	return uint64(total), nil
}
