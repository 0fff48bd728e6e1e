// Package analysis turns text into index terms, per language, the same way
// for every search backend: words by Unicode word boundaries (UAX #29),
// lowercased, ё folded to е, then stemmed by the article's language
// (Bulgarian by StemBulgarian; Russian, English, German, French, Spanish,
// Italian, Portuguese, Dutch, Swedish, Danish, Norwegian, Finnish,
// Hungarian, Romanian, Turkish and Irish by Snowball; Polish by Stempel,
// Croatian and Bosnian by StemCroatian, Czech by StemCzech; Arabic and
// Hindi by Bleve's normalisers and light stemmers, Persian normalised),
// with the language's stop words (the lists Bleve ships; Catalan, Greek,
// Indonesian and Basque have stop words but no stemmer). Other
// languages, and "und" (the detector could not tell), get the neutral
// analyzer: the lowercased word, no stop words. Stop words stay in the
// index so that phrases keep their positions; queries drop them (see
// IsStopWord).
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
	"github.com/blevesearch/bleve/v2/analysis/lang/ar"
	"github.com/blevesearch/bleve/v2/analysis/lang/bg"
	"github.com/blevesearch/bleve/v2/analysis/lang/ca"
	"github.com/blevesearch/bleve/v2/analysis/lang/cs"
	"github.com/blevesearch/bleve/v2/analysis/lang/da"
	"github.com/blevesearch/bleve/v2/analysis/lang/de"
	"github.com/blevesearch/bleve/v2/analysis/lang/el"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/es"
	"github.com/blevesearch/bleve/v2/analysis/lang/eu"
	"github.com/blevesearch/bleve/v2/analysis/lang/fa"
	"github.com/blevesearch/bleve/v2/analysis/lang/fi"
	"github.com/blevesearch/bleve/v2/analysis/lang/fr"
	"github.com/blevesearch/bleve/v2/analysis/lang/ga"
	"github.com/blevesearch/bleve/v2/analysis/lang/hi"
	"github.com/blevesearch/bleve/v2/analysis/lang/hr"
	"github.com/blevesearch/bleve/v2/analysis/lang/hu"
	idlang "github.com/blevesearch/bleve/v2/analysis/lang/id"
	indic "github.com/blevesearch/bleve/v2/analysis/lang/in"
	"github.com/blevesearch/bleve/v2/analysis/lang/it"
	"github.com/blevesearch/bleve/v2/analysis/lang/nl"
	"github.com/blevesearch/bleve/v2/analysis/lang/no"
	"github.com/blevesearch/bleve/v2/analysis/lang/pl"
	"github.com/blevesearch/bleve/v2/analysis/lang/pt"
	"github.com/blevesearch/bleve/v2/analysis/lang/ro"
	"github.com/blevesearch/bleve/v2/analysis/lang/ru"
	"github.com/blevesearch/bleve/v2/analysis/lang/sv"
	"github.com/blevesearch/bleve/v2/analysis/lang/tr"
	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/danish"
	"github.com/blevesearch/snowballstem/dutch"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/finnish"
	"github.com/blevesearch/snowballstem/french"
	"github.com/blevesearch/snowballstem/german"
	"github.com/blevesearch/snowballstem/hungarian"
	"github.com/blevesearch/snowballstem/irish"
	"github.com/blevesearch/snowballstem/italian"
	"github.com/blevesearch/snowballstem/norwegian"
	"github.com/blevesearch/snowballstem/portuguese"
	"github.com/blevesearch/snowballstem/romanian"
	"github.com/blevesearch/snowballstem/russian"
	"github.com/blevesearch/snowballstem/spanish"
	"github.com/blevesearch/snowballstem/swedish"
	"github.com/blevesearch/snowballstem/turkish"

	"github.com/newsflow/newsflow/pkg/textseg"
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
	// norm, when set, normalises a lowercased word before the stop
	// words are looked up (Arabic, Persian and Hindi letter variants);
	// stem then stems it.
	norm func(string) string
	stem func(string) string
	// stop holds the language's stop words: not indexed, but counted in
	// positions so that phrases keep their shape.
	stop  map[string]struct{}
	cache termCache
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
			"fr": {lang: "fr", stem: elided(snowball(french.Stem))},
			"es": {lang: "es", stem: snowball(spanish.Stem)},
			"it": {lang: "it", stem: elided(snowball(italian.Stem))},
			"pt": {lang: "pt", stem: snowball(portuguese.Stem)},
			"nl": {lang: "nl", stem: snowball(dutch.Stem)},
			"sv": {lang: "sv", stem: snowball(swedish.Stem)},
			"da": {lang: "da", stem: snowball(danish.Stem)},
			"nb": {lang: "nb", stem: snowball(norwegian.Stem)},
			"fi": {lang: "fi", stem: snowball(finnish.Stem)},
			"hu": {lang: "hu", stem: snowball(hungarian.Stem)},
			"ro": {lang: "ro", stem: snowball(romanian.Stem)},
			"tr": {lang: "tr", stem: snowball(turkish.Stem)},
			"ga": {lang: "ga", stem: snowball(irish.Stem)},
			"ca": {lang: "ca", stem: elided(nil)},
			"cs": {lang: "cs", stem: StemCzech},
			"pl": {lang: "pl", stem: StemPolish},
			"hr": {lang: "hr", stem: StemCroatian},
			"bs": {lang: "bs", stem: StemCroatian},
			"ar": {lang: "ar", norm: filtered(ar.NewArabicNormalizeFilter()), stem: filtered(ar.NewArabicStemmerFilter())},
			"fa": {lang: "fa", norm: filtered(ar.NewArabicNormalizeFilter(), fa.NewPersianNormalizeFilter())},
			"hi": {lang: "hi", norm: filtered(indic.NewIndicNormalizeFilter(), hi.NewHindiNormalizeFilter()), stem: filtered(hi.NewHindiStemmerFilter())},
			"el": {lang: "el"},
			"id": {lang: "id"},
			"eu": {lang: "eu"},
		},
		def:   &Analyzer{lang: DefaultLang},
		stop:  map[string]struct{}{},
		langs: []string{"bg", "ru", "en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "nb", "fi", "hu", "ro", "tr", "ga", "ca", "cs", "pl", "hr", "bs", "ar", "fa", "hi", "el", "id", "eu"},
	}
	for _, a := range s.byLang {
		a.cache = newTermCache()
	}
	s.def.cache = newTermCache()
	lists := map[string][]byte{
		"bg": bg.BulgarianStopWords, "ru": ru.RussianStopWords, "en": en.EnglishStopWords, "de": de.GermanStopWords,
		"fr": fr.FrenchStopWords, "es": es.SpanishStopWords, "it": it.ItalianStopWords, "pt": pt.PortugueseStopWords,
		"nl": nl.DutchStopWords, "sv": sv.SwedishStopWords, "da": da.DanishStopWords, "nb": no.NorwegianStopWords,
		"fi": fi.FinnishStopWords, "hu": hu.HungarianStopWords, "ro": ro.RomanianStopWords, "tr": tr.TurkishStopWords,
		"ga": ga.IrishStopWords, "ca": ca.CatalanStopWords, "cs": cs.CzechStopWords,
		"pl": pl.PolishStopWords, "hr": hr.CroatianStopWords, "bs": hr.CroatianStopWords,
		"ar": ar.ArabicStopWords, "fa": fa.PersianStopWords, "hi": hi.HindiStopWords, "el": el.GreekStopWords,
		"id": idlang.IndonesianStopWords, "eu": eu.BasqueStopWords,
	}
	for lang, list := range lists {
		m := analysis.NewTokenMap()
		if err := m.LoadBytes(list); err != nil {
			continue // the lists are compiled in; LoadBytes never fails on them
		}
		a := s.byLang[lang]
		a.stop = make(map[string]struct{}, len(m))
		for w := range m {
			k := fold(w)
			if a.norm != nil {
				k = a.norm(k)
			}
			a.stop[k] = struct{}{}
			if queryStopLangs[lang] {
				s.stop[fold(w)] = struct{}{}
			}
		}
	}
	return s
}

