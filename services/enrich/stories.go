package enrich

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

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

// KVStories is a story.Index shared through a JetStream key-value bucket.
// Each replica keeps every open story in a story.MemoryIndex, fed by a
// watch on the bucket, and scores an article there without a round trip.
// Joining a story reads its entry and writes it back with the revision it
// read (compare-and-set): two replicas adding to one story at once retry
// rather than overwrite each other. Before it scores, an assignment waits
// until the watch has delivered every write made to the bucket so far
// (one stream-info round trip), so an article enriched after another on
// any replica sees that one's story. Two articles of a new story enriched
// at the same instant on two replicas may still start two stories.
type KVStories struct {
	kv    jetstream.KeyValue
	local *story.MemoryIndex
	w     jetstream.KeyWatcher
	stop  context.CancelFunc
	done  chan struct{}
	log   *zap.Logger

	// assign serializes this replica's assignments: they contend for
	// the same stories, and only other replicas' writes should make a
	// compare-and-set retry.
	assign sync.Mutex

	mu      sync.Mutex
	applied uint64        // the last bucket revision the watch delivered
	changed chan struct{} // closed and replaced when applied grows
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
	wctx, stop := context.WithCancel(context.Background())
	w, err := kv.WatchAll(wctx)
	if err != nil {
		stop()
		return nil, fmt.Errorf("watch key-value bucket %s: %w", StoriesBucket, err)
	}
	if log == nil {
		log = zap.NewNop()
	}
	x := &KVStories{kv: kv, local: local, w: w, stop: stop, done: make(chan struct{}), log: log, changed: make(chan struct{})}
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				stop()
				return nil, fmt.Errorf("watch key-value bucket %s: closed while loading", StoriesBucket)
			}
			if e == nil {
				go x.follow()
				return x, nil
			}
			x.apply(e)
		case <-ctx.Done():
			_ = w.Stop()
			stop()
			return nil, fmt.Errorf("load key-value bucket %s: %w", StoriesBucket, ctx.Err())
		}
	}
}

func (x *KVStories) follow() {
	defer close(x.done)
	for e := range x.w.Updates() {
		if e != nil {
			x.apply(e)
		}
	}
}

// Close stops watching the bucket.
func (x *KVStories) Close() error {
	err := x.w.Stop()
	x.stop()
	<-x.done
	if errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, nats.ErrConsumerNotFound) {
		return nil
	}
	return err
}

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
	st, err := decodeStory(e.Value())
	if err != nil {
		x.log.Warn("bad story entry", zap.String("story_id", id), zap.Error(err))
		return
	}
	x.local.Put(st)
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
// most storySyncWait.
func (x *KVStories) sync(ctx context.Context) error {
	sctx, classify, cancel := natsbus.StoreContext(ctx)
	defer cancel()
	status, err := x.kv.Status(sctx)
	if err != nil {
		return fmt.Errorf("read the state of %s: %w", StoriesBucket, classify(err))
	}
	bs, ok := status.(*jetstream.KeyValueBucketStatus)
	if !ok || bs.StreamInfo() == nil || bs.Values() == 0 {
		return nil
	}
	last := bs.StreamInfo().State.LastSeq
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
	defer x.assign.Unlock()
	for attempt := range storyAttempts {
		if attempt > 0 {
			// Another replica wrote the story in between: let it go on.
			select {
			case <-time.After(time.Duration(rand.Int64N(int64(attempt) * int64(time.Millisecond)))):
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}
		sid, known := x.local.Choose(id, s)
		if known {
			return sid, nil
		}
		var (
			done bool
			err  error
		)
		if sid == "" {
			done, err = x.start(ctx, id, s)
			sid = id
		} else {
			done, err = x.join(ctx, sid, id, s)
		}
		if err != nil {
			return "", err
		}
		if done {
			return sid, nil
		}
	}
	return "", fmt.Errorf("assign %s to a story: %d attempts lost to concurrent writers of %s: %w", id, storyAttempts, StoriesBucket, natsbus.ErrStorageUnavailable)
}

// start writes a new story of article id. A story under the article's id
// exists already only when the article started it before (a redelivery,
// or another replica enriching the same article): that story is the
// article's, whether or not the local index still keeps it (an article
// dated before the index's window is dropped from it at once).
func (x *KVStories) start(ctx context.Context, id string, s story.Signature) (bool, error) {
	st := story.NewStory(id)
	st.Add(id, s)
	data, err := json.Marshal(st)
	if err != nil {
		return false, err
	}
	sctx, classify, cancel := natsbus.StoreContext(ctx)
	defer cancel()
	if _, err := x.kv.Create(sctx, "s."+id, data); err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) {
			return true, x.reload(sctx, id, classify)
		}
		return false, fmt.Errorf("start story %s: %w", id, classify(err))
	}
	x.local.Put(st)
	return true, nil
}

// join adds article id to story sid with compare-and-set; false when the
// story changed or went since the local copy was made (it is reloaded and
// the caller chooses again).
func (x *KVStories) join(ctx context.Context, sid, id string, s story.Signature) (bool, error) {
	sctx, classify, cancel := natsbus.StoreContext(ctx)
	defer cancel()
	e, err := x.kv.Get(sctx, "s."+sid)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		x.local.Remove(sid)
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read story %s: %w", sid, classify(err))
	}
	st, err := decodeStory(e.Value())
	if err != nil {
		// Unreadable: start anew rather than fail every article of it.
		x.log.Warn("bad story entry", zap.String("story_id", sid), zap.Error(err))
		x.local.Remove(sid)
		return false, nil
	}
	if slices.Contains(st.IDs, id) {
		x.local.Put(st)
		return true, nil
	}
	st.Add(id, s)
	data, err := json.Marshal(st)
	if err != nil {
		return false, err
	}
	if _, err := x.kv.Update(sctx, "s."+sid, data, e.Revision()); err != nil {
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
			return false, x.reload(sctx, sid, classify)
		}
		return false, fmt.Errorf("add %s to story %s: %w", id, sid, classify(err))
	}
	x.local.Put(st)
	return true, nil
}

// reload files the bucket's current entry of story sid.
func (x *KVStories) reload(ctx context.Context, sid string, classify func(error) error) error {
	e, err := x.kv.Get(ctx, "s."+sid)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		x.local.Remove(sid)
		return nil
	}
	if err != nil {
		return fmt.Errorf("read story %s: %w", sid, classify(err))
	}
	if st, err := decodeStory(e.Value()); err == nil {
		x.local.Put(st)
	}
	return nil
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
