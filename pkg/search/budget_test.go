package search_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/search"
)

// slowIndex blocks each search until release is closed or its context
// ends; it records the budget the context carried.
type slowIndex struct {
	search.Index
	started chan struct{}
	release chan struct{}
	budget  chan search.Budget
}

func (s *slowIndex) Search(ctx context.Context, _ search.Query) (*search.Result, error) {
	b, _ := search.BudgetFrom(ctx)
	s.budget <- b
	s.started <- struct{}{}
	select {
	case <-s.release:
		return &search.Result{}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func TestBounded(t *testing.T) {
	b := search.DefaultBudget()
	b.MaxConcurrent, b.QueueWait, b.Timeout, b.MaxPrefixes = 1, 10*time.Millisecond, 200*time.Millisecond, 2
	idx := &slowIndex{started: make(chan struct{}, 4), release: make(chan struct{}), budget: make(chan search.Budget, 4)}
	x := search.NewBounded(idx, b)
	ctx := context.Background()

	t.Run("too many prefixes", func(t *testing.T) {
		_, err := x.Search(ctx, search.Query{Text: "ab* OR cd* OR ef*"})
		var be *search.BudgetError
		if !errors.As(err, &be) || !errors.Is(err, search.ErrInvalidQuery) || !strings.Contains(err.Error(), "--search-max-prefixes") {
			t.Errorf("err = %v, want a BudgetError naming --search-max-prefixes", err)
		}
	})
	t.Run("busy, then timeout", func(t *testing.T) {
		done := make(chan error, 1)
		go func() {
			_, err := x.Search(ctx, search.Query{Text: "ab*"})
			done <- err
		}()
		<-idx.started
		if got := <-idx.budget; got.MaxExpansions != b.MaxExpansions {
			t.Errorf("backend saw budget %+v", got)
		}
		start := time.Now()
		if _, err := x.Search(ctx, search.Query{Text: "x"}); !errors.Is(err, search.ErrBusy) {
			t.Errorf("second search while the only slot is taken: %v, want ErrBusy", err)
		}
		if waited := time.Since(start); waited > 5*time.Second {
			t.Errorf("refused after %s", waited)
		}
		if err := <-done; !errors.Is(err, search.ErrTimeout) {
			t.Errorf("search past the time limit: %v, want ErrTimeout", err)
		}
	})
	t.Run("slot given back", func(t *testing.T) {
		close(idx.release)
		if _, err := x.Search(ctx, search.Query{Text: "x"}); err != nil {
			t.Errorf("search after the slot was freed: %v", err)
		}
		<-idx.started
		<-idx.budget
	})
}

func TestBudgetValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		modify func(*search.Budget)
		flag   string
	}{
		{"defaults", func(*search.Budget) {}, ""},
		{"no concurrency", func(b *search.Budget) { b.MaxConcurrent = 0 }, "--search-max-concurrent"},
		{"no time", func(b *search.Budget) { b.Timeout = 0 }, "--search-timeout"},
		{"negative wait", func(b *search.Budget) { b.QueueWait = -1 }, "--search-queue-wait"},
		{"negative prefixes", func(b *search.Budget) { b.MaxPrefixes = -1 }, "--search-max-prefixes"},
		{"no expansions", func(b *search.Budget) { b.MaxExpansions = 0 }, "--search-max-expansions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := search.DefaultBudget()
			tc.modify(&b)
			err := b.Validate()
			if (err == nil) != (tc.flag == "") || (err != nil && !strings.Contains(err.Error(), tc.flag)) {
				t.Errorf("Validate() = %v, want an error naming %q", err, tc.flag)
			}
		})
	}
}

func TestCountPrefixes(t *testing.T) {
	n, err := search.Parse(`ab* (cd* OR "ef gh") -ij* title:kl*`)
	if err != nil {
		t.Fatal(err)
	}
	if got := search.CountPrefixes(n); got != 4 {
		t.Errorf("CountPrefixes(%s) = %d, want 4", n, got)
	}
}
