package enrich

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"golang.org/x/sync/singleflight"

	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/story"
)

// StoriesBucket is the key-value bucket of recent stories, shared by every
// enrich replica: key "s.<story id>", value the story's state as JSON
// (story.Story: its id, the signatures of its latest members, their
// article ids, its size and dates). A story untouched for its TTL expires.
const StoriesBucket = "NEWSFLOW_STORIES"

// storySyncWait bounds how long an assignment waits for the watch to
// bring the replica's copy of the bucket up to date with writes made
// before it (by other replicas); after it the assignment goes on with
// what the replica has.
const storySyncWait = 2 * time.Second

// storyAttempts is how often an assignment retries a story another
// replica changed between its read and its write.
const storyAttempts = 8

// maxOwnWrites bounds the revisions a replica remembers having written.
const maxOwnWrites = 65536

// maxUnwritten bounds the articles a replica remembers to write again.
const maxUnwritten = 65536

// KVStories is a story.Index shared through a JetStream key-value bucket.
// Each replica keeps every open story in a story.MemoryIndex, fed by a
// watch on the bucket, and scores an article there without a round trip.
// An assignment is decided and filed in that local copy at once, under one
// lock held only in memory, so the replica's next article sees it; the
// bucket is written after, outside that lock: the story's entry is read
// and written back with the revision read (compare-and-set), the article
// added to whatever the entry holds then, so two replicas adding to one
// story at once both land. Writes of one story by one replica are
// serialised (striped locks), writes of different stories run side by
// side. Before it scores, an assignment waits until the watch has
// delivered every write made to the bucket so far (one stream-info round
// trip, shared by the assignments that ask at the same time), so an
// article enriched after another on any replica sees that one's story.
// Two articles of a new story enriched at the same instant on two replicas
// may still start two stories.
type KVStories struct {
	kv     jetstream.KeyValue
	local  *story.MemoryIndex
	mirror *bucketMirror
	log    *zap.Logger

	// assign serialises this replica's choices and their filing in the
	// local copy (memory only, no round trip).
	assign sync.Mutex
	// unwritten are the articles filed in the local copy whose bucket
	// write failed (at most maxUnwritten; under assign).
	unwritten map[string]struct{}
	// writes serialise this replica's writes of one story (by a hash of
	// its id): they would only make each other's compare-and-set retry.
	writes [64]sync.Mutex
	// status shares one read of the bucket's state among the
	// assignments waiting for it.
	status singleflight.Group

	mu      sync.Mutex
	own     map[string]uint64 // story id -> the revision this replica last wrote, until the watch brings it
	applied uint64            // the last bucket revision the watch delivered
	changed chan struct{}     // closed and replaced when applied grows
}

// OpenKVStories creates or opens the bucket (entries expire after the
// index's Retain) and starts watching it until Close. It returns once the
// stories already in the bucket are loaded.
func OpenKVStories(ctx context.Context, js jetstream.JetStream, p story.Params, replicas int, log *zap.Logger) (*KVStories, error) {
	local := story.NewMemoryIndex(p)
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      StoriesBucket,
		Description: "recent stories for story_id (s.<story id> -> members' signatures and ids)",
		History:     1,
		TTL:         local.Retain,
		Storage:     jetstream.FileStorage,
		Replicas:    max(replicas, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("open key-value bucket %s: %w", StoriesBucket, err)
	}
	if log == nil {
		log = zap.NewNop()
	}
	x := &KVStories{kv: kv, local: local, log: log, changed: make(chan struct{}), unwritten: map[string]struct{}{}, own: map[string]uint64{}}
	if x.mirror, err = mirrorBucket(ctx, kv, StoriesBucket, x.apply); err != nil {
		return nil, err
	}
	return x, nil
}

// Close stops watching the bucket.
func (x *KVStories) Close() error { return x.mirror.Close() }

// apply files one entry of the bucket in the local index.
func (x *KVStories) apply(e jetstream.KeyValueEntry) {
	defer x.advance(e.Revision())
	id, ok := strings.CutPrefix(e.Key(), "s.")
	if !ok {
		return
	}
	if e.Operation() != jetstream.KeyValuePut {
		x.local.Remove(id)
		return
	}
	if x.ownWrite(id, e.Revision()) {
		return // this replica wrote it and filed it already
	}
	st, err := decodeStory(e.Value())
	if err != nil {
		x.log.Warn("bad story entry", zap.String("story_id", id), zap.Error(err))
		return
	}
	x.local.Put(st)
}

// wrote notes that this replica wrote revision rev of story sid and filed
// that state in its copy: the watch need not decode it again.
func (x *KVStories) wrote(sid string, rev uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if len(x.own) >= maxOwnWrites {
		clear(x.own) // entries the watch never matched (expired stories)
	}
	x.own[sid] = rev
}

// ownWrite reports whether revision rev of story sid is one this replica
// wrote (and forgets it).
func (x *KVStories) ownWrite(sid string, rev uint64) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if r, ok := x.own[sid]; ok && r == rev {
		delete(x.own, sid)
		return true
	}
	return false
}

func (x *KVStories) advance(rev uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if rev > x.applied {
		x.applied = rev
		close(x.changed)
		x.changed = make(chan struct{})
	}
}

