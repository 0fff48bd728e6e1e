package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/intake"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

// TestSourceCannotTakeOverAnotherSourcesID: an article id belongs to the
// source of its first version; another source's new version under that id
// is refused (a permanent error naming the owner, so it is dead-lettered),
// reruns included, unless AllowIDTakeover.
func TestSourceCannotTakeOverAnotherSourcesID(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	h := NewHandler(e.seen, article.Limits{}, time.Now, HandlerOptions{Metrics: e.m})
	msg := func(seq uint64, data string) *pipeline.Message {
		return &pipeline.Message{Seq: seq, Header: pipeline.Header{}, Data: []byte(data)}
	}
	if out, err := h.Process(ctx, msg(1, `{"source":"alpha","id":"story-1","body":"The original text."}`)); err != nil || len(out) != 1 {
		t.Fatalf("alpha's article: %d outputs, %v", len(out), err)
	}
	// alpha may publish new versions of its own article.
	if out, err := h.Process(ctx, msg(2, `{"source":"alpha","id":"story-1","body":"The original text, corrected."}`)); err != nil || len(out) != 1 {
		t.Fatalf("alpha's new version: %d outputs, %v", len(out), err)
	}

	overwrite := `{"source":"beta","id":"story-1","body":"Defaced by beta."}`
	out, err := h.Process(ctx, msg(3, overwrite))
	var fe *article.FieldError
	if len(out) != 0 || !pipeline.IsPermanent(err) || !errors.As(err, &fe) || fe.Code != article.CodeConflict || fe.Field != "id" ||
		!strings.Contains(fe.Message, `"alpha"`) {
		t.Fatalf("beta's version of alpha's id: %d outputs, %v; want a permanent conflict naming alpha", len(out), err)
	}
	// A rerun (a replayed dead letter) is not let through either.
	rerun := msg(4, overwrite)
	rerun.Header.Set(pipeline.HeaderRerun, "1")
	if out, err := h.Process(ctx, rerun); len(out) != 0 || !errors.As(err, &fe) || fe.Code != article.CodeConflict {
		t.Fatalf("rerun of beta's version: %d outputs, %v; want a conflict", len(out), err)
	}
	// Nor is a message that says the HTTP edge claimed it (HeaderSeen):
	// any producer can compute a content hash and set the header.
	forged := msg(4, overwrite)
	var fa article.Article
	if err := json.Unmarshal([]byte(overwrite), &fa); err != nil {
		t.Fatal(err)
	}
	if err := intake.Prepare(&fa, article.Limits{}); err != nil {
		t.Fatal(err)
	}
	forged.Header.Set(HeaderSeen, fa.ContentHash)
	if out, err := h.Process(ctx, forged); len(out) != 0 || !errors.As(err, &fe) || fe.Code != article.CodeConflict {
		t.Fatalf("beta's version with a forged %s header: %d outputs, %v; want a conflict", HeaderSeen, len(out), err)
	}
	// In a batch only the offending item is refused.
	batch := msg(5, `{"source":"beta","id":"story-1","body":"Defaced again."}`+"\n"+`{"source":"beta","id":"story-2","body":"Beta's own story."}`+"\n")
	batch.Header.Set(pipeline.HeaderContentType, "application/x-ndjson")
	out, err = h.Process(ctx, batch)
	var be *pipeline.BatchError
	if len(out) != 1 || !errors.As(err, &be) || len(be.Items) != 1 || !strings.Contains(be.Items[0].Err.Error(), "conflict") {
		t.Fatalf("batch: %d outputs, %v; want story-2 out and story-1 refused", len(out), err)
	}
	if got, _, _ := e.seen.Lookup(ctx, "story-1"); got.Source != "alpha" {
		t.Errorf("story-1 is owned by %q, want alpha", got.Source)
	}

	// Configured to, beta takes the id over.
	takeover := NewHandler(e.seen, article.Limits{}, time.Now, HandlerOptions{AllowIDTakeover: true})
	if out, err := takeover.Process(ctx, msg(6, overwrite)); err != nil || len(out) != 1 {
		t.Fatalf("with AllowIDTakeover: %d outputs, %v", len(out), err)
	}
	if got, _, _ := e.seen.Lookup(ctx, "story-1"); got.Source != "beta" {
		t.Errorf("after the takeover story-1 is owned by %q, want beta", got.Source)
	}
}

// TestAPIRefusesAnotherSourcesID: the API answers 409 at once.
func TestAPIRefusesAnotherSourcesID(t *testing.T) {
	e := newEnv(t)
	e.startStage(t)
	api := NewAPI(e.js, e.seen, APIConfig{MaxRequestBytes: 1 << 20, Metrics: e.m}, zaptest.NewLogger(t))
	mux := http.NewServeMux()
	api.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	post := func(body string) (int, string) {
		resp, err := http.Post(srv.URL+"/v1/articles", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post(`{"source":"alpha","id":"api-1","body":"Alpha's story."}`); code != http.StatusAccepted {
		t.Fatalf("alpha: %d %s", code, body)
	}
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ok, _ := e.seen.Lookup(ctx, "api-1"); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("alpha's article never ingested")
		}
		time.Sleep(20 * time.Millisecond)
	}
	code, body := post(`{"source":"beta","id":"api-1","body":"Beta's overwrite."}`)
	if code != http.StatusConflict || !strings.Contains(body, `"code":"conflict"`) || !strings.Contains(body, `"field":"id"`) {
		t.Errorf("beta reusing alpha's id: %d %s, want 409 conflict", code, body)
	}
}
