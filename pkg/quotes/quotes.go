// Package quotes finds direct quotations in a news text („...“, «...»,
// »...«, “...”, "...", and the doubled apostrophes of the New York Times
// archive)
// and who said them: the person named next to a reporting verb ("заяви
// Маас", "сказал Трамп", "said Holmes", "Souness said:"), the person a
// pronoun or a role refers to ("заяви той", "said the minister"), an
// organisation that speaks ("заявиха от Ryanair"), or, for a quotation
// that goes on right after an attributed one, the same speaker. The
// speaker is given with the full name the text introduces ("Матеуш
// Моравецкий" for "М. Моравецкий"), without titles; when no rule applies
// the quotation has none, which is better than a wrong one. People and
// organisations are recognised by package entities.
//
// The package imports nothing of NATS; Extract is a pure function.
package quotes

import (
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/entities"
	"github.com/newsflow/newsflow/pkg/textseg"
)

// Quote is a quotation with its speaker ("" when the text names none).
type Quote struct {
	Text    string
	Speaker string
	// Start and End are the byte offsets of Text in the text.
	Start, End int
}

// MinWords is the fewest words a quotation has; shorter quoted text is a
// name or a scare quote ("Билд", «богохульство», "red line"), unless it
// ends with a comma, "!" or "?" and a verb of saying and its speaker
// follow (`"Too many," Cruz said`).
const MinWords = 3

// span is a quotation's position: marks at open and close, text inside.
type span struct {
	open, start, end, close int
	// unclosed marks a quotation the text leaves open (it ends where the
	// next one opens, or at the end of the line).
	unclosed bool
}

// Extract finds the quotations of text and their speakers. ents is the
// result of entities.Extract over the same text; g (may be nil) tells
// women's given names, for "she said".
func Extract(text string, ents entities.Result, g *entities.Gazetteer) []Quote {
	return ExtractTokens(text, nil, ents, g)
}

// ExtractTokens is Extract with the tokens of text, textseg.Tokenize(text),
// which it reads instead of tokenising the text around each quotation
// again; nil toks are computed where needed.
func ExtractTokens(text string, toks []textseg.Token, ents entities.Result, g *entities.Gazetteer) []Quote {
	spans := find(text)
	var persons, orgs, others, places, allOthers []entities.Mention
	for _, m := range ents.Mentions {
		switch m.Type {
		case article.EntityPerson:
			persons = append(persons, m)
		case article.EntityOrganization:
			orgs = append(orgs, m)
		case article.EntityLocation:
			places = append(places, m)
		case article.EntityOther:
			allOthers = append(allOthers, m)
			if looksLikeName(text[m.Start:m.End]) {
				others = append(others, m)
			}
		}
	}
	persons, orgs = titledOrgs(text, persons, orgs, allOthers)
	persons = withoutPlaceNames(text, persons, places)
	r := resolver{text: text, toks: toks, persons: persons, orgs: orgs, others: others, places: places, roles: ents.Roles, spans: spans, g: g}
	var out []Quote
	var kept []span
	prevEnd, prevSpeaker := -1, ""
	for _, s := range spans {
		q := strings.TrimSpace(text[s.start:s.end])
		if !atLeastWords(q, MinWords) {
			// A word or two is speech only when it ends like speech and
			// a verb of saying follows: `"I was shocked,'' she said`,
			// `“Jobs, jobs,” Clinton said`; not "заговор", "red line".
			if !atLeastWords(q, 1) || !strings.ContainsAny(q[len(q)-1:], ",!?.") {
				continue
			}
			// Or, ending a sentence, when a verb of saying and a comma
			// or colon introduce it: `said, "No."`, `asked, "Really?"`.
			sp, ok := r.after(s, q)
			if (!ok || sp == "" || q[len(q)-1] == '.') && !r.introducedShort(s, q) {
				continue
			}
		}
		speaker, ok := r.after(s, q)
		if !ok {
			speaker, ok = r.before(s)
		}
		if !ok {
			speaker, ok = r.interrupted(s)
		}

		if !ok && prevEnd >= 0 && continues(text[prevEnd:s.open]) {
			speaker, ok = prevSpeaker, true
		}
		if !ok && prevSpeaker != "" && r.goesOn(prevEnd, s, prevSpeaker) {
			speaker = prevSpeaker
		}
		if speaker != "" {
			speaker = r.withoutHeadlineWords(speaker, s)
		}
		if speaker != "" {
			speaker = r.withSuffix(r.fullName(withoutTitle(withoutAcronym(speaker, r.isPerson(speaker)))))
			// Nor a headline's words the full name was taken from.
			speaker = r.withoutHeadlineWords(speaker, s)
		}
		out = append(out, Quote{Text: q, Speaker: speaker, Start: s.start, End: s.end})
		kept = append(kept, s)
		prevEnd, prevSpeaker = s.close, speaker
	}
	// A quotation left open goes on in the next one, whose speaker it
	// shares: `"It was nice ... get round. "I felt good," said Holmes.`
	for i := len(out) - 2; i >= 0; i-- {
		if out[i].Speaker == "" && kept[i].unclosed && out[i+1].Speaker != "" && continues(text[kept[i].close:kept[i+1].open]) {
			out[i].Speaker = out[i+1].Speaker
		}
	}
	// A quotation alone in its paragraph between two of the same
	// speaker's, with no other person named as a speaker between, is
	// theirs: `"...," Viguerie notes. / Viguerie is upbeat ... / "Not only
	// ..." / "He may be ...," Viguerie notes.`
	for i := 1; i+1 < len(out); i++ {
		if out[i].Speaker != "" || out[i-1].Speaker == "" || out[i-1].Speaker != out[i+1].Speaker || !r.alone(kept[i]) {
			continue
		}
		if kept[i+1].open-kept[i-1].close > 1500 || r.otherSpeakerBetween(kept[i-1].close, kept[i+1].open, out[i-1].Speaker) {
			continue
		}
		out[i].Speaker = out[i-1].Speaker
	}
	// A quotation no rule attributes may give words the text says again
	// where its speaker is named: a headline's quotation taken up in the
	// body, within quotation marks or (10kGNAD's bodies keep none) as
	// reported speech ("..., erklärte das Stadtoberhaupt").
	for i := range out {
		if out[i].Speaker == "" {
			if sp := r.echo(out, kept, i); sp != "" {
				out[i].Speaker = r.fullName(withoutTitle(sp))
			}
		}
	}
	return out
}

// stemLen is the length, in letters, of the stems echo compares: a crude
// stem that "bleiben" and "bleibe", "verlieben" and "verliebst" share.
const stemLen = 5

// contentStems returns the stems of the words of s that have stemLen
// letters or more, and of its numbers of four digits or more.
func contentStems(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(s, func(c rune) bool { return !unicode.IsLetter(c) && !unicode.IsDigit(c) }) {
		if st, ok := stem(w); ok {
			out[st] = true
		}
	}
	return out
}

// stem returns the first stemLen letters of the word w, lower-cased, or
// w when it is a number of four digits or more; false for a shorter word.
func stem(w string) (string, bool) {
	c, _ := utf8.DecodeRuneInString(w)
	if unicode.IsDigit(c) {
		return w, len(w) >= 4 && strings.IndexFunc(w, func(r rune) bool { return !unicode.IsDigit(r) }) < 0
	}
	if !unicode.IsLetter(c) {
		return "", false
	}
	n, end := 0, 0
	for i, r := range w {
		if n == stemLen {
			break
		}
		n, end = n+1, i+utf8.RuneLen(r)
	}
	if n < stemLen {
		return "", false
	}
	return strings.ToLower(w[:end]), true
}

// echoIndex returns the tokens of the whole text, the stem of each
// ("" for none) and the index of the first token of each sentence (a
// sentence ends at a sentence end or a line break), with len(toks) last;
// computed once per text.
func (r *resolver) echoIndex() ([]textseg.Token, []string, []int) {
	if r.allToks == nil {
		toks := r.window(0, len(r.text))
		r.allToks = toks
		r.stems = make([]string, len(toks))
		for i, t := range toks {
			if t.Kind != textseg.Punct {
				r.stems[i], _ = stem(t.Text)
			}
			if i == 0 || sentenceEnd(toks, i-1) || strings.IndexByte(r.text[toks[i-1].End:t.Start], '\n') >= 0 {
				r.sents = append(r.sents, i)
			}
		}
		r.sents = append(r.sents, len(toks))
	}
	return r.allToks, r.stems, r.sents
}

// echoNeed is how many of a quotation's n stems the words taking it
// up again must hold: 60%, and two at least.
func echoNeed(n int) int { return max(2, (n*3+4)/5) }

// echo returns the speaker of the words that take up the quotation
// out[i] again elsewhere in the text: another quotation holding 60% or
// more of its stems (two at least) and attributed, else a sentence
// outside quotation marks holding them whose attribution the rules read
// (", sagte X", "so X", "X erklärte: ..."). "" when there is none, or it
// names nobody.
func (r *resolver) echo(out []Quote, kept []span, i int) string {
	stems := contentStems(out[i].Text)
	if len(stems) < 2 {
		return ""
	}
	need := echoNeed(len(stems))
	best, bestN := "", 0
	for j := range out {
		if j == i || out[j].Speaker == "" {
			continue
		}
		n := 0
		for st := range contentStems(out[j].Text) {
			if stems[st] {
				n++
			}
		}
		if n >= need && n > bestN {
			best, bestN = out[j].Speaker, n
		}
	}
	if best != "" {
		return best
	}
	toks, stems2, sents := r.echoIndex()
	s := kept[i]
	bestFrom, bestTo, bestN := -1, -1, 0
	seen := map[string]bool{}
	for k, from := range sents[:len(sents)-1] {
		to := sents[k+1]
		if toks[from].Start < s.close && toks[to-1].End > s.open {
			continue
		}
		clear(seen)
		for j := from; j < to; j++ {
			if st := stems2[j]; st != "" && stems[st] && !seen[st] && !inside(r.spans, toks[j].Start) {
				seen[st] = true
			}
		}
		if len(seen) >= need && len(seen) > bestN {
			bestFrom, bestTo, bestN = from, to, len(seen)
		}
	}
	if bestFrom < 0 {
		return ""
	}
	sent := toks[bestFrom:bestTo]
	m := -1 // the first word of the quotation's in the sentence
	for k, t := range sent {
		if st, ok := stem(t.Text); ok && stems[st] && !inside(r.spans, t.Start) {
			m = k
			break
		}
	}
	// "..., sagte X", "..., so X": the attribution after the words.
	for k := m + 1; k+1 < len(sent); k++ {
		if !strings.Contains(",—–", sent[k].Text) || sent[k].Kind != textseg.Punct {
			continue
		}
		lw := strings.ToLower(sent[k+1].Text)
		if !isReportingVerb(lw) && !entities.IsAttributionParticle(lw) {
			continue
		}
		at := sent[k].Start
		sp, _ := r.after(span{open: sent[0].Start, start: sent[0].Start, end: at, close: at}, "…")
		return sp
	}
	// "X erklärte: ...", "X sagte, ...": a verb of saying before them, a
	// colon or a comma between.
	for v := m - 1; v >= 0; v-- {
		if !isReportingVerb(strings.ToLower(sent[v].Text)) {
			continue
		}
		end := m
		for k := v + 1; k < m; k++ {
			if sent[k].Text == ":" || sent[k].Text == "," {
				end = k
				break
			}
		}
		if end == m && v != m-1 {
			return ""
		}
		if sp, ok := r.speakerIn(sent[:v], false); ok {
			return sp
		}
		if sp, ok := r.speakerIn(sent[v+1:end], true); ok {
			return sp
		}
		return ""
	}
	return ""
}

func inside(spans []span, pos int) bool {
	for _, s := range spans {
		if pos >= s.start && pos < s.end {
			return true
		}
	}
	return false
}

// find returns the outermost quotations of text; a quotation does not
// cross a line break.
func find(text string) []span {
	var out []span
	lineStart := 0
	for lineStart < len(text) {
		lineEnd := strings.IndexByte(text[lineStart:], '\n')
		if lineEnd < 0 {
			lineEnd = len(text)
		} else {
			lineEnd += lineStart
		}
		out = findLine(out, text, lineStart, lineEnd)
		lineStart = lineEnd + 1
	}
	return out
}

// findLine appends the quotations of text[from:to], one line, to out.
func findLine(out []span, text string, from, to int) []span {
	line := text[:to]
	for i := from; i < to; {
		// Only '"', "''" and the lead bytes of „ “ (0xE2) and « » (0xC2) can
		// start a quotation. A lead byte is never inside another rune, so
		// skipping to it misses no rune a rune-by-rune reading would see.
		for i < to {
			if c := line[i]; c == '"' || c == 0xE2 || c == 0xC2 || (c == '\'' && i+1 < to && line[i+1] == '\'') || (c == '\'' && i >= from+2 && line[i-2:i] == ": ") {
				break
			}
			i++
		}
		if i == to {
			break
		}
		r, n := utf8.DecodeRuneInString(line[i:])
		var s span
		var ok bool
		switch r {
		case '„':
			s, ok = closeNested(line, i, n, '„', "“”\"")
		case '«':
			s, ok = closeNested(line, i, n, '«', "»")
		case '»':
			s, ok = closeReversed(line, i, n, from)
		case '“':
			s, ok = closeNested(line, i, n, '“', "”\"")
		case '‘':
			s, ok = closeSingle(line, i, n, from, to)
		case '"':
			s, ok = closeStraight(line, i, to)
		case '\'':
			if i+1 < to && line[i+1] == '\'' {
				s, ok = closeDoubled(line, i, to)
				if !ok {
					n = 2
				}
			} else {
				s, ok = closeSingleStraight(line, i, from, to)
			}
		}
		if ok {
			out = append(out, s)
			i = s.close
			continue
		}
		i += n
	}
	return out
}

// closeSingle finds the end of a quotation opened by the single mark ‘
// at i, which English headlines use (`Darrell Scott: ‘You Find Me ...’`):
// only after a colon and a space, closed by the last ’ of the line that
// ends it or is followed by a sentence end; ’ is an apostrophe too.
func closeSingle(text string, i, n, from, to int) (span, bool) {
	if !strings.HasSuffix(text[from:i], ": ") {
		return span{}, false
	}
	j := strings.LastIndex(text[i+n:to], "’")
	if j < 0 {
		return span{}, false
	}
	j += i + n
	if rest := strings.TrimRight(text[j+len("’"):to], " "); rest != "" && !strings.ContainsAny(rest[:1], ".!?") || len(rest) > 1 {
		// `Bernie Sanders: ‘It Is Not A Radical Idea’ To Ask ...`: the
		// first closing mark after a word, when a space or a punctuation
		// mark follows it (not the apostrophe of "Clinton’s").
		for k := i + n; k < to; {
			c := strings.Index(text[k:to], "’")
			if c < 0 {
				break
			}
			c += k
			prev, _ := utf8.DecodeLastRuneInString(text[:c])
			next, _ := utf8.DecodeRuneInString(text[c+len("’"):])
			if c+len("’") < to && unicode.IsLetter(prev) && unicode.IsSpace(next) && atLeastWords(text[i+n:c], MinWords) {
				return span{open: i, start: i + n, end: c, close: c + len("’")}, true
			}
			k = c + len("’")
		}
		return span{}, false
	}
	return span{open: i, start: i + n, end: j, close: j + len("’")}, true
}

// closeSingleStraight closes a quotation in straight single marks after
// a colon that runs to the end of its line: `Carly Fiorina: 'Bill
// Clinton's fair game.'`, a headline.
func closeSingleStraight(text string, i, from, to int) (span, bool) {
	if !strings.HasSuffix(text[from:i], ": ") {
		return span{}, false
	}
	line := strings.TrimRight(text[i+1:to], " .;")
	if !strings.HasSuffix(line, "'") || len(line) < 2 {
		return span{}, false
	}
	j := i + 1 + len(line) - 1
	return span{open: i, start: i + 1, end: j, close: j + 1}, true
}

// closeReversed finds the end of a quotation opened by », the German
// book-printing mark closed by « (»Wir bleiben«, sagte er): only a » at
// the start of the line or after white space, a bracket or a colon, before
// a letter, a digit or an ellipsis; closed by the next « of the line that
// follows a word and comes before no letter or digit. In Russian or
// Bulgarian text » closes «...», which the quotation it closes has read
// already; a stray » there finds no « that closes.
func closeReversed(text string, i, n, from int) (span, bool) {
	if i > from {
		prev, _ := utf8.DecodeLastRuneInString(text[from:i])
		if !unicode.IsSpace(prev) && !strings.ContainsRune("(:—–-", prev) {
			return span{}, false
		}
	}
	next, _ := utf8.DecodeRuneInString(text[i+n:])
	if !unicode.IsLetter(next) && !unicode.IsDigit(next) && next != '…' {
		return span{}, false
	}
	j := strings.Index(text[i+n:], "«")
	if j < 0 {
		return span{}, false
	}
	j += i + n
	before, _ := utf8.DecodeLastRuneInString(text[:j])
	after, _ := utf8.DecodeRuneInString(text[j+len("«"):])
	if unicode.IsSpace(before) || unicode.IsLetter(after) || unicode.IsDigit(after) {
		return span{}, false
	}
	return span{open: i, start: i + n, end: j, close: j + len("«")}, true
}

// closeNested finds the mark closing the quotation opened at i, counting
// nested quotations opened with the same mark.
func closeNested(text string, i, n int, open rune, closers string) (span, bool) {
	depth := 1
	first := span{}
	innerStraight := false
	for j := i + n; j < len(text); {
		r, m := utf8.DecodeRuneInString(text[j:])
		switch {
		case r == '\n':
			// Unbalanced: the first closing mark closes.
			if first.close == 0 && open == '“' && depth == 1 && atLeastWords(text[i+n:j], 8) {
				// An English quotation that goes on in the next
				// paragraph, which opens with “ again: its words run to
				// the end of the line.
				return span{open: i, start: i + n, end: j, close: j, unclosed: true}, true
			}
			return first, first.close > 0
		case r == open && open == '“' && j > i+n:
			// A second “ before any closing mark: the first was left
			// open.
			if first.close == 0 && depth == 1 && atLeastWords(text[i+n:j], 8) && precededBySentenceEnd(text[:j]) {
				return span{open: i, start: i + n, end: j, close: j, unclosed: true}, true
			}
			depth++
		case r == open:
			depth++
		case strings.ContainsRune(closers, r):
			// A straight quote closes a „ only if no “ follows on the line,
			// a “ only if no ”.
			if r == '"' && (open == '„' || open == '“') {
				rest := text[j+m:]
				if k := strings.IndexByte(rest, '\n'); k >= 0 {
					rest = rest[:k]
				}
				if open == '„' && strings.ContainsAny(rest, "“”") {
					break
				}
				if open == '“' && strings.ContainsRune(rest, '”') {
					// `“I heard parts of it," Trump said. "He wants ...”`:
					// a straight mark after a word and before a space
					// closes, unless it closes a straight one opened
					// inside.
					prev, _ := utf8.DecodeLastRuneInString(text[:j])
					next, _ := utf8.DecodeRuneInString(rest)
					switch {
					case unicode.IsSpace(prev) || j == i+n:
						innerStraight = true
						j += m
						continue
					case innerStraight || !(unicode.IsSpace(next) || rest == ""):
						innerStraight = false
						j += m
						continue
					}
				}
			}
			if first.close == 0 {
				first = span{open: i, start: i + n, end: j, close: j + m}
			}
			depth--
			if depth == 0 {
				return span{open: i, start: i + n, end: j, close: j + m}, true
			}
		}
		j += m
	}
	if first.close == 0 && open == '“' && depth == 1 && atLeastWords(text[i+n:], 8) {
		// An English quotation that goes on in the next paragraph,
		// which opens with “ again: its words run to the end of the line.
		return span{open: i, start: i + n, end: len(text), close: len(text), unclosed: true}, true
	}
	return first, first.close > 0
}

