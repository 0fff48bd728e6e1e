package textclean

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/textseg"
)

// cutFragments cuts boilerplate out of a long line: a sentence that is
// promotion or a footer, or a photo credit inside a sentence. tail reports
// that the last fragment cut ran to the end of the line.
func cutFragments(line string) (cleaned string, cut []string, tail bool) {
	if kinds, _, _, _ := markersIn(line); kinds == 0 && !strings.Contains(line, "votes") && !hasTeaser(line) {
		return line, nil, false
	}
	var b strings.Builder
	last, lastFrom := 0, 0
	promo := false
	for _, s := range textseg.Split(line) {
		frag, from, to, isPromo := sentenceBoilerplate(line, s)
		if frag == "" {
			continue
		}
		b.WriteString(line[last:from])
		last, lastFrom = to, from
		promo = isPromo
		cut = append(cut, strings.TrimSpace(frag))
	}
	if len(cut) == 0 {
		return line, nil, false
	}
	// "Follow us in our app. You can download it from" and the store
	// buttons are gone: a promotion's unfinished last words go with it.
	if rest := line[last:]; promo && danglingTail(rest) {
		cut[len(cut)-1] = strings.TrimSpace(line[lastFrom:])
		last = len(line)
	}
	b.WriteString(line[last:])
	return collapseSpace(b.String()), cut, strings.TrimSpace(line[last:]) == ""
}

// danglingTail reports the rest of a line after a promotion that is a few
// words breaking off without ending a sentence, the link or button they
// led to stripped ("Можете да го изтеглите от").
func danglingTail(rest string) bool {
	rest = strings.TrimSpace(rest)
	if rest == "" || len(rest) > 120 || endsSentence(rest) || utf8.RuneCountInString(rest) > 60 {
		return false
	}
	n := len(strings.Fields(rest))
	return n >= 2 && n <= 8
}

// sentenceBoilerplate returns the part of sentence s of line that is
// boilerplate and its offsets, or "", and whether it is promotion.
func sentenceBoilerplate(line string, s textseg.Sentence) (string, int, int, bool) {
	t := s.Text
	if _, ok, _ := teaser(t); ok {
		return t, s.Start, s.End, false
	}
	kinds, promo, credit, footer := markersIn(t)
	if kinds&kindPromo != 0 || startsWithMarker(t, footerMarkers, kindFooter) || startsWithMarker(t, creditMarkers, kindCredit) || rating(t) {
		if footer > 0 && kinds&kindPromo == 0 {
			return t[footer:], s.Start + footer, s.End, false
		}
		if kinds&kindPromo != 0 && (footer < 0 || footer > promo) && (credit < 0 || credit > promo) {
			// Share buttons run into the article's next sentence: only the
			// buttons go.
			if end := buttonRun(t, promo); end > 0 && (promo == 0 || missedBoundary(t, promo)) {
				return t[promo:end], s.Start + promo, s.Start + end, true
			}
			if missedBoundary(t, promo) {
				return t[promo:], s.Start + promo, s.End, true
			}
		}
		return t, s.Start, s.End, kinds&kindPromo != 0
	}
	// A credit or footer inside a sentence: the marker and the name after
	// it ("... Снимка: Ройтерс ...", "Източник: БГНЕС").
	for _, i := range []int{credit, footer} {
		if i < 0 {
			continue
		}
		end := creditEnd(t, i)
		return t[i:end], s.Start + i, s.Start + end, false
	}
	return "", 0, 0, false
}

// missedBoundary reports a promotion marker at i inside sentence t that
// starts a sentence the segmenter missed: it opens with a capital letter
// after words that end without punctuation ("... (@user) June 18, 2018
// Следете ни ..."), so the words before it are not promotion.
func missedBoundary(t string, i int) bool {
	if i <= 0 {
		return false
	}
	r, _ := utf8.DecodeRuneInString(t[i:])
	if !unicode.IsUpper(r) || isUpperText(t[i:min(len(t), i+24)]) {
		return false
	}
	before := strings.TrimRight(t[:i], " \u00a0")
	p, _ := utf8.DecodeLastRuneInString(before)
	return unicode.IsLetter(p) || unicode.IsDigit(p) || p == ')'
}

// isUpperText reports a text with no lower-case letter.
func isUpperText(s string) bool {
	return !strings.ContainsFunc(s, unicode.IsLower)
}

// creditEnd returns where the credit starting at i in t ends: after the
// marker, the capitalised names and agency words that follow, at most four
// words, and before a word that begins the next sentence.
func creditEnd(t string, i int) int {
	toks := textseg.Tokenize(t[i:])
	end := len(t)
	words := 0
	seenMarker, inDomain := false, false
	for k, tok := range toks {
		if !seenMarker {
			if tok.Text == ":" || tok.Text == "-" || tok.Text == "–" || tok.Text == "©" {
				seenMarker = true
			}
			if k >= 3 && !seenMarker {
				seenMarker = true
			}
			continue
		}
		// The dots of a web domain ("Фото: primer.com.tr") end nothing: the
		// domain is the name of the credit, which ends with it unless a
		// list goes on ("Foto: flickr.com, Agentur").
		if domainDot(toks, k) {
			inDomain = true
			continue
		}
		if inDomain {
			inDomain = false
			if k+1 < len(toks) && toks[k+1].Kind != textseg.Punct && !domainDot(toks, k+1) {
				return i + tok.End
			}
			end = i + tok.End
			continue
		}
		if tok.Kind == textseg.Punct && (tok.Text == "." || tok.Text == ";") {
			return i + tok.End
		}
		if tok.IsWord() || tok.Kind == textseg.URL {
			if words > 0 && !tok.Capitalized() && tok.Kind != textseg.URL {
				return i + toks[k-1].End
			}
			// A capitalised word followed by a lower-case one starts a
			// sentence ("Ройтерс Пакистанският съд реши").
			if words > 0 && k+1 < len(toks) && toks[k+1].IsWord() && !toks[k+1].Capitalized() {
				return i + toks[k-1].End
			}
			// So does a number-adjective right after the marker: the credit
			// is empty ("Источник: 53-летняя мать ...").
			if words == 0 && isDigit(tok.Text[0]) && strings.ContainsFunc(tok.Text, unicode.IsLetter) && k+1 < len(toks) && toks[k+1].IsWord() && !toks[k+1].Capitalized() {
				return i + toks[k-1].End
			}
			words++
			if words == 4 {
				return i + tok.End
			}
		}
		end = i + tok.End
	}
	return end
}

// domainDot reports a dot token k of toks that joins two pieces of a web
// domain: glued to a word before it and to a piece after it of ASCII
// letters, digits and hyphens that starts in lower case or with a digit
// ("primer.com.tr", "vk.me"), not a missed space between two sentences
// ("Ройтерс.Пакистанският").
func domainDot(toks []textseg.Token, k int) bool {
	if toks[k].Text != "." || k == 0 || k+1 >= len(toks) {
		return false
	}
	prev, next := toks[k-1], toks[k+1]
	if prev.End != toks[k].Start || next.Start != toks[k].End || !prev.IsWord() || !next.IsWord() {
		return false
	}
	if c := next.Text[0]; !(c >= 'a' && c <= 'z' || isDigit(c)) {
		return false
	}
	for _, c := range []byte(next.Text) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '-') {
			return false
		}
	}
	return true
}
