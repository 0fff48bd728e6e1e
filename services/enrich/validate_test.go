package enrich

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

// TestProcessRejectsInvalidIngested: an ingested article that fails the
// input rules (published on the bus behind ingest's back) is a permanent
// error naming the field, so the worker dead-letters it.
func TestProcessRejectsInvalidIngested(t *testing.T) {
	e := NewEnricher(StepsWith(Stores{}, StepEntities), time.Now)
	for _, tc := range []struct {
		name, field string
		a           article.Article
	}{
		{"javascript url", "url", article.Article{ID: "x1", Source: "s", Body: "Text.", URL: "javascript:alert(1)"}},
		{"revision 2^62", "revision", article.Article{ID: "x2", Source: "s", Body: "Text.", Revision: 1 << 62}},
		{"missing id", "id", article.Article{Source: "s", Body: "Text."}},
		{"no source", "source", article.Article{ID: "x3", Body: "Text."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := article.Encode(&tc.a)
			if err != nil {
				t.Fatal(err)
			}
			out, err := e.Process(context.Background(), &pipeline.Message{Data: data})
			var fe *article.FieldError
			if len(out) != 0 || !pipeline.IsPermanent(err) || !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("Process = %d messages, %v; want a permanent error on %s", len(out), err, tc.field)
			}
		})
	}
}
