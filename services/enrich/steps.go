package enrich

import (
	"context"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/simhash"
	"github.com/newsflow/newsflow/pkg/textclean"
)

// Step is one pure enrichment over an article.
type Step struct {
	Name string
	Run  func(ctx context.Context, a *article.Article) error
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
)

// Stores is the shared state of the steps that learn from the stream of
// articles. Nil fields keep that state in process memory.
type Stores struct {
	// Boilerplate learns the lines each source repeats.
	Boilerplate textclean.Learner
	// NearDup files the fingerprints of recent articles.
	NearDup simhash.Index
}

// allSteps returns every step in the order they run.
func allSteps(st Stores, disabled ...string) []Step {
	m := newTextModels(st)
	m.setReaders(disabled)
	x := &extractor{}
	return []Step{
		{Name: StepClean, Run: m.clean},
		{Name: StepLang, Run: m.detectLang},
		{Name: StepStats, Run: m.stats},
		{Name: StepKeywords, Run: m.keywords},
		{Name: StepSummary, Run: m.summary},
		{Name: StepEntities, Run: x.entities},
		{Name: StepQuotes, Run: x.quotes},
		{Name: StepNearDup, Run: m.nearDuplicates},
	}
}

// StepNames lists the steps in order.
func StepNames() []string {
	var names []string
	for _, s := range allSteps(Stores{}) {
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
	for _, s := range allSteps(st, disabled...) {
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
