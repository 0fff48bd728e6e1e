package enrich

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/simhash"
)

// SimhashBucket is the key-value bucket of recent fingerprints, shared by
// every enrich replica: key "b<band>.<band value>", value the last
// simhash.BandCapacity entries "id fingerprint original", one per line.
const SimhashBucket = "NEWSFLOW_SIMHASH"

// KVIndex is a simhash.Index kept in a JetStream key-value bucket, so that
// every replica finds the copies of what any replica has seen, and a
// restart forgets nothing.
type KVIndex struct {
	kv jetstream.KeyValue
}

// OpenKVIndex creates or opens the bucket; band values not updated for ttl
// expire.
func OpenKVIndex(ctx context.Context, js jetstream.JetStream, ttl time.Duration, replicas int) (*KVIndex, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      SimhashBucket,
		Description: "recent article fingerprints by LSH band (b<band>.<value> -> id fingerprint original)",
		History:     1,
		TTL:         ttl,
		Storage:     jetstream.FileStorage,
		Replicas:    max(replicas, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("open key-value bucket %s: %w", SimhashBucket, err)
	}
	return &KVIndex{kv: kv}, nil
}

// Add implements simhash.Index: it reads the article's bands, picks the
// original among their entries, then appends the article to each band.
func (x *KVIndex) Add(ctx context.Context, id string, fp uint64) (string, error) {
	var cands []simhash.Entry
	for i := 0; i < simhash.NumBands; i++ {
		e, err := x.kv.Get(ctx, simhash.BandKey(i, fp))
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("read band %s: %w", simhash.BandKey(i, fp), err)
		}
		cands = append(cands, simhash.ParseEntries(string(e.Value()))...)
	}
	root := simhash.Nearest(id, fp, cands)
	entry := simhash.Entry{ID: id, FP: fp, Root: id}
	if root != "" {
		entry.Root = root
	}
	var errs []error
	for i := 0; i < simhash.NumBands; i++ {
		if err := x.appendEntry(ctx, simhash.BandKey(i, fp), entry); err != nil {
			errs = append(errs, err)
		}
	}
	return root, errors.Join(errs...)
}

// appendEntry adds e to a band, replacing an older entry of the same id,
// with compare-and-set retries against concurrent writers.
func (x *KVIndex) appendEntry(ctx context.Context, key string, e simhash.Entry) error {
	for attempt := 0; attempt < 8; attempt++ {
		cur, err := x.kv.Get(ctx, key)
		var es []simhash.Entry
		var rev uint64
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
		case err != nil:
			return fmt.Errorf("file fingerprint in %s: %w", key, err)
		default:
			es, rev = simhash.ParseEntries(string(cur.Value())), cur.Revision()
		}
		kept := es[:0]
		for _, o := range es {
			if o.ID != e.ID {
				kept = append(kept, o)
			}
		}
		val := []byte(simhash.FormatEntries(append(kept, e)))
		if rev == 0 {
			_, err = x.kv.Create(ctx, key, val)
		} else {
			_, err = x.kv.Update(ctx, key, val, rev)
		}
		if err == nil {
			return nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return fmt.Errorf("file fingerprint in %s: %w", key, err)
		}
	}
	return fmt.Errorf("file fingerprint in %s: too many concurrent updates", key)
}
