package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestPublishRetries503: a submission answered 503 (or 429) is sent again
// after the Retry-After, a bounded number of times.
func TestPublishRetries503(t *testing.T) {
	var calls atomic.Int32
	var failFirst atomic.Int32
	failFirst.Store(2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if n <= failFirst.Load() {
			w.Header().Set("Retry-After", "0")
			status := http.StatusServiceUnavailable
			if n == 2 {
				status = http.StatusTooManyRequests
			}
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"error":{"code":"unavailable","message":"try again"}}`))
			return
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"id":"a1","status":"accepted"}`))
	}))
	t.Cleanup(srv.Close)
	file := filepath.Join(t.TempDir(), "a.json")
	if err := os.WriteFile(file, []byte(`{"source":"s","id":"a1","body":"text"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	t.Run("retried until accepted", func(t *testing.T) {
		var out, errb bytes.Buffer
		if err := runPublish(ctx, []string{"--url", srv.URL, "--progress", "none", file}, &out, &errb); err != nil {
			t.Fatalf("publish: %v\n%s%s", err, out.String(), errb.String())
		}
		if got := calls.Load(); got != 3 {
			t.Errorf("%d requests, want 3 (two refusals, then accepted)", got)
		}
		if !strings.Contains(out.String()+errb.String(), "accepted 1,") {
			t.Errorf("summary does not report the article accepted:\n%s%s", out.String(), errb.String())
		}
	})
	t.Run("retries bounded", func(t *testing.T) {
		calls.Store(0)
		failFirst.Store(100)
		var out, errb bytes.Buffer
		err := runPublish(ctx, []string{"--url", srv.URL, "--progress", "none", "--retries", "2", file}, &out, &errb)
		if err == nil {
			t.Errorf("publish succeeded against a server that always answers 503")
		}
		if got := calls.Load(); got != 3 {
			t.Errorf("%d requests, want 3 (one and two retries)", got)
		}
	})
}

func TestRetryWait(t *testing.T) {
	p := defaultRetryPolicy()
	now := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		attempt    int
		retryAfter string
		want       time.Duration
	}{
		{0, "", retryBase},
		{3, "", 8 * retryBase},
		{20, "", p.MaxWait},
		{0, "2", 2 * time.Second},
		{0, "3600", p.MaxWait},
		{0, now.Add(5 * time.Second).Format(http.TimeFormat), 5 * time.Second},
		{0, "0", 100 * time.Millisecond},
	} {
		if got := p.wait(tc.attempt, tc.retryAfter, now); got != tc.want {
			t.Errorf("wait(%d, %q) = %s, want %s", tc.attempt, tc.retryAfter, got, tc.want)
		}
	}
}
