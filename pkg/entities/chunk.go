package entities

// Chunking: runs of capitalised words (and quoted names) as candidate
// mentions, sentence by sentence.

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/textseg"
)

// shouting reports whether a line is written in capitals (a clickbait
// title), where capitalisation tells nothing.
func shouting(s string) bool {
	up, low := 0, 0
	for _, r := range s {
		switch {
		case r < 0x80:
			if r >= 'a' && r <= 'z' {
				low++
			} else if r >= 'A' && r <= 'Z' {
				up++
			}
		case isLower(r):
			low++
		case isUpper(r):
			up++
		}
		if low > up+8 {
			return false
		}
	}
	letters := up + low
	return letters >= 12 && up*10 > letters*6
}

func lowerWord(t textseg.Token) string {
	w := strings.TrimSuffix(t.Text, ".")
	for i := 0; i < len(w); i++ {
		if c := w[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(w)
		}
	}
	if hasUpper(w) {
		return textseg.ToLower(w)
	}
	return w
}

// hasUpper reports whether w has an upper-case letter, with a fast path
// for ASCII and Cyrillic.
func hasUpper(w string) bool {
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c < 0x80:
			if c >= 'A' && c <= 'Z' {
				return true
			}
		case c == 0xD0 && i+1 < len(w):
			// U+0400-U+042F are capitals, U+0430-U+043F small.
			if w[i+1] < 0xB0 {
				return true
			}
			i++
		case c == 0xD1 && i+1 < len(w):
			i++ // U+0440-U+047F: small letters (and rare historic ones)
		default:
			r, n := utf8.DecodeRuneInString(w[i:])
			if unicode.IsUpper(r) {
				return true
			}
			i += n - 1
		}
	}
	return false
}

func isWord(t textseg.Token) bool { return t.Kind == textseg.Word }

func capital(t textseg.Token) bool {
	return (t.Kind == textseg.Word || t.Kind == textseg.Abbrev) && firstUpper(t.Text)
}

// initial reports whether toks[i] starts a sentence, a quotation or a
// clause after a colon, where any word is capitalised.
func initial(toks []textseg.Token, i int) bool {
	if i == 0 {
		return true
	}
	t := toks[i-1]
	if t.Kind != textseg.Punct {
		return false
	}
	switch t.Text {
	case "„", "«", "“", "\"", "'", "(", ":", "‘", "[", "•", "*", "|":
		return true
	}
	return strings.ContainsAny(t.Text, ".!?…")
}