// queryStopLangs are the languages whose stop words a query drops
// (IsStopWord): a word that is a stop word in one of many languages may
// be a content word in another ("come", "die", "more"), so the lists of
// the languages added later only keep their words out of their own
// articles' terms.
var queryStopLangs = map[string]bool{"bg": true, "ru": true, "en": true, "de": true}

// elided strips the elided article or pronoun of French, Italian and
// Catalan words ("l'élection", "dell'anno", "d'una") before stem (nil:
// none).
func elided(stem func(string) string) func(string) string {
	return func(w string) string {
		for _, q := range []string{"'", "’"} {
			if i := strings.Index(w, q); i > 0 && i <= 5 && i+len(q) < len(w) {
				w = w[i+len(q):]
				break
			}
		}
		if stem == nil {
			return w
		}
		return stem(w)
	}
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

// IsStopWord reports whether the lowercased word is a stop word of
// Bulgarian, Russian, English or German (queryStopLangs).
func (s *Set) IsStopWord(word string) bool {
	_, ok := s.stop[fold(word)]
	return ok
}

// fold lowercases w and folds ё to е.
func fold(w string) string {
	w = textseg.ToLower(w)
	if strings.ContainsRune(w, 'ё') {
		w = strings.ReplaceAll(w, "ё", "е")
	}
	return w
}

// Tokens calls fn for every indexed word of text, in order. Words are
// runs of letters, digits and combining marks; an apostrophe or a full
// stop between letters, and a full stop or comma between digits, stay
// inside a word (it's, U.S., 3.5, 1,000); every Han, Hiragana, Katakana
// or Thai character is a word of its own. Stop words of the language are
// skipped but take up a position.
func (a *Analyzer) Tokens(text string, fn func(Token)) {
	pos := 0
	i := 0
	for i < len(text) {
		r, w := textseg.DecodeRune(text, i)
		if !isWordRune(r) {
			i += w
			continue
		}
		start := i
		if isSingleRuneWord(r) {
			i += w
		} else {
			i = wordEnd(text, i)
		}
		pos++
		if i-start > MaxTermBytes {
			continue
		}
		term, stop := a.analyse(text[start:i])
		if !stop && term != "" {
			fn(Token{Term: term, Start: start, End: i, Pos: pos})
		}
	}
}

// analyse returns the term of a word as it appears in text, or stop when
// it is a stop word. News text repeats its words, so results are kept in
// a small cache (words with a digit are not stemmed and not kept).
func (a *Analyzer) analyse(word string) (term string, stop bool) {
	if e := a.cache.get(word); e != nil {
		return e.term, e.stop
	}
	term = fold(word)
	if a.norm != nil {
		term = a.norm(term)
	}
	if _, stop = a.stop[term]; stop {
		a.cache.put(word, "", true)
		return "", true
	}
	if hasDigit(term) {
		return term, false
	}
	if a.stem != nil && utf8.RuneCountInString(term) > 2 {
		term = a.stem(term)
	}
	a.cache.put(word, term, false)
	return term, false
}

func isWordRune(r rune) bool {
	switch {
	case r < utf8.RuneSelf:
		return asciiWord[r]
	case r >= 0x0400 && r <= 0x0481: // Cyrillic letters
		return true
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) ||
		unicode.IsNumber(r)
}

// asciiWord tells which ASCII characters are word characters.
var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for r := range t {
		t[r] = r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	}
	return t
}()

