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

// BenchmarkStem stems words of the languages with a stemmer written or
// wrapped here, uncached (the analyzers cache the terms of frequent
// words; this is the cost of a word seen for the first time).
func BenchmarkStem(b *testing.B) {
	for _, tc := range []struct {
		name  string
		stem  func(string) string
		words []string
	}{
		{"pl", analysis.StemPolish, []string{"wyborach", "prezydenta", "europejskiej", "warszawie", "rządu", "ministrem"}},
		{"hr", analysis.StemCroatian, []string{"izborima", "predsjednika", "europskoj", "zagrebu", "vlade", "ministrom"}},
		{"cs", analysis.StemCzech, []string{"volbách", "prezidenta", "evropské", "praze", "vlády", "ministrem"}},
		{"bg", analysis.StemBulgarian, []string{"изборите", "президента", "европейския", "софия", "правителството", "министъра"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			tc.stem(tc.words[0]) // load tables
			i := 0
			for b.Loop() {
				tc.stem(tc.words[i%len(tc.words)])
				i++
			}
		})
	}
}

// BenchmarkTokensByLang analyses the bodies of one language's corpus
// articles at a time, with one analyzer set over all iterations (so
// words repeat as in a running index); us/article is per body.
func BenchmarkTokensByLang(b *testing.B) {
	arts := searchtest.LoadCorpus(b)
	for _, lang := range []string{"hr", "pl", "cs", "bg"} {
		b.Run(lang, func(b *testing.B) {
			set := analysis.NewSet()
			n, words := 0, 0
			for b.Loop() {
				for _, a := range arts {
					if a.Lang != lang {
						continue
					}
					n++
					set.For(a.Lang).Tokens(a.CleanBody, func(analysis.Token) { words++ })
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(n), "us/article")
			b.ReportMetric(float64(words)/float64(n), "words/article")
		})
	}
}
