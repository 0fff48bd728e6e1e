package natsembed_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/faulttest"
	"github.com/newsflow/newsflow/pkg/natsembed"
)

// A real full disk under the embedded JetStream: the stream that hit the
// write error refuses writes from then on, the watch says so, and once the
// ballast is gone it restarts JetStream, after which the stream holds
// every message it acknowledged and takes new ones.
func TestFaultJetStreamDiskFull(t *testing.T) {
	mnt := faulttest.Tmpfs(t, "32m")
	cfg := natsembed.Config{StoreDir: mnt + "/nats", Addr: "127.0.0.1:-1"}
	srv, err := natsembed.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	w := natsembed.WatchStorage(srv, cfg, 0, zaptest.NewLogger(t))
	w.Every = 50 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	go w.Run(ctx)
	nc, err := nats.Connect(srv.ClientURL(), nats.MaxReconnects(-1))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "S", Subjects: []string{"s.>"}}); err != nil {
		t.Fatal(err)
	}
	bal := faulttest.Ballast(t, mnt, 2<<20)

	payload := make([]byte, 64<<10)
	acked := 0
	var failure error
	for i := 0; i < 200 && failure == nil; i++ {
		pctx, pcancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := js.Publish(pctx, "s.x", payload)
		pcancel()
		if err != nil {
			failure = err
			break
		}
		acked++
	}
	if failure == nil {
		t.Fatal("200 publishes of 64 KiB went into 2 MiB of free space")
	}
	t.Logf("%d messages acknowledged, then: %v", acked, failure)
	if err := w.Check(ctx); !errors.Is(err, natsembed.ErrJetStreamStopped) {
		t.Fatalf("check on a full disk = %v, want ErrJetStreamStopped", err)
	}
	// No restart while the disk is still full.
	time.Sleep(300 * time.Millisecond)
	if n := w.Restarts(); n != 0 {
		t.Fatalf("%d restarts while the disk is full", n)
	}

	if err := os.Remove(bal); err != nil {
		t.Fatal(err)
	}
	freed := time.Now()
	for w.Restarts() == 0 || w.Check(ctx) != nil {
		if time.Since(freed) > 20*time.Second {
			t.Fatalf("jetstream not restarted 20s after space came back: %v", w.Check(ctx))
		}
		time.Sleep(20 * time.Millisecond)
	}
	var ack *jetstream.PubAck
	for ack == nil {
		pctx, pcancel := context.WithTimeout(ctx, 2*time.Second)
		ack, err = js.Publish(pctx, "s.x", []byte("after"))
		pcancel()
		if err != nil && time.Since(freed) > 30*time.Second {
			t.Fatalf("publish after the restart: %v", err)
		}
	}
	s, err := js.Stream(ctx, "S")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.CachedInfo().State.Msgs; got < uint64(acked)+1 {
		t.Errorf("stream holds %d messages, want the %d acknowledged before the failure and the new one", got, acked)
	}
	t.Logf("restarted %s after the ballast went; %d messages kept", time.Since(freed).Round(time.Millisecond), s.CachedInfo().State.Msgs)
}
