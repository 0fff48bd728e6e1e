// Package quotes finds direct quotations in a news text („...“, «...»,
// “...”, "...") and who said them: the person named next to a reporting
// verb ("заяви Маас", "сказал Трамп", "said Holmes", "Souness said:"), the
// person a pronoun or a role refers to ("заяви той", "said the minister"),
// or, for a quotation that goes on right after an attributed one, the same
// speaker. People are recognised by package entities, so a surname alone
// resolves to the full name.
//
// The package imports nothing of NATS; Extract is a pure function.
package quotes

import (
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
// name or a scare quote ("Билд", «богохульство», "red line").
const MinWords = 3

// span is a quotation's position: marks at open and close, text inside.
type span struct {
	open, start, end, close int
}

// Extract finds the quotations of text and their speakers. ents is the
// result of entities.Extract over the same text.
func Extract(text string, ents entities.Result) []Quote {
	spans := find(text)
	var persons []entities.Mention
	for _, m := range ents.Mentions {
		if m.Type == article.EntityPerson && !inside(spans, m.Start) {
			persons = append(persons, m)
		}
	}
	r := resolver{text: text, persons: persons, roles: ents.Roles, spans: spans}
	var out []Quote
	prevEnd, prevSpeaker := -1, ""
	for _, s := range spans {
		q := strings.TrimSpace(text[s.start:s.end])
		if textseg.CountWords(q) < MinWords {
			continue
		}
		speaker, ok := r.after(s)
		if !ok {
			speaker, ok = r.before(s)
		}
		if !ok && prevEnd >= 0 && continues(text[prevEnd:s.open]) {
			speaker = prevSpeaker
		}
		out = append(out, Quote{Text: q, Speaker: speaker, Start: s.start, End: s.end})
		prevEnd, prevSpeaker = s.close, speaker
	}
	return out
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
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		var s span
		var ok bool
		switch r {
		case '„':
			s, ok = closeNested(text, i, n, '„', "“”\"")
		case '«':
			s, ok = closeNested(text, i, n, '«', "»")
		case '“':
			s, ok = closeNested(text, i, n, '“', "”")
		case '"':
			s, ok = closeStraight(text, i)
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

// closeNested finds the mark closing the quotation opened at i, counting
// nested quotations opened with the same mark.
func closeNested(text string, i, n int, open rune, closers string) (span, bool) {
	depth := 1
	for j := i + n; j < len(text); {
		r, m := utf8.DecodeRuneInString(text[j:])
		switch {
		case r == '\n':
			return span{}, false
		case r == open:
			depth++
		case strings.ContainsRune(closers, r):
			// A straight quote closes a „ only if no “ follows on the line.
			if r == '"' && open == '„' {
				rest := text[j+m:]
				if k := strings.IndexByte(rest, '\n'); k >= 0 {
					rest = rest[:k]
				}
				if strings.ContainsAny(rest, "“”") {
					break
				}
			}
			depth--
			if depth == 0 {
				return span{open: i, start: i + n, end: j, close: j + m}, true
			}
		}
		j += m
	}
	return span{}, false
}

// closeStraight pairs a straight double quote with the next one on the
// line that can close it (not followed by a letter).
func closeStraight(text string, i int) (span, bool) {
	for j := i + 1; j < len(text); j++ {
		switch text[j] {
		case '\n':
			return span{}, false
		case '"':
			next, _ := utf8.DecodeRuneInString(text[j+1:])
			if unicode.IsLetter(next) {
				continue
			}
			return span{open: i, start: i + 1, end: j, close: j + 1}, true
		}
	}
	return span{}, false
}

// continues reports whether the text between two quotations is short
// enough that the second goes on with the first's speaker: a reporting
// clause or punctuation, no sentence of its own.
func continues(between string) bool {
	if strings.Contains(between, "\n\n") {
		return false
	}
	return textseg.CountWords(between) <= 8
}

type resolver struct {
	text    string
	persons []entities.Mention
	roles   []entities.Role
	spans   []span
}

// window returns the tokens of text[from:to] with offsets into text.
func (r *resolver) window(from, to int) []textseg.Token {
	toks := textseg.Tokenize(r.text[from:to])
	for i := range toks {
		toks[i].Start += from
		toks[i].End += from
	}
	return toks
}

// after looks for "..., заяви Маас" / "," said Holmes / "," he said.
func (r *resolver) after(s span) (string, bool) {
	end := s.close + 160
	if end > len(r.text) {
		end = len(r.text)
	}
	if k := strings.IndexByte(r.text[s.close:end], '\n'); k >= 0 {
		end = s.close + k
	}
	// Stop at the next quotation.
	for _, o := range r.spans {
		if o.open >= s.close && o.open < end {
			end = o.open
		}
	}
	toks := r.window(s.close, end)
	words := 0
	for i, t := range toks {
		if t.Kind == textseg.Punct {
			if strings.ContainsAny(t.Text, ".!?") && words > 0 {
				return "", false
			}
			continue
		}
		words++
		if words > 5 {
			return "", false
		}
		if !entities.IsReportingVerb(strings.ToLower(t.Text)) {
			continue
		}
		// Speaker after the verb, else before it.
		if sp, ok := r.speakerIn(toks[i+1:], true); ok {
			return sp, true
		}
		if sp, ok := r.speakerIn(toks[:i], false); ok {
			return sp, true
		}
		return "", false
	}
	return "", false
}

// before looks for "Souness said: "...", "заяви Маас: „...", "Той каза,
// че „...".
func (r *resolver) before(s span) (string, bool) {
	start := s.open - 200
	if start < 0 {
		start = 0
	}
	for start > 0 && !utf8.RuneStart(r.text[start]) {
		start++
	}
	if k := strings.LastIndexByte(r.text[start:s.open], '\n'); k >= 0 {
		start += k + 1
	}
	for _, o := range r.spans {
		if o.close <= s.open && o.close > start {
			start = o.close
		}
	}
	toks := r.window(start, s.open)
	// Only the last clause counts.
	for i := len(toks) - 1; i >= 0; i-- {
		if t := toks[i]; t.Kind == textseg.Punct && strings.ContainsAny(t.Text, ".!?") && i < len(toks)-1 {
			toks = toks[i+1:]
			break
		}
	}
	// "Според X", "По думите на X", "According to X".
	for i, t := range toks {
		lw := strings.ToLower(t.Text)
		if lw == "според" || lw == "according" || lw == "по словам" {
			if sp, ok := r.speakerIn(toks[i+1:], true); ok {
				return sp, true
			}
		}
	}
	for i := len(toks) - 1; i >= 0 && i >= len(toks)-8; i-- {
		if !entities.IsReportingVerb(strings.ToLower(toks[i].Text)) {
			continue
		}
		if sp, ok := r.speakerIn(toks[:i], false); ok {
			return sp, true
		}
		if sp, ok := r.speakerIn(toks[i+1:], true); ok {
			return sp, true
		}
	}
	return "", false
}

// speakerIn finds the speaker among toks: a person named there, a pronoun
// or a role. forward searches from the start (after a verb), else from
// the end (before a verb).
func (r *resolver) speakerIn(toks []textseg.Token, forward bool) (string, bool) {
	n := len(toks)
	for k := 0; k < n && k < 8; k++ {
		i := k
		if !forward {
			i = n - 1 - k
		}
		t := toks[i]
		if t.Kind == textseg.Punct && strings.ContainsAny(t.Text, ".!?;") {
			return "", false
		}
		for _, p := range r.persons {
			if t.Start >= p.Start && t.Start < p.End {
				return p.Entity, true
			}
		}
		lw := strings.ToLower(t.Text)
		if ok, female := entities.IsPronoun(lw); ok {
			return r.lastPerson(t.Start, female), true
		}
		if entities.IsRole(lw) {
			for _, ro := range r.roles {
				if ro.Start == t.Start && ro.Person != "" {
					return ro.Person, true
				}
			}
			if p := r.lastPerson(t.Start, false); p != "" {
				return p, true
			}
		}
	}
	return "", false
}

// lastPerson returns the person last named before pos, preferring a woman
// for a feminine pronoun when the names tell.
func (r *resolver) lastPerson(pos int, female bool) string {
	last := ""
	for i := len(r.persons) - 1; i >= 0; i-- {
		p := r.persons[i]
		if p.End > pos {
			continue
		}
		if last == "" {
			last = p.Entity
		}
		if !female || looksFemale(p.Entity) {
			return p.Entity
		}
	}
	return last
}

// looksFemale guesses from a Cyrillic name's endings whether it is a
// woman's ("Тереза Мей", "Анна Попова").
func looksFemale(name string) bool {
	for _, w := range strings.Fields(name) {
		for _, suf := range []string{"а", "я", "ова", "ева", "ина", "ска"} {
			if strings.HasSuffix(w, suf) {
				return true
			}
		}
	}
	return false
}
