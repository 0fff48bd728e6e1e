package telemetry_test

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/zlib"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsflow/newsflow/pkg/telemetry"
)

// startLimited runs a server with cfg and returns its address and registry.
func startLimited(t *testing.T, cfg telemetry.HTTPConfig) (string, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	base, _ := startServerOn(t, cfg, reg)
	return strings.TrimPrefix(base, "http://"), reg
}

// dialFrom connects to addr from the loopback address local (127.0.0.x),
// so that the server sees distinct client addresses.
func dialFrom(t *testing.T, local, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", local, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// get sends a GET /healthz on c and returns the status code.
func get(t *testing.T, c net.Conn) int {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatalf("write: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.Header.Get("Retry-After") == "" {
		t.Errorf("%s without Retry-After", resp.Status)
	}
	return resp.StatusCode
}

func TestConnectionCaps(t *testing.T) {
	cfg := testConfig()
	cfg.MaxConns = 4
	cfg.MaxConnsPerIP = 2
	addr, reg := startLimited(t, cfg)

	// Two idle connections from 127.0.0.2 fill its share.
	a1, a2 := dialFrom(t, "127.0.0.2", addr), dialFrom(t, "127.0.0.2", addr)
	if got := get(t, a1); got != http.StatusOK {
		t.Fatalf("first connection: %d", got)
	}
	_ = get(t, a2)
	if got := get(t, dialFrom(t, "127.0.0.2", addr)); got != http.StatusTooManyRequests {
		t.Errorf("third connection from one address: %d, want 429", got)
	}
	// Another address is served until the total cap.
	b1, b2 := dialFrom(t, "127.0.0.3", addr), dialFrom(t, "127.0.0.4", addr)
	if got := get(t, b1); got != http.StatusOK {
		t.Errorf("connection from another address: %d, want 200", got)
	}
	_ = get(t, b2)
	if got := get(t, dialFrom(t, "127.0.0.5", addr)); got != http.StatusServiceUnavailable {
		t.Errorf("connection over the total cap: %d, want 503", got)
	}
	// A closed connection frees its slot.
	_ = b1.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if get(t, dialFrom(t, "127.0.0.5", addr)) == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a closed connection's slot was not given back")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := counterValue(t, reg, "newsflow_http_connections_refused_total", telemetry.RefusedPerIP); n < 1 {
		t.Errorf("per_ip refusals counted %v", n)
	}
}

func counterValue(t *testing.T, reg *prometheus.Registry, name, reason string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" && l.GetValue() == reason {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no %s{reason=%q}", name, reason)
	return 0
}

func TestConnLimitDerived(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     func(*telemetry.HTTPConfig)
		nofile  uint64
		want    int
		comment string
	}{
		{"set", func(c *telemetry.HTTPConfig) { c.MaxConns = 100 }, 2048, 100, "explicit"},
		{"ulimit 2048", func(*telemetry.HTTPConfig) {}, 2048, 1536, "a quarter kept"},
		{"ulimit 1024", func(*telemetry.HTTPConfig) {}, 1024, 768, "a quarter kept"},
		{"ulimit 256", func(*telemetry.HTTPConfig) {}, 256, 128, "at least half for connections"},
		{"ulimit 20000", func(*telemetry.HTTPConfig) {}, 20000, 8192, "ceiling"},
		{"reserve", func(c *telemetry.HTTPConfig) { c.FDReserve = 1000 }, 4096, 3096, "explicit reserve"},
		{"unknown", func(*telemetry.HTTPConfig) {}, 0, 8192, "ceiling"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := telemetry.DefaultHTTPConfig()
			tc.cfg(&c)
			if got := c.ConnLimit(tc.nofile); got != tc.want {
				t.Errorf("ConnLimit(%d) = %d, want %d (%s)", tc.nofile, got, tc.want, tc.comment)
			}
		})
	}
}

func TestRaiseFileLimit(t *testing.T) {
	n, err := telemetry.RaiseFileLimit()
	if err != nil {
		t.Fatal(err)
	}
	if n < 64 {
		t.Errorf("open files limit %d after raising", n)
	}
}

func TestDeflateBodies(t *testing.T) {
	base, _ := startServer(t, testConfig())
	plain := bytes.Repeat([]byte("newsflow "), 1000)
	var zl, raw bytes.Buffer
	zw := zlib.NewWriter(&zl)
	_, _ = zw.Write(plain)
	_ = zw.Close()
	fw, _ := flate.NewWriter(&raw, flate.BestCompression)
	_, _ = fw.Write(plain)
	_ = fw.Close()
	for name, body := range map[string][]byte{"zlib": zl.Bytes(), "raw deflate": raw.Bytes()} {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, base+"/echo", bytes.NewReader(body))
			req.Header.Set("Content-Encoding", "deflate")
			resp, got := do(t, req)
			if resp.StatusCode != http.StatusOK || got != "9000" {
				t.Errorf("%s %q, want 200 with 9000", resp.Status, got)
			}
		})
	}
}

// TestInflateRatio: a body that decompresses far beyond its size is
// refused once past the slack, long before the body limit.
func TestInflateRatio(t *testing.T) {
	cfg := testConfig()
	cfg.MaxBodyBytes = 256 << 20
	base, _ := startServer(t, cfg)
	bomb := gzipBomb(t, 200)
	req, _ := http.NewRequest(http.MethodPost, base+"/echo", bytes.NewReader(bomb))
	req.Header.Set("Content-Encoding", "gzip")
	resp, body := do(t, req)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("bomb: %s %q, want 413", resp.Status, body)
	}
	var ie *telemetry.InflateError
	err := error(&telemetry.InflateError{Encoding: "gzip", Ratio: 100, Compressed: 10, Decompressed: 2 << 20})
	var mbe *http.MaxBytesError
	if !errors.As(err, &ie) || !errors.As(err, &mbe) || !strings.Contains(err.Error(), "--http-max-inflate-ratio") {
		t.Errorf("InflateError %v: want a *http.MaxBytesError naming the flag", err)
	}
}

// TestRefusalReachesGoClients: Go's client dials, then writes its request.
// A refusal written at accept reached it before the request had gone out,
// and it reported "unsolicited response" instead of the 503 (seen in CI).
// The dialer here holds every new connection back for a while before the
// request is written, which made that certain: every request must still
// get the 503 with Retry-After, never a transport error.
func TestRefusalReachesGoClients(t *testing.T) {
	cfg := testConfig()
	cfg.MaxConns = 1
	addr, reg := startLimited(t, cfg)
	// One open connection fills the cap.
	if got := get(t, dialFrom(t, "127.0.0.2", addr)); got != http.StatusOK {
		t.Fatalf("first connection: %d", got)
	}
	slowStart := &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
			c, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, network, a)
			if err == nil {
				time.Sleep(30 * time.Millisecond)
			}
			return c, err
		},
	}
	client := &http.Client{Transport: slowStart, Timeout: 10 * time.Second}
	const n = 10
	for i := range n {
		resp, err := client.Get("http://" + addr + "/healthz")
		if err != nil {
			t.Fatalf("request %d of %d over the cap: %v, want a 503", i+1, n, err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("request %d over the cap: %s (Retry-After %q), want 503 with Retry-After", i+1, resp.Status, resp.Header.Get("Retry-After"))
		}
	}
	if got := counterValue(t, reg, "newsflow_http_connections_refused_total", telemetry.RefusedMaxConns); got < n {
		t.Errorf("max_conns refusals counted %v, want at least %d", got, n)
	}
}
