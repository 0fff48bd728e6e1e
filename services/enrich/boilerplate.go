package enrich

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/textclean"
)

// BoilerplateBucket is the key-value bucket of learned boilerplate lines,
// shared by every enrich replica: key "<source>.<line hash>", value the ids
// of up to textclean.MinArticles articles that carried the line.
const BoilerplateBucket = "NEWSFLOW_BOILERPLATE"

// KVLearner is a textclean.Learner kept in a JetStream key-value bucket,
// so that every replica learns from every article and what was learned
// survives restarts. Lines already known as boilerplate are remembered in
// process, so a known line costs no round trip; a line this replica has
// written before and that is not boilerplate yet is remembered with its
// entry, so that its next article costs one Update (not a failed Create,
// a Get and an Update): a Create happens once per new line per replica.
type KVLearner struct {
	kv    jetstream.KeyValue
	mu    sync.Mutex
	known map[string]bool // line keys known to be boilerplate
	// recent holds the last entry this replica wrote or read per line key
	// (bounded by maxKnown); stale entries only cost the round trips of
	// the uncached path.
	recent map[string]lineEntry
}

// lineEntry is a line's bucket entry as last written or read here.
type lineEntry struct {
	rev uint64
	ids string // space-separated article ids
}

// maxKnown bounds the in-process set of known boilerplate keys.
const maxKnown = 100000

// OpenKVLearner creates or opens the bucket; entries not seen again expire
// after ttl.
func OpenKVLearner(ctx context.Context, js jetstream.JetStream, ttl time.Duration, replicas int) (*KVLearner, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      BoilerplateBucket,
		Description: "lines repeated across articles of a source (source.line-hash -> article ids)",
		History:     1,
		TTL:         ttl,
		Storage:     jetstream.FileStorage,
		Replicas:    max(replicas, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("open key-value bucket %s: %w", BoilerplateBucket, err)
	}
	return &KVLearner{kv: kv, known: map[string]bool{}, recent: map[string]lineEntry{}}, nil
}

// Observe implements textclean.Learner.
func (l *KVLearner) Observe(ctx context.Context, source, id string, lines []string) (map[string]bool, error) {
	var out map[string]bool
	var errs []error
	ctx, classify, cancel := natsbus.StoreContext(ctx)
	defer cancel()
	for _, line := range lines {
		k := textclean.LineKey(source, line)
		l.mu.Lock()
		known := l.known[k]
		l.mu.Unlock()
		if !known {
			n, err := l.record(ctx, k, id)
			if err != nil {
				errs = append(errs, classify(err))
				if natsbus.IsStorageFailure(errs[len(errs)-1]) {
					break // the bucket cannot take writes: the article waits
				}
				continue
			}
			if n < textclean.MinArticles {
				continue
			}
			l.mu.Lock()
			if len(l.known) >= maxKnown {
				clear(l.known)
			}
			l.known[k] = true
			delete(l.recent, k)
			l.mu.Unlock()
		}
		if out == nil {
			out = map[string]bool{}
		}
		out[line] = true
	}
	return out, errors.Join(errs...)
}

// record adds id to the articles of key and returns how many articles
// carry the line.
func (l *KVLearner) record(ctx context.Context, key, id string) (int, error) {
	l.mu.Lock()
	cached, ok := l.recent[key]
	l.mu.Unlock()
	if ok && !slices.Contains(strings.Fields(cached.ids), id) {
		// Written or read here before: update from that entry, one round
		// trip; another replica's write since (or expiry) makes the
		// revision stale and takes the uncached path. (An article seen
		// again, a redelivery, reads the bucket: others may have made the
		// line boilerplate meanwhile.)
		if n, done, err := l.extend(ctx, key, id, cached.ids, cached.rev); done || err != nil {
			return n, err
		}
	} else if !ok {
		// Most lines are new: try to create the key first, one round trip.
		if rev, err := l.kv.Create(ctx, key, []byte(id)); err == nil {
			l.remember(key, lineEntry{rev: rev, ids: id})
			return 1, nil
		} else if !errors.Is(err, jetstream.ErrKeyExists) {
			return 0, fmt.Errorf("learn boilerplate %s: %w", key, err)
		}
	}
	for attempt := 0; attempt < 5; attempt++ {
		e, err := l.kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			if rev, err := l.kv.Create(ctx, key, []byte(id)); err == nil {
				l.remember(key, lineEntry{rev: rev, ids: id})
				return 1, nil
			} else if !errors.Is(err, jetstream.ErrKeyExists) {
				return 0, fmt.Errorf("learn boilerplate %s: %w", key, err)
			}
			continue // another replica created it first
		}
		if err != nil {
			return 0, fmt.Errorf("learn boilerplate %s: %w", key, err)
		}
		if n, done, err := l.extend(ctx, key, id, string(e.Value()), e.Revision()); done || err != nil {
			return n, err
		}
	}
	return 0, fmt.Errorf("learn boilerplate %s: too many concurrent updates", key)
}

// extend adds id to the entry (ids at rev) of key unless it is there or
// the line is already boilerplate. done is false when rev was stale.
func (l *KVLearner) extend(ctx context.Context, key, id, value string, rev uint64) (n int, done bool, err error) {
	ids := strings.Fields(value)
	if slices.Contains(ids, id) || len(ids) >= textclean.MinArticles {
		l.remember(key, lineEntry{rev: rev, ids: value})
		return len(ids), true, nil
	}
	ids = append(ids, id)
	v := strings.Join(ids, " ")
	nrev, err := l.kv.Update(ctx, key, []byte(v), rev)
	switch {
	case err == nil:
		l.remember(key, lineEntry{rev: nrev, ids: v})
		return len(ids), true, nil
	case errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyNotFound):
		l.forget(key)
		return 0, false, nil
	default:
		return 0, false, fmt.Errorf("learn boilerplate %s: %w", key, err)
	}
}

func (l *KVLearner) remember(key string, e lineEntry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.recent) >= maxKnown {
		clear(l.recent)
	}
	l.recent[key] = e
}

func (l *KVLearner) forget(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.recent, key)
}
