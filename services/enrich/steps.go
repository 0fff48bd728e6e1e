package enrich

import (
	"context"
	"slices"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/simhash"
	"github.com/newsflow/newsflow/pkg/story"
	"github.com/newsflow/newsflow/pkg/textclean"
)

// Step is one pure enrichment over an article.
type Step struct {
	Name string
	Run  func(ctx context.Context, a *article.Article) error
	// shared is Run reading the analysis of the article's text that the
	// Enricher shares between the steps of one article (nil for steps
	// that need none); Run itself analyses the text afresh.
	shared sharedRun
}

type sharedRun func(ctx context.Context, a *article.Article, d *analysis) error

// step returns the step name, run with an analysis of its own when called
// alone and with the Enricher's when run by it.
func step(name string, run sharedRun) Step {
	return Step{
		Name:   name,
		Run:    func(ctx context.Context, a *article.Article) error { return run(ctx, a, &analysis{}) },
		shared: run,
	}
}

// Step names, for --disable.
const (
	StepClean = "clean"
	StepLang  = "lang"
	StepStats = "stats"
	// StepKeywords and the steps after it are described in text.go.
	StepKeywords = "keywords"
	StepSummary  = "summary"
	StepNearDup  = "near_duplicates"
	StepStories  = "stories"
)

// Stores is the shared state of the steps that learn from the stream of
// articles. Nil fields keep that state in process memory.
type Stores struct {
	// Boilerplate learns the lines each source repeats.
	Boilerplate textclean.Learner
	// NearDup files the fingerprints of recent articles.
	NearDup simhash.Index
	// Stories holds the recent stories (pkg/story).
	Stories story.Index
}

// allSteps returns every step in the order they run. The keyword step
// reads the entity mentions (computed once for both steps) unless
// namesOff: with the entity step disabled, it does without them rather
// than pay for them.
func allSteps(st Stores, namesOff bool) []Step {
	m := newTextModels(st)
	x := &extractor{}
	if !namesOff {
		m.names = x
	}
	return []Step{
		{Name: StepClean, Run: m.clean},
		step(StepLang, m.detectLang),
		step(StepStats, m.stats),
		step(StepKeywords, m.keywords),
		step(StepSummary, m.summary),
		step(StepEntities, x.entities),
		step(StepQuotes, x.quotes),
		step(StepNearDup, m.nearDuplicates),
		{Name: StepStories, Run: m.stories},
	}
}

// StepNames lists the steps in order.
func StepNames() []string {
	var names []string
	for _, s := range allSteps(Stores{}, false) {
		names = append(names, s.Name)
	}
	return names
}

// Steps returns the steps except the disabled ones, with their shared
// state in process memory.
func Steps(disabled ...string) []Step { return StepsWith(Stores{}, disabled...) }

// StepsWith returns the steps except the disabled ones, with their shared
// state in st.
func StepsWith(st Stores, disabled ...string) []Step {
	var out []Step
outer:
	for _, s := range allSteps(st, slices.Contains(disabled, StepEntities)) {
		for _, d := range disabled {
			if s.Name == d {
				continue outer
			}
		}
		out = append(out, s)
	}
	return out
}

func text(a *article.Article) string {
	if a.CleanBody != "" {
		return a.CleanBody
	}
	return a.Body
}