// closeStraight finds the end of a quotation opened by the straight
// double quote at i. Each later straight quote on the line opens (after a
// space, before a letter) or closes (otherwise); nested pairs are
// skipped. A quotation still open when another opens at its level ends
// there: newspapers leave a quotation open when the next paragraph of the
// same speech follows (`said: "... club. "He can't ..."`).
func closeStraight(text string, i, to int) (span, bool) {
	depth := 1
	for j := i + 1; j < to; j++ {
		if depth == 1 && strings.HasPrefix(text[j:], "”") && j > i+1 {
			// `"But Pete Wilson won,” Axelrod said`: a straight mark
			// closed by a curly one, when a space, a punctuation mark or
			// the end follows.
			prev, _ := utf8.DecodeLastRuneInString(text[:j])
			next, _ := utf8.DecodeRuneInString(text[j+len("”"):])
			if !unicode.IsSpace(prev) && (j+len("”") >= to || unicode.IsSpace(next) || unicode.IsPunct(next)) {
				return span{open: i, start: i + 1, end: j, close: j + len("”")}, true
			}
		}
		if text[j] != '"' {
			continue
		}
		prev, _ := utf8.DecodeLastRuneInString(text[:j])
		next, _ := utf8.DecodeRuneInString(text[j+1:])
		opens := (j == 0 || unicode.IsSpace(prev) || strings.ContainsRune("(:„«“", prev)) && (unicode.IsLetter(next) || unicode.IsDigit(next) || next == '.')
		if opens && next == '.' {
			opens = false
		}
		switch {
		case opens && depth == 1 && precededBySentenceEnd(text[:j]):
			return span{open: i, start: i + 1, end: j, close: j, unclosed: true}, true
		case opens:
			depth++
		default:
			depth--
			if depth == 0 {
				return span{open: i, start: i + 1, end: j, close: j + 1}, true
			}
		}
	}
	// Left open to the end of the line.
	if depth >= 1 && to-i > 1 {
		return span{open: i, start: i + 1, end: to, close: to, unclosed: true}, true
	}
	return span{}, false
}

// closeDoubled finds the end of a quotation opened by two apostrophes at
// i, the quotation marks of the New York Times' archive (two apostrophes,
// then "We finally may be seeing ...," and two more, then "said Jared
// Bernstein"). It opens only before a letter, a digit or an ellipsis and
// after the start of the line, white space or an opening bracket; the
// next pair on the line closes it, and a quotation still open at the end
// of the line (the next paragraph of the same speech follows) ends there.
func closeDoubled(text string, i, to int) (span, bool) {
	if i > 0 {
		prev, _ := utf8.DecodeLastRuneInString(text[:i])
		if !unicode.IsSpace(prev) && !strings.ContainsRune("([—–-", prev) {
			return span{}, false
		}
	}
	next, _ := utf8.DecodeRuneInString(text[i+2 : to])
	if !unicode.IsLetter(next) && !unicode.IsDigit(next) && next != '.' && next != '…' {
		return span{}, false
	}
	if j := strings.Index(text[i+2:to], "''"); j >= 0 {
		j += i + 2
		return span{open: i, start: i + 2, end: j, close: j + 2}, true
	}
	return span{open: i, start: i + 2, end: to, close: to, unclosed: true}, true
}

