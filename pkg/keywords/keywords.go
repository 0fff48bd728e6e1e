// Package keywords finds the key terms of an article by TF-IDF and builds
// an extractive summary from the sentences that carry them.
//
// Terms are words grouped by a crude stem (the first StemRunes letters of
// the lower-cased word), so that the inflected forms of Slavic languages
// ("Лавров", "Лаврова", "Лаврову") count as one term; a term is shown in
// its most frequent form. Document frequencies per language ship in
// df.txt.gz, computed from the shared test corpus by cmd/dfgen (statistics
// only); stop words for bg, ru, uk, en and de come from stopwords-iso (MIT,
// stopwords/LICENSE).
package keywords

import (
	"bufio"
	"cmp"
	"compress/gzip"
	"embed"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/textseg"
)

//go:embed df.txt.gz stopwords/*.txt
var data embed.FS

// ErrBadData is returned when the shipped frequency or stop word data
// cannot be read.
var ErrBadData = errors.New("bad keyword data")

// StemRunes is the length of the stem that groups word forms.
const StemRunes = 6

// minRunes is the shortest word that can be a keyword.
const minRunes = 3

// Keyword is a key term with its weight in (0,1], the best term weighing 1.
type Keyword struct {
	Term  string
	Score float64
}

// Model holds document frequencies and stop words. It is safe for
// concurrent use.
type Model struct {
	docs  map[string]int            // lang -> documents counted
	df    map[string]map[string]int // lang -> stem -> document frequency
	stops map[string]map[string]bool
}

// New returns the model with the shipped data.
func New() (*Model, error) {
	m := &Model{docs: map[string]int{}, df: map[string]map[string]int{}, stops: map[string]map[string]bool{}}
	f, err := data.Open("df.txt.gz")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadData, err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadData, err)
	}
	if err := m.readDF(zr); err != nil {
		return nil, err
	}
	entries, err := data.ReadDir("stopwords")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadData, err)
	}
	for _, e := range entries {
		b, err := data.ReadFile("stopwords/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadData, err)
		}
		lang := strings.TrimSuffix(e.Name(), ".txt")
		set := map[string]bool{}
		for w := range strings.FieldsSeq(string(b)) {
			set[strings.ToLower(w)] = true
		}
		m.stops[lang] = set
	}
	return m, nil
}

// readDF reads "#docs <lang> <n>" and "<lang>\t<stem>\t<df>" lines.
func (m *Model) readDF(r io.Reader) error {
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		t := sc.Text()
		if rest, ok := strings.CutPrefix(t, "#docs "); ok {
			lang, n, _ := strings.Cut(rest, " ")
			v, err := strconv.Atoi(n)
			if err != nil {
				return fmt.Errorf("%w: df line %d: %v", ErrBadData, line, err)
			}
			m.docs[lang] = v
			continue
		}
		if t == "" || t[0] == '#' {
			continue
		}
		parts := strings.Split(t, "\t")
		if len(parts) != 3 {
			return fmt.Errorf("%w: df line %d: want lang, stem and count", ErrBadData, line)
		}
		v, err := strconv.Atoi(parts[2])
		if err != nil {
			return fmt.Errorf("%w: df line %d: %v", ErrBadData, line, err)
		}
		d := m.df[parts[0]]
		if d == nil {
			d = map[string]int{}
			m.df[parts[0]] = d
		}
		d[parts[1]] = v
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%w: %v", ErrBadData, err)
	}
	return nil
}

// lower maps a letter to lower case, "ё" to "е" (Russian writes both).
func lower(r rune) rune {
	switch {
	case r >= 'A' && r <= 'Z':
		return r + 'a' - 'A'
	case r < 0x80 || r >= 0x430 && r <= 0x44f:
		return r
	case r >= 0x410 && r <= 0x42f:
		return r + 0x20
	case r == 'ё' || r == 'Ё':
		return 'е'
	}
	return unicode.ToLower(r)
}

// appendStem appends Stem(word) to buf.
func appendStem(buf []byte, word string) []byte {
	n := 0
	for _, r := range word {
		if n == StemRunes {
			break
		}
		buf = utf8.AppendRune(buf, lower(r))
		n++
	}
	return buf
}

