package quality_test

import (
	"context"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/services/enrich"
	"github.com/newsflow/newsflow/services/enrich/quality"
)

func goldEnv(t *testing.T) *quality.Env {
	t.Helper()
	e := enrich.NewEnricher(enrich.Steps(), time.Now)
	return &quality.Env{CorpusDir: corpus.Dir(t), GoldDir: "../testdata/gold", Enrich: e.Enrich}
}

// TestGoldTargets holds the entity and quotation steps to the issue's
// targets on the gold set: entity F1 at least 0.80 in bg, ru and en,
// quotation speaker accuracy at least 0.85 over all languages. German (3
// articles) is below the entity target and not held to it here; its figures
// are in docs/quality.md.
func TestGoldTargets(t *testing.T) {
	env := goldEnv(t)
	ctx := context.Background()
	ents, err := quality.ScoreEntities(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"bg", "ru", "en"} {
		p := ents.ByLang[lang]
		if p == nil {
			t.Errorf("no gold articles in %s", lang)
			continue
		}
		if p.F1() < 0.80 {
			t.Errorf("entity F1 in %s = %.3f (P %.3f, R %.3f), want >= 0.80", lang, p.F1(), p.Precision(), p.Recall())
		}
	}
	_, total, err := quality.ScoreQuotes(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	if total.WithSpeaker < 40 {
		t.Errorf("only %d annotated quotations with a speaker; the gold set has more", total.WithSpeaker)
	}
	if acc := total.SpeakerAccuracy(); acc < 0.85 {
		t.Errorf("speaker accuracy = %.3f (%d of %d), want >= 0.85", acc, total.Correct, total.WithSpeaker)
	}
}

func TestGoldSetShape(t *testing.T) {
	gold, err := quality.ReadGold("../testdata/gold")
	if err != nil {
		t.Fatal(err)
	}
	langs := map[string]int{}
	for _, g := range gold {
		langs[g.Lang]++
		n := 0
		for _, names := range g.Entities {
			n += len(names)
		}
		if n == 0 {
			t.Errorf("gold article %s has no entities", g.ID)
		}
	}
	if len(gold) < 40 || langs["bg"] < 15 || langs["ru"] < 13 || langs["en"] < 12 {
		t.Errorf("gold set has %d articles %v, want at least 40 (15 bg, 13 ru, 12 en)", len(gold), langs)
	}
}