// precededBySentenceEnd reports whether s ends with a sentence end and
// white space, where a new quotation begins rather than a nested one.
func precededBySentenceEnd(s string) bool {
	t := strings.TrimRight(s, " \t")
	if len(t) == len(s) || t == "" {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(t)
	return r == '.' || r == '!' || r == '?' || r == '…'
}

// continues reports whether the text between two quotations is short
// enough that the second goes on with the first's speaker: a reporting
// clause or punctuation, no sentence of its own.
func continues(between string) bool {
	if strings.Contains(between, "\n\n") {
		return false
	}
	return !atLeastWords(between, 9)
}

// goesOn reports whether the quotation s, which names no speaker, opens a
// paragraph that follows the one holding the last quotation (ended at
// prevEnd, by prevSpeaker) with no other person named in between: the
// same speaker goes on ("„...“, посочи Попов.\n\n„Битката е ...“.").
func (r *resolver) goesOn(prevEnd int, s span, prevSpeaker string) bool {
	if prevEnd < 0 || prevEnd > s.open {
		return false
	}
	between := r.text[prevEnd:s.open]
	if strings.TrimLeft(between[strings.LastIndexByte(between, '\n')+1:], " \t") != "" {
		return false // the quotation does not open its paragraph
	}
	// Only the rest of the previous quotation's paragraph (its
	// attribution) lies between: no paragraph of narration.
	rest := strings.TrimSpace(between)
	if strings.Contains(rest, "\n") || atLeastWords(rest, 15) {
		return false
	}
	for _, p := range r.persons {
		if p.Start >= prevEnd && p.Start < s.open && p.Entity != prevSpeaker {
			return false
		}
	}
	// Nor does one followed by words the rules could not read (`"...",
	// шеф на РЗИ-Пловдив.`): someone else may be named there.
	after := r.text[s.close:]
	if k := strings.IndexByte(after, '\n'); k >= 0 {
		after = after[:k]
	}
	return !atLeastWords(after, 1)
}

// alone reports whether the quotation s is all of its paragraph (its
// line), but for punctuation.
func (r *resolver) alone(s span) bool {
	from := strings.LastIndexByte(r.text[:s.open], '\n') + 1
	to := len(r.text)
	if k := strings.IndexByte(r.text[s.close:], '\n'); k >= 0 {
		to = s.close + k
	}
	return !atLeastWords(r.text[from:s.open], 1) && !atLeastWords(r.text[s.close:to], 1)
}

// otherSpeakerBetween reports whether text[from:to] names a person other
// than speaker right before or after a verb of saying.
func (r *resolver) otherSpeakerBetween(from, to int, speaker string) bool {
	toks := r.window(from, to)
	for i, t := range toks {
		if !isReportingVerb(strings.ToLower(t.Text)) {
			continue
		}
		for _, k := range []int{i - 1, i + 1} {
			if k < 0 || k >= len(toks) {
				continue
			}
			if p, ok := r.personNamed(toks[k]); ok && p != speaker {
				return true
			}
			if ok, _ := entities.IsPronoun(strings.ToLower(toks[k].Text)); ok && r.lastPerson(toks[k].Start, false) != speaker {
				return true
			}
		}
	}
	return false
}

// atLeastWords reports whether s has n or more words (runs holding a
// letter or digit), stopping as soon as it knows.
func atLeastWords(s string, n int) bool {
	count, in := 0, false
	for _, r := range s {
		word := unicode.IsLetter(r) || unicode.IsDigit(r) || (in && (r == '-' || r == '\'' || r == '’'))
		if word && !in {
			count++
			if count >= n {
				return true
			}
		}
		in = word
	}
	return false
}

type resolver struct {
	text    string
	toks    []textseg.Token // of text; nil when not given
	persons []entities.Mention
	orgs    []entities.Mention
	// others are mentions typed OTHER that look like a person's name
	// ("Mitt Romney"): a speaker only where a name is expected.
	others []entities.Mention
	// places are the locations, which may complete an organisation's
	// name ("Госдеп США").
	places []entities.Mention
	roles  []entities.Role
	spans  []span
	g      *entities.Gazetteer
	// allToks, stems and sents are echoIndex's, once computed.
	allToks []textseg.Token
	stems   []string
	sents   []int
}

// window returns the tokens of text[from:to] with offsets into text.
func (r *resolver) window(from, to int) []textseg.Token {
	if r.toks != nil {
		// The text's tokens between from and to are those of text[from:to]
		// when none of them straddles either end (textseg's FuzzSplit
		// checks it; a web address cut before a final dot may be a word in
		// the window, a difference nothing here reads).
		i := sort.Search(len(r.toks), func(k int) bool { return r.toks[k].End > from })
		j := sort.Search(len(r.toks), func(k int) bool { return r.toks[k].End > to })
		if (i == len(r.toks) || r.toks[i].Start >= from) && (j == len(r.toks) || r.toks[j].Start >= to) {
			return r.toks[i:j:j]
		}
	}
	toks := textseg.Tokenize(r.text[from:to])
	for i := range toks {
		toks[i].Start += from
		toks[i].End += from
	}
	return toks
}

// headlineFunctionWords are English words that title-case headlines
// capitalise and names do not hold.
var headlineFunctionWords = map[string]bool{
	"On": true, "For": true, "Her": true, "His": true, "A": true, "An": true, "About": true, "To": true,
	"In": true, "At": true, "With": true, "Is": true, "Are": true, "Was": true, "Says": true,
	"Said": true, "Sent": true, "Into": true, "Over": true, "After": true, "Year": true,
}

// withoutHeadlineWords returns a speaker found in English text without
// a verb of saying that opens it ("Said Dorothy Poynter"); "" when it is
// words of a title-case headline rather than a name ("Hillary Releasing
// Her Goldman Sachs Speech Transcripts", "Settle For Hillary") or one
// upper-case word no organisation's mention is ("PHILADELPHIA", "HOW");
// and, when such words are not those by the quotation s, the one person
// named with the same last word ("On Trump", "Response To Trump": an
// entity that took in a headline's words).
func (r *resolver) withoutHeadlineWords(speaker string, s span) string {
	words := strings.Fields(speaker)
	// Not the words right around the quotation: `CNN President On
	// Trump: "..."` names nobody.
	near := r.text[max(0, s.open-120):min(len(r.text), s.close+120)]
	if len(words) > 1 && (words[0] == "Said" || words[0] == "Says") {
		speaker, words = strings.Join(words[1:], " "), words[1:]
	}
	for k := len(words) - 2; k >= 0; k-- {
		if !headlineFunctionWords[words[k]] || words[k] == "Year" {
			continue
		}
		if strings.Contains(near, speaker) {
			return ""
		}
		// "On Trump", "Response To Trump": an entity that took in a
		// headline's words before the name elsewhere; the one person of
		// the text whose name ends with the same word, or nobody.
		return r.personEndingWith(words[len(words)-1])
	}
	for _, w := range words {
		if headlineFunctionWords[w] {
			return ""
		}
	}
	if len(words) == 1 && len(speaker) >= 3 && isASCIIWord(speaker) && strings.ToUpper(speaker) == speaker {
		for _, o := range r.orgs {
			if o.Entity == speaker || r.text[o.Start:o.End] == speaker {
				return speaker
			}
		}
		return ""
	}
	return speaker
}

// personEndingWith returns the one person the text names whose name,
// holding no headline function word, ends with the word w; "" when none
// or several do.
func (r *resolver) personEndingWith(w string) string {
	found := ""
	for _, p := range r.persons {
		f := strings.Fields(p.Entity)
		if len(f) == 0 || f[len(f)-1] != w || p.Entity == found {
			continue
		}
		clean := true
		for _, x := range f {
			clean = clean && !headlineFunctionWords[x]
		}
		if !clean {
			continue
		}
		if found != "" {
			return ""
		}
		found = p.Entity
	}
	return found
}

// introducedShort reports whether the quotation q of one or two words,
// at s, ends a sentence and a verb of saying introduces it, maybe with an
// adverb after it, and a comma or colon (`said, "No."`, `then asked,
// "Really?"`, `told the agency simply, "We lost."`), and before finds
// its speaker.
func (r *resolver) introducedShort(s span, q string) bool {
	if !strings.ContainsAny(q[len(q)-1:], ".!?") {
		return false
	}
	toks := r.window(max(0, s.open-80), s.open)
	n := len(toks)
	if n < 3 || (toks[n-1].Text != "," && toks[n-1].Text != ":") {
		return false
	}
	verb := false
	for k := n - 2; k >= 0 && k >= n-6 && !verb; k-- {
		lw := strings.ToLower(toks[k].Text)
		if toks[k].Kind == textseg.Punct {
			return false
		}
		verb = isReportingVerb(lw)
		if !verb && !strings.HasSuffix(lw, "ly") && k == n-2 {
			return false
		}
	}
	if !verb {
		return false
	}
	sp, ok := r.before(s)
	return ok && sp != ""
}

// withoutPlaceNames drops the English person entities of one word that
// the text also writes right after "in", as a person or a place
// ("Orlando" typed a person, and "the mass shooting in Orlando"): places,
// not speakers.
func withoutPlaceNames(text string, persons, places []entities.Mention) []entities.Mention {
	place := map[string]bool{}
	for _, p := range places {
		if w := text[p.Start:p.End]; !strings.Contains(w, " ") && isASCIIWord(w) && p.Start >= 3 && text[p.Start-3:p.Start] == "in " {
			place[w] = true
		}
	}
	for _, p := range persons {
		if !strings.Contains(p.Entity, " ") && isASCIIWord(p.Entity) && p.Start >= 3 && text[p.Start-3:p.Start] == "in " {
			place[p.Entity] = true
		}
	}
	if len(place) == 0 {
		return persons
	}
	out := persons[:0:0]
	for _, p := range persons {
		if !place[p.Entity] {
			out = append(out, p)
		}
	}
	return out
}

// titledOrgs moves to persons the English organisation mentions that
// end with a title and a name of two or three capitalised words
// ("Republican South Carolina Sen. Lindsey Graham" typed an
// organisation), as that name, and then the one-word organisation
// mentions of its surname ("Graham"), also of such a name in an OTHER
// mention ("Vice President Joe Biden", "Biden" typed an organisation).
func titledOrgs(text string, persons, orgs, others []entities.Mention) ([]entities.Mention, []entities.Mention) {
	var surname map[string]string
	moved := false
	consider := func(o entities.Mention, other bool) bool {
		full, at := nameAfterTitle(text[o.Start:o.End])
		if full == "" {
			return false
		}
		last := full[strings.LastIndexByte(full, ' ')+1:]
		if surname == nil {
			surname = map[string]string{}
		}
		if s, seen := surname[last]; seen && s != full {
			surname[last] = "-"
		} else {
			surname[last] = full
		}
		if !other {
			persons = append(persons, entities.Mention{Start: o.Start + at, End: o.End, Entity: full, Type: article.EntityPerson})
		}
		return !other
	}
	var out []entities.Mention
	for i, o := range orgs {
		if consider(o, false) {
			if out == nil {
				out = append(make([]entities.Mention, 0, len(orgs)), orgs[:i]...)
			}
			moved = true
			continue
		}
		if out != nil {
			out = append(out, o)
		}
	}
	for _, o := range others {
		consider(o, true)
	}
	if out != nil {
		orgs = out
	}
	if len(surname) == 0 {
		return persons, orgs
	}
	out = orgs[:0:0]
	for _, o := range orgs {
		if full := surname[text[o.Start:o.End]]; full != "" && full != "-" {
			persons = append(persons, entities.Mention{Start: o.Start, End: o.End, Entity: full, Type: article.EntityPerson})
			moved = true
			continue
		}
		out = append(out, o)
	}
	if moved {
		slices.SortFunc(persons, func(a, b entities.Mention) int { return a.Start - b.Start })
	}
	return persons, out
}

// nameAfterTitle returns the name that ends the mention text m after its
// last title (dotted, or Senator, Governor, Representative, President)
// when it is two or three capitalised English words, and its offset in
// m; "" otherwise.
func nameAfterTitle(m string) (string, int) {
	at := -1
	for i := 0; i < len(m); {
		j := strings.IndexByte(m[i:], ' ')
		if j < 0 {
			j = len(m) - i
		}
		w := m[i : i+j]
		if (strings.HasSuffix(w, ".") && isTitle(w)) || strings.EqualFold(w, "senator") || strings.EqualFold(w, "governor") || strings.EqualFold(w, "representative") || strings.EqualFold(w, "president") {
			at = i + j + 1
		}
		i += j + 1
	}
	if at < 0 || at >= len(m) {
		return "", 0
	}
	name := m[at:]
	if n := strings.Count(name, " "); n < 1 || n > 2 {
		return "", 0
	}
	for i := 0; i < len(name); {
		j := strings.IndexByte(name[i:], ' ')
		if j < 0 {
			j = len(name) - i
		}
		w := name[i : i+j]
		if w == "" || !asciiName(w) || !firstUpperWord(w) || isUpperWord(w) {
			return "", 0
		}
		i += j + 1
	}
	return name, at
}

// isUpperWord reports whether w has no lower-case letter.
func isUpperWord(w string) bool {
	return !strings.ContainsFunc(w, unicode.IsLower)
}

// after looks for "..., заяви Маас" / "," said Holmes / "," he said.
func (r *resolver) after(s span, quote string) (string, bool) {
	end := s.close + 200
	if end > len(r.text) {
		end = len(r.text)
	}
	// End at white space, so that the window is the text's own tokens.
	if k := strings.LastIndexAny(r.text[s.close:end], " \n"); k >= 0 && end < len(r.text) {
		end = s.close + k
	}
	if k := strings.IndexByte(r.text[s.close:end], '\n'); k >= 0 {
		end = s.close + k
	}
	// Stop at the next quotation (not at a quoted name).
	for _, o := range r.spans {
		if o.open >= s.close && o.open < end && atLeastWords(r.text[o.start:o.end], MinWords) {
			end = o.open
		}
	}
	toks := r.window(s.close, end)
	if len(toks) == 0 {
		// A quotation that ends its paragraph, signed on the next line:
		// `"..."` / `- Bernie Sanders.`.
		if sp, ok := r.signature(s.close); ok {
			return sp, true
		}
	}
	// A quotation that ends its sentence and is followed by a new one
	// has no attribution after it.
	if q := strings.TrimRight(quote, " "); len(toks) > 0 && strings.ContainsAny(q[len(q)-1:], ".!?…") && toks[0].Kind != textseg.Punct && firstUpperWord(toks[0].Text) && !askedAfter(q, toks) {
		// Unless that sentence is only its attribution: `"...." Trump
		// said.`
		if sp, ok := r.closedAttribution(toks); ok {
			return sp, true
		}
		return "", false
	}
	// «...». Тереза Мей заяви ...: the sentence ends with the quotation.
	if len(toks) > 1 && toks[0].Kind == textseg.Punct && strings.ContainsAny(toks[0].Text, ".!?") && toks[1].Kind != textseg.Punct && firstUpperWord(toks[1].Text) {
		return "", false
	}
	// `"..." (Heinz-Christian Strache).`
	if len(toks) >= 3 && toks[0].Text == "(" {
		if sp, ok := r.personNamed(toks[1]); ok {
			return sp, true
		}
		// Two or three capitalised words in brackets, a name the entities
		// do not know.
		for k := 3; k <= 4 && k < len(toks); k++ {
			if toks[k].Text != ")" {
				continue
			}
			name := true
			for _, w := range toks[1:k] {
				name = name && w.Kind != textseg.Punct && firstUpperWord(w.Text)
			}
			if name {
				return r.text[toks[1].Start:toks[k-1].End], true
			}
		}
	}
	// `"...," Rep. Earl Blumenauer (D-Ore.) said`: a bracket after a
	// name is no part of the attribution.
	toks = withoutNameBrackets(toks)
	// `"...," Joe Kasper, told POLITICO`, `"...," Richard Curtin said`:
	// a name the entities do not know, then a verb (an apposition
	// between).
	if j := firstWord(toks); j >= 0 {
		if name, n := capitalisedRun(toks[j:]); n > 0 {
			if _, known := r.personNamed(toks[j]); !known {
				if _, org := r.orgAt(toks[j].Start); !org {
					rest := toks[j+n:]
					if len(rest) > 0 && isReportingVerb(strings.ToLower(rest[0].Text)) {
						return name, true
					}
					if len(rest) > 0 && rest[0].Text == "," {
						if _, ok := appositionThenVerb(rest[1:], name); ok {
							return name, true
						}
						if len(rest) > 1 && isReportingVerb(strings.ToLower(rest[1].Text)) {
							return name, true
						}
					}
				}
			}
		}
	}
	// `"...," Trump barked`, `"...?" Mr. Rubio wondered aloud`: a name
	// right after the quotation, then an English verb the lists lack.
	if sp, ok := r.nameThenVerb(toks); ok {
		return sp, true
	}
	// `"...," beamed Donald Hartley of Madison`, `"...," scoffed Arianna
	// Gil, 22`: an English verb form the lists lack right after the
	// quotation, then a name.
	if sp, ok := r.verbThenName(toks); ok {
		return sp, true
	}
	words, paren := 0, 0
	named := "" // the person the words after the quotation open with
	for i, t := range toks {
		if t.Kind == textseg.Punct {
			switch {
			case t.Text == "," && named == "" && words >= 2 && words <= 6:
				// `"...," Senator Jeff Sessions, a close advisor to
				// Trump, told AFP`: a title and a name, then the
				// apposition.
				if name := r.titledName(toks[:i]); name != "" {
					if sp, ok := appositionThenVerb(toks[i+1:], name); ok {
						return sp, true
					}
				}
			case t.Text == "," && named == "" && words == 1 && i > 0 && bareName(toks[i-1]) && isASCIIWord(toks[i-1].Text):
				// `"...," Miller, a retired worker from a nuclear plant,
				// said`: a surname the entities do not know.
				if sp, ok := appositionThenVerb(toks[i+1:], toks[i-1].Text); ok {
					if _, org := r.orgAt(toks[i-1].Start); !org {
						return sp, true
					}
				}
			case t.Text == "," && named != "" && words <= 4:
				// `"...," Bill Frelick, refugee rights program director
				// at Human Rights Watch, said`: the apposition between
				// the commas is skipped.
				if sp, ok := appositionThenVerb(toks[i+1:], named); ok {
					return sp, true
				}
			case t.Text == "(":
				paren++
			case t.Text == ")":
				paren--
			case sentenceEnd(toks, i) && words > 0 && paren <= 0:
				return "", false
			}
			continue
		}
		if paren > 0 {
			continue
		}
		words++
		if words > 8 {
			// `"...," since so many cases were decided by 5-to-4 votes,
			// said Lee Epstein, who teaches ...`: the sentence ends with
			// a clause of attribution after a comma.
			if !strings.ContainsFunc(r.text[toks[0].Start:t.End], func(c rune) bool { return unicode.Is(unicode.Cyrillic, c) }) {
				return r.lateAttribution(toks)
			}
			return "", false
		}
		if words == 1 {
			named, _ = r.personNamed(t)
			if named != "" && r.modifier(toks, i) {
				// `"...," Sanders's campaign manager, Jeff Weaver,
				// said`: the name the role's apposition gives.
				named = ""
				if sp, ok := r.possessiveRoleName(toks[i:]); ok {
					return sp, true
				}
			}
		}
		if words == 1 && strings.EqualFold(t.Text, "according") {
			// `"...," according to CNN.`
			if sp, ok := r.accordingTo(toks[i+1:]); ok {
				return sp, true
			}
			return "", false
		}
		if strings.EqualFold(t.Text, "zufolge") {
			// "„…“, dem Ökonomen Peter Brandl zufolge.": the name before
			// the postposition.
			if sp, ok := r.speakerIn(toks[:i], false); ok {
				return sp, true
			}
			return "", false
		}
		if words == 1 && (strings.EqualFold(t.Text, "lautet") || strings.EqualFold(t.Text, "lautete")) {
			// "„…“, lautet seine Botschaft": the person a possessive
			// refers to; "lautet die Devise" names nobody.
			if i+1 < len(toks) {
				if sp, ok := r.possessor(toks[i+1], s.open); ok {
					return sp, true
				}
			}
			return "", false
		}
		if words == 1 && entities.IsAttributionParticle(strings.ToLower(t.Text)) {
			// "„…“, so Müller."
			if sp, ok := r.speakerIn(toks[i+1:], true); ok {
				return sp, true
			}
			return "", false
		}
		if impersonal[strings.ToLower(t.Text)] {
			// "«...», — говорится в отчете компании": the document's
			// author, when named; "— говорится в отчете." with no author
			// takes up the document named before the quotation.
			sp := r.inDocument(toks[i+1:])
			if sp == "" && bareDocument(toks[i+1:]) {
				sp = r.earlierDocument(s.open)
			}
			return sp, true
		}
		if !isReportingVerb(strings.ToLower(t.Text)) {
			continue
		}
		if lw := strings.ToLower(t.Text); (lw == "hieß" || lw == "heißt") && i+1 < len(toks) && strings.EqualFold(toks[i+1].Text, "es") {
			return "", true // "„…“, hieß es aus dem Ministerium": nobody named
		}
		// Speaker after the verb, else before it; else, after a
		// Bulgarian or Russian verb, the person the story is about
		// ("– изригна красивата първа дама"), and none after an English
		// or German one: there the person last named was too often
		// someone else (on PolNeAR's train month the guess was right 10
		// times and wrong 40). After
		// "told" comes who was told ("Trump told Vogue"); a name or a
		// pronoun right before the verb is its subject ("Bush said in an
		// interview with radio host Hugh Hewitt").
		if i > 0 {
			if sp, ok := r.personNamed(toks[i-1]); ok && !r.obliqueAt(toks[i-1].Start) {
				return sp, true
			}
			if ok, female := entities.IsPronoun(strings.ToLower(toks[i-1].Text)); ok {
				return r.lastPerson(toks[i-1].Start, female), true
			}
			// `"...," Clark County Sheriff Joe Lombardo said`: a role and
			// a name the entities do not know, right after the quotation.
			if j := firstWord(toks); j >= 0 && i-j >= 3 && i-j <= 7 {
				if name := r.titledName(toks[j:i]); name != "" {
					return name, true
				}
			}
			// `"...," Sanders asked`: one capitalised word the entities
			// do not know, right after the quotation and before the verb.
			if words == 2 && firstWord(toks) == i-1 && bareName(toks[i-1]) && !r.inflectedElsewhere(toks[i-1].Text) {
				return toks[i-1].Text, true
			}
		}
		if lw := strings.ToLower(t.Text); i+2 < len(toks) && strings.EqualFold(toks[i+1].Text, "в") && orgNouns[strings.ToLower(toks[i+2].Text)] && pluralVerb(lw) {
			// "пояснили в авиакомпании": the organisation the noun
			// takes up, "сообщили в Министерстве обороны Польши" the
			// one it names.
			return r.inOrganisation(toks[i+1:])
		}
		if lw := strings.ToLower(t.Text); lw != "told" && lw != "tells" {
			if sp, ok := r.speakerIn(toks[i+1:], true); ok {
				return sp, true
			}
			// "„...“, обясни Мирошников.": one capitalised word the
			// entities do not know, alone after the verb.
			if words == 1 && i+1 < len(toks) && bareName(toks[i+1]) && !r.inflectedElsewhere(toks[i+1].Text) && (i+2 == len(toks) || (toks[i+2].Kind == textseg.Punct && strings.ContainsAny(toks[i+2].Text, ".,;"))) {
				return toks[i+1].Text, true
			}
			// `"...," said Solomon Yue, an RNC committeeman`: an English
			// name the entities do not know (two or three capitalised
			// words after any title) right after the verb, closing the
			// clause.
			if words == 1 {
				if sp, ok := r.unknownNameAfter(toks[i+1:]); ok {
					return sp, true
				}
			}
		}
		if sp, ok := r.speakerIn(toks[:i], false); ok {
			return sp, true
		}
		if strings.ContainsFunc(t.Text, func(c rune) bool { return unicode.Is(unicode.Cyrillic, c) }) {
			if pluralVerb(strings.ToLower(t.Text)) {
				// "пояснили в авиакомпании": the organisation the noun
				// takes up; "заявиха от ...": no one person is the
				// subject of a plural verb.
				// "«...», в Министерстве иностранных дел Пакистана заявили"
				if sp, ok := r.inOrganisation(toks[:i]); ok && sp != "" {
					return sp, true
				}
				return "", true
			}
			return r.lastPersonG(s.open, false, false), true
		}
		if words == 1 && strings.HasSuffix(t.Text, "ing") {
			// `Mr. Trump said of the episode, ''I don't like it,''
			// adding that ...`: the participle's subject is named before
			// the quotation.
			return "", false
		}
		return "", true
	}
	return "", false
}

// impersonal are the Russian impersonal verbs of saying whose subject is
// a document ("говорится в отчете"), not a person.
var impersonal = map[string]bool{
	"говорится": true, "сообщается": true, "отмечается": true, "подчеркивается": true, "сказано": true, "указывается": true,
}

// documentNouns are the stems of the documents an impersonal verb of
// saying cites ("в отчете", "в сообщении").
var documentNouns = []string{"отчет", "отчёт", "сообщени", "заявлени", "доклад", "пресс-релиз", "письм", "документ", "релиз"}

// orgNouns are the Russian nouns for an organisation in the prepositional
// case, after "в" ("в компании", "в министерстве").
var orgNouns = map[string]bool{
	"компании": true, "авиакомпании": true, "министерстве": true, "ведомстве": true, "профсоюзе": true,
	"посольстве": true,
}

// orgKinds maps a noun of orgNouns to the stems of the nouns that
// introduce an organisation it can take up: "в авиакомпании" refers back
// to the organisation introduced as "авиакомпания Ryanair" or "лоукостер
// Ryanair", "в компании" also to an airline (an airline is a company),
// "в ведомстве" also to a ministry.
var orgKinds = map[string][]string{
	"компании":     {"компани", "авиакомпани", "лоукостер", "авиаперевозчик", "перевозчик", "концерн", "холдинг"},
	"авиакомпании": {"авиакомпани", "лоукостер", "авиаперевозчик", "перевозчик"},
	"министерстве": {"министерств"},
	"ведомстве":    {"министерств", "ведомств"},
	"профсоюзе":    {"профсоюз"},
	"посольстве":   {"посольств"},
}

// ministryNames are the beginnings of the names of ministries, which say
// their kind themselves ("МИД Франции", "Министерство обороны").
var ministryNames = []string{"МИД", "Министерств", "Минобороны", "Минфин", "Минэнерго", "Минюст", "Минздрав", "Минэкономразвития", "Госдеп"}

// adjectival reports whether the lower-case Cyrillic word w has the
// ending of an adjective or participle ("ирландской", "бюджетная"), which
// may stand between a noun and the name it introduces.
func adjectival(w string) bool {
	for _, suf := range []string{"ой", "ий", "ый", "ая", "яя", "ую", "юю", "ого", "его", "ых", "их", "ое", "ее", "ым", "им", "ом", "ем"} {
		if strings.HasSuffix(w, suf) && utf8.RuneCountInString(w) > len([]rune(suf))+2 {
			return true
		}
	}
	return false
}

// introducedAs reports how the organisation mention o is introduced by a
// noun with one of stems right before it: 2 when only adjectives stand
// between ("ирландской бюджетной авиакомпании Ryanair"), 1 when one
// more noun does ("профсоюза пилотов Vereinigung Cockpit", where the
// name may also be the pilots' employer's), 0 when no such noun does.
func (r *resolver) introducedAs(o entities.Mention, stems []string) int {
	toks := r.window(max(0, o.Start-120), o.Start)
	nouns := 0
	for k := len(toks) - 1; k >= 0 && k >= len(toks)-5; k-- {
		t := toks[k]
		if t.Kind == textseg.Punct {
			if k == len(toks)-1 && strings.ContainsAny(t.Text, "\"«„“") {
				continue // "авиакомпания «Аэрофлот»"
			}
			return 0
		}
		lw := strings.ToLower(t.Text)
		for _, st := range stems {
			if strings.HasPrefix(lw, st) {
				if nouns == 0 {
					return 2
				}
				return 1
			}
		}
		if firstUpperWord(t.Text) {
			return 0
		}
		if !adjectival(lw) {
			nouns++
			if nouns > 1 {
				return 0
			}
		}
	}
	return 0
}

// referent returns the organisation a bare noun of orgNouns at pos
// ("сказали в министерстве", "пояснили в авиакомпании") takes up: the
// nearest organisation named before pos that the article introduced
// with a noun of that kind (or, for a ministry, whose name says it is
// one); a name introduced only with another noun in between counts when
// no name introduced directly does. "" when none was introduced.
func (r *resolver) referent(noun string, pos int) string {
	stems := orgKinds[noun]
	best, bestStrength := -1, 0
	for k := len(r.orgs) - 1; k >= 0; k-- {
		o := r.orgs[k]
		if o.End > pos {
			continue
		}
		strength := 0
		if noun == "министерстве" || noun == "ведомстве" {
			for _, m := range ministryNames {
				if strings.HasPrefix(o.Entity, m) {
					strength = 2
				}
			}
		}
		// Any earlier mention of the same organisation may introduce it.
		for _, m := range r.orgs {
			if m.End > pos || m.Entity != o.Entity || strength == 2 {
				continue
			}
			strength = max(strength, r.introducedAs(m, stems))
		}
		if strength > bestStrength {
			best, bestStrength = k, strength
		}
		if bestStrength == 2 {
			break
		}
	}
	if best < 0 {
		return ""
	}
	o, _ := r.orgAt(r.orgs[best].Start)
	return o
}

// inOrganisation looks in toks, the words before a plural verb of saying,
// for "в компании" and the organisation named right after it: ("Nord
// Stream 2 AG", true) for "В компании Nord Stream 2 AG журналистам", ("",
// true) for "в компании" with no name, ("", false) without "в компании".
func (r *resolver) inOrganisation(toks []textseg.Token) (string, bool) {
	for k := 0; k+1 < len(toks); k++ {
		if !strings.EqualFold(toks[k].Text, "в") || !orgNouns[strings.ToLower(toks[k+1].Text)] {
			continue
		}
		if toks[k+1].Text == "Министерстве" {
			// "в Министерстве иностранных дел Пакистана": a name, not
			// a noun taking one up (read before the entities, which
			// may hold the ministry's name from "Министерстве" on).
			return r.ministry(toks[k+2:]), true
		}
		if k+2 < len(toks) {
			if o, ok := r.orgAt(toks[k+2].Start); ok {
				// The name runs on over the capitalised words and
				// numbers the entities split it at ("Nord Stream 2 AG").
				end := k + 2
				for end+1 < len(toks) && toks[end+1].Kind != textseg.Punct && toks[end+1].Start == toks[end].End+1 &&
					(firstUpperWord(toks[end+1].Text) || strings.Trim(toks[end+1].Text, "0123456789") == "") {
					end++
				}
				if end > k+2 {
					o = r.text[toks[k+2].Start:toks[end].End]
				}
				return o, true
			}
		}
		return r.referent(strings.ToLower(toks[k+1].Text), toks[k].Start), true
	}
	return "", false
}

// ministry returns, in the nominative, the name of the ministry whose
// words follow "в Министерстве" in toks: "Министерство обороны России"
// for "в Министерстве обороны России", or "МИД Пакистана" for "в
// Министерстве иностранных дел Пакистана" when the text names it so
// before (its name as first introduced). "" when no lower-case word of
// what it is in charge of follows.
func (r *resolver) ministry(toks []textseg.Token) string {
	n := 0
	for n < len(toks) && toks[n].Kind != textseg.Punct && !firstUpperWord(toks[n].Text) && !isReportingVerb(strings.ToLower(toks[n].Text)) {
		n++
	}
	if n == 0 {
		return ""
	}
	m := n
	for m < len(toks) && toks[m].Kind != textseg.Punct && firstUpperWord(toks[m].Text) {
		m++
	}
	of := r.text[toks[0].Start:toks[m-1].End]
	if place := r.text[toks[n-1].End:toks[m-1].End]; strings.HasPrefix(of, "иностранных дел") && m > n {
		if at := strings.Index(r.text, "МИД"+place); at >= 0 && at < toks[0].Start {
			return "МИД" + place
		}
	}
	return "Министерство " + of
}

// documentOwners are the words between a document and its author's name
// ("в отчете компании Ryanair", "в письме госпожи Мэй").
var documentOwners = map[string]bool{
	"компании": true, "авиакомпании": true, "ведомства": true, "министерства": true, "госпожи": true, "господина": true,
}

// inDocument returns the organisation or person toks name as the author
// of the document an impersonal verb cites: "в отчетности «Газпрома»",
// "в сообщении компании Ryanair", "в письме госпожи Мэй"; "" when none
// is named right there.
func (r *resolver) inDocument(toks []textseg.Token) string {
	if len(toks) < 3 || !strings.EqualFold(toks[0].Text, "в") {
		return ""
	}
	if !isDocument(toks[1].Text) {
		return ""
	}
	for k := 2; k < len(toks) && k < 5; k++ {
		t := toks[k]
		if sp, ok := r.personNamed(t); ok {
			return sp // "в письме госпожи Мэй"
		}
		if o, ok := r.orgAt(t.Start); ok {
			return o
		}
		lw := strings.ToLower(t.Text)
		if t.Kind == textseg.Punct && strings.ContainsAny(t.Text, "\"«„“") || documentOwners[lw] {
			continue
		}
		break
	}
	return ""
}

// isDocument reports whether the word w is a noun of documentNouns.
func isDocument(w string) bool {
	lw := strings.ToLower(w)
	for _, d := range documentNouns {
		if strings.HasPrefix(lw, d) {
			return true
		}
	}
	return false
}

// bareDocument reports whether toks start with "в" and a document that
// nothing follows in its clause ("говорится в отчете."): a document the
// text has named before.
func bareDocument(toks []textseg.Token) bool {
	return len(toks) >= 2 && strings.EqualFold(toks[0].Text, "в") && isDocument(toks[1].Text) &&
		(len(toks) == 2 || toks[2].Kind == textseg.Punct && strings.ContainsAny(toks[2].Text, ".;!"))
}

// earlierDocument returns the author of the document the text cites
// last within some 300 characters before pos ("сообщается в отчетности
// «Газпрома» «...», — говорится в отчете."): "" when that document has
// no author named or there is none.
func (r *resolver) earlierDocument(pos int) string {
	start := max(0, pos-600)
	if k := strings.IndexAny(r.text[start:pos], " \n"); start > 0 && k >= 0 {
		start += k + 1
	}
	toks := r.window(start, pos)
	for k := len(toks) - 2; k >= 0; k-- {
		if strings.EqualFold(toks[k].Text, "в") && isDocument(toks[k+1].Text) {
			return r.inDocument(toks[k:])
		}
	}
	return ""
}

// pluralVerb reports whether the lower-case Cyrillic verb w is in the
// plural: Russian past "-ли" (заявили) and present "-ют", "-ят" (говорят),
// Bulgarian aorist "-ха" (заявиха).
func pluralVerb(w string) bool {
	for _, suf := range []string{"ли", "ют", "ят", "ха"} {
		if strings.HasSuffix(w, suf) {
			return true
		}
	}
	return false
}

// askedAfter reports whether a quotation q that ends with "?" or "!" is
// followed by a name and a verb of saying in the same sentence: `"Can
// you ...?" Sanders asked`, `"...!" Trump said`, `"...?" asked Kasich`.
func askedAfter(q string, toks []textseg.Token) bool {
	if !strings.HasSuffix(q, "?") && !strings.HasSuffix(q, "!") {
		return false
	}
	if isReportingVerb(strings.ToLower(toks[0].Text)) {
		return true
	}
	for k := 1; k < len(toks) && k <= 3; k++ {
		if toks[k].Kind == textseg.Punct {
			return false
		}
		if isReportingVerb(strings.ToLower(toks[k].Text)) {
			return true
		}
		if !firstUpperWord(toks[k].Text) {
			return false
		}
	}
	return false
}

// nameThenVerb returns the name that opens toks (after the quotation's
// closing punctuation) when an English verb form follows it and ends the
// clause: `Trump barked and ...`, `Mr. Christie gloated.`, `Viguerie
// notes.`. The name is a known person's, one capitalised word that may
// be a name (bareName) or two to four capitalised words.
func (r *resolver) nameThenVerb(toks []textseg.Token) (string, bool) {
	j := firstWord(toks)
	if j < 0 || !(isASCIIWord(toks[j].Text) || isTitle(toks[j].Text) && isASCIIWord(strings.TrimSuffix(toks[j].Text, "."))) {
		return "", false
	}
	k := nameRunEnd(toks, j, 5, false)
	shotBack := k < len(toks)-1 && toks[k].Text == "shot" && toks[k+1].Text == "back"
	if k == j || k >= len(toks) || (!englishVerbForm(toks[k].Text) && !shotBack) {
		return "", false
	}
	if k+1 < len(toks) {
		// `Trump assured Jones`: a name may follow, who was spoken to.
		next := toks[k+1]
		if next.Kind != textseg.Punct && !verbParticles[strings.ToLower(next.Text)] && !strings.HasSuffix(next.Text, "ly") && !(firstUpperWord(next.Text) && isASCIIWord(next.Text) && k > j) {
			return "", false
		}
	}
	if sp, ok := r.personNamed(toks[k-1]); ok {
		return sp, true
	}
	if _, org := r.orgAt(toks[k-1].Start); org {
		return "", false
	}
	first := j
	for first < k-1 && (isTitle(toks[first].Text) || toks[first].Text == ".") {
		first++
	}
	if first == k-1 && !bareName(toks[first]) {
		return "", false
	}
	for _, t := range toks[first:k] {
		if t.Kind == textseg.Punct || strings.ToUpper(t.Text) == t.Text {
			return "", false
		}
	}
	return r.text[toks[first].Start:toks[k-1].End], true
}

// signature returns the name of the line after pos when that line is a
// dash and a name alone (`- Bernie Sanders.`, `-Michelle Marks,
// Philadelphia.`): a known person's or two or three capitalised words.
func (r *resolver) signature(pos int) (string, bool) {
	rest := r.text[pos:]
	i := 0
	for i < len(rest) && (rest[i] == ' ' || rest[i] == '\n' || rest[i] == '\r') {
		i++
	}
	if !strings.Contains(rest[:i], "\n") {
		return "", false
	}
	line := rest[i:]
	if k := strings.IndexByte(line, '\n'); k >= 0 {
		line = line[:k]
	}
	dash := ""
	for _, d := range []string{"- ", "-", "— ", "—", "– ", "–"} {
		if strings.HasPrefix(line, d) {
			dash = d
			break
		}
	}
	if dash == "" || len(line) > 80 {
		return "", false
	}
	from := pos + i + len(dash)
	toks := r.window(from, pos+i+len(line))
	k := 0
	for k < len(toks) && toks[k].Kind != textseg.Punct && firstUpperWord(toks[k].Text) {
		k++
	}
	if k == 0 || k > 4 || (k < len(toks) && !strings.ContainsAny(toks[k].Text, ".,")) {
		return "", false
	}
	if name := r.personOrTitledName(toks[:k]); name != "" {
		return name, true
	}
	return "", false
}

// nameRunEnd returns where the run of capitalised words that toks
// open with at j ends, at most max tokens after j, with the dot after a
// title taken in (`Sen. Ted Cruz`), and after an initial too when
// initials is set (`Lee J. Epstein`).
func nameRunEnd(toks []textseg.Token, j, max int, initials bool) int {
	k := j
	for k < len(toks) && k-j < max {
		t := toks[k]
		if t.Kind != textseg.Punct && firstUpperWord(t.Text) {
			k++
			continue
		}
		if t.Text == "." && k > j && (isTitle(toks[k-1].Text) || initials && isInitial(toks[k-1].Text)) {
			k++
			continue
		}
		break
	}
	return k
}

// closedAttribution returns the speaker when toks, after a quotation
// that ends its sentence, are a sentence of an English name and a verb
// of saying: `Trump said.`, `Sen. Ted Cruz said as he ...`, `Murphy, the
// head of Right to Rise USA, Tweeted`. The name is a known person's or
// two or three capitalised words after any title.
func (r *resolver) closedAttribution(toks []textseg.Token) (string, bool) {
	k := nameRunEnd(toks, 0, 6, false)
	if k == 0 || k+1 >= len(toks) || !asciiName(toks[k-1].Text) {
		return "", false
	}
	if toks[k].Text == "," {
		// `"...!" Murphy, the head of Right to Rise USA, Tweeted`.
		name := r.personOrTitledName(toks[:k])
		if name == "" {
			return "", false
		}
		return appositionThenVerb(toks[k+1:], name)
	}
	lw := strings.ToLower(toks[k].Text)
	if !isReportingVerb(lw) && !englishVerbForm(toks[k].Text) && !(lw == "shot" && strings.EqualFold(toks[k+1].Text, "back")) {
		return "", false
	}
	// The sentence ends after the verb, or goes on with a preposition
	// (`"...!" Jeff Sessions said as he launched ...`, `Trump said in a
	// statement`); not with an object (`Chairman Freddy Shepherd
	// described Bellamy's behaviour as ...`, another statement).
	if next := toks[k+1]; !(next.Kind == textseg.Punct && strings.ContainsAny(next.Text, ".,;")) && !(lw == "shot" && next.Text == "back") && !(isReportingVerb(lw) && (phrasePrepositions[next.Text] || next.Text == "as")) {
		return "", false
	}
	if name := r.personOrTitledName(toks[:k]); name != "" {
		return name, true
	}
	return "", false
}

// unknownNameAfter returns the name toks open with when they are titles
// and two or three capitalised English words (titledName) that close the
// clause (a comma, a sentence end or nothing follows) and none of which
// is a known place or organisation: `Solomon Yue, an RNC committeeman`.
func (r *resolver) unknownNameAfter(toks []textseg.Token) (string, bool) {
	k := nameRunEnd(toks, 0, 7, true)
	if k < 2 || (k < len(toks) && !(toks[k].Text == "," || sentenceEnd(toks, k))) {
		return "", false
	}
	for _, t := range toks[:k] {
		if _, ok := r.orgAt(t.Start); ok || r.placeAt(t.Start) {
			return "", false
		}
	}
	if name := r.titledName(toks[:k]); name != "" {
		return name, true
	}
	return "", false
}

// placeAt reports whether a place's mention covers the offset pos.
func (r *resolver) placeAt(pos int) bool {
	for _, p := range r.places {
		if pos >= p.Start && pos < p.End {
			return true
		}
	}
	return false
}

// lateAttribution looks, in the rest of an English sentence that a
// quotation opens (toks, after its closing mark), for a clause after a
// comma that attributes it and ends the sentence: `..., said Lee
// Epstein, who teaches ...`, `..., Nefzi said.`, `..., Clinton said at a
// Fox News town hall`. Up to 40 words; a verb of saying after the comma
// is followed by the name, or the name by the verb (closedAttribution).
func (r *resolver) lateAttribution(toks []textseg.Token) (string, bool) {
	words := 0
	for i, t := range toks {
		if t.Kind != textseg.Punct {
			if words++; words > 40 {
				break
			}
			continue
		}
		if sentenceEnd(toks, i) || t.Text == ";" || t.Text == ":" {
			break
		}
		if t.Text != "," || words < 3 || i+2 >= len(toks) {
			continue
		}
		tail := toks[i+1:]
		if lw := strings.ToLower(tail[0].Text); isReportingVerb(lw) && lw != "told" && lw != "tells" {
			j := 1
			for j < len(tail)-1 && (isTitle(tail[j].Text) || tail[j].Text == ".") {
				j++
			}
			if tail[j].Kind == textseg.Punct || !firstUpperWord(tail[j].Text) {
				continue
			}
			if sp, ok := r.speakerIn(tail[1:], true); ok && sp != "" {
				return sp, true
			}
			continue
		}
		if sp, ok := r.closedAttribution(tail); ok && sp != "" {
			return sp, true
		}
	}
	return "", false
}

// personOrTitledName returns the known person whose name ends toks
// (whatever comes before it), else titledName(toks); toks is not empty.
func (r *resolver) personOrTitledName(toks []textseg.Token) string {
	if sp, ok := r.personNamed(toks[len(toks)-1]); ok {
		return sp
	}
	return r.titledName(toks)
}

// titledName returns the name toks are when they are titles and two or
// three capitalised words the entities do not take for an organisation
// ("Senator Jeff Sessions", "Rep. Earl Blumenauer"), or a known person's
// name; "" otherwise.
func (r *resolver) titledName(toks []textseg.Token) string {
	j := firstWord(toks)
	if j < 0 {
		return ""
	}
	toks = toks[j:]
	if len(toks) == 0 {
		return ""
	}
	if sp, ok := r.personNamed(toks[len(toks)-1]); ok {
		for _, t := range toks {
			if t.Kind == textseg.Punct && t.Text != "." {
				return ""
			}
		}
		return sp
	}
	first := 0
	for k, t := range toks {
		// "Clark County Sheriff Joe Lombardo": the words after the last
		// title or role.
		if lw := strings.ToLower(t.Text); isTitle(lw) || (t.Text == "." && k == first) || entities.IsRole(lw) || phraseRoles[lw] || isSpokesman(lw) {
			first = k + 1
		}
	}
	// "Harry M. Reid": an initial and its dot count as one word.
	n, initials := len(toks)-first, 0
	for k := first + 1; k < len(toks)-1; k++ {
		if isInitial(toks[k].Text) {
			initials++
		}
	}
	if n-initials < 2 || n-initials > 3 || initials > 1 {
		return ""
	}
	for k, t := range toks[first:] {
		if k > 0 && first+k < len(toks)-1 && isInitial(t.Text) {
			continue
		}
		if t.Kind == textseg.Punct || !firstUpperWord(t.Text) || strings.ToUpper(t.Text) == t.Text || !asciiName(t.Text) || calendarWords[strings.ToLower(t.Text)] {
			return ""
		}
	}
	if _, org := r.orgAt(toks[first].Start); org {
		return ""
	}
	return r.text[toks[first].Start:toks[len(toks)-1].End]
}

// withoutNameBrackets drops a short bracket right after a capitalised
// word ("Earl Blumenauer (D-Ore.)"), up to eight tokens.
func withoutNameBrackets(toks []textseg.Token) []textseg.Token {
	for i := 1; i < len(toks); i++ {
		if toks[i].Text != "(" || toks[i-1].Kind == textseg.Punct || !firstUpperWord(toks[i-1].Text) {
			continue
		}
		for k := i + 1; k < len(toks) && k <= i+9; k++ {
			if toks[k].Text == ")" {
				out := make([]textseg.Token, 0, len(toks)-(k+1-i))
				out = append(out, toks[:i]...)
				return append(out, withoutNameBrackets(toks[k+1:])...)
			}
		}
	}
	return toks
}

// verbThenName returns the name that follows an English verb form
// opening toks (after the quotation's closing punctuation): a known
// person's, or two or three capitalised words after any titles and roles
// that a comma, a full stop, "of" or "who" ends.
func (r *resolver) verbThenName(toks []textseg.Token) (string, bool) {
	j := firstWord(toks)
	if j < 0 || j+2 >= len(toks) || !englishVerbForm(toks[j].Text) || isReportingVerb(toks[j].Text) {
		return "", false
	}
	if sp, ok := r.roleThenName(toks[j:]); ok && sp != "" {
		return sp, true
	}
	k := j + 1
	for k < len(toks) && (isTitle(toks[k].Text) || toks[k].Text == "." || entities.IsRole(strings.ToLower(toks[k].Text))) {
		k++
	}
	first := k
	for k < len(toks) && k-first < 3 && toks[k].Kind != textseg.Punct && firstUpperWord(toks[k].Text) && strings.ToUpper(toks[k].Text) != toks[k].Text {
		k++
	}
	if k == first {
		return "", false
	}
	if k < len(toks) {
		if t := toks[k]; !(t.Kind == textseg.Punct && strings.ContainsAny(t.Text, ",.;")) && t.Text != "of" && t.Text != "who" {
			return "", false
		}
	}
	if sp, ok := r.personNamed(toks[k-1]); ok {
		return sp, true
	}
	if k-first < 2 {
		return "", false
	}
	if _, org := r.orgAt(toks[first].Start); org {
		return "", false
	}
	for _, t := range toks[first:k] {
		if !asciiName(t.Text) {
			return "", false
		}
	}
	return r.text[toks[first].Start:toks[k-1].End], true
}

// verbParticles may follow a verb of saying before the clause ends
// ("shot back", "points out", "and").
var verbParticles = map[string]bool{"back": true, "out": true, "up": true, "and": true, "in": true, "on": true, "aloud": true}

// englishVerbForm reports whether w looks like an English verb in the
// past or the third person: lower-case ASCII letters ending in "ed" or in
// "s" (not "ss", "us", "is"), four letters or more.
func englishVerbForm(w string) bool {
	if len(w) < 4 || !isASCIIWord(w) || firstUpperWord(w) {
		return false
	}
	if strings.HasSuffix(w, "ed") {
		return true
	}
	return strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is")
}

// asciiName reports whether w is ASCII letters, with hyphens and
// apostrophes between them ("O'Malley", "Kelleher-Vergantini").
func asciiName(w string) bool {
	letters := 0
	for _, c := range w {
		switch {
		case c|0x20 >= 'a' && c|0x20 <= 'z':
			letters++
		case c != '-' && c != '\'' && c != '’':
			return false
		}
	}
	return letters > 0
}

// isASCIIWord reports whether w is made of ASCII letters only.
func isASCIIWord(w string) bool {
	for i := 0; i < len(w); i++ {
		if c := w[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return w != ""
}

// firstWord returns the index of the first word of toks after the
// punctuation that closes a quotation (",", "—"), or -1 when a sentence
// ends first or no word comes.
func firstWord(toks []textseg.Token) int {
	for i, t := range toks {
		if t.Kind != textseg.Punct {
			return i
		}
		if strings.ContainsAny(t.Text, ".!?;:(") {
			return -1
		}
	}
	return -1
}

// appositionThenVerb returns named when toks are an apposition closed by
// a comma and followed by a verb of saying ("a screenwriter and former
// studio executive, said").
func appositionThenVerb(toks []textseg.Token, named string) (string, bool) {
	commas := 0
	for j, t := range toks {
		if j > 24 {
			return "", false
		}
		if t.Kind == textseg.Punct && t.Text == "." && j > 0 && toks[j-1].End == t.Start && firstUpperWord(toks[j-1].Text) && utf8.RuneCountInString(toks[j-1].Text) <= 5 {
			continue // "in Allentown, Pa., said"
		}
		if t.Kind == textseg.Punct && strings.ContainsAny(t.Text, ".!?;\"“”«»„") {
			return "", false
		}
		if t.Text == "," {
			if j+1 < len(toks) && isReportingVerb(strings.ToLower(toks[j+1].Text)) {
				return named, true
			}
			// "Cecelia Purner, 67, a retired representative in
			// Allentown, Pa., said": up to three commas.
			if commas++; commas == 3 {
				return "", false
			}
		}
	}
	return "", false
}

func firstUpperWord(w string) bool {
	c, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(c)
}

// interrupted looks inside a quotation for an attribution between dashes:
// «... деньгами, — заявила тогда Бруни — Меня ...».
func (r *resolver) interrupted(s span) (string, bool) {
	toks := r.window(s.start, s.end)
	for i, t := range toks {
		if t.Text != "—" && t.Text != "–" && t.Text != "-" {
			continue
		}
		for k := i + 1; k < len(toks) && k <= i+3; k++ {
			if isReportingVerb(strings.ToLower(toks[k].Text)) {
				if sp, ok := r.speakerIn(toks[k+1:], true); ok {
					return sp, true
				}
			}
		}
	}
	return "", false
}

// before looks for "Souness said: "...", "заяви Маас: „...", "Той каза,
// че „...".
func (r *resolver) before(s span) (string, bool) {
	// 500 bytes: some 75 words of English, 45 of Cyrillic text.
	start := s.open - 500
	whole := false // toks start where a sentence or a line does
	if start <= 0 {
		start, whole = 0, true
	}
	if start > 0 {
		// Start after white space, so that the window is the text's own
		// tokens.
		if k := strings.IndexAny(r.text[start:s.open], " \n"); k >= 0 {
			start += k + 1
		} else {
			start = s.open
		}
	}
	if k := strings.LastIndexByte(r.text[start:s.open], '\n'); k >= 0 {
		start += k + 1
		whole = true
	}
	end := s.open
	if strings.TrimSpace(r.text[start:s.open]) == "" {
		// A quotation that opens its paragraph, introduced by the
		// paragraph before it ending in a colon ("Cruz continued:").
		if from, to, ok := colonParagraph(r.text, start); ok {
			start, end = from, to
		}
	}
	for _, o := range r.spans {
		if o.close <= end && o.close > start && atLeastWords(r.text[o.start:o.end], MinWords) {
			start = o.close
		}
	}
	toks := r.window(start, end)
	// Only the last clause counts.
	for i := len(toks) - 1; i >= 0; i-- {
		if sentenceEnd(toks, i) && i < len(toks)-1 {
			toks = toks[i+1:]
			whole = true
			break
		}
	}
	// A quotation that opens a sentence may be introduced by the whole
	// sentence before it ("Тереза Мэй сообщила, что ... . «Мы ...»").
	verbs := 20
	if n := len(toks); n > 0 && toks[n-1].Kind == textseg.Punct && strings.ContainsAny(toks[n-1].Text, ".!?") {
		verbs = 45
	}
	// "Според X", "По думите на X", "По его словам", "According to X".
	for i, t := range toks {
		if strings.EqualFold(t.Text, "according") {
			if sp, ok := r.accordingTo(toks[i+1:]); ok {
				return sp, true
			}
		}
		switch strings.ToLower(t.Text) {
		case "информации", "данным":
			// "По информации The News International, ...": only the name
			// right after, not one further on in the sentence.
			if i > 0 && strings.EqualFold(toks[i-1].Text, "по") && i+1 < len(toks) {
				if sp, ok := r.personNamed(toks[i+1]); ok && !r.obliqueAt(toks[i+1].Start) {
					return sp, true
				}
				if o, ok := r.orgAt(toks[i+1].Start); ok {
					return o, true
				}
				// An English article the entities leave out of the name
				// belongs to it: "По информации The News International".
				if i+2 < len(toks) && toks[i+1].Text == "The" {
					if o, ok := r.orgAt(toks[i+2].Start); ok && !strings.HasPrefix(o, "The ") {
						return "The " + o, true
					}
				}
			}
		case "zufolge":
			// "Dem Ökonomen Peter Brandl zufolge ist die Lage „…“": the
			// name before the postposition.
			if sp, ok := r.speakerIn(toks[:i], false); ok && sp != "" {
				return sp, true
			}
		case "според", "according", "laut", "думите", "словам", "словах", "мнению":
			if sp, ok := r.phraseHead(toks[i+1:]); ok {
				// "Laut Innenminister Markus Hollmann hat ...": the name
				// of the noun phrase that follows, not one further on.
				return sp, true
			}
			if i+1 < len(toks) {
				if male, ok := possessive[strings.ToLower(toks[i+1].Text)]; ok {
					return r.lastPerson(t.Start, !male), true
				}
			}
			if i > 0 {
				// "по его словам"
				if male, ok := possessive[strings.ToLower(toks[i-1].Text)]; ok {
					return r.lastPerson(t.Start, !male), true
				}
			}
			if i+1 < len(toks) {
				// "По словам Джонсона": here the genitive is the speaker.
				if sp, ok := r.personNamed(toks[i+1]); ok {
					return sp, true
				}
			}
			if sp, ok := r.speakerIn(toks[i+1:], true); ok {
				return sp, true
			}
		}
	}
	// A short clause naming the speaker before a colon, with no verb:
	// `Minister Smith: "..."`, `Fernsehchef Scolik: „…“`.
	// `And Mr. Christie gloated: "..."`: a short clause of a name and
	// an English verb.
	if n := len(toks); n >= 3 && n <= 7 && toks[n-1].Text == ":" {
		c := toks
		if w := strings.ToLower(c[0].Text); w == "and" || w == "but" || w == "so" || w == "then" {
			c = c[1:]
		}
		if sp, ok := r.nameThenVerb(c); ok && sp != "" {
			return sp, true
		}
	}
	// A headline's name and what the quotation is about before a colon
	// (`Kurz über die Flüchtlingskrise: „…“`, `Hollmann im Interview: „…“`):
	// the name, not a person right before the colon, who is the topic.
	if sp, ok := r.headlineAbout(toks); ok {
		return sp, true
	}
	if n := len(toks); n >= 2 && toks[n-1].Text == ":" {
		// Not "сравнил Евросоюз с Адольфом Гитлером:": an oblique case.
		if sp, ok := r.personNamed(toks[n-2]); ok && !r.obliqueAt(toks[n-2].Start) && !r.afterPreposition(toks[:n-1]) {
			return sp, true
		}
	}
	// A clause opened by a role and ending in a colon, with no verb of
	// saying (a headline): `Arsenal-Trainer ... verwundert: "..."`. The speaker
	// is the person the role is bound to here or, when the headline names
	// nobody, where the same role next names someone.
	if n := len(toks); n >= 2 && n <= 15 && toks[n-1].Text == ":" {
		if sp := r.roleHolder(toks[0]); sp != "" {
			return sp, true
		}
	}
	// `Hillary Clinton cracked, "..."`, `Hillary shot back, "..."`: a
	// person, then an English verb the lists lack, right before.
	if n := len(toks); n >= 3 && (toks[n-1].Text == "," || toks[n-1].Text == ":") {
		v := n - 2
		if toks[v].Text == "back" && v > 0 && toks[v-1].Text == "shot" {
			v--
		}
		if v > 0 && (englishVerbForm(toks[v].Text) || toks[v].Text == "shot") {
			if sp, ok := r.personNamed(toks[v-1]); ok && !r.modifier(toks, v-1) {
				return sp, true
			}
		}
	}
	for i := len(toks) - 1; i >= 0 && i >= len(toks)-verbs; i-- {
		if impersonal[strings.ToLower(toks[i].Text)] {
			// "..., сообщается в отчетности «Газпрома»": the document's
			// author, not the subject of the sentence.
			return r.inDocument(toks[i+1:]), true
		}
		// `Mr. McConnell deflected questions about Mr. Trump before
		// saying, "..."`: an English participle's subject is the
		// clause's, the first person it names.
		// Also an English form in -ing the lists lack, right before the
		// comma or colon that introduces the quotation (`Trump tried to
		// laugh it off by interjecting, "`).
		if lw := strings.ToLower(toks[i].Text); (lw == "saying" || (strings.HasSuffix(lw, "ing") && (isReportingVerb(lw) || (i == len(toks)-2 && len(lw) > 5 && isASCIIWord(lw) && !notSaying[lw] && (toks[i+1].Text == "," || toks[i+1].Text == ":"))))) && i+1 < len(toks) {
			// `..., Spicer said, adding, "...`: the subject of the verb
			// of saying right before.
			if i >= 3 && toks[i-1].Text == "," && isReportingVerb(strings.ToLower(toks[i-2].Text)) {
				if sp, ok := r.personNamed(toks[i-3]); ok && !r.obliqueAt(toks[i-3].Start) {
					return sp, true
				}
			}
			if sp, ok := r.clauseSubject(toks[:i]); ok {
				return sp, true
			}
		}
		if !isReportingVerb(strings.ToLower(toks[i].Text)) {
			continue
		}
		if lw := strings.ToLower(toks[i].Text); strings.ContainsFunc(lw, func(c rune) bool { return unicode.Is(unicode.Cyrillic, c) }) && pluralVerb(lw) {
			// "В компании Nord Stream 2 AG журналистам сообщили:": the
			// organisation the plural verb's clause names, or nobody.
			if sp, ok := r.inOrganisation(toks[max(0, i-8):i]); ok {
				return sp, true
			}
		}
		// `Sen. Richard J. Durbin (D-Ill.), noting the size of
		// Sanders's following, said, "...`: the name the sentence
		// opens with, before its apposition.
		if whole && i > 2 && !strings.ContainsFunc(r.text[toks[0].Start:toks[i].End], func(c rune) bool { return c > unicode.MaxASCII && unicode.IsLetter(c) }) {
			if sp, ok := r.appositiveSubject(toks, i); ok {
				return sp, true
			}
		}
		// After a comma or a dash the subject follows the verb: "...,
		// заяви държавният секретар Майк Помпео."
		if i > 0 && strings.Contains(",—–-", toks[i-1].Text) {
			if sp, ok := r.speakerIn(toks[i+1:], true); ok {
				return sp, true
			}
		}
		if sp, ok := r.speakerIn(toks[:i], false); ok {
			return sp, true
		}
		if sp, ok := r.speakerIn(toks[i+1:], true); ok {
			return sp, true
		}
	}
	// A quotation inside a sentence whose only person, named before it,
	// is its subject: "Хан пише, че „...“", "Pilgermaier sieht
	// "kleinstmöglichen gemeinsamen Nenner"".
	if whole && len(toks) > 0 && atLeastWords(r.text[toks[0].Start:end], 2) {
		// `Chancellor Angela Merkel of Germany condemned ''such a
		// murderous attack''`, `Jeb Bush, the former Florida governor,
		// ..., called his rival ''...''`: in English, the person the
		// sentence opens with, when its verb's clause runs on to the
		// quotation.
		if sp, ok := r.sentenceSubject(toks); ok {
			return sp, true
		}
		only, spokenTo := "", false
		for k, t := range toks {
			if p, ok := r.personNamed(t); ok && p != only && !r.obliqueAt(t.Start) && !interviewer(toks[max(0, k-5):k]) {
				if only != "" {
					return "", false
				}
				only = p
				// `... delivered a blunt message to Trump: "`: whom the
				// statement is made to or about.
				j := k
				for j > 0 && (isTitle(toks[j-1].Text) || toks[j-1].Text == ".") {
					j--
				}
				spokenTo = j > 0 && spokenToOrOf[toks[j-1].Text]
			}
		}
		if only != "" && !spokenTo {
			return only, true
		}
		// No person named: the subject is a pronoun ("он назвал ее
		// «...»"), a role ("Избранный президент пообещал ... «...»") or
		// an organisation opening the sentence ("Госдеп США призвал ...
		// «...»").
		for k, t := range toks {
			if k >= 6 {
				break
			}
			lw := strings.ToLower(t.Text)
			if ok, female := entities.IsPronoun(lw); ok {
				if p := r.lastPerson(t.Start, female); p != "" {
					return p, true
				}
				break
			}
			if entities.IsRole(lw) {
				if p := r.rolePerson(t); p != "" {
					return p, true
				}
				break
			}
			if compoundRole(lw) {
				// "Премьер-министр Великобритании поблагодарила ... и
				// отметила, что «...»": the holder named where the same
				// role and the same word after it are followed by a name.
				if p := r.sameRoleHolder(t); p != "" {
					return p, true
				}
				break
			}
			if o, ok := r.orgAt(t.Start); ok && (k == 0 || (k == 1 && sentenceAdverbs[lw0(toks)])) {
				// "Госдеп США призвал ...", "Ранее Госдеп США призвал ...".
				return o, true
			}
			if noun, ok := orgSubjects[lw]; ok && opensClause(toks[:k]) {
				// "Компания ежедневно сообщает ... «...»", "В то же время
				// перевозчик выступил с заявлением, что «...»": the
				// organisation the noun takes up, when one was introduced.
				if o := r.referent(noun, t.Start); o != "" {
					return o, true
				}
				break
			}
		}
	}
	return "", false
}

// notSaying are English forms in -ing that introduce words shown, not
// said (`a cap reading "..."`, `wearing "..."`).
var notSaying = map[string]bool{"wearing": true, "reading": true, "bearing": true, "featuring": true, "including": true, "holding": true, "carrying": true, "showing": true, "depicting": true, "containing": true, "using": true, "displaying": true, "waving": true}

// subordinators open a clause with a subject of its own, or one that the
// quotation after it may not share with the sentence's.
var subordinators = map[string]bool{
	"that": true, "who": true, "whom": true, "whose": true, "which": true, "when": true, "while": true,
	"because": true, "after": true, "before": true, "if": true, "since": true, "where": true,
	"although": true, "though": true, "whether": true, "unless": true, "until": true, "what": true,
	"but": true, "and": true, "or": true, "for": true, "by": true, "than": true,
}

// subjectVerbs are common English irregular past forms that follow a
// sentence's subject; auxiliaries may stand between it and its verb.
var subjectVerbs = map[string]bool{
	"gave": true, "made": true, "took": true, "put": true, "sent": true, "went": true, "got": true,
	"wrote": true, "told": true, "said": true, "began": true, "left": true, "held": true, "brought": true,
	"set": true, "led": true, "struck": true, "took up": true, "kept": true, "spoke": true, "came": true,
}

var auxiliaries = map[string]bool{
	"has": true, "had": true, "have": true, "was": true, "is": true, "will": true, "would": true, "also": true,
	"then": true, "later": true, "once": true, "again": true, "even": true, "never": true, "often": true,
	"repeatedly": true, "previously": true, "recently": true, "already": true, "still": true, "just": true,
}

// sentenceSubject returns the person an English sentence toks (up to a
// quotation inside it) opens with, after a few words before a comma
// ("On television, ..."): a known person or titles and a name, maybe an
// apposition between commas, then a lower-case verb and words up to the
// quotation none of which opens another clause (subordinators, another
// quotation) or is a verb of saying with a subject of its own.
func (r *resolver) sentenceSubject(toks []textseg.Token) (string, bool) {
	if len(toks) < 3 || sentenceEnd(toks, len(toks)-1) || strings.ContainsFunc(r.text[toks[0].Start:toks[len(toks)-1].End], func(c rune) bool { return c > unicode.MaxASCII && unicode.IsLetter(c) }) {
		return "", false
	}
	if w := strings.ToLower(toks[0].Text); w == "and" || w == "but" || w == "so" || w == "then" {
		toks = toks[1:]
	}
	sp, rest := r.subjectAt(toks)
	if sp == "" {
		// "On television, Mr. Trump's campaign chairman ...": after an
		// opening phrase of up to eight words that names nobody.
		for k := 1; k < len(toks) && k < 10; k++ {
			if _, ok := r.personNamed(toks[k]); ok {
				break
			}
			if toks[k].Text == "," {
				sp, rest = r.subjectAt(toks[k+1:])
				break
			}
		}
	}
	if sp == "" || len(rest) == 0 {
		return "", false
	}
	if rest[0].Text == "," {
		// An apposition between commas.
		k := 1
		for k < len(rest) && k < 25 && rest[k].Text != "," {
			if rest[k].Kind == textseg.Punct && strings.ContainsAny(rest[k].Text, ".!?;:\"“”«»„") && !(rest[k].Text == "." && k > 0 && rest[k-1].End == rest[k].Start) {
				return "", false
			}
			k++
		}
		if k >= len(rest) || k >= 25 {
			return "", false
		}
		rest = rest[k+1:]
	}
	// The verb, maybe after an auxiliary or an adverb ("has also broadly
	// called for"): a form in -ed or -s, a verb of saying or a common
	// irregular verb; not a noun the name qualifies.
	verb := false
	for k := 0; k < len(rest) && k < 4 && !verb; k++ {
		w := rest[k].Text
		if rest[k].Kind == textseg.Punct || firstUpperWord(w) || !isASCIIWord(w) {
			return "", false
		}
		lw := strings.ToLower(w)
		switch {
		case subordinators[lw]:
			return "", false
		case englishVerbForm(w) || isReportingVerb(lw) || subjectVerbs[lw] || (k > 0 && strings.HasSuffix(lw, "ing") && auxiliaries[strings.ToLower(rest[k-1].Text)]):
			verb = !auxiliaries[lw]
		case auxiliaries[lw] || strings.HasSuffix(lw, "ly"):
		default:
			return "", false
		}
	}
	if !verb {
		return "", false
	}
	for i, t := range rest {
		lw := strings.ToLower(t.Text)
		if subordinators[lw] || notSaying[lw] || t.Text == ";" || t.Text == ":" && i < len(rest)-1 {
			return "", false
		}
		if i > 0 && isReportingVerb(lw) && rest[i-1].Kind != textseg.Punct && firstUpperWord(rest[i-1].Text) {
			return "", false // "..., Clinton said": another subject
		}
	}
	return sp, true
}

// possessiveRoleName returns the name in the apposition after a
// possessive and a role (toks from the possessive on): `Sanders's
// campaign manager, Jeff Weaver, said`, `Clinton's campaign chairman,
// John Podesta, said`; a known person or titles and two or three
// capitalised words, closed by a comma and a verb of saying.
func (r *resolver) possessiveRoleName(toks []textseg.Token) (string, bool) {
	c := -1
	for k := 1; k < len(toks) && k < 8; k++ {
		if toks[k].Text == "," {
			c = k
			break
		}
		if toks[k].Kind == textseg.Punct && toks[k].Text != "'s" && toks[k].Text != "’s" && toks[k].Text != "'" && toks[k].Text != "’" {
			return "", false
		}
	}
	if c < 0 {
		return "", false
	}
	e := c + 1
	for e < len(toks) && e < c+7 && toks[e].Text != "," {
		e++
	}
	if e+1 >= len(toks) || e == c+1 || toks[e].Text != "," || !isReportingVerb(strings.ToLower(toks[e+1].Text)) {
		return "", false
	}
	if name := r.personOrTitledName(toks[c+1 : e]); name != "" {
		return name, true
	}
	return "", false
}

// afterPreposition reports whether the English name toks end with
// follows a preposition of spokenToOrOf (`a blunt message to Trump:`,
// `said of Mr. Rubio:`): whom or what was spoken of or to, not the
// speaker.
func (r *resolver) afterPreposition(toks []textseg.Token) bool {
	k := len(toks) - 1
	sp, _ := r.personNamed(toks[k])
	for k > 0 && toks[k-1].Kind != textseg.Punct && firstUpperWord(toks[k-1].Text) {
		k--
	}
	for k > 0 && (isTitle(toks[k-1].Text) || toks[k-1].Text == ".") {
		k--
	}
	if k == 0 || sp == "" {
		return false
	}
	lw := toks[k-1].Text
	return spokenToOrOf[lw]
}

// spokenToOrOf are the English prepositions before whom or what a
// statement is made to or about ("from" gives its source: `More from
// Jones:`).
var spokenToOrOf = map[string]bool{"to": true, "of": true, "about": true, "against": true, "with": true, "at": true, "on": true, "for": true, "in": true}

// appositiveSubject returns the person an English sentence toks opens
// with when an apposition between commas follows the name and the verb
// of saying at i comes right after it, maybe after an auxiliary or an
// adverb: `Sen. Richard J. Durbin (D-Ill.), noting the size of
// Sanders's following, said, "...`, `Mr. Trump, asked about Mr. Putin,
// had said, "...`; not a person the apposition names.
func (r *resolver) appositiveSubject(toks []textseg.Token, i int) (string, bool) {
	from := 0
	if w := strings.ToLower(toks[0].Text); w == "and" || w == "but" || w == "so" || w == "then" {
		from = 1
	}
	sp, rest := r.subjectAt(toks[from:i])
	if sp == "" {
		// "Just last week, J.J. Goldberg, editor at large of The
		// Forward, ..., wrote, ''...": after an opening phrase of up to
		// eight words that names nobody.
		for k := from + 1; k < i && k < from+10; k++ {
			if _, ok := r.personNamed(toks[k]); ok {
				break
			}
			if toks[k].Text == "," {
				sp, rest = r.subjectAt(toks[k+1 : i])
				break
			}
		}
	}
	if sp == "" || len(rest) == 0 || rest[0].Text != "," {
		return "", false
	}
	comma := i - len(rest)
	k := i - 1
	for k > comma && toks[k].Text != "," {
		lw := strings.ToLower(toks[k].Text)
		if !auxiliaries[lw] && !(strings.HasSuffix(lw, "ly") && isASCIIWord(lw)) {
			return "", false
		}
		k--
	}
	if k <= comma+1 || k-comma > 30 {
		return "", false
	}
	for _, t := range toks[comma+1 : k] {
		if t.Kind == textseg.Punct && strings.ContainsAny(t.Text, "!?;:\"“”«»„") {
			return "", false
		}
	}
	return sp, true
}

// surnameElsewhere reports whether the text writes the word of t right
// after another capitalised word elsewhere ("Gary Bryne" for "Bryne").
func (r *resolver) surnameElsewhere(t textseg.Token) bool {
	for from := 0; from < len(r.text); {
		i := strings.Index(r.text[from:], " "+t.Text)
		if i < 0 {
			return false
		}
		at := from + i + 1
		from = at + len(t.Text)
		if at == t.Start || (from < len(r.text) && unicode.IsLetter(rune(r.text[from]))) {
			continue
		}
		k := at - 1
		for k > 0 && r.text[k-1] != ' ' && r.text[k-1] != '\n' {
			k--
		}
		if w := r.text[k : at-1]; len(w) > 1 && asciiName(w) && firstUpperWord(w) && !isTitle(w) && !headlineFunctionWords[w] {
			return true
		}
	}
	return false
}

// roleNoun reports whether the English word w names a role or trade
// before a name ("columnist", "manager", "spokesman").
func roleNoun(w string) bool {
	lw := strings.ToLower(w)
	return phraseRoles[lw] || entities.IsRole(lw) || isSpokesman(lw)
}

// roleWord reports whether w may stand in a role before a name: a role
// noun or a word that qualifies one ("campaign manager", "press
// secretary", "deputy chief").
func roleWord(w string) bool {
	switch strings.ToLower(w) {
	case "campaign", "press", "deputy", "senior", "former", "top", "chief", "policy", "communications", "national", "state":
		return true
	}
	return roleNoun(w)
}

// subjectAt returns the person toks open with (a known person's name,
// or titles and two or three capitalised words), not a possessive nor a
// name qualifying a noun, and the tokens after the name.
func (r *resolver) subjectAt(toks []textseg.Token) (string, []textseg.Token) {
	k := 0
	for k < len(toks) && k < 9 {
		t := toks[k]
		if t.Kind != textseg.Punct && firstUpperWord(t.Text) {
			k++
			continue
		}
		if t.Text == "." && k > 0 && (isTitle(toks[k-1].Text) || isInitial(toks[k-1].Text)) {
			k++
			continue
		}
		// "Washington Post columnist Margaret Sullivan", "Clinton
		// campaign manager Robby Mook": a role between capitalised
		// words, which the name after it follows.
		if k > 0 {
			j := k
			for j < len(toks) && j < k+3 && toks[j].Kind != textseg.Punct && !firstUpperWord(toks[j].Text) && roleWord(toks[j].Text) {
				j++
			}
			if j > k && j < len(toks) && toks[j].Kind != textseg.Punct && firstUpperWord(toks[j].Text) && roleNoun(toks[j-1].Text) {
				k = j
				continue
			}
		}
		break
	}
	if k == 0 || k >= len(toks) {
		return "", nil
	}
	if n := toks[k]; n.Text == "'" || n.Text == "’" || strings.HasPrefix(n.Text, "'s") || strings.HasPrefix(n.Text, "’s") || strings.HasSuffix(toks[k-1].Text, "'s") || strings.HasSuffix(toks[k-1].Text, "’s") {
		return "", nil
	}
	if r.modifier(toks, k-1) {
		return "", nil // "Former Obama speechwriter Jon Favreau"
	}
	sp := ""
	if p, ok := r.personNamed(toks[k-1]); ok {
		sp = p
	} else if _, org := r.orgAt(toks[k-1].Start); !org {
		sp = r.titledName(toks[:k])
		// "Bryne went on to say": one word the entities do not know,
		// the surname of a longer name the text gives elsewhere.
		if sp == "" && k == 1 && bareName(toks[0]) && isASCIIWord(toks[0].Text) && !r.placeAt(toks[0].Start) && r.surnameElsewhere(toks[0]) {
			sp = toks[0].Text
		}
	}
	if sp == "" {
		return "", nil
	}
	rest := toks[k:]
	if rest[0].Text == "(" {
		for j := 1; j < len(rest) && j <= 9; j++ {
			if rest[j].Text == ")" {
				rest = rest[j+1:]
				break
			}
		}
	}
	// "Angela Merkel of Germany", "Rep. Hakeem Jeffries (D-N.Y.)".
	if len(rest) > 1 && rest[0].Text == "of" && firstUpperWord(rest[1].Text) {
		j := 1
		for j < len(rest) && j < 4 && rest[j].Kind != textseg.Punct && firstUpperWord(rest[j].Text) {
			j++
		}
		rest = rest[j:]
	}
	return sp, rest
}

// clauseSubject returns the person that opens the clause toks (after a
// few words such as "On Tuesday,"): the first person named within its
// first ten words, when it is no possessive ("Ryan's campaign") and
// follows no preposition.
func (r *resolver) clauseSubject(toks []textseg.Token) (string, bool) {
	words := 0
	for i, t := range toks {
		if t.Kind == textseg.Punct {
			continue
		}
		if words++; words > 10 {
			return "", false
		}
		sp, ok := r.personNamed(t)
		if !ok {
			continue
		}
		if r.modifier(toks, i) {
			return "", false
		}
		j := i
		for j+1 < len(toks) && toks[j+1].Kind != textseg.Punct {
			if p, ok := r.personAt(toks[j+1].Start); !ok || p != sp {
				break
			}
			j++
		}
		if j+1 < len(toks) && (toks[j+1].Text == "’" || toks[j+1].Text == "'" || strings.HasPrefix(toks[j+1].Text, "’s") || strings.HasPrefix(toks[j+1].Text, "'s")) {
			return "", false
		}
		if strings.HasSuffix(toks[j].Text, "’s") || strings.HasSuffix(toks[j].Text, "'s") {
			return "", false
		}
		if i > 0 && toks[i-1].Kind != textseg.Punct && phrasePrepositions[strings.ToLower(toks[i-1].Text)] {
			return "", false
		}
		return sp, true
	}
	return "", false
}

// withSuffix returns name with the generational suffix the text writes
// after it ("James B. Comey Jr."), part of the full name.
func (r *resolver) withSuffix(name string) string {
	for from := 0; from < len(r.text); {
		i := strings.Index(r.text[from:], name)
		if i < 0 {
			break
		}
		from += i + len(name)
		for _, suf := range []string{" Jr.", ", Jr.", " Sr.", " III"} {
			if strings.HasPrefix(r.text[from:], suf) {
				return name + suf
			}
		}
	}
	return name
}

// colonParagraph returns the paragraph before the one that starts at
// pos when it ends in a colon and is at most 300 bytes: text[from:to],
// to just after the colon.
func colonParagraph(text string, pos int) (from, to int, ok bool) {
	prev := strings.TrimRight(text[:pos], " \t\n\r\u00a0")
	if !strings.HasSuffix(prev, ":") {
		return 0, 0, false
	}
	from = strings.LastIndexByte(prev, '\n') + 1
	if len(prev)-from > 300 {
		return 0, 0, false
	}
	return from, len(prev), true
}

// phraseHead returns the person named in the noun phrase toks open
// with, after German articles, titles and roles ("Innenminister Markus
// Hollmann", "dem Ökonomen Peter Brandl"): the first name within four
// words, before any other word.
func (r *resolver) phraseHead(toks []textseg.Token) (string, bool) {
	for k := 0; k < len(toks) && k < 4; k++ {
		t := toks[k]
		if t.Kind == textseg.Punct {
			return "", false
		}
		if sp, ok := r.personNamed(t); ok {
			if r.obliqueAt(t.Start) {
				return "", false
			}
			return sp, true
		}
		lw := strings.ToLower(t.Text)
		if !germanArticles[lw] && !isTitle(lw) && !entities.IsRole(lw) && !isGermanRole(lw) {
			return "", false
		}
	}
	return "", false
}

// germanArticles may open the noun phrase of a speaker ("dem Minister").
var germanArticles = map[string]bool{"der": true, "die": true, "dem": true, "den": true, "des": true}

// headlineAbout returns the person a headline clause before a colon
// opens with when a preposition follows the name and no verb of saying
// comes: `Kurz über die Flüchtlingskrise:`, `Sebastian Kurz im
// Interview:`, `Hollmann zu Athen:`. The clause starts after the last
// dash of toks and has eight words at most.
func (r *resolver) headlineAbout(toks []textseg.Token) (string, bool) {
	n := len(toks)
	if n < 4 || toks[n-1].Text != ":" {
		return "", false
	}
	c := toks[:n-1]
	for k := len(c) - 1; k >= 0; k-- {
		if c[k].Text == "–" || c[k].Text == "—" {
			c = c[k+1:]
			break
		}
	}
	if len(c) < 3 || len(c) > 8 {
		return "", false
	}
	p := 1
	for p < len(c) && p < 4 && c[p].Kind != textseg.Punct && firstUpperWord(c[p].Text) {
		p++
	}
	if p >= len(c) || !headlinePrepositions[c[p].Text] {
		return "", false
	}
	for _, t := range c[p:] {
		if t.Kind == textseg.Punct || isReportingVerb(strings.ToLower(t.Text)) {
			return "", false
		}
	}
	sp, ok := r.personNamed(c[p-1])
	if !ok || r.obliqueAt(c[p-1].Start) {
		return "", false
	}
	return sp, true
}

// headlinePrepositions follow the speaker's name in a German headline
// before a colon (`Kurz über ...:`, `Merkel zu ...:`, `Hollmann im
// Interview:`); case-sensitive, as a headline writes them.
var headlinePrepositions = map[string]bool{
	"über": true, "zu": true, "zum": true, "zur": true, "im": true, "gegen": true, "vor": true, "nach": true, "an": true,
}

// sentenceAdverbs open a sentence before its subject ("Ранее Госдеп
// США призвал ...", "Earlier, the ...").
var sentenceAdverbs = map[string]bool{
	"ранее": true, "позже": true, "вчера": true, "сегодня": true, "затем": true, "также": true, "тогда": true, "теперь": true,
	"по-рано": true, "днес": true, "също": true, "тогава": true, "сега": true,
	"earlier": true, "later": true, "yesterday": true, "today": true, "also": true, "then": true,
	"zuvor": true, "gestern": true, "heute": true, "auch": true,
}

// orgSubjects maps the Russian nouns for an organisation in the
// nominative, a sentence's subject, to the noun of orgKinds whose kinds
// they take up ("перевозчик" an airline).
var orgSubjects = map[string]string{
	"компания": "компании", "авиакомпания": "авиакомпании", "перевозчик": "авиакомпании", "авиаперевозчик": "авиакомпании",
	"лоукостер": "авиакомпании", "министерство": "министерстве", "ведомство": "ведомстве", "профсоюз": "профсоюзе",
	"посольство": "посольстве",
}

// clauseAdverbials are sentence adverbials of more than one word that
// may open a sentence before its subject.
var clauseAdverbials = []string{"в то же время", "кроме того", "тем временем", "в свою очередь", "между тем"}

// opensClause reports whether toks, the words before a subject, are
// nothing, a sentence adverb ("Ранее") or a sentence adverbial ("В то
// же время").
func opensClause(toks []textseg.Token) bool {
	if len(toks) == 0 || len(toks) == 1 && sentenceAdverbs[lw0(toks)] {
		return true
	}
	var b strings.Builder
	for i, t := range toks {
		if t.Kind == textseg.Punct && t.Text != "," {
			return false
		}
		if t.Kind != textseg.Punct {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strings.ToLower(t.Text))
		}
	}
	return slices.Contains(clauseAdverbials, b.String())
}

// lw0 returns the first token of toks lower-cased, "" for none.
func lw0(toks []textseg.Token) string {
	if len(toks) == 0 {
		return ""
	}
	return strings.ToLower(toks[0].Text)
}

// speakerIn finds the speaker among toks: a person named there, a pronoun
// or a role. forward searches from the start (after a verb), else from
// the end (before a verb).
func (r *resolver) speakerIn(toks []textseg.Token, forward bool) (string, bool) {
	if forward {
		// "said Virginia delegate Beau Correll", "said Senate Minority
		// Whip Dick Durbin": the name after the role, not the place or
		// organisation that qualifies it.
		if sp, ok := r.roleThenName(toks); ok {
			return sp, true
		}
	}
	n := len(toks)
	org := ""
	for k := 0; k < n && k < 12; k++ {
		i := k
		if !forward {
			i = n - 1 - k
		}
		t := toks[i]
		if t.Text == ";" || sentenceEnd(toks, i) {
			break
		}
		if forward && complementizers[strings.ToLower(t.Text)] {
			// "..., заявив своим сторонникам, что Мишель Обама «...»":
			// what follows "что" is what was said, not who said it.
			break
		}
		if !forward && k == 0 && t.Text == "," {
			// "Mitt Romney, the 2012 Republican presidential nominee,
			// tweeted": the name before the apposition.
			if sp, ok := r.beforeApposition(toks[:i]); ok {
				return sp, true
			}
		}
		if sp, ok := r.personNamed(t); ok {
			if r.obliqueAt(t.Start) {
				// "обясни Мирошников" where the entities took the name
				// as "Юрия Мирошникова": the surname in the nominative,
				// completed from the oblique full name.
				if f := strings.Fields(sp); forward && bareName(t) && len(f) > 0 && strings.HasPrefix(f[len(f)-1], t.Text) && f[len(f)-1] != t.Text {
					if full := r.obliqueFullName(t.Text); full != "" {
						return full, true
					}
				}
				// "в интервью Терезе Мэй": a name in an oblique case is
				// not the subject; nor is it told apart from a nominative
				// the entities cut short ("Эльжбета Бинковска" as
				// "Эльжбет Бинковск"), so nobody is given.
				return "", true
			}
			if r.modifier(toks, i) {
				// "former Obama adviser David Axelrod", "Sanders's
				// following": a name that qualifies another word.
				continue
			}
			// The word before the name, whichever of its words t is
			// ("gegenüber Martina Albers" seen from "Albers").
			j := i
			for j > 0 && toks[j-1].Kind != textseg.Punct {
				if p, ok := r.personAt(toks[j-1].Start); !ok || p != sp {
					break
				}
				j--
			}
			if interviewer(toks[max(0, j-5):j]) {
				// "В интервью ведущей ток-шоу Опре Уинфри ... первая
				// леди заявила": who asks, not who speaks.
				continue
			}
			if j > 0 && listenerPrepositions[strings.ToLower(toks[j-1].Text)] {
				// "заяви по NOVA Огнян Манолев", "said on CNN": a
				// medium or a listener, typed a person.
				continue
			}
			if !forward && ofRole(toks[:i]) {
				// "Andrew Green, chairman of Migration Watch, said":
				// the name after "chairman of" is not the speaker.
				continue
			}
			return sp, true
		}
		if o, ok := r.orgAt(t.Start); ok {
			// An organisation speaks when it stands right next to the
			// verb ("Ryanair said", "заявиха от Ryanair", "сообщил Nord
			// Stream AG"), and only when no person of it is named in the
			// clause: "Andrew Green, chairman of Migration Watch, said" is
			// Andrew Green's; "told CNN", "said at the Council" are not
			// the organisation's.
			if org == "" && (k == 0 || (forward && k == 1 && orgPrepositions[strings.ToLower(toks[0].Text)])) && !(forward && toldBefore(r.text[:toks[0].Start])) {
				org = o
			}
			continue
		}
		lw := strings.ToLower(t.Text)
		if !forward && k == 0 && phraseRoles[lw] {
			// "the Christie supporter retorted": a noun, no name, right
			// before the verb.
			return "", true
		}
		if isSpokesman(lw) {
			// "said spokesman John Kirby", "the White House spokesman,
			// Josh Earnest, said": the name that follows; "заяви
			// говорител на премиера", "a spokesman for X said": nobody
			// named speaks.
			return r.nameAfter(t.End), true
		}
		if ok, female := entities.IsPronoun(lw); ok {
			return r.lastPerson(t.Start, female), true
		}
		if female, ok := ageNoun(toks, i); ok {
			// "sagte der 52-Jährige": the person last named, of the
			// article's gender when the names tell.
			return r.lastPersonG(t.Start, female, true), true
		}
		if isGermanRole(lw) {
			if forward && i+1 < n && toks[i+1].Kind != textseg.Punct && firstUpperWord(toks[i+1].Text) {
				continue // "sagte Anwalt Peter Meier": the name follows
			}
			if indefinite(toks[max(0, i-3):i]) {
				return "", true // "sagte ein Anwalt"
			}
			return r.lastPersonG(t.Start, false, false), true
		}
		if entities.IsRole(lw) {
			if indefinite(toks[max(0, i-3):i]) {
				// "said one district GOP leader", "a senior
				// official": nobody named.
				return "", true
			}
			if p := r.rolePerson(t); p != "" {
				return p, true
			}
		}
	}
	if org != "" {
		return org, true
	}
	return "", false
}

// germanRoles are German nouns for a person's office or trade that
// entities.IsRole does not take, read only where a speaker is looked for
// ("sagte der Landeshauptmann", "so die Anwältin"): a person the text
// names elsewhere.
var germanRoles = []string{
	"landeshauptmann", "landeshauptfrau", "obmann", "obfrau", "landesrat", "landesrätin", "stadtrat", "stadträtin",
	"anwalt", "anwältin", "richter", "richterin", "autor", "autorin", "regisseur", "regisseurin", "forscher",
	"forscherin", "wissenschafter", "wissenschafterin", "wissenschaftler", "wissenschaftlerin", "ökonom", "ökonomin",
	"stürmer", "stürmerin", "verteidiger", "verteidigerin", "torhüter", "torhüterin", "gewerkschafter",
	"gewerkschafterin", "unternehmer", "unternehmerin", "oppositionsführer", "oppositionsführerin", "stadtoberhaupt",
	"coach", "künstler", "künstlerin", "sänger", "sängerin", "schauspieler", "schauspielerin", "historiker",
	"historikerin", "arzt", "ärztin", "mediziner", "medizinerin", "kommandant", "kommandantin", "ermittler", "ermittlerin",
}

// isGermanRole reports whether the lower-case word w is one of germanRoles
// or a compound ending in one after three letters or more
// ("Staranwalt"), also in the genitive or plural.
func isGermanRole(w string) bool {
	for _, end := range []string{"", "s", "n", "en", "nen"} {
		v, ok := strings.CutSuffix(w, end)
		if !ok || v == "" {
			continue
		}
		for _, r := range germanRoles {
			if v == r || (strings.HasSuffix(v, r) && len(v)-len(r) >= 3) {
				return true
			}
		}
	}
	return false
}

// ageNoun reports whether toks[i] is a German noun of age after a
// definite article, standing for the person last named ("der
// 52-Jährige", "die 40-Jährige"), and whether the article makes that
// person a woman. "ein 52-Jähriger" is someone not named, "52-jährige"
// an adjective.
func ageNoun(toks []textseg.Token, i int) (female, ok bool) {
	w := toks[i].Text
	if i == 0 || !(strings.HasSuffix(w, "-Jährige") || strings.HasSuffix(w, "-Jährigen")) {
		return false, false
	}
	switch strings.ToLower(toks[i-1].Text) {
	case "die":
		return true, true
	case "der", "den", "dem", "des":
		return false, true
	}
	return false, false
}

// possessor returns the person a German possessive t refers to, the last
// named before pos: "seine" a man (the person last named), "ihre" a woman
// only when the last woman named is one ("ihre" is also "their").
func (r *resolver) possessor(t textseg.Token, pos int) (string, bool) {
	switch strings.ToLower(t.Text) {
	case "sein", "seine":
		if p := r.lastPerson(pos, false); p != "" {
			return p, true
		}
	case "ihr", "ihre":
		if p := r.lastPersonG(pos, true, true); p != "" && (looksFemale(p) || (r.g != nil && r.g.Female(p))) {
			return p, true
		}
	}
	return "", false
}

// bareName reports whether t may be a name on its own: a capitalised
// word of three letters or more, not in capitals, that is no pronoun,
// title, role, spokesman, verb of saying nor day or month.
func bareName(t textseg.Token) bool {
	if t.Kind == textseg.Punct || !firstUpperWord(t.Text) || utf8.RuneCountInString(t.Text) < 3 || strings.ToUpper(t.Text) == t.Text {
		return false
	}
	if !strings.ContainsFunc(t.Text, unicode.IsLower) || strings.ContainsFunc(t.Text, func(c rune) bool { return !unicode.IsLetter(c) && c != '-' && c != '\'' && c != '’' }) {
		return false
	}
	lw := strings.ToLower(t.Text)
	if ok, _ := entities.IsPronoun(lw); ok {
		return false
	}
	return !isTitle(lw) && !entities.IsRole(lw) && !isGermanRole(lw) && !isSpokesman(lw) && !isReportingVerb(lw) && !calendarWords[lw] && !complementizers[lw]
}

// inflectedElsewhere reports whether the Cyrillic word w also stands in
// the text with one or two more letters ("Мирошникова" for
// "Мирошников"): the full name may be given there in an oblique case, so
// the bare surname is not the name as first introduced.
func (r *resolver) inflectedElsewhere(w string) bool {
	if !strings.ContainsFunc(w, func(c rune) bool { return unicode.Is(unicode.Cyrillic, c) }) {
		return false
	}
	toks, _, _ := r.echoIndex()
	for _, t := range toks {
		if len(t.Text) > len(w) && strings.HasPrefix(t.Text, w) && utf8.RuneCountInString(t.Text[len(w):]) <= 2 && !strings.ContainsFunc(t.Text[len(w):], func(c rune) bool { return !unicode.IsLetter(c) }) {
			return true
		}
	}
	return false
}

// obliqueFullName returns the full name of the bare Cyrillic surname w
// when the text gives it once in an oblique case, after a given name the
// gazetteers know: "Юрий Мирошников" for "Мирошников" where the text has
// "Юрия Мирошникова". The given name is put in the nominative by its
// ending (-а, -я for -й, -я for -ь); "" when none or more than one.
func (r *resolver) obliqueFullName(w string) string {
	if r.g == nil {
		return ""
	}
	toks, _, _ := r.echoIndex()
	full := ""
	for k := 1; k < len(toks); k++ {
		t := toks[k]
		if len(t.Text) <= len(w) || !strings.HasPrefix(t.Text, w) || utf8.RuneCountInString(t.Text[len(w):]) > 2 || strings.ContainsFunc(t.Text[len(w):], func(c rune) bool { return !unicode.IsLetter(c) }) {
			continue
		}
		g := toks[k-1].Text
		if toks[k-1].End+1 != t.Start || !firstUpperWord(g) {
			continue
		}
		given := ""
		for _, c := range givenNominatives(g) {
			if r.g.GivenName(c) {
				given = c
				break
			}
		}
		if given == "" {
			continue
		}
		if f := given + " " + w; full == "" {
			full = f
		} else if f != full {
			return ""
		}
	}
	return full
}

// givenNominatives are the nominatives a man's given name in the
// genitive, dative or instrumental may have: "Юрия" Юрий, "Игоря" Игорь,
// "Ивана" Иван, "Ивану" Иван, "Иваном" Иван.
func givenNominatives(g string) []string {
	var out []string
	for _, e := range []struct{ obl, nom string }{{"ия", "ий"}, {"ию", "ий"}, {"ием", "ий"}, {"я", "ь"}, {"ю", "ь"}, {"ем", "ь"}, {"а", ""}, {"у", ""}, {"ом", ""}} {
		if stem, ok := strings.CutSuffix(g, e.obl); ok && stem != "" {
			out = append(out, stem+e.nom)
		}
	}
	return out
}

// calendarWords are the capitalised English names of days and months
// ("said Tuesday").
var calendarWords = map[string]bool{
	"monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true, "saturday": true, "sunday": true,
	"january": true, "february": true, "march": true, "april": true, "may": true, "june": true, "july": true,
	"august": true, "september": true, "october": true, "november": true, "december": true,
}

// indefinite reports whether toks, the words before a role, hold an
// indefinite determiner ("one district GOP leader", "a Republican
// strategist", "another senior official") and no name.
func indefinite(toks []textseg.Token) bool {
	for _, t := range toks {
		switch strings.ToLower(t.Text) {
		case "a", "an", "one", "another", "some", "ein", "eine", "einer", "один", "одна", "один из":
			return true
		}
	}
	return false
}

// roleThenName returns the name of two to four capitalised words that
// follows a role or a title in the noun phrase toks open with, its
// qualifiers before it ("Virginia delegate Beau Correll", "Florida-based
// Republican strategist Al Cardenas", "Army Capt. Christian Pardo"),
// within eight tokens and before any punctuation or preposition.
func (r *resolver) roleThenName(toks []textseg.Token) (string, bool) {
	for i := 0; i < len(toks) && i < 8; i++ {
		t := toks[i]
		lw := strings.ToLower(t.Text)
		if t.Kind == textseg.Punct {
			if t.Text == "." && i > 0 && isTitle(toks[i-1].Text) {
				continue
			}
			return "", false
		}
		if phrasePrepositions[lw] || complementizers[lw] {
			return "", false
		}
		if (i == 0 && !isTitle(lw)) || (!entities.IsRole(lw) && !isTitle(lw) && !phraseRoles[lw]) || isSpokesman(lw) {
			continue
		}
		// The name after the role (a title's dot skipped).
		j := i + 1
		for j < len(toks) && toks[j].Text == "." {
			j++
		}
		k := j
		for k < len(toks) && k-j < 4 && toks[k].Kind != textseg.Punct && firstUpperWord(toks[k].Text) && strings.ToUpper(toks[k].Text) != toks[k].Text {
			if isTitle(toks[k].Text) || entities.IsRole(strings.ToLower(toks[k].Text)) {
				break
			}
			k++
		}
		if k-j < 2 || (k < len(toks) && toks[k].Kind != textseg.Punct && firstUpperWord(toks[k].Text)) {
			continue
		}
		if sp, ok := r.personNamed(toks[k-1]); ok {
			return sp, true
		}
		return r.text[toks[j].Start:toks[k-1].End], true
	}
	return "", false
}

// phraseRoles are English roles entities.IsRole does not list, read
// only before a name ("Virginia delegate Beau Correll").
var phraseRoles = map[string]bool{
	"delegate": true, "strategist": true, "whip": true, "capt": true, "pollster": true, "analyst": true,
	"economist": true, "attorney": true, "lawyer": true, "consultant": true, "activist": true, "professor": true,
	"constituent": true, "supporter": true, "ally": true, "aide": true, "donor": true, "staffer": true,
	"scientist": true, "researcher": true, "historian": true, "pastor": true, "host": true, "co-host": true,
	"columnist": true, "editor": true, "correspondent": true, "commentator": true, "chief": true,
	"democrat": true, "republican": true,
	"sheriff": true, "recorder": true, "advocate": true, "treasurer": true, "secretary-treasurer": true, "clerk": true, "comptroller": true,
}

// phrasePrepositions end the noun phrase after a verb of saying ("said in
// an interview with radio host Hugh Hewitt").
var phrasePrepositions = map[string]bool{"in": true, "on": true, "at": true, "to": true, "with": true, "for": true, "of": true, "after": true, "during": true, "from": true, "before": true}

// toldBefore reports whether s ends with "told" or "tells": what follows
// is who was told ("he told CNN").
func toldBefore(s string) bool {
	s = strings.ToLower(strings.TrimRight(s, " "))
	return strings.HasSuffix(s, "told") || strings.HasSuffix(s, "tells")
}

// complementizers open the clause of what was said ("that", "что").
var complementizers = map[string]bool{"че": true, "что": true, "that": true, "dass": true, "що": true}

// listenerPrepositions stand before the medium or the listener of a
// statement, not its speaker: "по NOVA", "пред БиБиСи", "on CNN", "to
// reporters".
var listenerPrepositions = map[string]bool{"по": true, "пред": true, "on": true, "to": true, "gegenüber": true, "im": true}

// interviewer reports whether toks, the words before a name, hold
// "интервью", then a lower-case word (a role in the dative) and no
// punctuation: "в интервью ведущей ток-шоу Опре Уинфри" names who asks;
// "В интервью Джонсон сравнил" names who answers.
func interviewer(toks []textseg.Token) bool {
	for k, t := range toks {
		if strings.EqualFold(t.Text, "интервью") {
			role := false
			for _, u := range toks[k+1:] {
				if u.Kind == textseg.Punct && u.Text != "-" {
					return false
				}
				role = role || (u.Kind != textseg.Punct && !firstUpperWord(u.Text))
			}
			return role
		}
	}
	return false
}

// interviewerAt is interviewer for the person mention at pos, on the
// five words before it.
func (r *resolver) interviewerAt(pos int) bool {
	from := max(0, pos-80)
	if k := strings.IndexByte(r.text[from:pos], ' '); k >= 0 && from > 0 {
		from += k + 1 // start at a word
	}
	toks := r.window(from, pos)
	return interviewer(toks[max(0, len(toks)-5):])
}

// orgPrepositions stand between a verb and the organisation that speaks
// through it: "заявиха от Ryanair", "сообщили в Газпроме".
var orgPrepositions = map[string]bool{"от": true, "в": true, "във": true, "во": true, "из": true}

// modifier reports whether the person named by toks[i] qualifies the
// word after the name rather than being a speaker: a possessive
// ("Sanders's following") or a name before a role ("Obama adviser",
// "Clinton campaign").
func (r *resolver) modifier(toks []textseg.Token, i int) bool {
	j := i + 1
	for j < len(toks) && toks[j].Kind != textseg.Punct && firstUpperWord(toks[j].Text) {
		j++ // the rest of the name
	}
	if strings.HasSuffix(toks[j-1].Text, "'s") || strings.HasSuffix(toks[j-1].Text, "’s") {
		return true
	}
	if j < len(toks) && (toks[j].Text == "'s" || toks[j].Text == "’s" || toks[j].Text == "'" || toks[j].Text == "’") {
		return true
	}
	if j >= len(toks) || toks[j].Kind == textseg.Punct || firstUpperWord(toks[j].Text) {
		return false
	}
	w := toks[j].Text
	return entities.IsRole(w) || isSpokesman(w) || w == "campaign" || w == "adviser" || w == "advisor" || w == "administration" || phraseRoles[w]
}

// beforeApposition returns the person named right before an apposition
// that toks end with: "Mitt Romney, the 2012 Republican presidential
// nominee" (the comma after it is not in toks).
func (r *resolver) beforeApposition(toks []textseg.Token) (string, bool) {
	for k := len(toks) - 1; k > 0 && k >= len(toks)-12; k-- {
		t := toks[k]
		if t.Kind == textseg.Punct && t.Text != "," && t.Text != "-" && t.Text != "(" && t.Text != ")" {
			return "", false
		}
		if isReportingVerb(strings.ToLower(t.Text)) {
			return "", false
		}
		if t.Text == "," {
			if sp, ok := r.personNamed(toks[k-1]); ok {
				return sp, true
			}
			return "", false
		}
	}
	return "", false
}

// ofRole reports whether toks end with a role and a preposition ("chairman
// of", "председател на", "a spokesman for"), possibly with an article
// ("chairman of the"), before the first words of a name.
func ofRole(toks []textseg.Token) bool {
	n := len(toks)
	// The rest of the name whose last word was found ("Migration").
	for n > 0 && toks[n-1].Kind != textseg.Punct && firstUpperWord(toks[n-1].Text) {
		n--
	}
	if n > 0 && (strings.EqualFold(toks[n-1].Text, "the") || strings.EqualFold(toks[n-1].Text, "der")) {
		n--
	}
	if n < 2 {
		return false
	}
	switch strings.ToLower(toks[n-1].Text) {
	case "of", "for", "на", "от", "von", "des", "der":
	default:
		return false
	}
	w := strings.ToLower(toks[n-2].Text)
	return entities.IsRole(w) || isSpokesman(w)
}

// accordingTo returns the person or organisation named right after "to"
// at the start of toks ("according to CNN", "according to the Post").
func (r *resolver) accordingTo(toks []textseg.Token) (string, bool) {
	if len(toks) < 2 || !strings.EqualFold(toks[0].Text, "to") {
		return "", false
	}
	k := 1
	if strings.EqualFold(toks[k].Text, "the") && len(toks) > 2 {
		k++
	}
	if sp, ok := r.personNamed(toks[k]); ok {
		return sp, true
	}
	if o, ok := r.orgAt(toks[k].Start); ok {
		return o, true
	}
	return "", false
}

// possessive maps the possessive pronouns that follow "по думите" or
// precede "словам" to whether they are masculine.
var possessive = map[string]bool{"му": true, "й": false, "ѝ": false, "его": true, "ее": false, "её": false}

// isReportingVerb reports whether the lower-case word w reports speech:
// entities.IsReportingVerb, and the verbs of saying it does not know.
func isReportingVerb(w string) bool {
	if entities.IsReportingVerb(w) || exactReportingVerbs[w] {
		return true
	}
	for _, v := range moreReportingVerbs {
		if strings.HasPrefix(w, v) && utf8.RuneCountInString(w[len(v):]) <= 3 {
			return true
		}
	}
	return false
}

// moreReportingVerbs are stems of verbs of saying that
// entities.IsReportingVerb does not take.
var moreReportingVerbs = []string{
	"заявява", "напомни",
	"указал", "продолжил", "разъяснил", "резюмировал", "объявил", "спросил", "акцентировал", "высказал",
	"schrieb", "fragte", "bezeichnet", "nannte", "nennt", "kündigte", "kündigt", "appelliert",
	"verwies", "verweist", "entgegnet", "konterte", "kontert", "beteuert", "twitterte", "hieß", "heißt",
	"tweeted", "responded", "joked", "quipped", "emphasized", "observed", "conceded", "complained",
	"shouted", "yelled", "testified", "charged", "writing",
	"notes", "points", "echoed", "echoes", "demanded", "insists", "explains", "argues", "asks", "warns",
	"wondered", "countered", "snapped", "recalls", "predicts", "concedes", "cautioned", "cautions",
	"writes", "posted", "declares", "agrees", "mused", "scoffed", "retorted", "boasted", "lamented",
}

// exactReportingVerbs are verbs of saying whose stem starts other words
// too ("sprach", not "Sprache").
var exactReportingVerbs = map[string]bool{"sprach": true, "sprachen": true, "spricht": true, "reported": true, "reports": true}

// nameAfter returns the person named right after pos (a comma between
// allowed), or two or three capitalised words there that the entities do
// not know; "" when none.
func (r *resolver) nameAfter(pos int) string {
	end := min(pos+80, len(r.text))
	for end < len(r.text) && !utf8.RuneStart(r.text[end]) {
		end++
	}
	toks := r.window(pos, end)
	if len(toks) > 0 && toks[0].Text == "," {
		toks = toks[1:]
	}
	if len(toks) == 0 {
		return ""
	}
	if p, ok := r.personAt(toks[0].Start); ok {
		if r.obliqueAt(toks[0].Start) {
			return "" // "представитель Гренелла": whose spokesman
		}
		return p
	}
	k := 0
	for k < len(toks) && k < 3 && toks[k].Kind != textseg.Punct && firstUpperWord(toks[k].Text) {
		k++
	}
	if k < 2 || (k < len(toks) && toks[k].Kind != textseg.Punct) {
		return ""
	}
	return r.text[toks[0].Start:toks[k-1].End]
}

// isSpokesman reports whether the lower-case word w names an unnamed
// speaker for someone else: a spokesman, a source, an official.
func isSpokesman(w string) bool {
	for _, p := range spokesmen {
		if strings.HasPrefix(w, p) && len(w)-len(p) <= 4 {
			return true
		}
	}
	return false
}

// spokesmen are the stems of words for a speaker the text does not name.
var spokesmen = []string{
	"говорител", "представител", "източни", "официален",
	"представител", "пресс-секретар", "источни", "собеседни", "пресслужб",
	"spokes", "source", "official", "aide",
	"sprecher", "quelle",
}

// orgAt returns the organisation whose mention covers the offset pos.
func (r *resolver) orgAt(pos int) (string, bool) {
	for _, o := range r.orgs {
		if pos >= o.Start && pos < o.End {
			// "Госдеп США", "МИД Франции": a one-word place right after
			// an organisation's name is part of it.
			for _, p := range r.places {
				if p.Start == o.End+1 && r.text[o.End] == ' ' && !strings.Contains(r.text[p.Start:p.End], " ") && firstUpperWord(r.text[p.Start:p.End]) {
					return o.Entity + " " + r.text[p.Start:p.End], true
				}
			}
			return r.orgBase(o.Entity), true
		}
	}
	// A capitalised word in an oblique case of an organisation the text
	// names elsewhere, which the entities typed otherwise ("в сообщении
	// Газпрома" in a text that says "Газпром").
	if pos >= 0 && pos < len(r.text) {
		rest := r.text[pos:]
		end := strings.IndexFunc(rest, func(c rune) bool { return !unicode.IsLetter(c) })
		if end < 0 {
			end = len(rest)
		}
		if w := rest[:end]; firstUpperWord(w) && !r.isPerson(w) {
			if b := r.orgBase(w); b != w {
				return b, true
			}
		}
	}
	return "", false
}

// caseEndings are the Russian noun endings of the oblique cases
// ("Газпрома", "Газпрому", "Газпромом").
var caseEndings = []string{"а", "я", "у", "ю", "ом", "ем", "е", "ы", "и"}

// orgBase returns the organisation's one-word name as the text names it
// in the nominative elsewhere when the entities give it in an oblique
// case ("Газпрома" where the text also says "Газпром"); name itself
// otherwise.
func (r *resolver) orgBase(name string) string {
	if strings.Contains(name, " ") || !strings.ContainsFunc(name, func(c rune) bool { return unicode.Is(unicode.Cyrillic, c) }) {
		return name
	}
	for _, o := range r.orgs {
		if e := o.Entity; len(e) < len(name) && strings.HasPrefix(name, e) && slices.Contains(caseEndings, name[len(e):]) && utf8.RuneCountInString(e) >= 3 {
			return e
		}
	}
	return name
}

// personNamed returns the person the token t names: the person mention
// covering it, else the one person of the text whose full name ends with
// the capitalised word t ("Obama: „...“" in a lead that names Barack
// Obama only further down).
func (r *resolver) personNamed(t textseg.Token) (string, bool) {
	if p, ok := r.personAt(t.Start); ok {
		return p, true
	}
	for _, o := range r.others {
		if t.Start >= o.Start && t.Start < o.End {
			return o.Entity, true
		}
	}
	if t.Kind == textseg.Punct || !firstUpperWord(t.Text) || utf8.RuneCountInString(t.Text) < 3 {
		return "", false
	}
	found := ""
	for _, p := range r.persons {
		if p.Guessed || p.Entity == found {
			continue
		}
		if i := strings.LastIndexByte(p.Entity, ' '); p.Entity[i+1:] == t.Text {
			if found != "" {
				return "", false
			}
			found = p.Entity
		}
	}
	return found, found != ""
}

// capitalisedRun returns the two or three capitalised words toks start
// with when a punctuation mark, a verb of saying or the end follows them
// ("Richard Curtin," after "said"; "Joe Kasper told"): a name the entities
// do not know. n is the number of tokens taken.
func capitalisedRun(toks []textseg.Token) (name string, n int) {
	if len(toks) > 0 && isTitle(toks[0].Text) {
		return "", 0 // "Mr. Manafort said": the name is known after the title
	}
	for n < len(toks) && n < 3 && toks[n].Kind != textseg.Punct && firstUpperWord(toks[n].Text) && strings.ToUpper(toks[n].Text) != toks[n].Text {
		n++
	}
	if n < 2 {
		return "", 0
	}
	if n < len(toks) && toks[n].Kind != textseg.Punct && !isReportingVerb(strings.ToLower(toks[n].Text)) {
		return "", 0
	}
	return strings.Join(func() []string {
		w := make([]string, n)
		for i := range w {
			w[i] = toks[i].Text
		}
		return w
	}(), " "), n
}

// looksLikeName reports whether s is two or three capitalised words of
// letters ("Mitt Romney", "Stu Burguiere"), the shape of a person's name,
// none of them a day or a month ("Hampshire Monday").
func looksLikeName(s string) bool {
	words := strings.Fields(s)
	if len(words) < 2 || len(words) > 3 {
		return false
	}
	for _, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) || strings.ToUpper(w) == w || strings.ContainsFunc(w, func(c rune) bool { return !unicode.IsLetter(c) && c != '-' && c != '.' && c != '\'' }) || calendarWords[strings.ToLower(w)] {
			return false
		}
	}
	return true
}

