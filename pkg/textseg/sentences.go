package textseg

import (
	"strings"
)

// Split splits text into sentences, each with its tokens. A line break
// always ends a sentence; within a line a sentence ends at ".", "!", "?",
// "…" (with any closing quotes and brackets after it) when what follows
// starts a new one: a capital letter, a digit, an opening quote or a dash
// before a capital. Abbreviations and initials do not end a sentence unless
// they may (see the package comment).
func Split(text string) []Sentence {
	return SplitTokens(text, Tokenize(text))
}

// SplitTokens is Split over tokens already produced by Tokenize(text).
func SplitTokens(text string, toks []Token) []Sentence {
	out := make([]Sentence, 0, len(toks)/16+1) // news sentences run 15-25 tokens
	start := 0
	emit := func(end int) { // tokens [start, end)
		if end > start {
			s, e := toks[start].Start, toks[end-1].End
			out = append(out, Sentence{Text: text[s:e], Start: s, End: e, Tokens: toks[start:end:end]})
		}
		start = end
	}
	for i := 0; i < len(toks); i++ {
		if i > start && lineBreak(text, toks[i-1].End, toks[i].Start) {
			emit(i)
		}
		if !terminal(toks[i]) {
			continue
		}
		// Closing quotes and brackets right after the terminal belong to
		// this sentence.
		j := i + 1
		for j < len(toks) && toks[j].Start == toks[j-1].End && closer(toks[j].Text) {
			j++
		}
		if j >= len(toks) {
			break
		}
		if lineBreak(text, toks[j-1].End, toks[j].Start) {
			continue // the line break ends it at the next step
		}
		if endsHere(toks, i, j) {
			emit(j)
			i = j - 1
		}
	}
	emit(len(toks))
	return out
}

func lineBreak(text string, from, to int) bool {
	// The gap between two tokens is white space, mostly one byte.
	for k := from; k < to; k++ {
		switch text[k] {
		case '\n':
			return true
		case 0xE2: // U+2029, the paragraph separator, is E2 80 A9
			if strings.HasPrefix(text[k:to], "\u2029") {
				return true
			}
		}
	}
	return false
}

// terminal reports whether t can end a sentence.
func terminal(t Token) bool {
	switch t.Kind {
	case Punct:
		switch t.Text[0] {
		case '.', '!', '?':
			return true
		}
		return t.Text == "…"
	case Abbrev:
		return true
	}
	return false
}

// closer reports whether s closes a quotation or bracket after a sentence
// end.
func closer(s string) bool {
	switch s {
	case `"`, "”", "“", "»", "'", "’", ")", "]", "›":
		return true
	}
	return false
}

func opener(s string) bool {
	switch s {
	case `"`, "„", "“", "«", "(", "[", "‘", "‹", "'", "‚":
		return true
	}
	return false
}

func dash(s string) bool { return s == "–" || s == "—" || s == "-" || s == "―" }

// endsHere decides whether the terminal toks[i] ends a sentence before
// toks[j] (the first token after its closers).
func endsHere(toks []Token, i, j int) bool {
	t, next := toks[i], toks[j]
	var prev *Token
	if i > 0 {
		prev = &toks[i-1]
	}
	// What follows must look like the start of a sentence.
	startsUpper := next.Capitalized()
	switch {
	case startsUpper:
	case next.Kind == Number:
		if t.Kind != Punct || t.Text != "." || prev != nil && prev.Kind == Number && prev.End == t.Start && len(prev.Text) <= 2 {
			return false // "3. 10. 2019", "млн. 300"
		}
	case opener(next.Text) || dash(next.Text):
		if j+1 >= len(toks) {
			return false
		}
		after := toks[j+1]
		if !after.Capitalized() && after.Kind != Number && !opener(after.Text) {
			return false
		}
	default:
		return false
	}
	switch t.Kind {
	case Abbrev:
		c := abbrevClassOf(t, prev)
		switch c {
		case inner, initial:
			return false
		case acronym:
			return starter(next.Text) || opener(next.Text)
		}
		return startsUpper || opener(next.Text) || dash(next.Text)
	case Punct:
		if t.Text == "." && prev != nil && prev.End == t.Start && prev.Kind == Number && len(prev.Text) <= 2 && monthName(next.Text) {
			return false // "am 3. Oktober"
		}
	}
	return true
}

// abbrevClassOf classifies an abbreviation token (with its dots).
func abbrevClassOf(t Token, prev *Token) class {
	w := strings.TrimSuffix(t.Text, ".")
	if strings.Contains(w, ".") {
		return dottedClass(t.Text)
	}
	c := abbrevClass(w, prev)
	if c == notAbbrev {
		return mayEnd
	}
	return c
}
