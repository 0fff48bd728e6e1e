package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/cmd/newsflow/internal/standalone"
)

// newsflow nats-monitor polls a NATS server's monitoring endpoints and
// serves prometheus-nats-exporter's families on its own /metrics.
func TestNATSMonitorRole(t *testing.T) {
	cfg := standalone.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.NATSAddr = "127.0.0.1:-1"
	cfg.NATSMonitorAddr = "127.0.0.1:-1"
	p, err := standalone.Start(context.Background(), cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop() })
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
		done <- run(ctx, []string{"nats-monitor", "--nats-monitor-url", p.NATSMonitorURL(), "--http", addr, "--log-format", "console"}, io.Discard, &out)
	}()
	var text string
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			text = string(b)
			if strings.Contains(text, "jetstream_stream_total_messages") {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("nats-monitor did not serve the NATS metrics: %v\n%s", err, text)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, want := range []string{
		`gnatsd_varz_connections{server_id="`,
		`gnatsd_connz_num_connections{server_id="`,
		`gnatsd_routez_num_routes{server_id="`,
		`jetstream_server_total_streams{`,
		`stream_name="ARTICLES_RAW"`,
		`consumer_name="ingest"`,
		fmt.Sprintf(`newsflow_nats_up{endpoint=%q} 1`, p.NATSMonitorURL()),
	} {
		if !strings.Contains(text, want) {
			t.Errorf("nats-monitor /metrics lacks %s", want)
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("nats-monitor exited %d on cancel: %s", code, out.String())
	}
}
