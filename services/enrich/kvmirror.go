package enrich

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// bucketMirror keeps a replica's own copy of a key-value bucket: it hands
// every entry the bucket holds to apply, then every update, until Close.
// The near-duplicate and story buckets are read this way, so that a
// lookup costs no round trip.
type bucketMirror struct {
	w    jetstream.KeyWatcher
	stop context.CancelFunc
	done chan struct{}
}

// mirrorBucket watches kv (named bucket in errors) and returns once the
// entries already in it have been applied; the later ones are applied in
// the background, one at a time, in the bucket's order. The watch lives
// until Close, not until ctx, which bounds the loading only.
func mirrorBucket(ctx context.Context, kv jetstream.KeyValue, bucket string, apply func(jetstream.KeyValueEntry), opts ...jetstream.WatchOpt) (*bucketMirror, error) {
	wctx, stop := context.WithCancel(context.Background())
	w, err := kv.WatchAll(wctx, opts...)
	if err != nil {
		stop()
		return nil, fmt.Errorf("watch key-value bucket %s: %w", bucket, err)
	}
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				stop()
				return nil, fmt.Errorf("watch key-value bucket %s: closed while loading", bucket)
			}
			if e == nil { // the entries held at the start are in
				m := &bucketMirror{w: w, stop: stop, done: make(chan struct{})}
				go m.follow(apply)
				return m, nil
			}
			apply(e)
		case <-ctx.Done():
			_ = w.Stop()
			stop()
			return nil, fmt.Errorf("load key-value bucket %s: %w", bucket, ctx.Err())
		}
	}
}

func (m *bucketMirror) follow(apply func(jetstream.KeyValueEntry)) {
	defer close(m.done)
	for e := range m.w.Updates() {
		if e != nil {
			apply(e)
		}
	}
}

// Close stops the watch and waits for the update being applied. A watch
// whose consumer is already gone (JetStream was restarted under it) is
// simply stopped.
func (m *bucketMirror) Close() error {
	err := m.w.Stop()
	m.stop()
	<-m.done
	if errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, nats.ErrConsumerNotFound) {
		return nil
	}
	return err
}
