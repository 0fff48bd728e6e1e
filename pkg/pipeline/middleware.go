package pipeline

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"
)

// Recover turns a panic in the wrapped handler into a permanent error that
// carries the panic value and stack, so that one poison message cannot crash
// a worker.
func Recover() Middleware {
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, msg *Message) (out []*Message, err error) {
			defer func() {
				if r := recover(); r != nil {
					err = Permanent(fmt.Errorf("handler panic: %v\n%s", r, debug.Stack()))
					out = nil
				}
			}()
			return next.Process(ctx, msg)
		})
	}
}

// Timeout bounds the time a handler may take. A handler that runs out of
// time gets a retryable error.
func Timeout(d time.Duration) Middleware {
	return func(next Handler) Handler {
		if d <= 0 {
			return next
		}
		return HandlerFunc(func(ctx context.Context, msg *Message) ([]*Message, error) {
			ctx, cancel := context.WithTimeout(ctx, d)
			defer cancel()
			out, err := next.Process(ctx, msg)
			if err == nil && ctx.Err() != nil {
				return nil, Retry(fmt.Errorf("handler timed out after %s: %w", d, ctx.Err()), 0)
			}
			return out, err
		})
	}
}

// Observer receives timings of handler calls. telemetry.StageMetrics
// implements it.
type Observer interface {
	// Started is called before the handler runs.
	Started()
	// Finished is called after it returns, with its duration.
	Finished(d time.Duration)
}

// Observe reports every handler call to o.
func Observe(o Observer) Middleware {
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, msg *Message) ([]*Message, error) {
			o.Started()
			start := time.Now()
			out, err := next.Process(ctx, msg)
			o.Finished(time.Since(start))
			return out, err
		})
	}
}

// EndToEnd reports to record, for every input handled without error, the
// time since it entered the pipeline (its HeaderPublishedAt, which the bus
// sets on every input). now is the clock. The last stage uses it for the
// end-to-end latency.
func EndToEnd(record func(time.Duration), now func() time.Time) Middleware {
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, msg *Message) ([]*Message, error) {
			out, err := next.Process(ctx, msg)
			if err == nil {
				if t, perr := time.Parse(time.RFC3339Nano, msg.Header.Get(HeaderPublishedAt)); perr == nil {
					record(now().Sub(t))
				}
			}
			return out, err
		})
	}
}
