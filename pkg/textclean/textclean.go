// Package textclean separates an article body from what is not article
// text. Teaser lines pointing at other articles ("Още: ...", "Читайте
// также: ...", "Read more: ...") become related links; promo, subscribe
// and share text, photo credits, copyright and source footers, rating
// widgets, tag lists, calls to send tips or get the app, a site's
// description line and a headline repeated in the body (verbatim, or as
// the part of a title that also carries a time stamp, rubric or site name)
// are dropped; so is everything after a typo-report widget ("выделите
// текст и нажмите Ctrl+Enter"), which ends the article on the page. Lines
// learned as boilerplate of a source (see Learner) go too.
//
// A marker fires only where it is page furniture, not where its words are
// part of a sentence of the article: a share label in a run of button
// labels ("Сподели Приятел Tweet", not "in einem Tweet schrieb er"), a
// messenger or app in a call to action or the site's plug for its news
// ("Новости от ... в Telegram", not "Министърът написа в Telegram, че"),
// a widget label with its counter, clock or question, a credit label that
// is not a noun of the sentence, and no call to action in reported speech.
//
// Whole lines are removed where the line is boilerplate; in long lines
// (some sources put the whole article on one line) only the boilerplate
// sentence or credit is cut out. The rules know Bulgarian, Russian,
// Ukrainian, English and German, and the common forms of the other
// languages of the corpus.
package textclean

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Result is a cleaned body.
type Result struct {
	// Body is the article text without the removed lines and fragments.
	Body string
	// RelatedLinks are the titles of the teaser lines, in order.
	RelatedLinks []string
	// Removed are the whole lines dropped or moved, trimmed, in order.
	Removed []string
	// Cut are the fragments cut out of lines that stay, in order.
	Cut []string
}

// Options tune Clean.
type Options struct {
	// Title is the article's title: a body line repeating it is dropped.
	Title string
	// Boilerplate reports lines (trimmed) learned as boilerplate of the
	// article's source; nil for none.
	Boilerplate func(line string) bool
}

// longLine is the length in bytes from which a line is treated as a
// paragraph, where only the boilerplate sentence is cut out, rather than a
// line that is dropped whole.
const longLine = 400

// Clean cleans body with the rules alone.
func Clean(body string) Result { return CleanWith(body, Options{}) }

// CleanWith cleans body.
func CleanWith(body string, opt Options) Result {
	lines := strings.Split(body, "\n")
	kept := make([]string, 0, len(lines))
	var res Result
	title := normTitle(opt.Title)
	pendingTeaser := false
	last, keptText := -1, 0
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			last = i
		}
	}
	// ended: the article ended with a typo-report widget; what follows is
	// page chrome (comment forms, legal notes, teasers, the site's slogan).
	// headline: the first line may still repeat the title.
	ended, headline, afterTitle := false, true, false
	for i, line := range lines {
		t := strings.TrimSpace(line)
		if t == "" {
			kept = append(kept, "")
			continue
		}
		first := headline
		headline = false
		if ended {
			res.Removed = append(res.Removed, t)
			continue
		}
		if pendingTeaser {
			// The line after a lone "Прочетете още:" is the linked title.
			pendingTeaser = false
			if len(t) < 200 && !endsSentence(t) {
				res.RelatedLinks = append(res.RelatedLinks, t)
				res.Removed = append(res.Removed, t)
				continue
			}
		}
		if link, ok, alone := teaser(t); ok {
			res.Removed = append(res.Removed, t)
			if alone {
				pendingTeaser = true
			} else {
				res.RelatedLinks = append(res.RelatedLinks, link)
			}
			continue
		}
		if opt.Boilerplate != nil && opt.Boilerplate(t) {
			res.Removed = append(res.Removed, t)
			continue
		}
		if title != "" && len(t) < len(title)+64 && mayBeTitle(t, title) && (normTitle(t) == title || len(t) < len(title)+40 && strings.HasPrefix(strings.ToLower(t), title)) {
			res.Removed = append(res.Removed, t)
			continue
		}
		if first && keptText == 0 && len(t) < len(opt.Title) && titlePart(t, opt.Title) {
			res.Removed = append(res.Removed, t)
			afterTitle = true
			continue
		}
		// A headline-like line first in the body is a stray headline, but
		// not after the headline titlePart found: then it is the standfirst.
		// (After a verbatim title it is most often a caption: it goes.)
		if len(t) < longLine && boilerLine(t) || len(t) < 200 && timeStamp(t) || i != last && strayHeadline(t, lines, i, keptText == 0 && !afterTitle) {
			res.Removed = append(res.Removed, t)
			ended = keptText > 0 && typoWidget(t)
			continue
		}
		if i == last && keptText > 0 && siteTagline(t) {
			res.Removed = append(res.Removed, t)
			continue
		}
		cleaned, cut, tail := cutFragments(t)
		if len(cut) > 0 {
			res.Cut = append(res.Cut, cut...)
			// Article text comes before the widget: on earlier lines or on this one.
			ended = tail && (keptText > 0 || strings.TrimSpace(cleaned) != "") && typoWidget(cut[len(cut)-1])
			if strings.TrimSpace(cleaned) == "" {
				res.Removed = append(res.Removed, t)
				res.Cut = res.Cut[:len(res.Cut)-len(cut)]
				continue
			}
			line = cleaned
		}
		kept = append(kept, line)
		keptText++
	}
	res.Body = joinParagraphs(kept)
	return res
}

