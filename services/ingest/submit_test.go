package ingest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
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