func isSingleRuneWord(r rune) bool {
	if r < 0x0E01 { // below Thai, the first script with one-character words
		return false
	}
	return r >= 0x2E80 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r)) || unicode.Is(unicode.Thai, r)
}

// wordEnd returns the end of the word starting at i.
func wordEnd(text string, i int) int {
	var prev rune
	for i < len(text) {
		r, w := textseg.DecodeRune(text, i)
		if isWordRune(r) && !isSingleRuneWord(r) {
			prev = r
			i += w
			continue
		}
		// A joiner between two word characters of the right kinds.
		if i+w < len(text) && prev != 0 {
			next, _ := utf8.DecodeRuneInString(text[i+w:])
			switch {
			case (r == '\'' || r == '’' || r == '.') && unicode.IsLetter(prev) && unicode.IsLetter(next):
				i += w
				continue
			case (r == '.' || r == ',') && unicode.IsDigit(prev) && unicode.IsDigit(next):
				i += w
				continue
			}
		}
		break
	}
	return i
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return false
}

func (a *Analyzer) term(w string) string {
	w = fold(w)
	if a.norm != nil {
		w = a.norm(w)
	}
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

// Phrase returns the terms of text by position, "" where a stop word was,
// without gaps at either end.
func (a *Analyzer) Phrase(text string) []string {
	var out []string
	first := 0
	a.Tokens(text, func(t Token) {
		if first == 0 {
			first = t.Pos
		}
		for len(out) < t.Pos-first {
			out = append(out, "")
		}
		out = append(out, t.Term)
	})
	return out
}

// IndexText returns the terms of text separated by spaces.
func (a *Analyzer) IndexText(text string) string { return strings.Join(a.Terms(text), " ") }

// Variants analyses a query word or phrase with the analyzers of langs
// (every analyzer when langs is empty) and returns the distinct term
// sequences, in a stable order; "" stands for a stop word inside a phrase.
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
		terms := a.Phrase(text)
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
