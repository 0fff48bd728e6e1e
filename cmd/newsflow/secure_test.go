package main

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/cmd/newsflow/internal/standalone"
)

// TestUpListensOnLoopbackByDefault: newsflow up serves HTTP on this machine
// only unless --http says otherwise.
func TestUpListensOnLoopbackByDefault(t *testing.T) {
	host, _, err := net.SplitHostPort(standalone.DefaultConfig().HTTPAddr)
	if err != nil {
		t.Fatal(err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		t.Errorf("default --http host %q is not a loopback address", host)
	}
	var usage strings.Builder
	_ = runUp(context.Background(), []string{"-h"}, nil, &usage)
	if !strings.Contains(usage.String(), `(default "127.0.0.1:8080")`) {
		t.Errorf("newsflow up -h does not show the loopback default:\n%s", grepLines(usage.String(), "-http"))
	}
}

// TestUpReadToken: with --read-token, newsflow up's search API answers 401
// without it, and the CLI's search and get send it (flag or
// NEWSFLOW_READ_TOKEN); writes keep their own --api-token.
func TestUpReadToken(t *testing.T) {
	cfg := standalone.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.NATSAddr = "127.0.0.1:-1"
	cfg.APIToken = "write-1"
	cfg.ReadToken = "read-1"
	p, err := standalone.Start(context.Background(), cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop() })
	base := "http://" + p.HTTPAddr()

	get := func(path, token string) int {
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		path, token string
		want        int
	}{
		{"/v1/search?q=*", "", http.StatusUnauthorized},
		{"/v1/search?q=*", "write-1", http.StatusUnauthorized},
		{"/v1/search?q=*", "read-1", http.StatusOK},
		{"/v1/articles/nope", "", http.StatusUnauthorized},
		{"/v1/articles/nope", "read-1", http.StatusNotFound},
		{"/", "", http.StatusOK}, // the page itself asks for the token
	} {
		if got := get(tc.path, tc.token); got != tc.want {
			t.Errorf("GET %s with token %q: %d, want %d", tc.path, tc.token, got, tc.want)
		}
	}

	req, _ := http.NewRequest(http.MethodPost, base+"/v1/articles", strings.NewReader(`{"source":"rt","id":"rt-1","body":"Read tokens guard the searches of this article."}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer write-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST with the api token: %s", resp.Status)
	}

	if code, out := cli(t, "get", "--url", base, "rt-1"); code == 0 || !strings.Contains(out, "401") {
		t.Errorf("get without the read token: exit %d: %s", code, out)
	}
	waitFor(t, "rt-1 indexed, read with --read-token", func() bool {
		code, _ := cli(t, "get", "--url", base, "--read-token", "read-1", "rt-1")
		return code == 0
	})
	t.Setenv("NEWSFLOW_READ_TOKEN", "read-1")
	if code, out := cli(t, "search", "--url", base, "--json", "tokens"); code != 0 || !strings.Contains(out, "rt-1") {
		t.Errorf("search with NEWSFLOW_READ_TOKEN: exit %d: %s", code, out)
	}
}
