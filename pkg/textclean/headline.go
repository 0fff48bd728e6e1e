package textclean

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// mayBeTitle reports whether line t (trimmed) may be the title normTitle
// gave: a cheap test before normTitle(t) == title and the lower-cased t
// starting with title, which both need t's first letter in lower case to
// be title's.
func mayBeTitle(t, title string) bool {
	r, n := utf8.DecodeRuneInString(t)
	tr, tn := utf8.DecodeRuneInString(title)
	if r == utf8.RuneError && n <= 1 || tr == utf8.RuneError && tn <= 1 {
		return true // invalid UTF-8: let the full test decide
	}
	return unicode.ToLower(r) == tr
}

func normTitle(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimRight(s, ".!?… ")
	if utf8.RuneCountInString(s) < 12 {
		return ""
	}
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// strayHeadline reports a headline-like line in the middle of the body,
// between two paragraphs: a teaser of another article or a caption left by
// the page ("Тръмп и Байдън отправят коренно различни послания"), or a
// line that ends in a time stamp ("... Сегодня, 17:22").
func strayHeadline(t string, lines []string, i int, first bool) bool {
	if len(t) < 200 && timeStamp(t) {
		return true
	}
	quoted := quotedHeadline(t)
	if !quoted && (endsSentence(t) || strings.ContainsAny(lastRuneString(t), ":;,\"“”»)")) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(t)
	if !quoted && !unicode.IsUpper(r) {
		return false
	}
	fields := strings.Fields(t)
	if n := len(fields); n < 4 || n > 20 {
		return false
	}
	digits := 0
	for _, f := range fields {
		if strings.ContainsAny(f, "0123456789") {
			digits++
		}
	}
	if digits*3 >= len(fields) {
		return false // a result or a table row: "Result: Nadal 6-7 (6/8) 6-2"
	}
	return (first || paragraph(neighbour(lines, i, -1))) && paragraph(neighbour(lines, i, 1))
}

// quotedHeadline reports a line in the form of a headline that opens with
// a quoted name or phrase and a colon, then one clause: "\"Северный
// поток-2\": евродепутаты призывают остановить строительство." Some sites
// end such teasers with a full stop, and strayHeadline still wants
// paragraphs around the line. The clause of a teaser is a headline of its
// own, with its own subject; a one-sentence paragraph of the article that
// opens so comments on or attributes its quotation, and says so in its
// first words ("\"...\": така министърът отговори", "«...»: об этом заявил
// министр"): that line is not a teaser.
func quotedHeadline(t string) bool {
	open, n := utf8.DecodeRuneInString(t)
	if !strings.ContainsRune("\"«„“‘", open) {
		return false
	}
	end := strings.IndexAny(t[n:], "\"»“”’")
	if end <= 0 || end > 80 {
		return false
	}
	_, m := utf8.DecodeRuneInString(t[n+end:])
	rest := t[n+end+m:]
	if !strings.HasPrefix(rest, ":") {
		return false
	}
	if first, _ := utf8.DecodeRuneInString(t[n:]); !unicode.IsUpper(first) {
		return false
	}
	// One clause: no sentence ends before the last character.
	body := strings.TrimRight(rest, ".!?… ")
	if strings.ContainsAny(body, ".!?…") || len(strings.Fields(body)) < 3 {
		return false
	}
	clause := strings.Fields(body[1:])
	for _, w := range clause[:min(2, len(clause))] {
		if backReferences[fieldWord(w)] {
			return false
		}
	}
	return true
}

// backReferences are the words by which a clause after a quotation and a
// colon points back at the quotation, in lower case: demonstratives and
// adverbs of manner ("така", "это", "such", "so"), the closed class that
// opens the attribution or comment of a quotation in each language.
var backReferences = map[string]bool{
	"така": true, "това": true, "тези": true, "този": true, "такива": true, "такъв": true, "такава": true, "такова": true, "ето": true,
	"так": true, "это": true, "этом": true, "этими": true, "такими": true, "таким": true, "такие": true, "вот": true,
	"це": true, "цим": true, "цими": true, "такі": true, "ось": true,
	"this": true, "that": true, "these": true, "those": true, "such": true, "thus": true, "so": true, // en, de
	"dies": true, "diese": true, "diesen": true, "damit": true,
}

// titlePart reports a first line that is the headline the title holds
// among the page's extras: the title is the line with at most three more
// words of letters (a rubric, a breadcrumb, the site name) and any time
// stamps and dates ("08:56 Консулът ни ...", "Home / Світ / Америка / ...",
// "... | Dnevno.hr"). Letters and digits are compared, in lower case.
func titlePart(line, title string) bool {
	l, t := headlineWords(line), headlineWords(title)
	if len(l)*2 < len(t) {
		return false
	}
	i := strings.Index(t, l)
	if i < 0 {
		return false
	}
	extra := 0
	for _, w := range strings.Fields(t[:i] + " " + t[i+len(l):]) {
		if strings.ContainsFunc(w, unicode.IsLetter) {
			extra++
		}
	}
	return extra <= 3 && len(strings.Fields(l)) >= 4
}

// headlineWords returns the letters and digits of s in lower case, every
// other run of characters as one space.
func headlineWords(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		space = true
	}
	return b.String()
}