// joinParagraphs joins lines, collapsing runs of blank lines left by
// removed lines into one.
func joinParagraphs(lines []string) string {
	var b strings.Builder
	blank := false
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			blank = b.Len() > 0
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
			if blank {
				b.WriteByte('\n')
			}
		}
		blank = false
		b.WriteString(strings.TrimRightFunc(l, unicode.IsSpace))
	}
	return b.String()
}

func endsSentence(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r == '.' || r == '!' || r == '?' || r == '…'
}

// collapseSpace is strings.Join(strings.Fields(s), " "), in one pass.
func collapseSpace(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	field := -1 // start of the current field
	for i, r := range s {
		var space bool
		switch {
		case r < 0x80:
			space = r == ' ' || r >= '\t' && r <= '\r'
		case r >= 0x400 && r < 0x530: // Cyrillic
		default:
			space = unicode.IsSpace(r)
		}
		if space {
			if field >= 0 {
				if b.Len() > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(s[field:i])
				field = -1
			}
			continue
		}
		if field < 0 {
			field = i
		}
	}
	if field >= 0 {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[field:])
	}
	return b.String()
}

func lastRuneString(s string) string {
	_, n := utf8.DecodeLastRuneInString(s)
	return s[len(s)-n:]
}

func neighbour(lines []string, i, dir int) string {
	for j := i + dir; j >= 0 && j < len(lines); j += dir {
		if t := strings.TrimSpace(lines[j]); t != "" {
			return t
		}
	}
	return ""
}

// paragraph reports a line of running text: long and ending a sentence.
func paragraph(t string) bool {
	return len(t) >= 150 && (endsSentence(t) || strings.HasSuffix(t, "\"") || strings.HasSuffix(t, "“") || strings.HasSuffix(t, "»"))
}

// timeStamp reports a line ending in a clock time ("Сегодня, 17:22").
func timeStamp(t string) bool {
	n := len(t)
	if n < 6 || t[n-3] != ':' || !isDigit(t[n-1]) || !isDigit(t[n-2]) || !isDigit(t[n-4]) {
		return false
	}
	return strings.Count(t, " ") >= 2
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// rating matches rating widgets such as "4.8 (96%) 5 votes".
func rating(t string) bool {
	i := strings.Index(t, "votes")
	if i < 0 || !strings.Contains(t[:i], "%)") {
		return false
	}
	return true
}

// tagList matches a line of comma-separated lower-case tags: at least four
// short items and no sentence end.
func tagList(t string) bool {
	if endsSentence(t) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(t)
	if !unicode.IsLower(r) {
		return false
	}
	items := strings.Split(t, ",")
	if len(items) < 4 {
		return false
	}
	for _, it := range items {
		if n := len(strings.Fields(it)); n == 0 || n > 4 {
			return false
		}
	}
	return true
}
