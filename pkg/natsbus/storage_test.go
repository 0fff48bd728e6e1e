package natsbus_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natstest"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

func TestIsStorageFailure(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"sentinel", fmt.Errorf("x: %w", natsbus.ErrStorageUnavailable), true},
		{"enospc", fmt.Errorf("write: %w", syscall.ENOSPC), true},
		{"emfile", fmt.Errorf("open: %w", syscall.EMFILE), true},
		{"bleve flattened", errors.New("segment: x.zap persist err: write x.zap: no space left on device"), true},
		{"jetstream out of resources", &jetstream.APIError{Code: 500, ErrorCode: 10023, Description: "insufficient resources"}, true},
		{"jetstream unavailable", &jetstream.APIError{Code: 503, Description: "JetStream system temporarily unavailable"}, true},
		{"no responders", nats.ErrNoResponders, true},
		{"nats timeout", fmt.Errorf("seen set: %w", nats.ErrTimeout), true},
		{"handler timeout is not storage", fmt.Errorf("handler timed out: %w", context.DeadlineExceeded), false},
		{"bad article", errors.New("decode article: unexpected end of JSON input"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := natsbus.IsStorageFailure(tc.err); got != tc.want {
				t.Errorf("IsStorageFailure(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

type storageRecorder struct {
	countingRecorder
	waits atomic.Int64
}

func (r *storageRecorder) StorageWait() { r.waits.Add(1) }

// A store that cannot take writes holds the message in the worker: it is
// neither redelivered (its deliveries are not used up) nor dead-lettered,
// and goes through once the store takes writes again.
func TestWorkerHoldsMessagesWhileStorageFails(t *testing.T) {
	t.Run("handler reports a storage failure", func(t *testing.T) {
		srv := natstest.RunServer(t)
		_, js := natstest.Connect(t, srv)
		natstest.Topology(t, js)
		rec := &storageRecorder{}
		var calls atomic.Int64
		cfg := testStage()
		cfg.MaxDeliver = 2
		startWorker(t, js, cfg, pipeline.HandlerFunc(func(_ context.Context, m *pipeline.Message) ([]*pipeline.Message, error) {
			if calls.Add(1) <= 5 {
				return nil, pipeline.Retry(fmt.Errorf("index article: write: %w", syscall.ENOSPC), 0)
			}
			return []*pipeline.Message{{ID: "a1", Data: m.Data}}, nil
		}), rec)
		publishRaw(t, js, "src", "hello")
		m := nextMsg(t, js, natsbus.StreamArticles, natsbus.SubjectIngested+".src")
		if string(m.Data()) != "hello" {
			t.Errorf("output = %q", m.Data())
		}
		eventually(t, "input acked", func() bool {
			info := consumerInfo(t, js, natsbus.StreamRaw, "ingest")
			return info.AckFloor.Stream == 1 && info.NumAckPending == 0
		})
		if n := calls.Load(); n != 6 {
			t.Errorf("handler calls = %d, want 6", n)
		}
		if info := consumerInfo(t, js, natsbus.StreamRaw, "ingest"); info.NumRedelivered != 0 {
			t.Errorf("redelivered = %d, want 0: the message was held, not handed back", info.NumRedelivered)
		}
		if rec.dlq.Load() != 0 || rec.waits.Load() != 5 {
			t.Errorf("dead letters = %d, storage waits = %d; want 0 and 5", rec.dlq.Load(), rec.waits.Load())
		}
		assertNoDeadLetters(t, js)
	})

	t.Run("downstream stream is full", func(t *testing.T) {
		srv := natstest.RunServer(t)
		_, js := natstest.Connect(t, srv)
		natstest.Topology(t, js)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		// ARTICLES refuses every new message, as a full store does.
		s, err := js.Stream(ctx, natsbus.StreamArticles)
		if err != nil {
			t.Fatal(err)
		}
		scfg := s.CachedInfo().Config
		full := scfg
		full.MaxMsgs, full.Discard = 0, jetstream.DiscardNew
		full.MaxBytes = 1
		if _, err := js.UpdateStream(ctx, full); err != nil {
			t.Fatal(err)
		}
		rec := &storageRecorder{}
		cfg := testStage()
		cfg.MaxDeliver = 1
		startWorker(t, js, cfg, pipeline.HandlerFunc(func(_ context.Context, m *pipeline.Message) ([]*pipeline.Message, error) {
			return []*pipeline.Message{{ID: "a1", Data: m.Data}}, nil
		}), rec)
		publishRaw(t, js, "src", "hello")
		eventually(t, "storage waits", func() bool { return rec.waits.Load() >= 3 })
		if rec.dlq.Load() != 0 || rec.ok.Load() != 0 {
			t.Fatalf("while the store is full: dead letters %d, ok %d; want 0 and 0", rec.dlq.Load(), rec.ok.Load())
		}
		if _, err := js.UpdateStream(ctx, scfg); err != nil {
			t.Fatal(err)
		}
		nextMsg(t, js, natsbus.StreamArticles, natsbus.SubjectIngested+".src")
		eventually(t, "input acked", func() bool {
			info := consumerInfo(t, js, natsbus.StreamRaw, "ingest")
			return info.AckFloor.Stream == 1 && info.NumAckPending == 0
		})
		assertNoDeadLetters(t, js)
	})
}

func assertNoDeadLetters(t *testing.T, js jetstream.JetStream) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := natsbus.DeadLetterDepth(ctx, js, "")
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("dead letters = %d, want 0", n)
	}
}

func TestBacklogBytes(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if n, err := natsbus.BacklogBytes(ctx, js); err != nil || n != 0 {
		t.Fatalf("empty pipeline: %d, %v; want 0", n, err)
	}
	payload := string(make([]byte, 1000))
	for range 10 {
		publishRaw(t, js, "src", payload)
	}
	// No consumer yet: nothing is counted for a stage that is not there.
	if n, err := natsbus.BacklogBytes(ctx, js); err != nil || n != 0 {
		t.Fatalf("without consumers: %d, %v; want 0", n, err)
	}
	if _, err := js.CreateOrUpdateConsumer(ctx, natsbus.StreamRaw, jetstream.ConsumerConfig{Durable: natsbus.StageIngest, AckPolicy: jetstream.AckExplicitPolicy}); err != nil {
		t.Fatal(err)
	}
	n, err := natsbus.BacklogBytes(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	// Ten raw messages of about 1 KB, each to grow into several times its
	// size downstream.
	if n < 10*1000*4 || n > 10*1200*10 {
		t.Errorf("backlog of 10 raw 1 KB articles = %d bytes, want 40-120 KB", n)
	}
}