// fullName returns the fullest name the text gives the person name: "М.
// Моравецкий" or "Моравецкий" is "Матеуш Моравецкий" when that is the
// only longer person name of the text with the same surname (and the same
// initial).
func (r *resolver) fullName(name string) string {
	return r.withParticle(r.fullNameOf(name))
}

// arabicParticles open the hyphenated last part of an Arabic name in
// Russian ("Саиф уль-Малук", "Башар аль-Асад").
var arabicParticles = []string{"уль", "аль", "эль", "ад", "ар", "ас", "ан", "ибн", "бин", "бен"}

// withParticle completes a Cyrillic name with the hyphenated part that
// follows it in the text, lower-case particle first, which the entities
// leave out ("Саиф" of "Саиф уль-Малук сообщил").
func (r *resolver) withParticle(name string) string {
	if name == "" || !strings.ContainsFunc(name, func(c rune) bool { return unicode.Is(unicode.Cyrillic, c) }) {
		return name
	}
	full := ""
	for from := 0; ; {
		k := strings.Index(r.text[from:], name+" ")
		if k < 0 {
			break
		}
		start := from + k
		at := start + len(name) + 1
		from = at
		if c, _ := utf8.DecodeLastRuneInString(r.text[:start]); unicode.IsLetter(c) {
			continue // the end of a longer word
		}
		for _, p := range arabicParticles {
			rest, ok := strings.CutPrefix(r.text[at:], p+"-")
			if !ok {
				continue
			}
			end := strings.IndexFunc(rest, func(c rune) bool { return !unicode.IsLetter(c) && c != '-' })
			if end < 0 {
				end = len(rest)
			}
			if end == 0 || !firstUpperWord(rest[:end]) {
				continue
			}
			f := name + " " + p + "-" + rest[:end]
			if full != "" && full != f {
				return name
			}
			full = f
		}
	}
	if full == "" {
		return name
	}
	return full
}

