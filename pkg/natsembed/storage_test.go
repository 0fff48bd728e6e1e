package natsembed_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/natsembed"
)

func TestStorageWatchRestartsJetStream(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail func(t *testing.T, w *natsembed.StorageWatch, srvErrorf func(string, ...any), shutdown func() error)
	}{
		{"stream write error in the server log", func(t *testing.T, _ *natsembed.StorageWatch, errorf func(string, ...any), _ func() error) {
			errorf("JetStream failed to store a msg on stream '%s > %s': %v", "$G", "S", "write /data/nats/jetstream/$G/streams/S/msgs/1.blk: no space left on device")
		}},
		{"jetstream disabled", func(t *testing.T, _ *natsembed.StorageWatch, _ func(string, ...any), shutdown func() error) {
			if err := shutdown(); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := natsembed.Config{StoreDir: t.TempDir(), Addr: "127.0.0.1:-1"}
			srv, err := natsembed.Start(cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
			w := natsembed.WatchStorage(srv, cfg, 0, zaptest.NewLogger(t))
			w.Every = 20 * time.Millisecond
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			nc, err := nats.Connect(srv.ClientURL(), nats.MaxReconnects(-1))
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			js, err := jetstream.New(nc)
			if err != nil {
				t.Fatal(err)
			}
			rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
			defer rcancel()
			if _, err := js.CreateStream(rctx, jetstream.StreamConfig{Name: "S", Subjects: []string{"s.>"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := js.Publish(rctx, "s.1", []byte("kept")); err != nil {
				t.Fatal(err)
			}
			if err := w.Check(rctx); err != nil {
				t.Fatalf("check before the failure: %v", err)
			}

			tc.fail(t, w, srv.Errorf, srv.ShutdownJetStream)
			if err := w.Check(rctx); !errors.Is(err, natsembed.ErrJetStreamStopped) {
				t.Fatalf("check after the failure = %v, want ErrJetStreamStopped", err)
			}
			go w.Run(ctx)
			deadline := time.Now().Add(10 * time.Second)
			for w.Check(rctx) != nil || w.Restarts() == 0 {
				if time.Now().After(deadline) {
					t.Fatalf("jetstream not restarted: %v", w.Check(rctx))
				}
				time.Sleep(20 * time.Millisecond)
			}
			// The stream came back from disk with its message and takes
			// writes again.
			var ack *jetstream.PubAck
			for ack == nil {
				if ack, err = js.Publish(rctx, "s.2", []byte("new")); err != nil && time.Now().After(deadline) {
					t.Fatalf("publish after the restart: %v", err)
				}
			}
			if ack.Sequence != 2 {
				t.Errorf("sequence after the restart = %d, want 2 (the first message kept)", ack.Sequence)
			}
		})
	}
}
