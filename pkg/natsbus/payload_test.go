package natsbus_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natsembed"
	"github.com/newsflow/newsflow/pkg/natstest"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

// TestWorkerDeadLettersOutputOverMaxPayload: an output larger than the
// server's max payload can never be published; the input is dead-lettered
// at its first attempt with the reason, not retried as if transient.
func TestWorkerDeadLettersOutputOverMaxPayload(t *testing.T) {
	srv := natstest.RunServerWith(t, natsembed.Config{MaxPayload: 64 << 10})
	_, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	rec := &countingRecorder{}
	startWorker(t, js, testStage(), pipeline.HandlerFunc(func(_ context.Context, in *pipeline.Message) ([]*pipeline.Message, error) {
		return []*pipeline.Message{{ID: "big", Source: in.Source, Data: bytes.Repeat([]byte("x"), 100<<10)}}, nil
	}), rec)
	publishRaw(t, js, "src", `{"source":"src","id":"a1","body":"short"}`)
	dl := nextMsg(t, js, natsbus.StreamDLQ, natsbus.SubjectDLQ+".ingest")
	if got := dl.Headers().Get(natsbus.HeaderAttempts); got != "1" {
		t.Errorf("dead-lettered after %s attempts, want 1", got)
	}
	if reason := dl.Headers().Get(natsbus.HeaderError); !strings.Contains(strings.ToLower(reason), "payload") {
		t.Errorf("reason %q does not say the payload is too large", reason)
	}
	if rec.retry.Load() != 0 {
		t.Errorf("%d retries of an output that can never be published", rec.retry.Load())
	}
}
