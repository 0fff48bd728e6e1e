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
	buf, _, _ = appendLower(buf, word, StemRunes)
	return buf
}

// appendLower appends the first limit runes of word, each mapped by lower,
// to buf and returns how many runes and bytes it read. ASCII and the two-byte
// Cyrillic letters are mapped byte by byte; anything else rune by rune,
// as a range loop reads it.
func appendLower(buf []byte, word string, limit int) ([]byte, int, int) {
	i, n := 0, 0
	for ; i < len(word) && n < limit; n++ {
		c := word[i]
		if c < utf8.RuneSelf {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf = append(buf, c)
			i++
			continue
		}
		if (c == 0xD0 || c == 0xD1) && i+1 < len(word) {
			d := word[i+1]
			switch {
			case c == 0xD0 && d >= 0x90 && d <= 0x9F: // А-П
				buf = append(buf, 0xD0, d+0x20)
				i += 2
				continue
			case c == 0xD0 && d >= 0xA0 && d <= 0xAF: // Р-Я
				buf = append(buf, 0xD1, d-0x20)
				i += 2
				continue
			case c == 0xD0 && d >= 0xB0 && d <= 0xBF, c == 0xD1 && d >= 0x80 && d <= 0x8F: // а-я
				buf = append(buf, c, d)
				i += 2
				continue
			case c == 0xD0 && d == 0x81, c == 0xD1 && d == 0x91: // Ё, ё
				buf = append(buf, 0xD0, 0xB5)
				i += 2
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(word[i:])
		buf = utf8.AppendRune(buf, lower(r))
		i += size
	}
	return buf, n, i
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

// form is a surface form of a term and how often it occurs; the forms of
// a term are linked through next in order of appearance (-1 ends).
type form struct {
	text string
	n    int
	next int32
}

// term accumulates one stem's occurrences.
type term struct {
	id      int32 // in order of first occurrence
	stem    string
	count   int
	inTitle bool
	first   int   // token index of the first occurrence
	forms   int32 // first surface form in Analysis.forms, -1 for none
	last    int32 // last surface form
	score   float64
}

// Analysis is the scored terms of one article, shared by Keywords and
// Summary.
type Analysis struct {
	// terms are in order of score, best first, up to sorted; the rest
	// are in no order.
	terms  []term
	sorted int
	forms  []form
	// body are the tokens scored; tokTerm holds, for each, the id of the
	// term its stem belongs to (-1 for none), which Summary reads instead
	// of stemming every word again; ids counts the terms.
	body    []textseg.Token
	tokTerm []int32
	ids     int
	// lang is the article's language; docs and df its document count and
	// frequencies (the model's, shared).
	lang string
	docs int
	df   map[string]int
}

// Analyze scores the terms of an article in lang.
func (m *Model) Analyze(lang, title string, body []textseg.Token) *Analysis {
	return m.AnalyzeTokens(lang, textseg.Tokenize(title), body)
}

// AnalyzeTokens is Analyze with the title already tokenised.
func (m *Model) AnalyzeTokens(lang string, title, body []textseg.Token) *Analysis {
	an := &Analysis{lang: lang}
	m.score(an, lang, title, body)
	an.pick(topPicked)
	return an
}

// Keywords returns up to n key terms of an article in lang, best first.
func (m *Model) Keywords(lang, title string, body []textseg.Token, n int) []Keyword {
	return m.Analyze(lang, title, body).Keywords(n)
}

// Keywords returns up to n key terms, best first.
func (an *Analysis) Keywords(n int) []Keyword {
	terms := an.top(n)
	out := make([]Keyword, 0, len(terms))
	for i := range terms {
		t := &terms[i]
		s := 1.0
		if terms[0].score > 0 {
			s = t.score / terms[0].score
		}
		out = append(out, Keyword{Term: an.bestForm(t), Score: math.Round(s*1000) / 1000})
	}
	return out
}

// better orders terms by score, best first, then by stem. Stems are
// unique, so the order is total and any way of sorting by it gives the
// same result.
func better(a, b *term) int {
	if c := cmp.Compare(b.score, a.score); c != 0 {
		return c
	}
	return strings.Compare(a.stem, b.stem)
}

// top returns the n best terms (fewer when there are fewer), in order.
func (an *Analysis) top(n int) []term {
	n = min(max(n, 0), len(an.terms))
	if n <= an.sorted {
		return an.terms[:n]
	}
	ts := slices.Clone(an.terms)
	slices.SortFunc(ts, func(a, b term) int { return better(&a, &b) })
	return ts[:n]
}

// pick moves the best n terms, in order, to the front of an.terms. An
// article has hundreds of terms, and its keywords and summary need the
// best twenty: those are picked in one pass, the rest sorted only if
// asked for.
func (an *Analysis) pick(n int) {
	ts := an.terms
	n = min(n, len(ts))
	// ts[:k] holds the best k seen so far, in order.
	k := 0
	for i := range ts {
		if k == n && better(&ts[i], &ts[n-1]) >= 0 {
			continue
		}
		// Insert ts[i] into ts[:k] keeping its order; when the first n are
		// full, the one pushed out takes ts[i]'s place.
		t := ts[i]
		j := k
		if k < n {
			ts[i] = ts[k]
			k++
		} else {
			j = n - 1
			ts[i] = ts[n-1]
		}
		for j > 0 && better(&t, &ts[j-1]) < 0 {
			ts[j] = ts[j-1]
			j--
		}
		ts[j] = t
	}
	an.sorted = n
}

// splits reports whether sentences hold, in order, exactly the tokens an
// scored, as textseg.SplitTokens over them returns.
func (an *Analysis) splits(sentences []textseg.Sentence) bool {
	at := 0
	for _, s := range sentences {
		if len(s.Tokens) == 0 || at+len(s.Tokens) > len(an.body) || &s.Tokens[0] != &an.body[at] {
			return false
		}
		at += len(s.Tokens)
	}
	return at == len(an.body)
}

// topPicked is how many terms the summary weighs.
const topPicked = 20

// isLetter is unicode.IsLetter with fast paths for ASCII and Russian.
func isLetter(r rune) bool {
	switch {
	case r < 0x80:
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	case r >= 0x410 && r <= 0x44f:
		return true
	}
	return unicode.IsLetter(r)
}

// score ranks the terms of an article by TF-IDF, with a boost for terms of
// the title and for early first occurrence.
func (m *Model) score(an *Analysis, lang string, title, body []textseg.Token) {
	byStem := make(map[string]int32, len(body)/3)
	terms := make([]term, 0, len(body)/3)
	forms := make([]form, 0, len(body)/2)
	tokTerm := make([]int32, len(body))
	stops := m.stops[lang]
	var buf []byte
	add := func(tok textseg.Token, i int, fromTitle bool) {
		if !fromTitle {
			tokTerm[i] = -1
		}
		if tok.Kind != textseg.Word || len(tok.Text) < minRunes {
			return
		}
		r, _ := utf8.DecodeRuneInString(tok.Text)
		if !isLetter(r) {
			return
		}
		// Lower case into buf; map lookups with string(buf) do not copy.
		var runes, read int
		buf, runes, read = appendLower(buf[:0], tok.Text, StemRunes)
		stemEnd := len(buf)
		if read < len(tok.Text) {
			var more int
			buf, more, _ = appendLower(buf, tok.Text[read:], len(tok.Text))
			runes += more
		}
		if runes < minRunes {
			return
		}
		if stops[string(buf)] {
			// A stop word is no term, but its stem may be one's.
			if !fromTitle && runes >= StemRunes {
				tokTerm[i] = -2
			}
			return
		}
		ti, ok := byStem[string(buf[:stemEnd])]
		if !ok {
			// A word in lower case is its own stem's text: no copy.
			s := tok.Text[:min(stemEnd, len(tok.Text))]
			if s != string(buf[:stemEnd]) {
				s = string(buf[:stemEnd])
			}
			ti = int32(len(terms))
			byStem[s] = ti
			terms = append(terms, term{id: ti, stem: s, first: i, forms: -1, last: -1})
		}
		t := &terms[ti]
		if fromTitle {
			t.inTitle = true
			return
		}
		tokTerm[i] = ti
		t.count++
		for k := t.forms; k >= 0; k = forms[k].next {
			if forms[k].text == tok.Text {
				forms[k].n++
				return
			}
		}
		forms = append(forms, form{text: tok.Text, n: 1, next: -1})
		if t.last >= 0 {
			forms[t.last].next = int32(len(forms) - 1)
		} else {
			t.forms = int32(len(forms) - 1)
		}
		t.last = int32(len(forms) - 1)
	}
	for i, tok := range body {
		add(tok, i, false)
	}
	for _, tok := range title {
		add(tok, len(body), true)
	}
	for i, ti := range tokTerm {
		if ti == -2 {
			buf = appendStem(buf[:0], body[i].Text)
			if ti, ok := byStem[string(buf)]; ok {
				tokTerm[i] = ti
			} else {
				tokTerm[i] = -1
			}
		}
	}
	an.body, an.tokTerm, an.ids = body, tokTerm, len(terms)
	docs, df := m.docs[lang], m.df[lang]
	an.docs, an.df = docs, df
	out := terms[:0]
	total := float64(len(body) + 1)
	for _, t := range terms {
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
	an.terms, an.forms = out, forms
}

// bestForm picks the most frequent surface form, lower-cased unless the
// word is written capitalised most of the time (a name).
func (an *Analysis) bestForm(t *term) string {
	best, bestN, capN, total := "", 0, 0, 0
	for k := t.forms; k >= 0; k = an.forms[k].next {
		f, n := an.forms[k].text, an.forms[k].n
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
	if len(sentences) <= 6 && n > 2 {
		n--
	}
	type scored struct {
		i     int
		score float64
	}
	var cand []scored
	// When the sentences split the tokens scored, the term of each word
	// is known (tokTerm); otherwise words are stemmed and looked up.
	fast := an.splits(sentences)
	var weightOf []float64
	var seenIn []int // 1 + the sentence where a term was last counted
	var weights map[string]float64
	var seen map[string]bool
	var buf []byte
	if fast {
		weightOf, seenIn = make([]float64, an.ids), make([]int, an.ids)
		for _, t := range an.top(topPicked) {
			weightOf[t.id] = t.score
		}
	} else {
		weights, seen = make(map[string]float64, topPicked), map[string]bool{}
		for _, t := range an.top(topPicked) {
			weights[t.stem] = t.score
		}
	}
	at := 0 // index in an.body of the sentence's first token
	for i, s := range sentences {
		words := 0
		w := 0.0
		if !fast {
			clear(seen)
		}
		for k, tok := range s.Tokens {
			if !tok.IsWord() {
				continue
			}
			words++
			if tok.Kind != textseg.Word {
				continue
			}
			if fast {
				if ti := an.tokTerm[at+k]; ti >= 0 && weightOf[ti] > 0 && seenIn[ti] != i+1 {
					w += weightOf[ti]
					seenIn[ti] = i + 1
				}
				continue
			}
			buf = appendStem(buf[:0], tok.Text)
			if wt := weights[string(buf)]; wt > 0 && !seen[string(buf)] {
				w += wt
				seen[string(buf)] = true
			}
		}
		at += len(s.Tokens)
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
