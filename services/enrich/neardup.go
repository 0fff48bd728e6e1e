package enrich

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/simhash"
)

// SimhashBucket is the key-value bucket of recent signatures, shared by
// every enrich replica: key "a.<article id>", value "<fingerprint
// hex>:<sketch> <original id>" (the sketch in simhash.Sketch's text form).
// Entries written before sketches, "<fingerprint hex> <original id>", are
// still read, and compared by SimHash until they expire; replicas of that
// time cannot parse the new values and skip them with a warning.
const SimhashBucket = "NEWSFLOW_SIMHASH"

// KVIndex is a simhash.Index shared through a JetStream key-value bucket.
// Each replica keeps the LSH bands in memory, fed by a watch on the bucket
// (every replica's articles, and the bucket's content after a restart), so
// a lookup costs no round trip and filing an article costs one write.
type KVIndex struct {
	kv    jetstream.KeyValue
	local *simhash.MemoryIndex
	w     jetstream.KeyWatcher
	stop  context.CancelFunc
	done  chan struct{}
	log   *zap.Logger
}

// OpenKVIndex creates or opens the bucket, where an article's entry
// expires after ttl, and starts watching it until ctx ends or Close. It
// returns once the entries already in the bucket are loaded.
func OpenKVIndex(ctx context.Context, js jetstream.JetStream, ttl time.Duration, replicas int, log *zap.Logger) (*KVIndex, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      SimhashBucket,
		Description: "recent article fingerprints for near-duplicate search (a.<id> -> fingerprint original)",
		History:     1,
		TTL:         ttl,
		Storage:     jetstream.FileStorage,
		Replicas:    max(replicas, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("open key-value bucket %s: %w", SimhashBucket, err)
	}
	// The watch lives until Close, not until ctx (a start-up deadline).
	wctx, stop := context.WithCancel(context.Background())
	w, err := kv.WatchAll(wctx, jetstream.IgnoreDeletes())
	if err != nil {
		stop()
		return nil, fmt.Errorf("watch key-value bucket %s: %w", SimhashBucket, err)
	}
	if log == nil {
		log = zap.NewNop()
	}
	x := &KVIndex{kv: kv, local: simhash.NewMemoryIndex(), w: w, stop: stop, done: make(chan struct{}), log: log}
	// Load what the bucket holds, then follow it in the background.
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				stop()
				return nil, fmt.Errorf("watch key-value bucket %s: closed while loading", SimhashBucket)
			}
			if e == nil {
				go x.follow()
				return x, nil
			}
			x.file(e)
		case <-ctx.Done():
			_ = w.Stop()
			stop()
			return nil, fmt.Errorf("load key-value bucket %s: %w", SimhashBucket, ctx.Err())
		}
	}
}

func (x *KVIndex) follow() {
	defer close(x.done)
	for e := range x.w.Updates() {
		if e != nil {
			x.file(e)
		}
	}
}

// Close stops watching the bucket. A watch whose consumer is already gone
// (JetStream was restarted under it) is simply stopped.
func (x *KVIndex) Close() error {
	err := x.w.Stop()
	x.stop()
	<-x.done
	if errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, nats.ErrConsumerNotFound) {
		return nil
	}
	return err
}

func (x *KVIndex) file(e jetstream.KeyValueEntry) {
	id, ok := strings.CutPrefix(e.Key(), "a.")
	if !ok {
		return
	}
	sig, root, err := parseValue(string(e.Value()))
	if err != nil {
		x.log.Warn("bad near-duplicate entry", zap.String("article_id", id), zap.Error(err))
		return
	}
	x.local.File(simhash.Entry{ID: id, FP: sig.FP, Root: root}, sig.Sketch)
}

// formatValue encodes an entry's value: "<fingerprint hex>:<sketch>
// <original>".
func formatValue(sig simhash.Signature, root string) []byte {
	b := strconv.AppendUint(make([]byte, 0, 24+len(root)+6*len(sig.Sketch)), sig.FP, 16)
	if sig.Sketch != nil {
		b = append(b, ':')
		b, _ = sig.Sketch.AppendText(b)
	}
	b = append(b, ' ')
	return append(b, root...)
}

// parseValue decodes an entry's value, with or without a sketch.
func parseValue(v string) (simhash.Signature, string, error) {
	head, root, _ := strings.Cut(v, " ")
	if root == "" {
		return simhash.Signature{}, "", fmt.Errorf("value %.40q is not \"<fingerprint> <original>\"", v)
	}
	fpHex, skText, hasSketch := strings.Cut(head, ":")
	fp, err := strconv.ParseUint(fpHex, 16, 64)
	if err != nil {
		return simhash.Signature{}, "", err
	}
	sig := simhash.Signature{FP: fp}
	if hasSketch {
		if sig.Sketch, err = simhash.ParseSketch(skText); err != nil {
			return simhash.Signature{}, "", err
		}
	}
	return sig, root, nil
}

// Add implements simhash.Index: the original among the entries every
// replica has filed, then the article filed for all of them.
func (x *KVIndex) Add(ctx context.Context, id string, sig simhash.Signature) (string, error) {
	root := x.local.Match(id, sig)
	e := simhash.Entry{ID: id, FP: sig.FP, Root: id}
	if root != "" {
		e.Root = root
	}
	x.local.File(e, sig.Sketch)
	sctx, classify, cancel := natsbus.StoreContext(ctx)
	defer cancel()
	if _, err := x.kv.Put(sctx, "a."+id, formatValue(sig, e.Root)); err != nil {
		return root, fmt.Errorf("file fingerprint of %s: %w", id, classify(err))
	}
	return root, nil
}

var _ simhash.Index = (*KVIndex)(nil)
