package analysis

import (
	"html"
	"strings"
	"unicode/utf8"
)

// Matcher tells which terms a query matches: exact terms and prefixes.
// The zero value matches nothing.
type Matcher struct {
	terms    map[string]struct{}
	prefixes []string
}

// AddTerm adds an exact term.
func (m *Matcher) AddTerm(t string) {
	if m.terms == nil {
		m.terms = map[string]struct{}{}
	}
	m.terms[t] = struct{}{}
}

// AddPrefix adds a prefix: every term starting with p matches.
func (m *Matcher) AddPrefix(p string) { m.prefixes = append(m.prefixes, p) }

// HasPrefixes reports whether m holds a prefix (AddPrefix).
func (m *Matcher) HasPrefixes() bool { return len(m.prefixes) > 0 }

// EachTerm calls fn for every exact term of m (AddTerm), in no order.
func (m *Matcher) EachTerm(fn func(term string)) {
	for t := range m.terms {
		fn(t)
	}
}

// Empty reports whether m matches nothing.
func (m *Matcher) Empty() bool { return len(m.terms) == 0 && len(m.prefixes) == 0 }

// Match reports whether term matches.
func (m *Matcher) Match(term string) bool {
	if _, ok := m.terms[term]; ok {
		return true
	}
	for _, p := range m.prefixes {
		if strings.HasPrefix(term, p) {
			return true
		}
	}
	return false
}

// Snippet returns about size characters of text around the part with the
// most matches of m, as HTML: the text escaped, matches in <mark>, and an
// ellipsis where text was cut. ok is false when nothing in text matches.
func (a *Analyzer) Snippet(text string, m *Matcher, size int) (snippet string, ok bool) {
	return makeSnippet(text, func(fn func(Token)) { a.Tokens(text, fn) }, m, size)
}

// SnippetOf is Snippet over tokens already made from text by its
// analyzer (Tokens), so that several snippets of one text cost one
// analysis.
func SnippetOf(text string, toks []Token, m *Matcher, size int) (string, bool) {
	return makeSnippet(text, func(fn func(Token)) {
		for _, t := range toks {
			fn(t)
		}
	}, m, size)
}

func makeSnippet(text string, tokens func(func(Token)), m *Matcher, size int) (snippet string, ok bool) {
	if m == nil || m.Empty() || text == "" {
		return "", false
	}
	type span struct{ start, end, runeStart int }
	var hits []span
	runes, last := 0, 0
	tokens(func(t Token) {
		if !m.Match(t.Term) {
			return
		}
		runes += utf8.RuneCountInString(text[last:t.Start])
		last = t.Start
		hits = append(hits, span{t.Start, t.End, runes})
	})
	if len(hits) == 0 {
		return "", false
	}
	// The window of size characters that holds the most matches.
	best, bestN, j := 0, 0, 0
	for i := range hits {
		for j < len(hits) && hits[j].runeStart-hits[i].runeStart < size*3/4 {
			j++
		}
		if j-i > bestN {
			best, bestN = i, j-i
		}
	}
	// Start some context before the first match, at a word boundary.
	start := backRunes(text, hits[best].start, size/5)
	if start > 0 {
		if i := strings.IndexAny(text[start:hits[best].start], " \n\t"); i >= 0 {
			start += i + 1
		}
	}
	end := forwardRunes(text, start, size)
	if end < len(text) {
		if i := strings.LastIndexAny(text[start:end], " \n\t"); i > 0 && start+i > hits[best].end {
			end = start + i
		}
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	pos := start
	for _, h := range hits[best:] {
		if h.start < start {
			continue
		}
		if h.end > end {
			break
		}
		b.WriteString(html.EscapeString(squash(text[pos:h.start])))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[h.start:h.end]))
		b.WriteString("</mark>")
		pos = h.end
	}
	b.WriteString(html.EscapeString(squash(text[pos:end])))
	if end < len(text) {
		b.WriteString("…")
	}
	return b.String(), true
}

// squash turns runs of whitespace into one space.
func squash(s string) string {
	if !strings.ContainsAny(s, "\n\t\r") && !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		if r == ' ' || r == '\n' || r == '\t' || r == '\r' {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
	return b.String()
}

func backRunes(s string, i, n int) int {
	for ; n > 0 && i > 0; n-- {
		_, w := utf8.DecodeLastRuneInString(s[:i])
		i -= w
	}
	return i
}

func forwardRunes(s string, i, n int) int {
	for ; n > 0 && i < len(s); n-- {
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
	}
	return i
}
