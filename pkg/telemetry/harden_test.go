package telemetry_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/telemetry"
)

// echoLen answers with the number of body bytes read, 413 when the body is
// over the limit and 400 when it cannot be read.
func echoLen(w http.ResponseWriter, r *http.Request) {
	n, err := io.Copy(io.Discard, r.Body)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
	case err != nil:
		http.Error(w, "bad body: "+err.Error(), http.StatusBadRequest)
	default:
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, strconv.FormatInt(n, 10))
	}
}

// startServer runs a telemetry server with cfg and the test routes.
func startServer(t *testing.T, cfg telemetry.HTTPConfig) (string, chan error) {
	t.Helper()
	return startServerOn(t, cfg, prometheus.NewRegistry())
}

// startServerOn is startServer with the server's metrics on reg.
func startServerOn(t *testing.T, cfg telemetry.HTTPConfig, reg *prometheus.Registry) (string, chan error) {
	t.Helper()
	srv := telemetry.NewServer("127.0.0.1:0", reg, zaptest.NewLogger(t), telemetry.WithHTTPConfig(cfg))
	bodyErrs := make(chan error, 16)
	srv.Handle("POST /echo", http.HandlerFunc(echoLen))
	srv.Handle("POST /slow", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.Copy(io.Discard, r.Body)
		bodyErrs <- err
	}))
	srv.Handle("GET /page", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<!doctype html><title>x</title>")
	}))
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server run: %v", err)
		}
	})
	return "http://" + srv.Addr(), bodyErrs
}

func testConfig() telemetry.HTTPConfig {
	cfg := telemetry.DefaultHTTPConfig()
	cfg.MaxBodyBytes = 1 << 20
	return cfg
}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func gzipped(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// gzipBomb returns about 1 MiB of gzip that inflates to n MiB of zeros
// (concatenated gzip members, which every gzip reader accepts).
func gzipBomb(t *testing.T, n int) []byte {
	t.Helper()
	member := gzipped(t, make([]byte, 1<<20))
	return bytes.Repeat(member, n)
}

func TestSecurityHeaders(t *testing.T) {
	base, _ := startServer(t, testConfig())
	for _, tc := range []struct {
		name, path, csp string
	}{
		{"api answer", "/healthz", "default-src 'none'"},
		{"metrics", "/metrics", "default-src 'none'"},
		{"html page", "/page", "default-src 'self'"},
		{"not found", "/nowhere", "default-src 'none'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, base+tc.path, nil)
			req.Header.Set("Origin", "https://evil.example")
			resp, _ := do(t, req)
			for k, v := range map[string]string{
				"X-Content-Type-Options":     "nosniff",
				"X-Frame-Options":            "DENY",
				"Referrer-Policy":            "no-referrer",
				"Cross-Origin-Opener-Policy": "same-origin",
			} {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if got := resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(got, tc.csp) || !strings.Contains(got, "frame-ancestors 'none'") {
				t.Errorf("Content-Security-Policy = %q, want it to start with %q", got, tc.csp)
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
				t.Errorf("CORS allowed by default: Access-Control-Allow-Origin = %q", got)
			}
		})
	}
}

func TestCORS(t *testing.T) {
	t.Run("none by default: preflight refused", func(t *testing.T) {
		base, _ := startServer(t, testConfig())
		req, _ := http.NewRequest(http.MethodOptions, base+"/echo", nil)
		req.Header.Set("Origin", "https://app.example")
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, _ := do(t, req)
		if resp.StatusCode < 400 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight: %s, Access-Control-Allow-Origin %q", resp.Status, resp.Header.Get("Access-Control-Allow-Origin"))
		}
	})
	t.Run("configured origin", func(t *testing.T) {
		cfg := testConfig()
		cfg.CORSOrigins = []string{"https://app.example"}
		base, _ := startServer(t, cfg)
		for _, tc := range []struct {
			origin string
			want   string
		}{{"https://app.example", "https://app.example"}, {"https://evil.example", ""}} {
			req, _ := http.NewRequest(http.MethodOptions, base+"/echo", nil)
			req.Header.Set("Origin", tc.origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			resp, _ := do(t, req)
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tc.want {
				t.Errorf("origin %s: Access-Control-Allow-Origin = %q, want %q", tc.origin, got, tc.want)
			}
			if tc.want != "" && resp.StatusCode != http.StatusNoContent {
				t.Errorf("origin %s: preflight %s, want 204", tc.origin, resp.Status)
			}
		}
	})
}

func TestRequestBodies(t *testing.T) {
	base, _ := startServer(t, testConfig())
	text := bytes.Repeat([]byte("newsflow "), 10000) // 90,000 bytes
	for _, tc := range []struct {
		name     string
		body     []byte
		encoding string
		status   int
		answer   string
	}{
		{"plain", text, "", http.StatusOK, "90000"},
		{"gzip", gzipped(t, text), "gzip", http.StatusOK, "90000"},
		{"gzip upper case", gzipped(t, text), "GZIP", http.StatusOK, "90000"},
		{"identity", text, "identity", http.StatusOK, "90000"},
		{"over the limit", make([]byte, 2<<20), "", http.StatusRequestEntityTooLarge, "too_large"},
		{"gzip inflating over the limit", gzipped(t, make([]byte, 2<<20)), "gzip", http.StatusRequestEntityTooLarge, "too large"},
		{"not gzip at all", text, "gzip", http.StatusBadRequest, "gzip request body"},
		{"truncated gzip", gzipped(t, text)[:100], "gzip", http.StatusBadRequest, "gzip request body"},
		{"unsupported encoding", text, "br", http.StatusUnsupportedMediaType, "unsupported_encoding"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, base+"/echo", bytes.NewReader(tc.body))
			if tc.encoding != "" {
				req.Header.Set("Content-Encoding", tc.encoding)
			}
			resp, body := do(t, req)
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.answer) {
				t.Errorf("%s %q, want %d with %q", resp.Status, body, tc.status, tc.answer)
			}
		})
	}
}