// fullNameOf is fullName without withParticle.
func (r *resolver) fullNameOf(name string) string {
	words := strings.Fields(name)
	if len(words) == 0 || len(words) > 2 || (len(words) == 2 && !isInitial(words[0])) {
		return name
	}
	last := words[len(words)-1]
	full := ""
	for _, p := range r.persons {
		// "Stadtoberhaupt Marino" is Marino, not a second person.
		e := withoutTitle(p.Entity)
		f := strings.Fields(e)
		if p.Guessed || len(f) < 2 || f[len(f)-1] != last || e == name || e == full {
			continue
		}
		if len(words) == 2 {
			a, _ := utf8.DecodeRuneInString(words[0])
			b, _ := utf8.DecodeRuneInString(f[0])
			if a != b {
				continue
			}
		}
		if full != "" {
			return name
		}
		full = e
	}
	if full == "" && len(words) == 1 && r.g != nil {
		// A name the entities did not take: a given name right before
		// the surname somewhere in the text ("Roms Bürgermeister Ignazio
		// Marino"), the same one wherever it stands.
		toks := r.window(0, len(r.text))
		for k := 1; k < len(toks); k++ {
			if toks[k].Text != last || toks[k-1].End+1 != toks[k].Start || toks[k-1].Kind == textseg.Punct || !firstUpperWord(toks[k-1].Text) {
				continue
			}
			given := toks[k-1].Text
			if lg := strings.ToLower(given); entities.IsRole(lg) || isTitle(lg) {
				continue
			}
			// A given name the gazetteers know, or a word between a role
			// and the surname ("Bürgermeister Ignazio Marino").
			if !r.g.GivenName(given) && !(k >= 2 && toks[k-2].End+1 == toks[k-1].Start && entities.IsRole(strings.ToLower(toks[k-2].Text))) {
				continue
			}
			if f := toks[k-1].Text + " " + last; full == "" {
				full = f
			} else if f != full {
				return name
			}
		}
	}
	if full == "" {
		return name
	}
	return full
}

