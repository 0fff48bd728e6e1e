package analysis_test

import (
	"testing"

	"github.com/newsflow/newsflow/pkg/search/analysis"
	"github.com/newsflow/newsflow/pkg/search/searchtest"
)

// BenchmarkTokens analyses the body of every corpus article (about 4,500
// in seven languages) with its language's analyzer, as the index does for
// each article it writes; bytes/s is body text analysed per second.
func BenchmarkTokens(b *testing.B) {
	arts := searchtest.LoadCorpus(b)
	set := analysis.NewSet()
	var size int64
	for _, a := range arts {
		size += int64(len(a.CleanBody))
	}
	b.SetBytes(size)
	b.ResetTimer()
	words := 0
	for b.Loop() {
		words = 0
		for _, a := range arts {
			set.For(a.Lang).Tokens(a.CleanBody, func(analysis.Token) { words++ })
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(words*b.N), "ns/word")
}

// BenchmarkSnippet highlights one word of each corpus article in its body,
// as a search answer does for each hit of its page: the word is the
// article's 50th term, so the whole body is analysed for its matches.
func BenchmarkSnippet(b *testing.B) {
	arts := searchtest.LoadCorpus(b)
	set := analysis.NewSet()
	matchers := make([]*analysis.Matcher, len(arts))
	for i, a := range arts {
		matchers[i] = &analysis.Matcher{}
		if ts := set.For(a.Lang).Terms(a.CleanBody); len(ts) > 0 {
			matchers[i].AddTerm(ts[min(50, len(ts)-1)])
		}
	}
	b.ResetTimer()
	n := 0
	for b.Loop() {
		for i, a := range arts {
			if _, ok := set.For(a.Lang).Snippet(a.CleanBody, matchers[i], 200); ok {
				n++
			}
		}
	}
	if n == 0 {
		b.Fatal("no snippet matched")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(len(arts)*b.N)/1000, "us/snippet")
}
