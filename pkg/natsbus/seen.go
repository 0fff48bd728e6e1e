package natsbus

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/article"
)

// SeenBucket is the key-value bucket of article versions already ingested,
// shared by every ingest replica and the HTTP API.
const SeenBucket = "NEWSFLOW_SEEN"

// SeenSet remembers, per article id, the content hash of the last version
// ingested and the raw stream sequence it came from.
type SeenSet struct {
	kv jetstream.KeyValue
}

// OpenSeenSet creates or opens the seen-set bucket; entries expire after ttl.
func OpenSeenSet(ctx context.Context, js jetstream.JetStream, ttl time.Duration, replicas int) (*SeenSet, error) {
	if replicas < 1 {
		replicas = 1
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      SeenBucket,
		Description: "article versions already ingested (id -> content hash and raw sequence)",
		History:     1,
		TTL:         ttl,
		Storage:     jetstream.FileStorage,
		Replicas:    replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("open key-value bucket %s: %w", SeenBucket, err)
	}
	return &SeenSet{kv: kv}, nil
}

// LookupSeenSet opens the seen-set bucket that ingest created, without
// changing its configuration (for clients such as newsflow publish).
func LookupSeenSet(ctx context.Context, js jetstream.JetStream) (*SeenSet, error) {
	kv, err := js.KeyValue(ctx, SeenBucket)
	if err != nil {
		return nil, fmt.Errorf("open key-value bucket %s: %w", SeenBucket, err)
	}
	return &SeenSet{kv: kv}, nil
}

func seenValue(hash string, seq uint64) []byte {
	return []byte(hash + " " + strconv.FormatUint(seq, 10))
}

func parseSeen(v []byte) (hash string, seq uint64) {
	h, s, _ := strings.Cut(string(v), " ")
	seq, _ = strconv.ParseUint(s, 10, 64)
	return h, seq
}

// Contains reports whether this exact version (id and content hash) was
// already ingested.
func (s *SeenSet) Contains(ctx context.Context, id, hash string) (bool, error) {
	e, err := s.kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("seen-set lookup %s: %w", id, err)
	}
	h, _ := parseSeen(e.Value())
	return h == hash, nil
}

// Record notes that the raw message seq carries version hash of article id.
// It reports true when another raw message already carried that version:
// the caller has an exact resubmission. A redelivery of the same raw message
// is not a duplicate, so a crash between Record and the downstream publish
// loses nothing.
func (s *SeenSet) Record(ctx context.Context, id, hash string, seq uint64) (bool, error) {
	if !article.ValidID(id) {
		return false, fmt.Errorf("seen-set: invalid id %q", id)
	}
	for attempt := 0; attempt < 5; attempt++ {
		// Most articles are new: try to create the key first, so that a new
		// article costs one round trip. The server's compare-and-set makes
		// exactly one of two racing replicas win.
		_, err := s.kv.Create(ctx, id, seenValue(hash, seq))
		if err == nil {
			return false, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return false, fmt.Errorf("seen-set create %s: %w", id, err)
		}
		e, err := s.kv.Get(ctx, id)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			continue // expired or deleted in between: create again
		case err != nil:
			return false, fmt.Errorf("seen-set lookup %s: %w", id, err)
		}
		h, prevSeq := parseSeen(e.Value())
		if h == hash {
			return prevSeq != seq, nil
		}
		// A new version of the article: take it over.
		_, err = s.kv.Update(ctx, id, seenValue(hash, seq), e.Revision())
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("seen-set update %s: %w", id, err)
		}
		return false, nil
	}
	return false, fmt.Errorf("seen-set %s: too many concurrent updates", id)
}

// RawMsgID is the Nats-Msg-Id of a raw submission of a prepared article:
// the same version submitted twice within the duplicate window is stored
// once.
func RawMsgID(a *article.Article) string { return "raw:" + a.ID + ":" + a.ContentHash }