// sentence collects the candidate mentions and role words of one sentence.
func (x *Extractor) sentence(toks []textseg.Token, lang string, ms []mention, roles []Role) ([]mention, []Role) {
	personCue := -100 // index of the last title or role word
	for i := 0; i < len(toks); {
		t := toks[i]
		if t.Kind == textseg.Punct && openQuote(t.Text) {
			if n, m, ok := x.quotedName(toks, i, lang); ok {
				if m.typ != "" {
					ms = append(ms, m)
				}
				i += n
				continue
			}
		}
		if !capital(t) {
			if t.Kind == textseg.Word || t.Kind == textseg.Abbrev {
				lw := lowerWord(t)
				switch {
				case IsRole(lw):
					roles = append(roles, Role{Start: t.Start, End: t.End})
					personCue = i
				case titles[lw]:
					personCue = i
				}
			}
			i++
			continue
		}
		if n, e := x.matchGazetteer(toks, i, lang); n > 0 {
			single := n == 1 && !isAcronym(t.Text)
			if !(single && initial(toks, i) && x.common(lang, x.lowerTextAt(toks, i))) {
				ms = append(ms, mention{start: t.Start, end: toks[i+n-1].End, words: texts(toks[i : i+n]), typ: kindType(e.kind), canonical: e.name, country: e.country})
			}
			i += n
			continue
		}
		// A capitalised adjective before an organisation word written in
		// lower case: "Изпълнителната агенция по лекарствата", "Высокий суд".
		if n := x.orgPhrase(toks, i); n > 0 {
			ms = append(ms, mention{start: t.Start, end: toks[i+n-1].End, words: texts(toks[i : i+n]), typ: article.EntityOrganization})
			i += n
			continue
		}
		j := x.chunkEnd(toks, i, lang)
		chunk := toks[i:j]
		next := j
		// Leading sentence-start words, titles and demonyms are not names.
		// A role word shortly before: English puts the name right after
		// it ("manager Graeme Souness"), Bulgarian and Russian after the
		// role's complement ("министърът на външните работи на Русия
		// Сергей Лавров").
		reach := 3
		if cyrillic(t.Text) {
			reach = 8
		}
		hadTitle := personCue >= 0 && personCue >= i-reach
		locCue, orgCue := false, false
		c0 := i // chunk[0]
		for ; len(chunk) > 0; c0++ {
			c := chunk[0]
			ck := c0
			lw := x.lowerAt(toks, ck)
			first := c.Start == t.Start
			switch {
			case titles[lw] || (c.Kind == textseg.Abbrev && titles[strings.TrimSuffix(lw, ".")]):
				hadTitle = true
			case IsRole(lw) && !x.exactPersonAt(toks, ck):
				hadTitle = true
				roles = append(roles, Role{Start: c.Start, End: c.End})
			case first && initial(toks, i) && len(chunk) > 1 && (x.common(lang, lw) || lowerHyphen(c.Text)) && (!x.exactPersonAt(toks, ck) || utf8.RuneCountInString(lw) <= 3):
			case lang == "de" && len(chunk) > 1 && germanOrgContext(lw):
				// "Oppositionspartei Lega Nord", "Autobauer Tesla": the
				// kind of organisation before its name.
				orgCue = true
			case lang == "de" && germanArticles[lw] && len(chunk) > 1:
				// "– Der Bayerische Rundfunk": an article written in
				// capitals after a dash or in a headline.
			case cyrillic(lw) && locHeads[lw] && len(chunk) > 1:
				locCue = true
			case cyrillic(lw) && len(chunk) > 1 && utf8.RuneCountInString(lw) > 2 && x.common(lang, lw) && !x.exactPersonAt(toks, ck):
			case x.g.demonyms[strings.TrimSuffix(lw, "'s")] && !cyrillic(lw):
			case calendar[lw] && len(chunk) > 1:
			default:
				goto done
			}
			chunk = chunk[1:]
		}
	done:
		for len(chunk) > 1 && chunk[len(chunk)-1].Kind == textseg.Abbrev {
			chunk = chunk[:len(chunk)-1]
		}
		if len(chunk) == 0 || skipWord(chunk[0].Text, x.lowerTextAt(toks, c0), len(chunk)) {
			i = next
			continue
		}
		if len(chunk) == 1 && chunk[0].Kind == textseg.Abbrev {
			i = next
			continue
		}
		// ci is chunk[0] unless abbreviations were cut from its end.
		ci := i + (len(toks[i:j]) - len(chunk))
		m := mention{start: chunk[0].Start, end: chunk[len(chunk)-1].End, words: texts(chunk)}
		verbAround := (ci > 0 && IsReportingVerb(x.lowerAt(toks, ci-1))) || (next < len(toks) && IsReportingVerb(x.lowerAt(toks, next)))
		if next+1 < len(toks) && !capital(toks[next]) && IsRole(x.lowerAt(toks, next)) && capital(toks[next+1]) {
			// "said Prebon Yamane economist Lena Komileva": the name before
			// the role is the employer's.
			verbAround = false
		}
		m.typ = x.classify(toks, ci, next, c0, chunk, m.words, lang, hadTitle || locCue, verbAround)
		if lang == "de" && m.typ == article.EntityOrganization && len(m.words) > 1 {
			m.canonical = germanOrgNominative(m.words)
		}
		if orgCue && m.typ != article.EntityPerson && !(len(chunk) == 1 && x.isExactPerson(x.lowerTextAt(toks, c0))) {
			m.typ = article.EntityOrganization
		}
		if locCue && len(chunk) == 1 && m.typ != article.EntityOrganization {
			m.typ = article.EntityLocation
		}
		m.byVerb = m.typ == article.EntityPerson && verbAround && !hadTitle && !x.personName(m.words)
		if chunk[0].Start == t.Start && initial(toks, i) && len(chunk) == 1 && !isAcronym(chunk[0].Text) {
			// A capitalised word opening a sentence counts only if it is
			// named elsewhere too, unless something else marks it a name.
			lw := x.lowerTextAt(toks, c0)
			m.weak = x.common(lang, lw) || x.g.demonyms[lw] || m.typ == article.EntityOther
		}
		if m.typ != "" {
			ms = append(ms, m)
		}
		i = next
	}
	return ms, roles
}

