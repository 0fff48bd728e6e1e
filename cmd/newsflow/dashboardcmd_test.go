package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestDashboardCommandNeedsPrometheus(t *testing.T) {
	code, out := cli(t, "dashboard")
	if code == 0 || !strings.Contains(out, "--prometheus-url is required") {
		t.Fatalf("exit %d: %s", code, out)
	}
	if code, out := cli(t, "dashboard", "--prometheus-url", "prometheus:9090"); code == 0 || !strings.Contains(out, "invalid Prometheus URL") {
		t.Fatalf("a URL without a scheme: exit %d: %s", code, out)
	}
}

// newsflow dashboard serves the page even while Prometheus does not
// answer, and says why there is nothing to show.
func TestDashboardCommandServesThePage(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var out bytes.Buffer
	go func() {
		done <- run(ctx, []string{"dashboard", "--prometheus-url", "http://127.0.0.1:1", "--http", addr, "--dashboard-interval", "200ms"}, io.Discard, &out)
	}()
	var view struct {
		Source string `json:"source"`
		Error  string `json:"error"`
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/dashboard/data")
		if err == nil {
			_ = json.NewDecoder(resp.Body).Decode(&view)
			_ = resp.Body.Close()
			if view.Error != "" {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no sampling error reported: %v %+v", err, view)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(view.Source, "http://127.0.0.1:1") || !strings.Contains(view.Error, "query prometheus") {
		t.Errorf("source %q error %q", view.Source, view.Error)
	}
	resp, err := http.Get("http://" + addr + "/dashboard")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("/dashboard: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d on cancel: %s", code, out.String())
	}
}
