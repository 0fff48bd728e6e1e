package bleveindex

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/searchtest"
)

func TestBudgetInsideTheIndex(t *testing.T) {
	idx, err := Open(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = idx.Close() }()
	if err := idx.Upsert(t.Context(), searchtest.Fixtures()); err != nil {
		t.Fatal(err)
	}
	b := search.DefaultBudget()
	q := search.Query{Text: "ми*"}
	if _, err := idx.Search(search.WithBudget(t.Context(), b), q); err != nil {
		t.Fatalf("prefix within the budget: %v", err)
	}
	t.Run("expansions over the limit", func(t *testing.T) {
		b := b
		b.MaxExpansions = 1
		_, err := idx.Search(search.WithBudget(t.Context(), b), search.Query{Text: "ми* OR ел* OR ра*"})
		var be *search.BudgetError
		if !errors.As(err, &be) || !errors.Is(err, search.ErrInvalidQuery) || !strings.Contains(err.Error(), "--search-max-expansions") {
			t.Errorf("err = %v, want a BudgetError naming --search-max-expansions", err)
		}
	})
	t.Run("deadline honoured", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := idx.Search(search.WithBudget(ctx, b), q); !errors.Is(err, context.Canceled) {
			t.Errorf("search on a cancelled context: %v, want context.Canceled", err)
		}
	})
}
