package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/intake"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/telemetry"
)

// startAPI serves the API behind the telemetry server's limits (gzip, body
// size, inflate ratio), as the processes do.
func startAPI(t *testing.T, e *env, maxRequest int64) string {
	t.Helper()
	api := NewAPI(e.js, e.seen, APIConfig{MaxRequestBytes: maxRequest, Metrics: e.m}, zaptest.NewLogger(t))
	cfg := telemetry.DefaultHTTPConfig()
	cfg.MaxBodyBytes = maxRequest
	ts := telemetry.NewServer("127.0.0.1:0", e.reg, zaptest.NewLogger(t), telemetry.WithHTTPConfig(cfg))
	api.Routes(ts)
	srv := httptest.NewServer(ts.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

func post(t *testing.T, url, ct, enc string, body []byte) (int, string, time.Duration) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/v1/articles", bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	if enc != "" {
		req.Header.Set("Content-Encoding", enc)
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), time.Since(start)
}

// TestAPIOversizeBodies: a document over the one-article limit is refused
// before it is decoded, and a compression bomb at once, not after its
// decompressed lines were handled.
func TestAPIOversizeBodies(t *testing.T) {
	e := newEnv(t)
	url := startAPI(t, e, 64<<20)

	t.Run("json document over the limit", func(t *testing.T) {
		big := []byte(`{"source":"a","body":"` + strings.Repeat("x", intake.MaxDocumentBytes) + `"}`)
		status, body, _ := post(t, url, "application/json", "", big)
		if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, "NDJSON") {
			t.Errorf("%d %s, want 413 pointing at NDJSON", status, body)
		}
	})
	t.Run("json document streamed without a length", func(t *testing.T) {
		pr, pw := io.Pipe()
		go func() {
			_, _ = pw.Write([]byte(`{"source":"a","body":"`))
			chunk := bytes.Repeat([]byte("y"), 64<<10)
			for range (50 << 20) / len(chunk) {
				if _, err := pw.Write(chunk); err != nil {
					return // the server stopped reading: good
				}
			}
			_ = pw.Close()
		}()
		req, _ := http.NewRequest(http.MethodPost, url+"/v1/articles", pr)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		_ = pw.CloseWithError(io.ErrClosedPipe)
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", resp.StatusCode)
		}
	})
	t.Run("gzip ndjson bomb", func(t *testing.T) {
		var raw bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&raw, gzip.BestCompression)
		line := []byte(`{"source":"bomb","body":"the same article again and again"}` + "\n")
		for raw.Len() < 300<<10 {
			for range 10000 {
				_, _ = zw.Write(line)
			}
			_ = zw.Flush()
		}
		_ = zw.Close()
		status, body, took := post(t, url, "application/x-ndjson", "gzip", raw.Bytes())
		if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, "--http-max-inflate-ratio") {
			t.Errorf("%d %s, want 413 naming the inflate ratio", status, body)
		}
		t.Logf("%d KB gzip bomb answered %d in %s", raw.Len()>>10, status, took)
	})
}

// TestAPIAbortedUpload: a client that goes away mid-body is counted as an
// aborted upload, not as a rejected article.
func TestAPIAbortedUpload(t *testing.T) {
	e := newEnv(t)
	url := startAPI(t, e, 8<<20)
	for _, ct := range []string{"application/json", "application/x-ndjson"} {
		c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "POST /v1/articles HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: 100000\r\n\r\n{\"source\":\"a\",\"bo", ct)
		_ = c.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for testutil.ToFloat64(e.m.articles.WithLabelValues(PathAPI, "json", OutcomeAborted))+
		testutil.ToFloat64(e.m.articles.WithLabelValues(PathAPI, "ndjson", OutcomeAborted)) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("aborted uploads were not counted")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, f := range []string{"json", "ndjson"} {
		if n := testutil.ToFloat64(e.m.articles.WithLabelValues(PathAPI, f, StatusRejected)); n != 0 {
			t.Errorf("%s: %v rejected articles counted for an aborted upload", f, n)
		}
	}
	if n := testutil.CollectAndCount(e.m.rejected); n != 0 {
		t.Errorf("%d rejection series for aborted uploads", n)
	}
}

// TestAPILocation: a 202 for one article says where it will be readable.
func TestAPILocation(t *testing.T) {
	e := newEnv(t)
	base := startAPI(t, e, 1<<20)
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/articles", strings.NewReader(`{"id":"loc-1","source":"test","body":"Text."}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d, want 202", resp.StatusCode)
	}
	if got := resp.Header.Get("Location"); got != "/v1/articles/loc-1" {
		t.Errorf("Location = %q, want /v1/articles/loc-1", got)
	}
}

// TestAPIPublishesAfterTheRequestIsCancelled: a request whose body was
// read whole is published even when its context is cancelled meanwhile
// (the server cancels it when the connection reports an error): the
// article is accepted and on the raw stream, not refused as unavailable.
func TestAPIPublishesAfterTheRequestIsCancelled(t *testing.T) {
	e := newEnv(t)
	api := NewAPI(e.js, e.seen, APIConfig{MaxRequestBytes: 1 << 20, Metrics: e.m}, zaptest.NewLogger(t))
	ts := telemetry.NewServer("127.0.0.1:0", e.reg, zaptest.NewLogger(t))
	api.Routes(ts)
	feed := `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>A cancelled request</title>` +
		`<description>Its whole text arrived before the connection went away.</description>` +
		`<link>http://example.org/cancelled</link></item></channel></rss>`
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest(http.MethodPost, "/v1/articles?source=cancel", strings.NewReader(feed)).WithContext(ctx)
	req.Header.Set("Content-Type", "application/rss+xml")
	rec := httptest.NewRecorder()
	ts.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusAccepted {
		t.Fatalf("status %d %s, want 202", rec.Code, rec.Body)
	}
	if got := e.collect(t, natsbus.StreamRaw, natsbus.RawSubject("cancel"), 1); !strings.Contains(string(got[0].Data()), "A cancelled request") {
		t.Errorf("raw message %s, want the article", got[0].Data())
	}
}
