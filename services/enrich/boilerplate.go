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
// process, so a known line costs no round trip.
type KVLearner struct {
	kv    jetstream.KeyValue
	mu    sync.Mutex
	known map[string]bool // line keys known to be boilerplate
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
	return &KVLearner{kv: kv, known: map[string]bool{}}, nil
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
	// Most lines are new: try to create the key first, one round trip.
	if _, err := l.kv.Create(ctx, key, []byte(id)); err == nil {
		return 1, nil
	} else if !errors.Is(err, jetstream.ErrKeyExists) {
		return 0, fmt.Errorf("learn boilerplate %s: %w", key, err)
	}
	for attempt := 0; attempt < 5; attempt++ {
		e, err := l.kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			if _, err := l.kv.Create(ctx, key, []byte(id)); err == nil {
				return 1, nil
			} else if !errors.Is(err, jetstream.ErrKeyExists) {
				return 0, fmt.Errorf("learn boilerplate %s: %w", key, err)
			}
			continue // another replica created it first
		}
		if err != nil {
			return 0, fmt.Errorf("learn boilerplate %s: %w", key, err)
		}
		ids := strings.Fields(string(e.Value()))
		if slices.Contains(ids, id) || len(ids) >= textclean.MinArticles {
			return len(ids), nil
		}
		ids = append(ids, id)
		if _, err := l.kv.Update(ctx, key, []byte(strings.Join(ids, " ")), e.Revision()); err == nil {
			return len(ids), nil
		} else if !errors.Is(err, jetstream.ErrKeyRevisionMismatch) && !errors.Is(err, jetstream.ErrKeyExists) {
			return 0, fmt.Errorf("learn boilerplate %s: %w", key, err)
		}
	}
	return 0, fmt.Errorf("learn boilerplate %s: too many concurrent updates", key)
}
