package natsbus_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natstest"
)

// TestStreamLimitsUpdate: streams made by an earlier version (discard: old,
// no bounds) and holding messages are updated in place to the bounded
// configuration (max_msgs, max_bytes, discard: new) without losing a
// message, and a publish past the bound is refused with the server's
// reason.
func TestStreamLimitsUpdate(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	old := natsbus.DefaultTopology()
	old.Storage = jetstream.MemoryStorage
	for _, sc := range old.StreamConfigs() {
		sc.Discard = jetstream.DiscardOld // as before the bounds
		if _, err := js.CreateStream(ctx, sc); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		if _, err := js.Publish(ctx, natsbus.RawSubject("alpha"), []byte{byte('a' + i)}); err != nil {
			t.Fatal(err)
		}
	}
	bounded := old
	bounded.RawMaxMsgs, bounded.RawMaxBytes = 4, 1<<20
	bounded.ArticlesMaxMsgs, bounded.ArticlesMaxBytes = 1000, 1<<20
	if err := natsbus.EnsureStreams(ctx, js, bounded); err != nil {
		t.Fatalf("updating existing streams to the bounds: %v", err)
	}
	st, err := js.Stream(ctx, natsbus.StreamRaw)
	if err != nil {
		t.Fatal(err)
	}
	info := st.CachedInfo()
	if info.Config.Discard != jetstream.DiscardNew || info.Config.MaxMsgs != 4 || info.Config.MaxBytes != 1<<20 {
		t.Errorf("raw stream config discard %v max_msgs %d max_bytes %d, want new, 4, 1 MiB", info.Config.Discard, info.Config.MaxMsgs, info.Config.MaxBytes)
	}
	if info.State.Msgs != 3 {
		t.Errorf("raw stream holds %d messages after the update, want 3", info.State.Msgs)
	}
	if _, err := js.Publish(ctx, natsbus.RawSubject("alpha"), []byte("d")); err != nil {
		t.Fatalf("fourth message: %v", err)
	}
	_, err = js.Publish(ctx, natsbus.RawSubject("alpha"), []byte("e"))
	if err == nil || !strings.Contains(err.Error(), "maximum messages exceeded") {
		t.Errorf("publish past max_msgs: %v, want maximum messages exceeded", err)
	}
	if err := st.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	// No bound (0) is JetStream's -1 and validates; a negative one does not.
	if err := natsbus.EnsureStreams(ctx, js, old); err != nil {
		t.Fatal(err)
	}
	neg := old
	neg.RawMaxBytes = -5
	if err := neg.Validate(); err == nil || !strings.Contains(err.Error(), "--raw-max-bytes") {
		t.Errorf("negative bound: %v, want an error naming --raw-max-bytes", err)
	}
}
