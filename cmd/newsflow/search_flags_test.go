package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/search/bleveindex"
	"github.com/newsflow/newsflow/pkg/search/searchtest"
	"github.com/newsflow/newsflow/services/index"
)

// TestSearchEntityID checks that --entity-id reaches the API as entity_id.
func TestSearchEntityID(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Query()["entity_id"]
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"total":0,"hits":[],"facets":{}}`))
	}))
	defer srv.Close()
	var out, errb bytes.Buffer
	err := runSearch(context.Background(), []string{"--url", srv.URL, "--entity-id", "per:trmp", "--entity-id", "Q458", "--json", "*"}, &out, &errb)
	if err != nil {
		t.Fatalf("search: %v (%s)", err, errb.String())
	}
	if !slices.Equal(got, []string{"per:trmp", "Q458"}) {
		t.Errorf("entity_id sent %q, want [per:trmp Q458]", got)
	}
}

// TestSearchHistogram runs `newsflow search --histogram` against the real
// read API over the suite's fixtures: the table, --by series, --json, and
// a bad interval's message.
func TestSearchHistogram(t *testing.T) {
	idx, err := bleveindex.Open(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	if err := idx.Upsert(context.Background(), searchtest.Fixtures()); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	index.NewAPI(idx, index.APIConfig{}, zaptest.NewLogger(t)).Routes(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, tt := range []struct {
		name string
		args []string
		want []string
		fail string
	}{
		{"table", []string{"--lang", "bg", "--lang", "ru", "--lang", "uk", "--from", "2019-05-14", "--to", "2019-05-15"},
			[]string{"2019-05-14  2      ████████████████████████████████████████", "2019-05-15  1      ████████████████████\n", "3 articles in 2 day intervals"}, ""},
		{"series", []string{"--interval", "week", "--by", "lang", "--from", "2019-05-13", "--to", "2019-05-19"},
			[]string{"START       COUNT  bg  ru  uk", "2019-05-13  3      1   1   1"}, ""},
		{"json", []string{"--interval", "week", "--json"}, []string{`"interval":"week"`, `"total":7`}, ""},
		{"bad interval", []string{"--interval", "month"}, nil, `interval must be hour, day or week, not "month"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := append([]string{"--url", srv.URL, "--histogram"}, tt.args...)
			err := runSearch(context.Background(), append(args, "*"), &out, &errb)
			if tt.fail != "" {
				if err == nil || !strings.Contains(err.Error()+errb.String(), tt.fail) {
					t.Fatalf("err = %v (%s), want %q", err, errb.String(), tt.fail)
				}
				return
			}
			if err != nil {
				t.Fatalf("search --histogram: %v (%s)", err, errb.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output does not contain %q:\n%s", w, out.String())
				}
			}
		})
	}
}
