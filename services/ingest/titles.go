package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/intake"
	"github.com/newsflow/newsflow/pkg/natsbus"
)

// TitleAffixBucket is the key-value bucket of what ingest learns of the
// site names each source puts around its titles, shared by every ingest
// replica and the HTTP API: key the source token, value its
// intake.TitleState as JSON.
const TitleAffixBucket = "NEWSFLOW_TITLE_AFFIXES"

// KVTitleStore is an intake.TitleStore in a JetStream key-value bucket.
type KVTitleStore struct {
	kv jetstream.KeyValue
}

// OpenKVTitleStore creates or opens the bucket; a source whose titles are
// not seen again for ttl is forgotten.
func OpenKVTitleStore(ctx context.Context, js jetstream.JetStream, ttl time.Duration, replicas int) (*KVTitleStore, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      TitleAffixBucket,
		Description: "site names around each source's titles (source -> title counts per prefix and suffix)",
		History:     1,
		TTL:         ttl,
		Storage:     jetstream.FileStorage,
		Replicas:    max(replicas, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("open key-value bucket %s: %w", TitleAffixBucket, err)
	}
	return &KVTitleStore{kv: kv}, nil
}

// Load implements intake.TitleStore.
func (s *KVTitleStore) Load(ctx context.Context, source string) (intake.TitleState, uint64, error) {
	ctx, classify, cancel := natsbus.StoreContext(ctx)
	defer cancel()
	e, err := s.kv.Get(ctx, source)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return intake.TitleState{}, 0, nil
	}
	if err != nil {
		return intake.TitleState{}, 0, classify(err)
	}
	var st intake.TitleState
	if err := json.Unmarshal(e.Value(), &st); err != nil {
		// A value this version cannot read is started again.
		return intake.TitleState{}, e.Revision(), nil
	}
	return st, e.Revision(), nil
}

// Save implements intake.TitleStore.
func (s *KVTitleStore) Save(ctx context.Context, source string, st intake.TitleState, rev uint64) (uint64, error) {
	v, err := json.Marshal(st)
	if err != nil {
		return 0, err
	}
	ctx, classify, cancel := natsbus.StoreContext(ctx)
	defer cancel()
	var nrev uint64
	if rev == 0 {
		nrev, err = s.kv.Create(ctx, source, v)
	} else {
		nrev, err = s.kv.Update(ctx, source, v, rev)
	}
	switch {
	case err == nil:
		return nrev, nil
	case errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyNotFound):
		return 0, fmt.Errorf("%w: %w", intake.ErrTitleConflict, err)
	default:
		return 0, classify(err)
	}
}
