package analysis

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/pl/stempel"
)

// polishTrie is Stempel's Polish stemming table as Bleve ships it (the
// 20,000-word table of Lucene's Polish analyser), loaded on first use
// (about 0.1 s, 2 MB).
var polishTrie = sync.OnceValues(stempel.LoadTrie)

// StemPolish returns the stem of a lowercased Polish word by Stempel
// ("wyborach", "wyborów" → "wybór"; "prezydentem" → "prezydent"); the
// word itself when the table cannot be read or has no rule for it.
func StemPolish(word string) string {
	trie, err := polishTrie()
	if err != nil {
		return word
	}
	rs := []rune(word)
	if out := string(stempel.Diff(rs, trie.GetLastOnPath(rs))); out != "" {
		return out
	}
	return word
}

// croatianEndings are the case endings StemCroatian removes, longest
// first: plural -ov-/-ev- with its case, then the adjective and noun
// endings.
var croatianEndings = []string{
	"ovima", "evima", "ijama", "ijima",
	"ovi", "ove", "ova", "evi", "eve", "eva",
	"ama", "ima", "oga", "ome", "omu", "ega", "emu",
	"ih", "im", "om", "em", "og", "oj", "eg",
	"a", "e", "i", "o", "u",
}

// StemCroatian returns the light stem of a lowercased Croatian, Bosnian
// or Latin-script Serbian word: the longest case ending of
// croatianEndings that leaves at least three letters is removed
// ("izborima", "izbora", "izbori" → "izbor"; "predsjednika" →
// "predsjednik"). Written here: Bleve's Croatian stemmer (sixty regular
// expressions) cost about 75 µs a word.
func StemCroatian(word string) string {
	n := utf8.RuneCountInString(word)
	for _, e := range croatianEndings {
		if strings.HasSuffix(word, e) && n-utf8.RuneCountInString(e) >= 3 {
			return word[:len(word)-len(e)]
		}
	}
	return word
}

// StemCzech returns the light stem of a lowercased Czech word, after the
// light stemmer of L. Dolamic and J. Savoy, "Indexing and stemming
// approaches for the Czech language", Information Processing and
// Management 45 (2009): it removes a case ending (the longest of those
// listed below that leaves enough letters), then a possessive -ov, -in or
// -ův, and normalises the final consonant (č, c → k; ž, z → h; čt → ck,
// št → sk) and a vowel inserted before it (e dropped, ů → o).
func StemCzech(word string) string {
	s := []rune(word)
	n := czechCase(s)
	if n > 5 && (endsWith(s, n, "ov") || endsWith(s, n, "in") || endsWith(s, n, "ův")) {
		n -= 2
	}
	if n > 0 {
		s, n = czechNormalise(s, n)
	}
	return string(s[:n])
}

// czechEndings are the case endings StemCzech removes, by the letters a
// word must have for each to be removed.
var czechEndings = []struct {
	min  int
	ends []string
}{
	{8, []string{"atech"}},
	{7, []string{"ětem", "etem", "atům"}},
	{6, []string{"ech", "ich", "ích", "ého", "ěmi", "emi", "ému", "ěte", "ete", "ěti", "eti", "ího", "iho", "ími", "ímu", "imu", "ách", "ata", "aty", "ých", "ama", "ami", "ové", "ovi", "ými"}},
	{5, []string{"em", "es", "ém", "ím", "ům", "at", "ám", "os", "us", "ým", "mi", "ou"}},
	{4, []string{"a", "e", "i", "o", "u", "ů", "y", "á", "é", "í", "ý", "ě"}},
}

func czechCase(s []rune) int {
	n := len(s)
	for _, e := range czechEndings {
		if n < e.min {
			continue
		}
		for _, end := range e.ends {
			if endsWith(s, n, end) {
				return n - len([]rune(end))
			}
		}
	}
	return n
}

func czechNormalise(s []rune, n int) ([]rune, int) {
	switch {
	case endsWith(s, n, "čt"):
		s[n-2], s[n-1] = 'c', 'k'
		return s, n
	case endsWith(s, n, "št"):
		s[n-2], s[n-1] = 's', 'k'
		return s, n
	}
	switch s[n-1] {
	case 'c', 'č':
		s[n-1] = 'k'
		return s, n
	case 'z', 'ž':
		s[n-1] = 'h'
		return s, n
	}
	if n > 1 && s[n-2] == 'e' {
		s[n-2] = s[n-1]
		return s, n - 1
	}
	if n > 2 && s[n-2] == 'ů' {
		s[n-2] = 'o'
	}
	return s, n
}

// filtered returns a stemmer that runs a word through Bleve token
// filters (normalisers and stemmers that work on one token at a time).
func filtered(fs ...analysis.TokenFilter) func(string) string {
	return func(w string) string {
		ts := analysis.TokenStream{&analysis.Token{Term: []byte(w)}}
		for _, f := range fs {
			ts = f.Filter(ts)
		}
		if len(ts) == 0 || len(ts[0].Term) == 0 {
			return w
		}
		return string(ts[0].Term)
	}
}
