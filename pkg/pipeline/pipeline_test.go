package pipeline_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/pipeline"
)

func TestErrorIntent(t *testing.T) {
	base := errors.New("cause")
	for _, tc := range []struct {
		name      string
		err       error
		permanent bool
		retry     bool
		after     time.Duration
		bad       int // items BadItems reports; -1: not a BatchError
	}{
		{"plain", base, false, false, 0, -1},
		{"permanent", pipeline.Permanent(base), true, false, 0, -1},
		{"permanentf", pipeline.Permanentf("item %d: %w", 3, base), true, false, 0, -1},
		{"retry", pipeline.Retry(base, time.Second), false, true, time.Second, -1},
		{"wrapped retry", errors.Join(errors.New("ctx"), pipeline.Retry(base, 0)), false, true, 0, -1},
		{"batch", (&pipeline.BatchError{}).Failed(1, base, nil, nil), false, false, 0, 1},
		{"empty batch", (&pipeline.BatchError{}).Err(), false, false, 0, -1},
		{"permanent batch", pipeline.Permanent((&pipeline.BatchError{}).Failed(1, base, nil, nil)), true, false, 0, -1},
		{"retried batch", pipeline.Retry((&pipeline.BatchError{}).Failed(1, base, nil, nil), 0), false, true, 0, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := pipeline.IsPermanent(tc.err); got != tc.permanent {
				t.Errorf("IsPermanent = %v, want %v", got, tc.permanent)
			}
			after, retry := pipeline.RetryAfter(tc.err)
			if retry != tc.retry || after != tc.after {
				t.Errorf("RetryAfter = %v, %v; want %v, %v", after, retry, tc.after, tc.retry)
			}
			items, ok := pipeline.BadItems(tc.err)
			if got := map[bool]int{true: len(items), false: -1}[ok]; got != tc.bad {
				t.Errorf("BadItems reports %d items (ok %v), want %d", len(items), ok, tc.bad)
			}
		})
	}
	if pipeline.Retry(nil, time.Second) != nil || pipeline.Permanent(nil) != nil {
		t.Error("Retry or Permanent of nil is not nil")
	}
}

func TestTimeoutKeepsFastResults(t *testing.T) {
	want := errors.New("handler error")
	h := pipeline.Chain(pipeline.HandlerFunc(func(ctx context.Context, _ *pipeline.Message) ([]*pipeline.Message, error) {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("the handler's context has no deadline")
		}
		return []*pipeline.Message{{ID: "a"}}, want
	}), pipeline.Timeout(time.Minute))
	out, err := h.Process(context.Background(), &pipeline.Message{})
	if len(out) != 1 || !errors.Is(err, want) {
		t.Errorf("got %d outputs, %v; want the handler's own result", len(out), err)
	}
	// Zero means no timeout: the handler is not wrapped.
	h = pipeline.Chain(pipeline.HandlerFunc(func(ctx context.Context, _ *pipeline.Message) ([]*pipeline.Message, error) {
		if _, ok := ctx.Deadline(); ok {
			t.Error("Timeout(0) set a deadline")
		}
		return nil, nil
	}), pipeline.Timeout(0))
	if _, err := h.Process(context.Background(), &pipeline.Message{}); err != nil {
		t.Error(err)
	}
}

type observer struct {
	started, finished int
}

func (o *observer) Started()               { o.started++ }
func (o *observer) Finished(time.Duration) { o.finished++ }

func TestObserveAndEndToEnd(t *testing.T) {
	o := &observer{}
	published := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	now := func() time.Time { return published.Add(1500 * time.Millisecond) }
	var latencies []time.Duration
	fail := false
	h := pipeline.Chain(pipeline.HandlerFunc(func(context.Context, *pipeline.Message) ([]*pipeline.Message, error) {
		if fail {
			return nil, errors.New("failed")
		}
		return nil, nil
	}), pipeline.Observe(o), pipeline.EndToEnd(func(d time.Duration) { latencies = append(latencies, d) }, now))
	msg := &pipeline.Message{Header: pipeline.Header{}}
	msg.Header.Set(pipeline.HeaderPublishedAt, published.Format(time.RFC3339Nano))
	for _, f := range []bool{false, true} {
		fail = f
		_, _ = h.Process(context.Background(), msg)
	}
	_, _ = h.Process(context.Background(), &pipeline.Message{Header: pipeline.Header{}}) // no header
	if o.started != 3 || o.finished != 3 {
		t.Errorf("observed %d starts and %d finishes, want 3 and 3", o.started, o.finished)
	}
	if len(latencies) != 1 || latencies[0] != 1500*time.Millisecond {
		t.Errorf("end-to-end latencies %v, want [1.5s] (successes with the header only)", latencies)
	}
}
