package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRun(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			_, _ = w.Write([]byte("ok"))
			return
		}
		http.Error(w, "not ready", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	cases := []struct {
		name string
		args []string
		want int
	}{
		{"healthy", []string{srv.URL + "/healthz"}, 0},
		{"unhealthy", []string{srv.URL + "/readyz"}, 1},
		{"unreachable", []string{"-timeout", "500ms", "http://127.0.0.1:1/healthz"}, 1},
		{"no url", nil, 2},
		{"bad flag", []string{"-nope", srv.URL}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stderr bytes.Buffer
			if got := run(c.args, &stderr); got != c.want {
				t.Fatalf("run(%q) = %d, want %d; stderr: %s", c.args, got, c.want, stderr.String())
			}
		})
	}
}
