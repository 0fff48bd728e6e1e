package search

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"runtime"
	"time"
)

// Budget bounds what searches may cost a process: how many run at once,
// how long one may take, and how far the prefixes (word*) of one query
// may expand.
type Budget struct {
	// MaxConcurrent bounds the searches running at once; one more waits
	// up to QueueWait for a slot, then fails with ErrBusy.
	MaxConcurrent int
	QueueWait     time.Duration
	// Timeout bounds one search; past it the search is cancelled and
	// fails with ErrTimeout.
	Timeout time.Duration
	// MaxPrefixes bounds the prefix terms (word*) of one query.
	MaxPrefixes int
	// MaxExpansions bounds the index terms the prefixes of one query may
	// match, summed over the fields searched (backends that can count
	// them before searching: the embedded index).
	MaxExpansions int
}

// DefaultBudget returns the defaults: two searches per core at once, a
// 100 ms wait for a slot, 5 s per search, 16 prefixes matching at most
// 4,096 terms in all.
func DefaultBudget() Budget {
	return Budget{
		MaxConcurrent: 2 * runtime.GOMAXPROCS(0),
		QueueWait:     100 * time.Millisecond,
		Timeout:       5 * time.Second,
		MaxPrefixes:   16,
		MaxExpansions: 4096,
	}
}

// ErrInvalidBudget is wrapped by Budget.Validate errors.
var ErrInvalidBudget = errors.New("invalid search budget")

// Validate checks the budget; messages name the flags.
func (b Budget) Validate() error {
	switch {
	case b.MaxConcurrent < 1:
		return fmt.Errorf("%w: --search-max-concurrent must be at least 1, got %d", ErrInvalidBudget, b.MaxConcurrent)
	case b.QueueWait < 0:
		return fmt.Errorf("%w: --search-queue-wait must not be negative, got %s", ErrInvalidBudget, b.QueueWait)
	case b.Timeout <= 0:
		return fmt.Errorf("%w: --search-timeout must be positive, got %s", ErrInvalidBudget, b.Timeout)
	case b.MaxPrefixes < 0:
		return fmt.Errorf("%w: --search-max-prefixes must be 0 (no prefixes) or more, got %d", ErrInvalidBudget, b.MaxPrefixes)
	case b.MaxExpansions < 1:
		return fmt.Errorf("%w: --search-max-expansions must be at least 1, got %d", ErrInvalidBudget, b.MaxExpansions)
	}
	return nil
}

// RegisterFlags adds the budget's flags to fs.
func (b *Budget) RegisterFlags(fs *flag.FlagSet) {
	fs.IntVar(&b.MaxConcurrent, "search-max-concurrent", b.MaxConcurrent, "searches run at once; more wait --search-queue-wait, then get 429")
	fs.DurationVar(&b.QueueWait, "search-queue-wait", b.QueueWait, "how long a search waits for a free slot before a 429")
	fs.DurationVar(&b.Timeout, "search-timeout", b.Timeout, "longest time one search may take; it is cancelled then (503)")
	fs.IntVar(&b.MaxPrefixes, "search-max-prefixes", b.MaxPrefixes, "most prefix terms (word*) in one query, more is a 400")
	fs.IntVar(&b.MaxExpansions, "search-max-expansions", b.MaxExpansions, "most index terms the prefixes of one query may match (embedded index), more is a 400")
}

// ErrTimeout is returned by a search that ran out of its Budget.Timeout.
var ErrTimeout = errors.New("search took longer than its time limit")

// BudgetError is a query over the budget's MaxPrefixes or MaxExpansions.
// It wraps ErrInvalidQuery: the query must change, not be retried.
type BudgetError struct {
	// Limit names the flag of the limit.
	Limit string
	Msg   string
}

func (e *BudgetError) Error() string { return "invalid query: " + e.Msg + " (" + e.Limit + ")" }

// Unwrap returns ErrInvalidQuery.
func (e *BudgetError) Unwrap() error { return ErrInvalidQuery }

// Field names the parameter at fault: q.
func (e *BudgetError) Field() string { return "q" }

type budgetKey struct{}

// WithBudget returns ctx carrying b, for the backend to read with
// BudgetFrom (the expansion limit is checked inside the backend).
func WithBudget(ctx context.Context, b Budget) context.Context {
	return context.WithValue(ctx, budgetKey{}, b)
}

// BudgetFrom returns the budget ctx carries, if any.
func BudgetFrom(ctx context.Context) (Budget, bool) {
	b, ok := ctx.Value(budgetKey{}).(Budget)
	return b, ok
}

// Bounded is an Index whose searches keep to a Budget; writes and reads
// by id pass through.
type Bounded struct {
	Index
	b     Budget
	slots chan struct{}
}

// NewBounded bounds the searches of idx by b (call b.Validate first).
func NewBounded(idx Index, b Budget) *Bounded {
	return &Bounded{Index: idx, b: b, slots: make(chan struct{}, max(b.MaxConcurrent, 1))}
}

// Search runs q within the budget. Errors: *BudgetError (wraps
// ErrInvalidQuery) for too many prefixes or expansions, ErrBusy when no
// slot freed within QueueWait, ErrTimeout past Timeout.
func (x *Bounded) Search(ctx context.Context, q Query) (*Result, error) {
	var res *Result
	err := x.run(ctx, q, func(ctx context.Context) (err error) {
		res, err = x.Index.Search(ctx, q)
		return err
	})
	return res, err
}

// Histogram answers h within the budget, like Search.
func (x *Bounded) Histogram(ctx context.Context, h HistogramQuery) (*Histogram, error) {
	var res *Histogram
	err := x.run(ctx, h.Query, func(ctx context.Context) (err error) {
		res, err = HistogramOf(ctx, x.Index, h)
		return err
	})
	return res, err
}

func (x *Bounded) run(ctx context.Context, q Query, fn func(ctx context.Context) error) error {
	n, err := q.ParseText()
	if err != nil {
		return err
	}
	if p := CountPrefixes(n); p > x.b.MaxPrefixes {
		return &BudgetError{Limit: "--search-max-prefixes", Msg: fmt.Sprintf("query has %d prefix terms (word*), the limit is %d", p, x.b.MaxPrefixes)}
	}
	select {
	case x.slots <- struct{}{}:
	default:
		t := time.NewTimer(x.b.QueueWait)
		select {
		case x.slots <- struct{}{}:
			t.Stop()
		case <-t.C:
			return ErrBusy
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
	defer func() { <-x.slots }()
	sctx, cancel := context.WithTimeout(WithBudget(ctx, x.b), x.b.Timeout)
	defer cancel()
	err = fn(sctx)
	if err != nil && ctx.Err() == nil && sctx.Err() != nil {
		return fmt.Errorf("%w of %s", ErrTimeout, x.b.Timeout)
	}
	return err
}

// CountPrefixes returns the number of prefix terms (word*) in n.
func CountPrefixes(n Node) int {
	switch v := n.(type) {
	case *Text:
		if v.Prefix {
			return 1
		}
	case *And:
		c := 0
		for _, m := range v.Nodes {
			c += CountPrefixes(m)
		}
		return c
	case *Or:
		c := 0
		for _, m := range v.Nodes {
			c += CountPrefixes(m)
		}
		return c
	case *Not:
		return CountPrefixes(v.Node)
	}
	return 0
}
