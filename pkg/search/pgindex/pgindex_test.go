package pgindex

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/analysis"
	"github.com/newsflow/newsflow/pkg/search/pgindex/pgtest"
	"github.com/newsflow/newsflow/pkg/search/searchtest"
)

func TestSuite(t *testing.T) {
	searchtest.Run(t, func(t *testing.T) search.Index {
		idx, err := Open(context.Background(), pgtest.FreshDatabase(t))
		if err != nil {
			t.Fatal(err)
		}
		return idx
	})
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	url := pgtest.FreshDatabase(t)
	// Replicas starting together migrate once.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			idx, err := Open(ctx, url)
			if err == nil {
				err = idx.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent open: %v", err)
		}
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	var n, v int
	if err := conn.QueryRow(ctx, "SELECT count(*), max(version) FROM newsflow_schema_migrations").Scan(&n, &v); err != nil {
		t.Fatal(err)
	}
	if n != SchemaVersion() || v != SchemaVersion() {
		t.Errorf("%d migrations recorded up to version %d, want %d", n, v, SchemaVersion())
	}
	// A database migrated by a newer newsflow is refused.
	if _, err := conn.Exec(ctx, "INSERT INTO newsflow_schema_migrations (version, name) VALUES (9999, 'future')"); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, url); !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("Open of a newer schema: %v, want ErrSchemaTooNew", err)
	}
}

func TestOpenErrors(t *testing.T) {
	_, err := Open(context.Background(), "postgres://nobody:wrong@127.0.0.1:1/none?connect_timeout=2")
	if err == nil || !strings.Contains(err.Error(), "connect to postgres 127.0.0.1:1/none") {
		t.Errorf("Open of an unreachable server: %v", err)
	}
}

func TestTSVector(t *testing.T) {
	tests := []struct {
		name   string
		groups []weighted
		want   string
	}{
		{"weights and gap", []weighted{{toks("a", "b"), 'A'}, {toks("b", "c"), 'B'}}, "'a':1A 'b':2A,4B 'c':5B"},
		{"stop word gap", []weighted{{[]analysis.Token{{Term: "a", Pos: 1}, {Term: "c", Pos: 3}}, 'D'}}, "'a':1 'c':3"},
		{"quotes", []weighted{{toks("it's", `x\y`), 'D'}}, `'it''s':1 'x\\y':2`},
		{"empty", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tsvector(tt.groups...); got != tt.want {
				t.Errorf("tsvector = %q, want %q", got, tt.want)
			}
		})
	}
}

func toks(terms ...string) []analysis.Token {
	out := make([]analysis.Token, len(terms))
	for i, t := range terms {
		out[i] = analysis.Token{Term: t, Pos: i + 1}
	}
	return out
}

// Connections get the session defaults unless the URL sets them.
func TestSessionDefaults(t *testing.T) {
	ctx := context.Background()
	url := pgtest.FreshDatabase(t)
	show := func(url, name string) string {
		t.Helper()
		idx, err := Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = idx.Close() }()
		var v string
		if err := idx.pool.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for name, want := range sessionDefaults {
		if got := show(url, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	if got := show(url+sep+"random_page_cost=3", "random_page_cost"); got != "3" {
		t.Errorf("random_page_cost set in the URL = %q, want 3", got)
	}
}