func TestGzipBombStaysBounded(t *testing.T) {
	base, _ := startServer(t, testConfig())
	bomb := gzipBomb(t, 512) // 512 MiB of zeros in about half a MiB
	if int64(len(bomb)) >= testConfig().MaxBodyBytes {
		t.Fatalf("bomb is %d bytes, not under the %d-byte limit: the test would not reach decompression", len(bomb), testConfig().MaxBodyBytes)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	req, _ := http.NewRequest(http.MethodPost, base+"/echo", bytes.NewReader(bomb))
	req.Header.Set("Content-Encoding", "gzip")
	resp, body := do(t, req)
	runtime.ReadMemStats(&after)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("gzip bomb: %s %q, want 413", resp.Status, body)
	}
	// Inflating the whole bomb would allocate or at least stream 512 MiB;
	// the limit stops it after 1 MiB.
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Errorf("serving the bomb allocated %d MiB", grew>>20)
	}
}

func TestSlowClients(t *testing.T) {
	cfg := testConfig()
	cfg.ReadHeaderTimeout = 300 * time.Millisecond
	cfg.ReadTimeout = 600 * time.Millisecond
	base, bodyErrs := startServer(t, cfg)
	addr := strings.TrimPrefix(base, "http://")

	t.Run("headers trickled", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = conn.Close() }()
		if _, err := io.WriteString(conn, "POST /echo HTTP/1.1\r\nHost: x\r\n"); err != nil {
			t.Fatal(err)
		}
		// Never finish the headers: the server must hang up on its own.
		_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		_, err = bufio.NewReader(conn).ReadString('\n')
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("the server kept a client that never sent its headers")
		}
	})
	t.Run("body trickled", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = conn.Close() }()
		if _, err := io.WriteString(conn, "POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc"); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-bodyErrs:
			if err == nil {
				t.Errorf("the handler read a body that never arrived")
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("the handler was kept waiting for a trickled body")
		}
	})
	t.Run("others are served meanwhile", func(t *testing.T) {
		resp, body := do(t, mustRequest(t, http.MethodGet, base+"/healthz"))
		if resp.StatusCode != http.StatusOK || body != "ok\n" {
			t.Errorf("healthz: %s %q", resp.Status, body)
		}
	})
}

