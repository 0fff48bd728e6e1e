package quality_test

import (
	"context"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/services/enrich"
	"github.com/newsflow/newsflow/services/enrich/quality"
)

// TestSpeakersHeldOut holds quote speakers to what was reached on the
// held-out half of the speaker annotations and on PolNeAR's dev month, a
// floor against regressions (the target, 0.85 per language, is
// met in bg only; docs/quality.md has the figures). It never prints the
// held-out errors: they are not for reading.
func TestSpeakersHeldOut(t *testing.T) {
	if testing.Short() {
		t.Skip("enriches 304 corpus articles")
	}
	e := enrich.NewEnricher(enrich.Steps(), time.Now)
	env := &quality.Env{CorpusDir: corpus.Dir(t), SpeakersDir: "../testdata/speakers", Enrich: e.Enrich}
	ctx := context.Background()
	res, err := quality.ScoreSpeakers(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	// Reached when written: bg 0.862, ru 0.700, de 0.385; ru 0.800 since
	// the speaker rules of issue 22. With the held-out half enlarged (76
	// ru quotations instead of 20) and the third round's rules: bg 0.862,
	// ru 0.579, de 0.462. After the fourth round's Russian rules: ru 0.605;
	// after the fifth's, ru 0.618.
	for lang, floor := range map[string]float64{"bg": 0.85, "ru": 0.60, "de": 0.45} {
		s := res[lang+"\t"+quality.HalfHeldOut]
		if s == nil || s.Named < 10 {
			t.Errorf("%s: too few held-out quotations with a named speaker: %+v", lang, s)
			continue
		}
		if s.Accuracy() < floor {
			t.Errorf("%s held-out speaker accuracy %.3f (%d of %d), want >= %.2f", lang, s.Accuracy(), s.Correct, s.Named, floor)
		}
	}
	head, literal, err := quality.ScorePolNeAR(ctx, env, "polnear-dev.jsonl", false)
	if err != nil {
		t.Fatal(err)
	}
	// Reached when written: 0.726 on the span's head, 0.566 literally;
	// 0.754 and 0.587 since the speaker rules of issue 22, with 15 wrong
	// speakers of 281; 0.804 and 0.609 (precision 0.954) after the English
	// rules written from the train month; 0.815 and 0.616 (precision
	// 0.958) after a second round of them (branch enrank; read twice,
	// the same both times).
	if head.Named < 250 || head.Accuracy() < 0.81 || literal.Accuracy() < 0.61 || head.Precision() < 0.95 {
		t.Errorf("PolNeAR dev month: %.3f on the span's head (precision %.3f), %.3f literally (%d quotations), want >= 0.81 (0.95) and 0.61", head.Accuracy(), head.Precision(), literal.Accuracy(), head.Named)
	}
}
