package enrich

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/corpus"
)

// seedUnderstanding is the part of the seed article's expectations the
// entity and quotation steps meet.
type seedUnderstanding struct {
	Entities    map[string][]string `json:"entities"`
	NotEntities []string            `json:"not_entities"`
	Quotes      []struct {
		StartsWith string `json:"starts_with"`
		Speaker    string `json:"speaker"`
	} `json:"quotes"`
}

// TestSeedArticleUnderstanding checks every entity, not-entity and
// quotation expectation of the seed article's gold file.
func TestSeedArticleUnderstanding(t *testing.T) {
	a, _ := seedArticle(t)
	data, err := os.ReadFile(corpus.Path(t, "seed", "000_cc3d19f12a0924a9.gold.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g seedUnderstanding
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	NewEnricher(Steps(), time.Now).Enrich(context.Background(), a)
	if len(a.EnrichErrors) > 0 {
		t.Fatalf("enrich errors: %v", a.EnrichErrors)
	}
	got := map[string]article.Entity{}
	for _, e := range a.Entities {
		got[e.Text] = e
	}
	for typ, names := range g.Entities {
		for _, n := range names {
			e, ok := got[n]
			switch {
			case !ok:
				t.Errorf("entity %s %q not found; entities: %+v", typ, n, a.Entities)
			case e.Type != typ:
				t.Errorf("entity %q has type %s, want %s", n, e.Type, typ)
			case e.Count < 1:
				t.Errorf("entity %q has count %d", n, e.Count)
			}
		}
	}
	for _, n := range g.NotEntities {
		if e, ok := got[n]; ok {
			t.Errorf("%q is not an entity of the article, got %+v", n, e)
		}
	}
	if e := got["Сергей Лавров"]; e.Count < 3 {
		t.Errorf("Сергей Лавров counted %d times, want the surname mentions too (>= 3)", e.Count)
	}
	for _, w := range g.Quotes {
		found := false
		for _, q := range a.Quotes {
			if strings.HasPrefix(q.Text, w.StartsWith) {
				found = true
				if q.Speaker != w.Speaker {
					t.Errorf("quotation %q: speaker %q, want %q", w.StartsWith, q.Speaker, w.Speaker)
				}
			}
		}
		if !found {
			t.Errorf("quotation %q not found; quotations: %+v", w.StartsWith, a.Quotes)
		}
	}
}

func TestEntityAndQuoteStepsSwitchOff(t *testing.T) {
	a, _ := seedArticle(t)
	NewEnricher(Steps(StepEntities, StepQuotes), time.Now).Enrich(context.Background(), a)
	if len(a.Entities) != 0 || len(a.Quotes) != 0 {
		t.Errorf("disabled steps ran: %d entities, %d quotations", len(a.Entities), len(a.Quotes))
	}
	b, _ := seedArticle(t)
	NewEnricher(Steps(StepEntities), time.Now).Enrich(context.Background(), b)
	if len(b.Entities) != 0 || len(b.Quotes) == 0 {
		t.Errorf("quotes without entities: %d entities, %d quotations; want 0 and some", len(b.Entities), len(b.Quotes))
	}
}

func TestQuotesReuseEntitiesOfTheSameText(t *testing.T) {
	x := &extractor{}
	ctx := context.Background()
	a, _ := seedArticle(t)
	a.CleanBody = a.Body
	var d analysis
	if err := x.entities(ctx, a, &d); err != nil {
		t.Fatal(err)
	}
	found := d.ents
	if found == nil || len(found.Mentions) == 0 {
		t.Fatal("the entity step left no entities in the analysis")
	}
	if err := x.quotes(ctx, a, &d); err != nil {
		t.Fatal(err)
	}
	if len(a.Quotes) == 0 {
		t.Fatal("no quotations")
	}
	if d.ents != found {
		t.Error("the quotation step extracted the entities again")
	}
	// A changed text is analysed again: the quotations come from the new
	// text, not from the entities of the old one.
	a.CleanBody = `„Това е ново изявление за медиите“, заяви Иван Петров.`
	if err := x.quotes(ctx, a, &d); err != nil {
		t.Fatal(err)
	}
	if d.ents == found || len(a.Quotes) != 1 || a.Quotes[0].Speaker != "Иван Петров" {
		t.Errorf("after a change of text: quotes %+v, want one by Иван Петров from fresh entities", a.Quotes)
	}
}