func mustRequest(t *testing.T, method, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestHTTPConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		modify func(*telemetry.HTTPConfig)
		ok     bool
	}{
		{"defaults", func(*telemetry.HTTPConfig) {}, true},
		{"tiny body limit", func(c *telemetry.HTTPConfig) { c.MaxBodyBytes = 10 }, false},
		{"no timeout", func(c *telemetry.HTTPConfig) { c.ReadTimeout = 0 }, false},
		{"bad origin", func(c *telemetry.HTTPConfig) { c.CORSOrigins = []string{"app.example"} }, false},
		{"any origin", func(c *telemetry.HTTPConfig) { c.CORSOrigins = []string{"*"} }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := telemetry.DefaultHTTPConfig()
			tc.modify(&c)
			err := c.Validate()
			if (err == nil) != tc.ok {
				t.Errorf("Validate() = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, telemetry.ErrInvalidHTTPConfig) {
				t.Errorf("error %v does not wrap ErrInvalidHTTPConfig", err)
			}
		})
	}
}

func FuzzGzipRequestBody(f *testing.F) {
	f.Add([]byte("plain"), false)
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}, true)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(bytes.Repeat([]byte("a"), 5000))
	_ = zw.Close()
	f.Add(buf.Bytes(), true)
	srv := telemetry.NewServer("127.0.0.1:0", prometheus.NewRegistry(), zap.NewNop(), telemetry.WithHTTPConfig(testConfig()))
	srv.Handle("POST /echo", http.HandlerFunc(echoLen))
	h := srv.Handler()
	f.Fuzz(func(t *testing.T, body []byte, gz bool) {
		req, _ := http.NewRequest(http.MethodPost, "/echo", bytes.NewReader(body))
		if gz {
			req.Header.Set("Content-Encoding", "gzip")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
			n, err := strconv.Atoi(rec.Body.String())
			if err != nil || n > 1<<20 {
				t.Fatalf("200 with %q", rec.Body.String())
			}
			if !gz && n != len(body) {
				t.Fatalf("plain body of %d bytes read as %d", len(body), n)
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d", rec.Code)
		}
	})
}

// TestUnroutedAnswersAreJSON: an unknown path is a JSON 404 and a known
// path with another method a JSON 405 with Allow, in the contract's error
// shape, not the router's plain text.
func TestUnroutedAnswersAreJSON(t *testing.T) {
	base, _ := startServer(t, testConfig())
	for _, tc := range []struct {
		method, path string
		status       int
		code, msg    string
		allow        string
	}{
		{http.MethodGet, "/nowhere", http.StatusNotFound, "not_found", "no such path: /nowhere", ""},
		{http.MethodDelete, "/healthz", http.StatusMethodNotAllowed, "method_not_allowed", "method DELETE is not allowed on /healthz", "GET, HEAD"},
		{http.MethodGet, "/echo", http.StatusMethodNotAllowed, "method_not_allowed", "allowed: POST", "POST"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, base+tc.path, nil)
			resp, body := do(t, req)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d %s, want %d", resp.StatusCode, body, tc.status)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q, want JSON", ct)
			}
			var e struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Code != tc.code || !strings.Contains(e.Error.Message, tc.msg) {
				t.Errorf("body %s (%v), want code %s and a message with %q", body, err, tc.code, tc.msg)
			}
			if got := resp.Header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow = %q, want %q", got, tc.allow)
			}
		})
	}
}
