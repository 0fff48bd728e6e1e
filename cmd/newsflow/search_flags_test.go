package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
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