// chunkEnd returns the end of the run of capitalised words starting at
// toks[i]. A run ends before a known place or organisation, where the
// script changes, after a possessive, and (in Cyrillic) before a common
// word; Latin-script connectors ("of", "and") join words only in names of
// organisations and places ("Board of Deputies").
func (x *Extractor) chunkEnd(toks []textseg.Token, i int, lang string) int {
	cyr := cyrillic(toks[i].Text)
	j := i + 1
	if strings.HasSuffix(toks[i].Text, "'s") || strings.HasSuffix(toks[i].Text, "’s") {
		return j
	}
	firstConnector := -1
	for j < len(toks) {
		u := toks[j]
		if capital(u) {
			if cyrillic(u.Text) != cyr {
				break
			}
			if n, e := x.matchGazetteer(toks, j, lang); n > 0 && !x.exactPersonAt(toks, j) {
				// "Дейвид Дейвис": a town's name after a given name is a
				// surname.
				town := n == 1 && e.kind == kindLoc && !e.country && j == i+1
				if !(town && (x.g.personExact[x.lowerTextAt(toks, i)].first || (!initial(toks, i) && !isAcronym(toks[i].Text) && cyr))) {
					break
				}
			}
			if cyr && u.Kind == textseg.Word && x.common(lang, x.lowerTextAt(toks, j)) && !x.exactPersonAt(toks, j) {
				break
			}
			j++
			if strings.HasSuffix(u.Text, "'s") || strings.HasSuffix(u.Text, "’s") {
				break
			}
			continue
		}
		if (u.Text == "'" || u.Text == "’") && (toks[j-1].Text == "O" || toks[j-1].Text == "D") && j+1 < len(toks) && capital(toks[j+1]) {
			j++
			continue
		}
		if u.Kind == textseg.Word && connectors[u.Text] && j+1 < len(toks) && capital(toks[j+1]) && !cyr {
			if firstConnector < 0 {
				firstConnector = j
			}
			j++
			continue
		}
		break
	}
	if firstConnector >= 0 {
		head := false
		for k := i; k < j; k++ {
			lw := x.lowerTextAt(toks, k)
			if orgHeads[lw] || locHeads[lw] {
				head = true
			}
		}
		if !head {
			return firstConnector
		}
	}
	for j > i+1 && connectors[toks[j-1].Text] {
		j--
	}
	return j
}

// quotedName reads a name in quotation marks at toks[i] ("Билд ам зонтаг"
// after "в.", «Газпрома», "Свети Георги" after "болница"): an
// organisation when the word before names one or all its words are
// capitalised. Quoted words with a lower-case word and no such cue
// (products, events: "Северен поток – 2") are skipped with typ "". It
// returns the tokens consumed.
func (x *Extractor) quotedName(toks []textseg.Token, i int, lang string) (int, mention, bool) {
	end := -1
	for k := i + 1; k < len(toks) && k <= i+7; k++ {
		if toks[k].Kind == textseg.Punct && closeQuote(toks[k].Text) && k > i+1 {
			end = k
			break
		}
		if toks[k].Kind == textseg.Punct && toks[k].Text != "-" && toks[k].Text != "–" && toks[k].Text != "—" {
			return 0, mention{}, false
		}
	}
	if end < 0 || !capital(toks[i+1]) {
		return 0, mention{}, false
	}
	content := toks[i+1 : end]
	allCap := true
	for _, t := range content {
		if t.Kind == textseg.Word && !capital(t) && !connectors[t.Text] {
			allCap = false
		}
	}
	prev := ""
	if i > 0 {
		prev = x.lowerAt(toks, i-1)
	}
	cue := orgContext[prev] || orgHeads[prev] || orgHeads[stemOrg(prev)]
	m := mention{start: content[0].Start, end: content[len(content)-1].End, words: texts(content)}
	if n, e := x.matchGazetteer(toks, i+1, lang); n == len(content) {
		m.typ, m.canonical = kindType(e.kind), e.name
		return end - i + 1, m, true
	}
	switch {
	case cue:
		m.typ = article.EntityOrganization
	case allCap && !initialQuote(toks, i):
		m.typ = article.EntityOrganization
	case allCap:
		// A capitalised word opening a quotation is as ambiguous as a
		// sentence start: leave it to the chunker.
		return 0, mention{}, false
	}
	return end - i + 1, m, true
}