// withoutTitle returns name without the titles and roles it opens with
// ("Ксендз Вальдемар Цисло", "Sen. Bob Corker", "Billionaire Donald
// Trump", "Mr. Manafort"), keeping at least one word.
func withoutTitle(name string) string {
	words := strings.Fields(name)
	k := 0
	for len(words)-k > 1 {
		w := strings.ToLower(strings.TrimSuffix(words[k], "."))
		if !isTitle(w) && !entities.IsRole(w) && !isGermanRole(w) && !phraseRoles[w] {
			break
		}
		k++
	}
	if k == 0 {
		return name
	}
	return strings.Join(words[k:], " ")
}

// sentenceEnd reports whether toks[i] ends a sentence: ".", "!" or "?",
// but not the dot of a title or an initial ("Mr. Manafort", "Donald J.
// Trump").
func sentenceEnd(toks []textseg.Token, i int) bool {
	t := toks[i]
	if t.Kind != textseg.Punct || !strings.ContainsAny(t.Text, ".!?") {
		return false
	}
	if t.Text == "." && i > 0 && toks[i-1].End == t.Start {
		w := toks[i-1].Text
		if isTitle(w) || (utf8.RuneCountInString(w) == 1 && firstUpperWord(w)) {
			return false
		}
		// "Rep. Earl Blumenauer (D-Ore.) said": an abbreviation closing
		// a bracket.
		if i+1 < len(toks) && toks[i+1].Start == t.End && !strings.ContainsAny(toks[i+1].Text, "\"'“”‘’«»„") {
			return false // "(D-Ore.)", "(D-N.Y.)", "R-Wis.,": no space follows
		}
	}
	return true
}

