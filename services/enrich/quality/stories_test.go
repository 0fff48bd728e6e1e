package quality_test

import (
	"context"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/pkg/story"
	"github.com/newsflow/newsflow/services/enrich"
	"github.com/newsflow/newsflow/services/enrich/quality"
)

// TestStoryLabels checks the shape of the hand-made labels: at least 300
// articles, both halves populated, every labelled id in the corpus.
func TestStoryLabels(t *testing.T) {
	labels, err := quality.ReadStoryLabels("../testdata/" + quality.StoryLabelsFile)
	if err != nil {
		t.Fatal(err)
	}
	held := 0
	for id := range labels {
		if quality.StoryHeldOut(id) {
			held++
		}
	}
	if len(labels) < 300 || held < len(labels)/3 || held > 2*len(labels)/3 {
		t.Errorf("%d labels, %d held out: want at least 300, about half held out", len(labels), held)
	}
}

// TestStoriesScore runs the grouping over the labelled articles and holds
// the tuning half to the figures it was tuned to (the held-out figures are
// reported by `make quality`, docs/quality.md).
func TestStoriesScore(t *testing.T) {
	e := enrich.NewEnricher(enrich.Steps(), time.Now)
	env := &quality.Env{CorpusDir: corpus.Dir(t), Enrich: e.Enrich}
	sc, err := quality.ScoreStories(context.Background(), env, "../testdata/"+quality.StoryLabelsFile, story.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	if sc.HeldOutN+sc.TuningN < 300 {
		t.Errorf("%d articles grouped, want at least 300", sc.HeldOutN+sc.TuningN)
	}
	if p, r := sc.Tuning.Precision(), sc.Tuning.Recall(); p < 0.80 || r < 0.80 {
		t.Errorf("tuning half P %.3f R %.3f, below the tuned 0.83 / 0.83", p, r)
	}
	t.Logf("held out: P %.3f R %.3f (%+v); tuning: P %.3f R %.3f", sc.HeldOut.Precision(), sc.HeldOut.Recall(), sc.HeldOut, sc.Tuning.Precision(), sc.Tuning.Recall())
}