// initialQuote reports whether a quotation at toks[i] starts a sentence,
// where it is more likely a quoted sentence than a name.
func initialQuote(toks []textseg.Token, i int) bool {
	return i == 0 || (toks[i-1].Kind == textseg.Punct && strings.ContainsAny(toks[i-1].Text, ".!?:"))
}

// orgPhrase returns the length of an organisation name made of capitalised
// adjectives and an organisation word in lower case, with an optional
// complement ("по лекарствата", "на външните работи"), or 0.
func (x *Extractor) orgPhrase(toks []textseg.Token, i int) int {
	if !cyrillic(toks[i].Text) || !adjectiveLike(toks[i].Text) {
		return 0
	}
	j := i + 1
	for j < len(toks) && capital(toks[j]) && adjectiveLike(toks[j].Text) {
		j++
	}
	for j < len(toks) && toks[j].Kind == textseg.Word && !capital(toks[j]) && adjectiveLike(toks[j].Text) && j-i < 4 {
		j++
	}
	if j >= len(toks) || toks[j].Kind != textseg.Word || capital(toks[j]) {
		return 0
	}
	lw := x.lowerTextAt(toks, j)
	if !orgHeads[lw] && !orgHeads[stemOrg(lw)] {
		return 0
	}
	j++
	if j+1 < len(toks) && (toks[j].Text == "по" || toks[j].Text == "на" || toks[j].Text == "за") && toks[j+1].Kind == textseg.Word && !capital(toks[j+1]) {
		k := j + 1
		for k < len(toks) && k < j+4 && toks[k].Kind == textseg.Word && !capital(toks[k]) && !IsReportingVerb(toks[k].Text) {
			k++
		}
		j = k
	}
	return j - i
}

// adjectiveLike reports whether a Cyrillic word has an adjective ending
// (with or without the Bulgarian article).
func adjectiveLike(w string) bool {
	var b [64]byte
	l := appendLower(b[:0], w)
	// Lower case maps rune to rune (an invalid byte to U+FFFD): w has as
	// many runes as l.
	n := utf8.RuneCountInString(w)
	for _, suf := range []string{"ската", "ския", "ският", "ското", "ските", "ната", "ния", "ният", "ното", "ните", "ска", "ски", "ско",
		"ная", "ный", "ное", "ной", "ского", "ской", "ском", "ских", "ного", "ному", "ным", "ных", "ний", "няя", "нее", "ен", "на", "но",
		"ая", "ое", "ый", "ий", "ой", "ого", "ата"} {
		if len(l) >= len(suf) && string(l[len(l)-len(suf):]) == suf && n > utf8.RuneCountInString(suf)+2 {
			return true
		}
	}
	return false
}

// skipWord reports whether a one-word chunk w (lw in lower case) can not
// be a name: a single
// letter, a month or weekday, a two-letter Cyrillic word that is not an
// acronym, or a generic acronym ("CEO", "ТВ").
func skipWord(w, lw string, n int) bool {
	if n > 1 {
		return false
	}
	rc := utf8.RuneCountInString(w)
	switch {
	case rc <= 1:
		return true
	case rc == 2 && cyrillic(w) && !isAcronym(w):
		return true
	case calendar[lw], genericAcronyms[lw], strings.HasPrefix(lw, "i'"), strings.HasPrefix(lw, "covid"):
		return true
	}
	return false
}

// lowerHyphen reports whether a capitalised compound has a lower-case part
// ("Top-seeded", "Montreal-based"): an adjective, not a name.
func lowerHyphen(w string) bool {
	_, rest, ok := strings.Cut(w, "-")
	return ok && rest != "" && !firstUpper(rest)
}

func texts(toks []textseg.Token) []string {
	return appendTexts(make([]string, 0, len(toks)), toks)
}

// appendTexts appends texts(toks) to out.
func appendTexts(out []string, toks []textseg.Token) []string {
	for _, t := range toks {
		if (t.Text == "'" || t.Text == "’") && len(out) > 0 {
			out[len(out)-1] += t.Text
			continue
		}
		out = append(out, t.Text)
	}
	return out
}

func openQuote(s string) bool { return s == "„" || s == "«" || s == "“" || s == "\"" }

func closeQuote(s string) bool { return s == "“" || s == "»" || s == "”" || s == "\"" }
