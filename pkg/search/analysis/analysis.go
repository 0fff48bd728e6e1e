// Package analysis turns text into index terms, per language, the same way
// for every search backend: words by Unicode word boundaries (UAX #29),
// lowercased, ё folded to е, then stemmed by the article's language
// (Bulgarian by StemBulgarian; Russian, English and German by Snowball).
// Other languages keep the lowercased word. Stop words stay in the index
// so that phrases keep their positions; queries drop them (see IsStopWord).
//
// Queries are analysed with every analyzer (Variants), so that a word
// finds its forms in any language, and highlights are computed here too
// (Snippet), so both backends show the same snippets.
package analysis

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/bg"
	"github.com/blevesearch/bleve/v2/analysis/lang/de"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/ru"
	"github.com/blevesearch/segment"
	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/german"
	"github.com/blevesearch/snowballstem/russian"
)

// DefaultLang names the analyzer for languages without their own.
const DefaultLang = "default"

// MaxTermBytes bounds an index term; longer words are not indexed.
const MaxTermBytes = 100

// Token is one analysed word: its term and where it is in the text.
type Token struct {
	Term string
	// Start and End are byte offsets of the word in the text.
	Start, End int
	// Pos is the word's position, counting from 1.
	Pos int
}

// Analyzer analyses text of one language.
type Analyzer struct {
	lang string
	stem func(string) string
}

// Lang is the language the analyzer is for, or DefaultLang.
func (a *Analyzer) Lang() string { return a.lang }

// Set holds the analyzers of every supported language. It is safe for
// concurrent use.
type Set struct {
	byLang map[string]*Analyzer
	def    *Analyzer
	stop   map[string]struct{}
	langs  []string
}

func snowball(stem func(*snowballstem.Env) bool) func(string) string {
	return func(w string) string {
		env := snowballstem.NewEnv(w)
		stem(env)
		return env.Current()
	}
}

// NewSet builds the analyzers.
func NewSet() *Set {
	s := &Set{
		byLang: map[string]*Analyzer{
			"bg": {lang: "bg", stem: StemBulgarian},
			"ru": {lang: "ru", stem: snowball(russian.Stem)},
			"en": {lang: "en", stem: func(w string) string {
				w = strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "’s")
				return snowball(english.Stem)(w)
			}},
			"de": {lang: "de", stem: snowball(german.Stem)},
		},
		def:   &Analyzer{lang: DefaultLang},
		stop:  map[string]struct{}{},
		langs: []string{"bg", "ru", "en", "de"},
	}
	for _, list := range [][]byte{bg.BulgarianStopWords, ru.RussianStopWords, en.EnglishStopWords, de.GermanStopWords} {
		m := analysis.NewTokenMap()
		if err := m.LoadBytes(list); err != nil {
			continue // the lists are compiled in; LoadBytes never fails on them
		}
		for w := range m {
			s.stop[fold(w)] = struct{}{}
		}
	}
	return s
}

// Languages lists the languages with their own analyzer.
func (s *Set) Languages() []string { return append([]string(nil), s.langs...) }

// For returns the analyzer of lang (an ISO 639-1 code), or the default one.
func (s *Set) For(lang string) *Analyzer {
	if a, ok := s.byLang[strings.ToLower(lang)]; ok {
		return a
	}
	return s.def
}

// IsStopWord reports whether the lowercased word is a stop word in any of
// the supported languages.
func (s *Set) IsStopWord(word string) bool {
	_, ok := s.stop[fold(word)]
	return ok
}

// fold lowercases w and folds ё to е.
func fold(w string) string {
	w = strings.ToLower(w)
	if strings.ContainsRune(w, 'ё') {
		w = strings.ReplaceAll(w, "ё", "е")
	}
	return w
}

// Tokens calls fn for every word of text, in order.
func (a *Analyzer) Tokens(text string, fn func(Token)) {
	seg := segment.NewWordSegmenterDirect([]byte(text))
	start, pos := 0, 0
	for seg.Segment() {
		b := seg.Bytes()
		end := start + len(b)
		typ := seg.Type()
		if typ != segment.None {
			pos++
			if len(b) <= MaxTermBytes {
				term := text[start:end]
				if typ == segment.Letter || typ == segment.Ideo || typ == segment.Kana {
					term = a.term(term)
				} else {
					term = strings.ToLower(term)
				}
				if term != "" {
					fn(Token{Term: term, Start: start, End: end, Pos: pos})
				}
			}
		}
		start = end
	}
}

func (a *Analyzer) term(w string) string {
	w = fold(w)
	if a.stem != nil && utf8.RuneCountInString(w) > 2 {
		w = a.stem(w)
	}
	return w
}

// Terms returns the terms of text in order.
func (a *Analyzer) Terms(text string) []string {
	var out []string
	a.Tokens(text, func(t Token) { out = append(out, t.Term) })
	return out
}

// AppendIndexText appends the terms of text to b, separated by spaces, the
// form the backends index (a whitespace tokenizer in Bleve, a tsvector in
// PostgreSQL).
func (a *Analyzer) AppendIndexText(b *strings.Builder, text string) {
	a.Tokens(text, func(t Token) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.Term)
	})
}

// IndexText returns the terms of text separated by spaces.
func (a *Analyzer) IndexText(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	a.AppendIndexText(&b, text)
	return b.String()
}

// Variants analyses a query word or phrase with the analyzers of langs
// (every analyzer when langs is empty) and returns the distinct term
// sequences, in a stable order.
func (s *Set) Variants(text string, langs []string) [][]string {
	var as []*Analyzer
	if len(langs) == 0 {
		for _, l := range s.langs {
			as = append(as, s.byLang[l])
		}
		as = append(as, s.def)
	} else {
		seen := map[*Analyzer]bool{}
		for _, l := range langs {
			a := s.For(l)
			if !seen[a] {
				seen[a] = true
				as = append(as, a)
			}
		}
	}
	var out [][]string
	seen := map[string]bool{}
	for _, a := range as {
		terms := a.Terms(text)
		if len(terms) == 0 {
			continue
		}
		key := strings.Join(terms, " ")
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, terms)
	}
	return out
}

// IsWordRune reports whether r can be part of a word (for callers that
// split text before analysis).
func IsWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