// isTitle reports whether the word w, with or without its dot ("Sen.",
// "Capt." are single tokens), is a title.
func isTitle(w string) bool {
	return titles[strings.TrimSuffix(strings.ToLower(w), ".")]
}

// titles are words that stand before a name and are no part of it.
var titles = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "sen": true, "rep": true, "gov": true, "gen": true,
	"lt": true, "col": true, "sgt": true, "prof": true, "rev": true, "president": true, "senator": true,
	"capt": true, "adm": true, "maj": true, "cmdr": true, "cpl": true, "pvt": true,
	"representative": true, "speaker": true, "governor": true, "secretary": true, "billionaire": true,
	"ксендз": true, "г-н": true, "г-жа": true, "проф": true, "д-р": true, "ген": true, "herr": true, "frau": true,
}

// isInitial reports whether w is an initial: one letter and a dot.
func isInitial(w string) bool {
	r, n := utf8.DecodeRuneInString(w)
	return unicode.IsLetter(r) && w[n:] == "."
}

// obliqueAt reports whether the person mention covering pos is written
// in Cyrillic with a last word that is one of its name's words with
// another ending (`Гренелла` for Ричард Гренелл, `Терезе` for Тереза):
// an oblique case, which is not the subject of a verb of saying.
func (r *resolver) obliqueAt(pos int) bool {
	for _, p := range r.persons {
		if pos < p.Start || pos >= p.End {
			continue
		}
		surface := r.text[p.Start:p.End]
		if !strings.ContainsFunc(surface, func(c rune) bool { return unicode.Is(unicode.Cyrillic, c) }) {
			return false
		}
		w := strings.ToLower(lastLetters(surface))
		oblique := false
		for _, e := range strings.Fields(strings.ToLower(p.Entity)) {
			e = lastLetters(e)
			if e == w {
				return false // "Сър Винс" of Винс Кейбъл
			}
			// "Гренелла" of Гренелл, "Терезе" of Тереза: the same stem
			// with another ending.
			if k := commonPrefix(w, e); k > 0 && utf8.RuneCountInString(w[:k]) >= 4 && utf8.RuneCountInString(e[k:]) <= 1 && utf8.RuneCountInString(w[k:]) <= 3 {
				oblique = true
			}
		}
		return oblique
	}
	return false
}

