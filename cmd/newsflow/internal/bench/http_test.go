package bench

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestPostAll checks how the HTTP edge's answers are counted: 202
// "accepted" published, 429 and 503 refused, anything else failed, and
// that every article is marked when sent.
func TestPostAll(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/articles" || r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "wrong request", http.StatusBadRequest)
			return
		}
		var a struct {
			ID string `json:"id"`
		}
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &a)
		w.Header().Set("Content-Type", "application/json")
		switch n.Add(1) % 4 {
		case 0:
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"error":{"code":"overloaded"}}`))
		case 1:
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"error":{"code":"unavailable"}}`))
		case 2:
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":{"code":"invalid"}}`))
		default:
			w.WriteHeader(http.StatusAccepted)
			_, _ = w.Write([]byte(`{"status":"accepted","id":"` + a.ID + `"}`))
		}
	}))
	defer srv.Close()
	payloads := make([][]byte, 40)
	for i := range payloads {
		payloads[i] = []byte(`{"id":"a` + string(rune('a'+i%26)) + `"}`)
	}
	var marked atomic.Int64
	res, err := postAll(context.Background(), srv.URL+"/", "tok", payloads, 0, 8, func(int, time.Time) { marked.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	if res.ok != 10 || res.refused != 20 || res.failed != 10 {
		t.Errorf("ok %d, refused %d, failed %d; want 10, 20, 10", res.ok, res.refused, res.failed)
	}
	if marked.Load() != 40 {
		t.Errorf("%d articles marked as sent, want 40", marked.Load())
	}
}
