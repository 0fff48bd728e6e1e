package telemetry_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/telemetry"
)

// BenchmarkHardenedRequest measures a request through the hardening: a
// 1 MiB NDJSON-like body, plain and gzip-encoded, read to the end by the
// handler (headers, size limit, lazy bounded gzip inflation).
func BenchmarkHardenedRequest(b *testing.B) {
	body := bytes.Repeat([]byte(`{"source":"bench","title":"t","body":"some words of an article body"}`+"\n"), 1<<20/70)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(body)
	_ = zw.Close()
	read := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	})
	srv := telemetry.NewServer("127.0.0.1:0", prometheus.NewRegistry(), zap.NewNop())
	srv.Handle("POST /x", read)
	hardened := srv.Handler()
	for _, bc := range []struct {
		name     string
		h        http.Handler
		data     []byte
		encoding string
	}{
		{"hardened/plain", hardened, body, ""},
		{"hardened/gzip", hardened, gz.Bytes(), "gzip"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				req := httptest.NewRequest(http.MethodPost, "/x", bytes.NewReader(bc.data))
				if bc.encoding != "" {
					req.Header.Set("Content-Encoding", bc.encoding)
				}
				rec := httptest.NewRecorder()
				bc.h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