// Stem returns the grouping key of a word: lower case, at most StemRunes
// letters.
func Stem(word string) string {
	var b strings.Builder
	n := 0
	for _, r := range word {
		if n == StemRunes {
			break
		}
		b.WriteRune(lower(r))
		n++
	}
	return b.String()
}

// IsStop reports whether word is a stop word of lang.
func (m *Model) IsStop(lang, word string) bool {
	return m.stops[lang][strings.ToLower(word)]
}

// form is a surface form of a term and how often it occurs.
type form struct {
	text string
	n    int
}

// term accumulates one stem's occurrences.
type term struct {
	stem    string
	count   int
	inTitle bool
	first   int    // token index of the first occurrence
	forms   []form // surface forms, in order of appearance
	score   float64
}

// Analysis is the scored terms of one article, shared by Keywords and
// Summary.
type Analysis struct {
	terms []*term
}

// Analyze scores the terms of an article in lang.
func (m *Model) Analyze(lang, title string, body []textseg.Token) *Analysis {
	return m.AnalyzeTokens(lang, textseg.Tokenize(title), body)
}

// AnalyzeTokens is Analyze with the title already tokenised.
func (m *Model) AnalyzeTokens(lang string, title, body []textseg.Token) *Analysis {
	return &Analysis{terms: m.score(lang, title, body)}
}

// Keywords returns up to n key terms of an article in lang, best first.
func (m *Model) Keywords(lang, title string, body []textseg.Token, n int) []Keyword {
	return m.Analyze(lang, title, body).Keywords(n)
}

// Keywords returns up to n key terms, best first.
func (an *Analysis) Keywords(n int) []Keyword {
	terms := an.terms
	if len(terms) > n {
		terms = terms[:n]
	}
	out := make([]Keyword, 0, len(terms))
	for _, t := range terms {
		s := 1.0
		if terms[0].score > 0 {
			s = t.score / terms[0].score
		}
		out = append(out, Keyword{Term: bestForm(t.forms), Score: math.Round(s*1000) / 1000})
	}
	return out
}

// score ranks the terms of an article by TF-IDF, with a boost for terms of
// the title and for early first occurrence.
func (m *Model) score(lang string, title, body []textseg.Token) []*term {
	byStem := make(map[string]*term, len(body)/3)
	var order []*term
	stops := m.stops[lang]
	var buf []byte
	add := func(tok textseg.Token, i int, fromTitle bool) {
		if tok.Kind != textseg.Word || len(tok.Text) < minRunes {
			return
		}
		r, _ := utf8.DecodeRuneInString(tok.Text)
		if !unicode.IsLetter(r) {
			return
		}
		// Lower case into buf; map lookups with string(buf) do not copy.
		buf = buf[:0]
		runes, stemEnd := 0, 0
		for _, c := range tok.Text {
			c = lower(c)
			buf = utf8.AppendRune(buf, c)
			runes++
			if runes == StemRunes {
				stemEnd = len(buf)
			}
		}
		if runes < minRunes || stops[string(buf)] {
			return
		}
		if stemEnd == 0 {
			stemEnd = len(buf)
		}
		t := byStem[string(buf[:stemEnd])]
		if t == nil {
			s := string(buf[:stemEnd])
			t = &term{stem: s, first: i}
			byStem[s] = t
			order = append(order, t)
		}
		if fromTitle {
			t.inTitle = true
			return
		}
		t.count++
		for k := range t.forms {
			if t.forms[k].text == tok.Text {
				t.forms[k].n++
				return
			}
		}
		t.forms = append(t.forms, form{tok.Text, 1})
	}
	for i, tok := range body {
		add(tok, i, false)
	}
	for _, tok := range title {
		add(tok, len(body), true)
	}
	docs, df := m.docs[lang], m.df[lang]
	out := order[:0]
	total := float64(len(body) + 1)
	for _, t := range order {
		if t.count == 0 {
			continue // only in the title
		}
		tf := 1 + math.Log(float64(t.count))
		idf := 1.0 // no counts for this language: term frequency alone
		if docs > 0 {
			idf = math.Log(float64(docs+1) / float64(df[t.stem]+1))
		}
		w := tf * idf
		if t.inTitle {
			w *= 1.5
		}
		w *= 1 + 0.2*(1-float64(t.first)/total) // earlier is more central
		t.score = w
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *term) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return strings.Compare(a.stem, b.stem)
	})
	return out
}

