package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/newsflow/newsflow/pkg/pipeline"
)

// The first middleware given to Chain is the outermost: it sees the call
// first and the result last.
func ExampleChain() {
	trace := func(name string) pipeline.Middleware {
		return func(next pipeline.Handler) pipeline.Handler {
			return pipeline.HandlerFunc(func(ctx context.Context, m *pipeline.Message) ([]*pipeline.Message, error) {
				fmt.Println("enter", name)
				out, err := next.Process(ctx, m)
				fmt.Println("leave", name)
				return out, err
			})
		}
	}
	h := pipeline.Chain(pipeline.HandlerFunc(func(context.Context, *pipeline.Message) ([]*pipeline.Message, error) {
		fmt.Println("handler")
		return nil, nil
	}), trace("outer"), trace("inner"))
	_, _ = h.Process(context.Background(), &pipeline.Message{})
	// Output:
	// enter outer
	// enter inner
	// handler
	// leave inner
	// leave outer
}

// Recover turns a panic into a permanent error: the bus dead-letters the
// message instead of the worker crashing.
func ExampleRecover() {
	h := pipeline.Chain(pipeline.HandlerFunc(func(context.Context, *pipeline.Message) ([]*pipeline.Message, error) {
		panic("unexpected input")
	}), pipeline.Recover())
	out, err := h.Process(context.Background(), &pipeline.Message{})
	fmt.Println(len(out), pipeline.IsPermanent(err))
	// Output: 0 true
}

// A handler that runs out of time gets a retryable error, even when it
// ignores its context and returns no error itself.
func ExampleTimeout() {
	h := pipeline.Chain(pipeline.HandlerFunc(func(ctx context.Context, _ *pipeline.Message) ([]*pipeline.Message, error) {
		<-ctx.Done()
		return []*pipeline.Message{{ID: "late"}}, nil
	}), pipeline.Timeout(10*time.Millisecond))
	out, err := h.Process(context.Background(), &pipeline.Message{})
	_, retry := pipeline.RetryAfter(err)
	fmt.Println(len(out), retry, errors.Is(err, context.DeadlineExceeded))
	// Output: 0 true true
}

// Backoff doubles the delay for every earlier attempt, up to the cap.
func ExampleBackoff() {
	for attempt := 1; attempt <= 5; attempt++ {
		fmt.Println(attempt, pipeline.Backoff(attempt, time.Second, 5*time.Second))
	}
	// Output:
	// 1 1s
	// 2 2s
	// 3 4s
	// 4 5s
	// 5 5s
}

// A handler of a message that holds several items returns the outputs of
// the good ones and a BatchError naming the bad ones: the bus publishes the
// outputs and dead-letters each bad item with its own bytes and reason.
func ExampleBatchError() {
	h := pipeline.HandlerFunc(func(_ context.Context, in *pipeline.Message) ([]*pipeline.Message, error) {
		var out []*pipeline.Message
		bad := &pipeline.BatchError{}
		for i, item := range []string{"first", "", "third"} {
			if item == "" {
				bad.Failed(i+1, errors.New("empty item"), []byte(item), nil)
				continue
			}
			out = append(out, &pipeline.Message{ID: item, Data: []byte(item)})
		}
		return out, bad.Err()
	})
	out, err := h.Process(context.Background(), &pipeline.Message{})
	items, ok := pipeline.BadItems(err)
	fmt.Println(len(out), ok, items[0].Index, items[0].Err)
	fmt.Println(err)
	// Output:
	// 2 true 2 empty item
	// 1 bad item: item 2: empty item
}
