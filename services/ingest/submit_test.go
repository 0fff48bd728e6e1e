package ingest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/intake"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

// TestSubmitter checks the one raw-publish path: the seen-set answers an
// exact resubmission and an id of another source, a new article is
// published and confirmed, and the stream's duplicate window answers a
// version submitted twice before ingest has seen it.
func TestSubmitter(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	seen := &article.Article{ID: "sub-seen", Source: "alpha", ContentHash: "h1"}
	if _, err := e.seen.Record(ctx, SeenVersion{ID: seen.ID, Hash: seen.ContentHash, Source: seen.Source, Seq: 1}); err != nil {
		t.Fatal(err)
	}
	other := *seen
	other.Source, other.ContentHash = "beta", "h2"
	fresh := &article.Article{ID: "sub-new", Source: "alpha", Title: "New", Body: "A new article.", ContentHash: "h3"}

	for _, tc := range []struct {
		name      string
		takeover  bool
		arts      []*article.Article
		want      []string
		conflicts int
	}{
		{"seen, other source, new", false, []*article.Article{seen, &other, fresh}, []string{StatusDuplicate, StatusRejected, StatusAccepted}, 1},
		{"the new one again", false, []*article.Article{fresh}, []string{StatusDuplicate}, 0},
		{"takeover allowed", true, []*article.Article{&other}, []string{StatusAccepted}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sub := NewSubmitter(e.js, e.seen, SubmitterConfig{AllowIDTakeover: tc.takeover, ConfirmTimeout: 5 * time.Second})
			got := sub.Submit(ctx, tc.arts)
			conflicts := 0
			for i, r := range got {
				if r.Status != tc.want[i] {
					t.Errorf("article %d (%s from %s): %s, %v; want %s", i, tc.arts[i].ID, tc.arts[i].Source, r.Status, r.Err, tc.want[i])
				}
				var fe *article.FieldError
				if errors.As(r.Err, &fe) && fe.Code == article.CodeConflict {
					conflicts++
				}
				if errors.Is(r.Err, ErrUnavailable) {
					t.Errorf("article %d: unavailable: %v", i, r.Err)
				}
			}
			if conflicts != tc.conflicts {
				t.Errorf("%d conflicts, want %d", conflicts, tc.conflicts)
			}
		})
	}
}

// TestSubmitterClaim checks the one seen-set write of an HTTP submission:
// the edge claims the version, the stage takes the claim (HeaderSeen)
// without recording it again, a raw resubmission of that version without
// the header is a duplicate, and an edge claim is re-published inside the
// duplicate window (the stream answers) and a duplicate after it.
func TestSubmitterClaim(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a := &article.Article{Source: "wire", URL: "https://wire.example.com/claim", Body: "text"}
	if err := intake.Prepare(a, article.Limits{}); err != nil {
		t.Fatal(err)
	}
	sub := NewSubmitter(e.js, e.seen, SubmitterConfig{ConfirmTimeout: 5 * time.Second})
	if got := sub.Submit(ctx, []*article.Article{a}); got[0].Status != StatusAccepted {
		t.Fatalf("first submission: %s, %v", got[0].Status, got[0].Err)
	}
	ent, ok, err := e.seen.Lookup(ctx, a.ID)
	if err != nil || !ok || ent.Hash != a.ContentHash || ent.Seq != 0 {
		t.Fatalf("claim: %+v, %v, %v; want hash %s, seq 0", ent, ok, err, a.ContentHash)
	}

	// The raw message as the stage receives it.
	stream, err := e.js.Stream(ctx, natsbus.StreamRaw)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := stream.GetLastMsgForSubject(ctx, natsbus.RawSubject("wire"))
	if err != nil {
		t.Fatal(err)
	}
	if got := raw.Header.Get(HeaderSeen); got != a.ContentHash {
		t.Fatalf("raw message %s header = %q, want %q", HeaderSeen, got, a.ContentHash)
	}
	h := NewHandler(e.seen, article.Limits{}, time.Now, HandlerOptions{})
	in := &pipeline.Message{Source: "wire", Seq: raw.Sequence, Header: pipeline.Header(raw.Header), Data: raw.Data}
	if out, err := h.Process(ctx, in); err != nil || len(out) != 1 {
		t.Fatalf("claimed message: %d outputs, %v; want 1", len(out), err)
	}
	if ent2, _, _ := e.seen.Lookup(ctx, a.ID); ent2 != ent {
		t.Errorf("the stage rewrote the claim: %+v, want %+v", ent2, ent)
	}
	plain := &pipeline.Message{Source: "wire", Seq: raw.Sequence + 1, Header: pipeline.Header{}, Data: raw.Data}
	if _, err := h.Process(ctx, plain); !errorsIsDuplicate(err) {
		t.Errorf("the same version without the claim header: %v, want a duplicate", err)
	}

	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		window time.Duration
	}{
		{"inside the window: published again, the stream answers", time.Hour},
		{"after the window: answered from the claim", time.Nanosecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sub := NewSubmitter(e.js, e.seen, SubmitterConfig{ConfirmTimeout: 5 * time.Second, DuplicateWindow: tc.window})
			if got := sub.Submit(ctx, []*article.Article{a}); got[0].Status != StatusDuplicate {
				t.Errorf("resubmission: %s, %v; want duplicate", got[0].Status, got[0].Err)
			}
			now, err := stream.Info(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if now.State.Msgs != info.State.Msgs {
				t.Errorf("raw stream holds %d messages, want %d", now.State.Msgs, info.State.Msgs)
			}
		})
	}
}