// commonPrefix returns the length in bytes of the longest common prefix
// of a and b, on rune boundaries.
func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) {
		ra, sa := utf8.DecodeRuneInString(a[n:])
		rb, _ := utf8.DecodeRuneInString(b[n:])
		if ra != rb {
			break
		}
		n += sa
	}
	return n
}

// lastLetters returns the last run of letters and hyphens of s.
func lastLetters(s string) string {
	f := strings.FieldsFunc(s, func(c rune) bool { return !unicode.IsLetter(c) && c != '-' })
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}

// isPerson reports whether name is the name of a person mention.
func (r *resolver) isPerson(name string) bool {
	for _, p := range r.persons {
		if p.Entity == name {
			return true
		}
	}
	return false
}

// withoutAcronym returns the name of a person without an organisation's
// acronym it opens with ("ИАТА Дэвид Пауэлл", "ФРГ Хайко Маас"): three
// words or more, the first in capitals.
func withoutAcronym(name string, person bool) string {
	words := strings.Fields(name)
	if !person || len(words) < 3 || utf8.RuneCountInString(words[0]) < 2 || strings.ToUpper(words[0]) != words[0] || !strings.ContainsFunc(words[0], unicode.IsLetter) {
		return name
	}
	for _, w := range words[1:] {
		if !firstUpperWord(w) || strings.ToUpper(w) == w {
			return name
		}
	}
	return strings.Join(words[1:], " ")
}

// personAt returns the person whose mention covers the offset pos.
func (r *resolver) personAt(pos int) (string, bool) {
	for _, p := range r.persons {
		if pos >= p.Start && pos < p.End {
			return p.Entity, true
		}
	}
	return "", false
}

// rolePerson returns the person the role word t refers to: the one bound
// to it, else the last person named before it; "" when none.
func (r *resolver) rolePerson(t textseg.Token) string {
	bound := ""
	for _, ro := range r.roles {
		if ro.Start == t.Start && ro.Person != "" {
			if r.genitiveAfterRole(ro.Person) {
				// "глава Евросовета": the word after the role is what
				// it heads, typed a person.
				continue
			}
			if r.apposed(ro.End, ro.Person) {
				return ro.Person // "министр Т. Мэй"
			}
			bound = ro.Person
		}
	}
	// The same role with the same word after it names its holder
	// elsewhere ("Председатель Европарламента подтвердил ..." and, further
	// down, "председатель Европарламента Антонио Таяни").
	if next := nextWord(r.text, t.End); next != "" {
		for _, ro := range r.roles {
			if ro.Start != t.Start && ro.Person != "" && strings.EqualFold(r.text[ro.Start:ro.End], t.Text) &&
				nextWord(r.text, ro.End) == next && r.apposed(ro.End, ro.Person) {
				return ro.Person
			}
		}
	}
	if bound != "" && !r.farAfter(t.End, bound) {
		return bound
	}
	return r.lastPersonG(t.Start, false, false)
}

// genitiveAfterRole reports whether the person bound to a Russian role
// is one Cyrillic word in what looks like the genitive, named only there
// and not a given name: "Евросовета" of "глава Евросовета" is what the
// role heads, not who holds it. A woman's surname ("Захарова") is kept.
func (r *resolver) genitiveAfterRole(name string) bool {
	if strings.Contains(name, " ") || !strings.ContainsFunc(name, func(c rune) bool { return unicode.Is(unicode.Cyrillic, c) }) {
		return false
	}
	if !strings.HasSuffix(name, "а") && !strings.HasSuffix(name, "я") && !strings.HasSuffix(name, "ы") {
		return false
	}
	for _, suf := range []string{"ова", "ева", "ёва", "ина", "ына", "ская", "цкая"} {
		if strings.HasSuffix(name, suf) {
			return false
		}
	}
	if r.g != nil && r.g.GivenName(name) {
		return false
	}
	n := 0
	for _, p := range r.persons {
		if p.Entity == name {
			n++
		}
	}
	return n == 1
}

// compoundRole reports whether the lower-case w is a hyphenated compound
// whose last part is a role ("премьер-министр", "вице-президент"), which
// entities.IsRole leaves out.
func compoundRole(w string) bool {
	k := strings.LastIndexByte(w, '-')
	return k > 0 && k+1 < len(w) && entities.IsRole(w[k+1:])
}

// sameRoleHolder returns the person named in apposition to another
// mention of the role word t with the same word after it ("Премьер-министр
// Великобритании Тереза Мэй" for "Премьер-министр Великобритании"), when
// exactly one person is; "" otherwise.
func (r *resolver) sameRoleHolder(t textseg.Token) string {
	next := nextWord(r.text, t.End)
	if next == "" {
		return ""
	}
	holder := ""
	lower := strings.ToLower(r.text)
	word := strings.ToLower(t.Text)
	for from := 0; ; {
		k := strings.Index(lower[from:], word)
		if k < 0 {
			break
		}
		at := from + k
		from = at + len(word)
		if at == t.Start || nextWord(r.text, from) != next {
			continue
		}
		for _, p := range r.persons {
			if p.Start > from && r.apposed(from, p.Entity) && !r.obliqueAt(p.Start) {
				if holder != "" && holder != p.Entity {
					return ""
				}
				holder = p.Entity
				break
			}
		}
	}
	return holder
}

// apposed reports whether person is named right after pos, within three
// words and no punctuation: a role's apposition ("министр Т. Мэй",
// "председатель Европарламента Антонио Таяни").
func (r *resolver) apposed(pos int, person string) bool {
	for _, p := range r.persons {
		if p.Entity != person || p.Start < pos {
			continue
		}
		between := r.text[pos:p.Start]
		return !strings.ContainsAny(between, ",.;:!?()\"«»„“”\n") && !atLeastWords(between, 4)
	}
	return false
}

// nextWord returns the word of text right after pos, lower-cased; "" when
// punctuation comes first.
func nextWord(text string, pos int) string {
	rest := strings.TrimLeft(text[pos:], " ")
	end := strings.IndexFunc(rest, func(c rune) bool { return !unicode.IsLetter(c) && c != '-' })
	if end < 0 {
		end = len(rest)
	}
	return strings.ToLower(rest[:end])
}

// farAfter reports whether the person a role ending at pos is bound to is
// named only after it, past a comma or more than three words ("написал
// министр в прошении об отставке, подданном Т.Мэй"): another person, the
// role's holder is not.
func (r *resolver) farAfter(pos int, person string) bool {
	for _, p := range r.persons {
		if p.Entity != person {
			continue
		}
		if p.End <= pos {
			return false // named before the role
		}
		between := r.text[pos:p.Start]
		return strings.ContainsAny(between, ",.;!?\n") || atLeastWords(between, 4)
	}
	return false
}

// roleHolder returns the person bound to the role word t, or, when none
// is, to the next mention of the same role word; "" if t is no role.
func (r *resolver) roleHolder(t textseg.Token) string {
	if !entities.IsRole(strings.ToLower(t.Text)) {
		return ""
	}
	for _, ro := range r.roles {
		if ro.Start < t.Start || ro.Person == "" || inside(r.spans, ro.Start) {
			continue
		}
		if ro.Start == t.Start || r.text[ro.Start:ro.End] == t.Text {
			return ro.Person
		}
	}
	return ""
}

// lastPerson returns the person last named before pos, preferring a woman
// for a feminine pronoun when the names tell.
//
// Of the persons of the sentence that names that person, the subject of
// its verb of saying is preferred, else the first one (the subject, in
// these languages): in "Дейвид Джоунс коментира, че партията се
// съгласява с Дейвид Дейвис. „...“, изтъкна той." he is Дейвид Джоунс,
// in "..., че Русия ще спре да подкрепя Николас Мадуро, заяви държавният
// секретар Майк Помпео." he is Майк Помпео.
func (r *resolver) lastPerson(pos int, female bool) string {
	last := r.lastPersonG(pos, female, true)
	if last == "" {
		return ""
	}
	var at entities.Mention
	for i := len(r.persons) - 1; i >= 0; i-- {
		if p := r.persons[i]; p.End <= pos && p.Entity == last && !inside(r.spans, p.Start) && !p.Guessed {
			at = p
			break
		}
	}
	from := strings.LastIndexAny(r.text[:at.Start], ".!?\n") + 1
	to := at.End + strings.IndexAny(r.text[at.End:pos]+".", ".!?\n")
	matches := func(name string) bool {
		return (looksFemale(name) || (r.g != nil && r.g.Female(name))) == female
	}
	toks := r.window(from, to)
	for i, t := range toks {
		if !isReportingVerb(strings.ToLower(t.Text)) {
			continue
		}
		var sp string
		var ok bool
		if i > 0 && strings.Contains(",—–-", toks[i-1].Text) {
			sp, ok = r.personIn(toks[i+1:], true)
		} else if sp, ok = r.personIn(toks[:i], false); !ok {
			sp, ok = r.personIn(toks[i+1:], true)
		}
		if ok && matches(sp) {
			return sp
		}
		break
	}
	for _, p := range r.persons {
		if p.Start >= at.Start {
			break
		}
		if p.Start >= from && !inside(r.spans, p.Start) && !p.Guessed && !r.obliqueAt(p.Start) && !r.afterPluralVerb(p.Start) && matches(p.Entity) {
			return p.Entity
		}
	}
	return last
}

// personIn returns the first person named among toks (the last one when
// not forward), within a clause.
func (r *resolver) personIn(toks []textseg.Token, forward bool) (string, bool) {
	for k := range toks {
		i := k
		if !forward {
			i = len(toks) - 1 - k
		}
		if toks[i].Kind == textseg.Punct && strings.ContainsAny(toks[i].Text, ".!?;") {
			break
		}
		if p, ok := r.personAt(toks[i].Start); ok && !inside(r.spans, toks[i].Start) && !r.obliqueAt(toks[i].Start) && !r.afterPluralVerb(toks[i].Start) {
			return p, true
		}
	}
	return "", false
}

// lastPersonG is lastPerson; gendered false ignores gender.
func (r *resolver) lastPersonG(pos int, female, gendered bool) string {
	last := ""
	for i := len(r.persons) - 1; i >= 0; i-- {
		p := r.persons[i]
		if p.End > pos {
			continue
		}
		if inside(r.spans, p.Start) || p.Guessed || r.obliqueAt(p.Start) {
			// A name in an oblique case ("с министром Павлом
			// Климкиным") is not who a pronoun or a role stands for.
			continue
		}
		if r.interviewerAt(p.Start) {
			continue // "в интервью ведущей Опре Уинфри"
		}
		if r.afterPluralVerb(p.Start) {
			// "..., передают Українські Новини": the subject of a plural
			// verb of saying is a news outlet, not a person.
			continue
		}
		if last == "" && !(gendered && r.otherGender(p.Entity, female)) {
			last = p.Entity
		}
		isFemale := looksFemale(p.Entity) || (r.g != nil && r.g.Female(p.Entity))
		if female == isFemale || !gendered {
			return p.Entity
		}
	}
	return last
}

// otherGender reports whether the text's own verbs say the person name is
// not of the gender asked for ("– заявил Трамп" when female): "она"
// never stands for him, whatever the name's ending leaves open. (The
// gazetteer's given names were tried too: on PolNeAR's train month they
// turned one right English speaker and one wrong one into none.)
func (r *resolver) otherGender(name string, female bool) bool {
	g := r.agreesAs(name)
	return g != 0 && (g == 'f') != female
}

// agreesAs returns the gender a Russian verb of saying in the past tense
// gives the person name where it stands right next to one of its
// mentions: 'm' for "заявил Трамп", "Трамп сказал", 'f' for "сказала
// Мэй"; 0 when no such verb does, or they disagree.
func (r *resolver) agreesAs(name string) byte {
	var g byte
	for _, p := range r.persons {
		if p.Entity != name {
			continue // within a quotation too: "«...», – заявил Трамп, – «...»"
		}
		prev := r.text[:p.Start]
		k := strings.LastIndexByte(strings.TrimRight(prev, " "), ' ')
		for _, w := range []string{strings.TrimRight(prev, " ")[k+1:], nextWord(r.text, p.End)} {
			w = strings.ToLower(w)
			if !strings.ContainsFunc(w, func(c rune) bool { return unicode.Is(unicode.Cyrillic, c) }) || !isReportingVerb(w) {
				continue
			}
			var v byte
			switch {
			case strings.HasSuffix(w, "ла"):
				v = 'f'
			case strings.HasSuffix(w, "л"):
				v = 'm'
			default:
				continue
			}
			if g != 0 && g != v {
				return 0
			}
			g = v
		}
	}
	return g
}

// afterPluralVerb reports whether the word right before pos is a
// Cyrillic verb of saying in the plural ("сообщили") or one by which a
// text cites a news outlet ("передают", "пишут").
func (r *resolver) afterPluralVerb(pos int) bool {
	// Skip the capitalised words of the name before pos ("Новини" of
	// "Українські Новини").
	for range 3 {
		before := strings.TrimRight(r.text[:pos], " ")
		if len(before) == pos {
			return false
		}
		start := strings.LastIndexAny(before, " \n,.;:!?()«»\"") + 1
		w := before[start:]
		if firstUpperWord(w) {
			pos = start
			continue
		}
		w = strings.ToLower(w)
		return w != "" && strings.ContainsFunc(w, func(c rune) bool { return unicode.Is(unicode.Cyrillic, c) }) && pluralVerb(w) && (isReportingVerb(w) || strings.HasPrefix(w, "переда") || w == "пишут")
	}
	return false
}

// looksFemale guesses from a Cyrillic name's endings whether it is a
// woman's ("Тереза Мей", "Анна Попова").
func looksFemale(name string) bool {
	if !strings.ContainsFunc(name, func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }) {
		return false
	}
	for _, w := range strings.Fields(name) {
		for _, suf := range []string{"а", "я", "ова", "ева", "ина", "ска"} {
			if strings.HasSuffix(w, suf) {
				return true
			}
		}
	}
	return false
}