// bestForm picks the most frequent surface form, lower-cased unless the
// word is written capitalised most of the time (a name).
func bestForm(forms []form) string {
	best, bestN, capN, total := "", 0, 0, 0
	for _, fm := range forms {
		f, n := fm.text, fm.n
		total += n
		if textseg.FirstUpper(f) {
			capN += n
		}
		if n > bestN || n == bestN && f < best {
			best, bestN = f, n
		}
	}
	if capN*2 <= total {
		return strings.ToLower(best)
	}
	return best
}

// Summary picks up to n sentences of body (n when the article is long, one
// fewer when short) that carry the most keyword weight, in their order in
// the text, and joins them.
func (m *Model) Summary(lang, title string, sentences []textseg.Sentence, body []textseg.Token, n int) string {
	return m.Analyze(lang, title, body).Summary(sentences, n)
}

// Summary picks up to n sentences (see Model.Summary).
func (an *Analysis) Summary(sentences []textseg.Sentence, n int) string {
	if len(sentences) == 0 {
		return ""
	}
	weights := make(map[string]float64, 20)
	for i, t := range an.terms {
		if i == 20 {
			break
		}
		weights[t.stem] = t.score
	}
	if len(sentences) <= 6 && n > 2 {
		n--
	}
	type scored struct {
		i     int
		score float64
	}
	var cand []scored
	var buf []byte
	seen := map[string]bool{}
	for i, s := range sentences {
		words := 0
		w := 0.0
		clear(seen)
		for _, tok := range s.Tokens {
			if !tok.IsWord() {
				continue
			}
			words++
			if tok.Kind != textseg.Word {
				continue
			}
			buf = appendStem(buf[:0], tok.Text)
			if wt := weights[string(buf)]; wt > 0 && !seen[string(buf)] {
				w += wt
				seen[string(buf)] = true
			}
		}
		if words < 6 || words > 70 {
			continue // a fragment or a run-on line
		}
		score := w / math.Sqrt(float64(words))
		if i == 0 {
			score *= 2 // the lead sentence
		}
		cand = append(cand, scored{i, score})
	}
	slices.SortStableFunc(cand, func(a, b scored) int { return cmp.Compare(b.score, a.score) })
	if len(cand) > n {
		cand = cand[:n]
	}
	slices.SortFunc(cand, func(a, b scored) int { return a.i - b.i })
	parts := make([]string, len(cand))
	for k, c := range cand {
		parts[k] = sentences[c.i].Text
	}
	return strings.Join(parts, " ")
}

// WriteDF writes document frequencies in the format New reads: per
// language the number of documents and every stem found in at least
// minDF of them.
func WriteDF(w io.Writer, docs map[string]int, df map[string]map[string]int, minDF int, comment string) error {
	bw := bufio.NewWriter(w)
	for l := range strings.SplitSeq(strings.TrimSpace(comment), "\n") {
		fmt.Fprintf(bw, "# %s\n", l)
	}
	langs := make([]string, 0, len(docs))
	for l := range docs {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		fmt.Fprintf(bw, "#docs %s %d\n", l, docs[l])
	}
	for _, l := range langs {
		stems := make([]string, 0, len(df[l]))
		for s, n := range df[l] {
			if n >= minDF {
				stems = append(stems, s)
			}
		}
		sort.Strings(stems)
		for _, s := range stems {
			fmt.Fprintf(bw, "%s\t%s\t%d\n", l, s, df[l][s])
		}
	}
	return bw.Flush()
}

// DocStems returns the distinct stems of a document's words, as counted
// for document frequencies.
func DocStems(text string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range textseg.Tokenize(text) {
		if t.Kind != textseg.Word || utf8.RuneCountInString(t.Text) < minRunes {
			continue
		}
		s := Stem(t.Text)
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
