package enrich

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/simhash"
)

// SimhashBucket is the key-value bucket of recent signatures, shared by
// every enrich replica. A replica writes the signatures filed at about the
// same time as one entry, key "b.<replica>.<n>", value one line per
// article: "<article id> <fingerprint hex>:<sketch> <original id>" (the
// sketch in simhash.Sketch's text form). Entries of one article, key
// "a.<article id>", value "<fingerprint hex>:<sketch> <original id>", were
// written before batches and are still read until they expire; entries
// written before sketches, "<fingerprint hex> <original id>", are compared
// by SimHash. Replicas older than batches do not see the batches.
const SimhashBucket = "NEWSFLOW_SIMHASH"

// KVIndex is a simhash.Index shared through a JetStream key-value bucket.
// Each replica keeps the LSH bands in memory, fed by a watch on the bucket
// (every replica's articles, and the bucket's content after a restart), so
// a lookup costs no round trip. Filing coalesces: the signatures filed
// while one write is in flight go together in the next (group commit), so
// under load a write and its delivery to every replica carry many
// articles, and at rest an article waits for no timer.
type KVIndex struct {
	kv     jetstream.KeyValue
	local  *simhash.MemoryIndex
	mirror *bucketMirror
	log    *zap.Logger
	prefix string // "b.<replica>.": the keys of this replica's batches

	mu       sync.Mutex
	pending  []byte       // lines of the next batch
	waiters  []chan error // one per line of pending
	flushing bool
	batches  uint64
}

// maxBatchLines bounds the signatures of one batch entry (a line is about
// 0.1-0.5 KB).
const maxBatchLines = 256

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
	if log == nil {
		log = zap.NewNop()
	}
	var nonce [6]byte
	_, _ = rand.Read(nonce[:])
	x := &KVIndex{kv: kv, local: simhash.NewMemoryIndex(), log: log,
		prefix: "b." + hex.EncodeToString(nonce[:]) + "."}
	// Load what the bucket holds, then follow it in the background.
	if x.mirror, err = mirrorBucket(ctx, kv, SimhashBucket, x.file, jetstream.IgnoreDeletes()); err != nil {
		return nil, err
	}
	return x, nil
}

// Close stops watching the bucket.
func (x *KVIndex) Close() error { return x.mirror.Close() }

func (x *KVIndex) file(e jetstream.KeyValueEntry) {
	key := e.Key()
	if strings.HasPrefix(key, "b.") {
		if !strings.HasPrefix(key, x.prefix) { // this replica filed its own
			x.fileBatch(string(e.Value()))
		}
		return
	}
	id, ok := strings.CutPrefix(key, "a.")
	if !ok {
		return
	}
	x.fileLine(id, string(e.Value()))
}

// fileBatch files the lines of a batch entry.
func (x *KVIndex) fileBatch(v string) {
	for v != "" {
		var line string
		line, v, _ = strings.Cut(v, "\n")
		id, val, ok := strings.Cut(line, " ")
		if !ok {
			x.log.Warn("bad near-duplicate batch line", zap.String("line", line))
			continue
		}
		x.fileLine(id, val)
	}
}

func (x *KVIndex) fileLine(id, v string) {
	sig, root, err := parseValue(v)
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
	done := make(chan error, 1)
	x.mu.Lock()
	x.pending = append(x.pending, id...)
	x.pending = append(x.pending, ' ')
	x.pending = append(append(x.pending, formatValue(sig, e.Root)...), '\n')
	x.waiters = append(x.waiters, done)
	if !x.flushing {
		x.flushing = true
		go x.flush()
	}
	x.mu.Unlock()
	select {
	case err := <-done:
		if err != nil {
			return root, fmt.Errorf("file fingerprint of %s: %w", id, err)
		}
		return root, nil
	case <-ctx.Done():
		return root, fmt.Errorf("file fingerprint of %s: %w", id, ctx.Err())
	}
}

// flush writes the pending signatures, maxBatchLines per entry, until
// none is left, and tells each Add how its write went.
func (x *KVIndex) flush() {
	for {
		x.mu.Lock()
		if len(x.waiters) == 0 {
			x.flushing = false
			x.mu.Unlock()
			return
		}
		n, cut := len(x.waiters), len(x.pending)
		if n > maxBatchLines {
			n, cut = maxBatchLines, nthLineEnd(x.pending, maxBatchLines)
		}
		data := bytes.Clone(x.pending[:cut])
		waiters := slices.Clone(x.waiters[:n])
		x.pending = append(x.pending[:0], x.pending[cut:]...)
		x.waiters = append(x.waiters[:0], x.waiters[n:]...)
		x.batches++
		key := x.prefix + strconv.FormatUint(x.batches, 10)
		x.mu.Unlock()

		sctx, classify, cancel := natsbus.StoreContext(context.Background())
		_, err := x.kv.Put(sctx, key, data)
		cancel()
		err = classify(err)
		for _, w := range waiters {
			w <- err
		}
	}
}

// nthLineEnd is the offset just past the n-th newline of b.
func nthLineEnd(b []byte, n int) int {
	off := 0
	for range n {
		i := bytes.IndexByte(b[off:], '\n')
		if i < 0 {
			return len(b)
		}
		off += i + 1
	}
	return off
}

var _ simhash.Index = (*KVIndex)(nil)