// sync waits until the watch has delivered the bucket's last revision, at
// most storySyncWait. Concurrent callers share one read of that revision.
func (x *KVStories) sync(ctx context.Context) error {
	v, err, _ := x.status.Do("", func() (any, error) {
		// Not one caller's context: the read is shared.
		sctx, classify, cancel := natsbus.StoreContext(context.WithoutCancel(ctx))
		defer cancel()
		status, err := x.kv.Status(sctx)
		if err != nil {
			return uint64(0), fmt.Errorf("read the state of %s: %w", StoriesBucket, classify(err))
		}
		bs, ok := status.(*jetstream.KeyValueBucketStatus)
		if !ok || bs.StreamInfo() == nil || bs.Values() == 0 {
			return uint64(0), nil
		}
		return bs.StreamInfo().State.LastSeq, nil
	})
	if err != nil {
		return err
	}
	last := v.(uint64)
	if last == 0 {
		return nil
	}
	timer := time.NewTimer(storySyncWait)
	defer timer.Stop()
	for {
		x.mu.Lock()
		applied, changed := x.applied, x.changed
		x.mu.Unlock()
		if applied >= last {
			return nil
		}
		select {
		case <-changed:
		case <-timer.C:
			// The last entries expired before the watch reached them,
			// or the watch lags: go on with what is here.
			x.advance(last)
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Assign implements story.Index.
func (x *KVStories) Assign(ctx context.Context, id string, s story.Signature) (string, error) {
	if err := x.sync(ctx); err != nil {
		return "", err
	}
	x.assign.Lock()
	sid, known := x.local.Choose(id, s)
	if known {
		_, retry := x.unwritten[id]
		x.assign.Unlock()
		if retry {
			// Filed here, but its write failed: write it now.
			return x.written(ctx, sid, id, s)
		}
		return sid, nil
	}
	st := (*story.Story)(nil)
	if sid != "" {
		st = x.local.Story(sid)
	}
	if st == nil {
		// A new story, or one that left the local copy in between.
		sid, st = id, story.NewStory(id)
	}
	st.Add(id, s)
	x.local.Put(st)
	x.assign.Unlock()
	return x.written(ctx, sid, id, s)
}

// written writes the assignment of article id to story sid and keeps
// account of the articles whose write failed (a redelivery writes again).
func (x *KVStories) written(ctx context.Context, sid, id string, s story.Signature) (string, error) {
	err := x.write(ctx, sid, id, s)
	x.assign.Lock()
	if err != nil {
		if len(x.unwritten) < maxUnwritten {
			x.unwritten[id] = struct{}{}
		}
	} else {
		delete(x.unwritten, id)
	}
	x.assign.Unlock()
	if err != nil {
		return "", err
	}
	return sid, nil
}

// write adds article id with signature s to story sid in the bucket: to
// the entry as it is there (compare-and-set, read again when another
// replica wrote in between), or a new entry when there is none. An entry
// of the article's own story that exists already is the article's: it
// started it before (a redelivery; an article dated before the local
// window is dropped from the local copy at once, so it comes back here).
func (x *KVStories) write(ctx context.Context, sid, id string, s story.Signature) error {
	h := fnv.New32a()
	_, _ = h.Write([]byte(sid))
	l := &x.writes[h.Sum32()%uint32(len(x.writes))]
	l.Lock()
	defer l.Unlock()
	key := "s." + sid
	for attempt := range storyAttempts {
		if attempt > 0 {
			// Another replica wrote the story in between: let it go on.
			select {
			case <-time.After(time.Duration(rand.Int64N(int64(attempt) * int64(2*time.Millisecond)))):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		done, err := x.writeOnce(ctx, key, sid, id, s)
		if done || err != nil {
			return err
		}
	}
	return fmt.Errorf("add %s to story %s: %d attempts lost to concurrent writers of %s: %w", id, sid, storyAttempts, StoriesBucket, natsbus.ErrStorageUnavailable)
}

// writeOnce makes one attempt of write; false when another writer came
// in between.
func (x *KVStories) writeOnce(ctx context.Context, key, sid, id string, s story.Signature) (bool, error) {
	sctx, classify, cancel := natsbus.StoreContext(ctx)
	defer cancel()
	e, err := x.kv.Get(sctx, key)
	var st *story.Story
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		st = story.NewStory(sid)
		if local := x.local.Story(sid); local != nil && slices.Contains(local.IDs, id) {
			st = local // what this replica knows of it, this article included
		} else {
			st.Add(id, s)
		}
		data, err := json.Marshal(st)
		if err != nil {
			return false, err
		}
		rev, err := x.kv.Create(sctx, key, data)
		if err != nil {
			if errors.Is(err, jetstream.ErrKeyExists) {
				return false, nil
			}
			return false, fmt.Errorf("start story %s: %w", sid, classify(err))
		}
		x.local.Put(st)
		x.wrote(sid, rev)
		return true, nil
	case err != nil:
		return false, fmt.Errorf("read story %s: %w", sid, classify(err))
	default:
		st, err = decodeStory(e.Value())
		if err != nil {
			// Unreadable: write it anew rather than fail every article of it.
			x.log.Warn("bad story entry", zap.String("story_id", sid), zap.Error(err))
			st = story.NewStory(sid)
		}
		if sid == id && st.N > 0 || slices.Contains(st.IDs, id) {
			x.local.Put(st)
			return true, nil
		}
		st.Add(id, s)
		data, err := json.Marshal(st)
		if err != nil {
			return false, err
		}
		rev, err := x.kv.Update(sctx, key, data, e.Revision())
		if err != nil {
			if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
				return false, nil
			}
			return false, fmt.Errorf("add %s to story %s: %w", id, sid, classify(err))
		}
		// Members another replica added in between are filed too (the
		// local copy keeps the entry with the most members).
		x.local.Put(st)
		x.wrote(sid, rev)
		return true, nil
	}
}

func decodeStory(data []byte) (*story.Story, error) {
	var st story.Story
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("decode story: %w", err)
	}
	if st.ID == "" || st.N <= 0 {
		return nil, fmt.Errorf("story without id or members")
	}
	return &st, nil
}

var _ story.Index = (*KVStories)(nil)
