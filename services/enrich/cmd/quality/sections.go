package main

import (
	"context"
	"sync"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/langdetect"
	"github.com/newsflow/newsflow/pkg/simhash"
	"github.com/newsflow/newsflow/pkg/textclean"
	"github.com/newsflow/newsflow/services/enrich"
	"github.com/newsflow/newsflow/services/enrich/quality"
)

// sections lists the report's sections in order. To add a measurement,
// write a quality.Section and add it here.
func sections() []quality.Section {
	return []quality.Section{
		{Title: "Quote speakers (held out)", Run: quality.Speakers},
		{Title: "Quote speakers in English (PolNeAR)", Run: quality.PolNeAR},
		{Title: "Language", Run: quality.Language},
		{Title: "Boilerplate", Run: quality.Boilerplate},
		{Title: "Entities on held-out articles", Run: quality.HeldOutEntities},
		{Title: "Entities", Run: quality.Entities},
		{Title: "Quotes on the gold set (tuning)", Run: quality.Quotes},
		{Title: "Near duplicates", Run: quality.NearDuplicates},
	}
}

func newEnv(corpusDir, goldDir string) (*quality.Env, error) {
	e := enrich.NewEnricher(enrich.Steps(), time.Now)
	ld, err := langdetect.New()
	if err != nil {
		return nil, err
	}
	env := &quality.Env{
		CorpusDir:  corpusDir,
		GoldDir:    goldDir,
		Enrich:     e.Enrich,
		DetectLang: ld.Detect,
	}
	env.Clean = learnedCleaner(env)
	env.Sign = func(a *article.Article) (simhash.Signature, bool) {
		return enrich.Sign(textclean.CleanWith(a.Body, textclean.Options{Title: a.Title}).Body)
	}
	return env, nil
}

// learnedCleaner cleans as the clean step does once it has seen the whole
// corpus: every article of every corpus file is observed first, in file
// order, so lines a source repeats are known.
func learnedCleaner(env *quality.Env) func(a *article.Article) (lines, spans []string) {
	learner := textclean.NewMemoryLearner()
	var once sync.Once
	return func(a *article.Article) (lines, spans []string) {
		ctx := context.Background()
		once.Do(func() {
			for _, f := range quality.CorpusFiles {
				as, err := env.Articles(f)
				if err != nil {
					continue // the section reports missing files itself
				}
				for _, x := range as {
					_, _ = learner.Observe(ctx, x.Source, x.ID, textclean.Candidates(x.Body))
				}
			}
		})
		learned, _ := learner.Observe(ctx, a.Source, a.ID, textclean.Candidates(a.Body))
		r := textclean.CleanWith(a.Body, textclean.Options{Title: a.Title, Boilerplate: func(l string) bool { return learned[l] }})
		return r.Removed, r.Cut
	}
}
