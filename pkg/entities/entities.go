// Package entities finds the people, places and organisations named in a
// news text in Bulgarian, Russian, Ukrainian, English or German, and counts
// their mentions. It needs no model: a proper-noun chunker over
// capitalised words (sentence starts told apart by word statistics),
// gazetteers matched on stems so that inflected forms match (Bulgarian
// definite articles, Russian case endings), cue words (titles, roles,
// organisation and place words, reporting verbs) for the names no
// gazetteer holds, and coreference of surnames and given names with the
// full name ("Лавров" is "Сергей Лавров").
//
// The package imports nothing of NATS; Extract is a pure function of its
// input and safe for concurrent use.
package entities

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/textseg"
)

// Entity is one entity of a text with its canonical name and the number
// of times it is mentioned.
type Entity struct {
	// ID is the entity's id in every language (Gazetteer.ID).
	ID    string
	Text  string
	Type  string
	Count int
}

// Mention is one place in the text where an entity is named.
type Mention struct {
	// Start and End are byte offsets of the mention in the text.
	Start, End int
	// Entity is the canonical name of the entity mentioned.
	Entity string
	// Type is the entity's type (article.EntityPerson, ...).
	Type string
	// Guessed marks a person known only by an unknown capitalised word,
	// with no cue: too weak to resolve a pronoun to.
	Guessed bool
}

// Role is a word naming an office or job ("министърът", "the minister")
// and the person it refers to, if known.
type Role struct {
	Start, End int
	// Person is the canonical name of the person who holds the role: the
	// name right after it ("министърът ... Сергей Лавров"), else the person
	// last named with the same role, else the last person named before.
	Person string
}

// Result is what Extract finds.
type Result struct {
	// Entities in order of count, then of first mention.
	Entities []Entity
	// Mentions in text order.
	Mentions []Mention
	// Roles in text order.
	Roles []Role
}

// ArticleEntities returns the entities as an article carries them.
func (r Result) ArticleEntities() []article.Entity {
	out := make([]article.Entity, len(r.Entities))
	for i, e := range r.Entities {
		out[i] = article.Entity{ID: e.ID, Text: e.Text, Type: e.Type, Count: e.Count}
	}
	return out
}

// Gazetteer returns the gazetteer x uses.
func (x *Extractor) Gazetteer() *Gazetteer { return x.g }

// Extractor extracts entities with a gazetteer.
type Extractor struct {
	g *Gazetteer
	// model, when set, tags the names (see tagger.go); the rule-based
	// chunker then only supplies features, roles and canonical forms.
	model *Model
	// memo caches what is computed about the tokens of the sentence being
	// read; set only on the per-call copy Extract makes, so Extractor
	// stays safe for concurrent use.
	memo *gazMemo
}

// gazMemo holds, per token of the sentence being read, its gazetteer
// match and lower-case forms, computed on first use.
type gazMemo struct {
	toks []textseg.Token // the sentence
	at   []tokenMemo
	// doc holds the document bits of the text's words (docWords), for the
	// tagger.
	doc map[string]uint8
}

type tokenMemo struct {
	done  uint8 // memoGaz, memoLower, memoText
	n     int32
	e     *gazEntry
	lower string // lowerWord
	text  string // toLower of the text
}

// Bits of gazMemo.done.
const (
	memoGaz uint8 = 1 << iota
	memoLower
	memoText
)

func (m *gazMemo) reset(toks []textseg.Token) {
	m.reserve(len(toks))
	m.toks = toks
	m.at = m.at[:len(toks)]
	for i := range m.at {
		m.at[i].done = 0
	}
}

// reserve makes room for a sentence of n tokens.
func (m *gazMemo) reserve(n int) {
	if cap(m.at) < n {
		m.at = make([]tokenMemo, n)
	}
}

// has reports whether toks is the memo's sentence, so that its index i
// has entries.
func (m *gazMemo) has(toks []textseg.Token, i int) bool {
	return m != nil && i < len(m.toks) && len(toks) == len(m.toks) && &toks[0] == &m.toks[0]
}

// lowerAt returns lowerWord(toks[i]).
func (x *Extractor) lowerAt(toks []textseg.Token, i int) string {
	m := x.memo
	if !m.has(toks, i) {
		return lowerWord(toks[i])
	}
	a := &m.at[i]
	if a.done&memoLower == 0 {
		a.lower = lowerWord(toks[i])
		a.done |= memoLower
	}
	return a.lower
}

// lowerTextAt returns strings.ToLower(toks[i].Text).
func (x *Extractor) lowerTextAt(toks []textseg.Token, i int) string {
	if t := toks[i].Text; !strings.HasSuffix(t, ".") {
		return x.lowerAt(toks, i) // the same without a final dot
	}
	m := x.memo
	if !m.has(toks, i) {
		return textseg.ToLower(toks[i].Text)
	}
	a := &m.at[i]
	if a.done&memoText == 0 {
		a.text = textseg.ToLower(toks[i].Text)
		a.done |= memoText
	}
	return a.text
}

// New returns an extractor using g.
func New(g *Gazetteer) *Extractor { return &Extractor{g: g} }

// mention is a candidate mention before coreference.
type mention struct {
	start, end int
	words      []string
	typ        string
	canonical  string // set for gazetteer matches
	country    bool   // a gazetteer country or world region
	weak       bool   // a capitalised sentence start: counts only if it corefers
	byVerb     bool   // typed PERSON only for standing next to a reporting verb
	group      int
}

// Extract finds the entities of text, a news article in language lang
// (ISO 639-1; "" when unknown). Put the title on the first line of text
// if it should count.
func (x *Extractor) Extract(text, lang string) Result {
	return x.ExtractSentences(text, textseg.Split(text), lang)
}

// ExtractBoth is ExtractSentences with the tagger, and also returns what
// the rule-based chunker alone finds (x without its model), which the
// tagger computes on the way: the quotation step's speaker rules read the
// chunker's mentions and roles. Without a model both are the chunker's.
func (x *Extractor) ExtractBoth(text string, sents []textseg.Sentence, lang string) (tagged, rules Result) {
	if x.model == nil {
		r := x.ExtractSentences(text, sents, lang)
		return r, r
	}
	var ruleMs []mention
	var ruleRoles []Role
	tagged = x.extractSentences(text, sents, lang, func(ms []mention, roles []Role) {
		ruleMs, ruleRoles = append(ruleMs, ms...), append(ruleRoles, roles...)
	})
	rx := *x
	rx.model = nil
	return tagged, rx.resolve(text, ruleMs, ruleRoles, lang)
}

// ExtractSentences is Extract over the sentences of text as
// textseg.Split(text) returns them, for callers that have split the text
// already.
func (x *Extractor) ExtractSentences(text string, sents []textseg.Sentence, lang string) Result {
	return x.extractSentences(text, sents, lang, nil)
}

// extractSentences is ExtractSentences; with the tagger, rules (when not
// nil) receives each sentence's rule-based mentions and roles.
func (x *Extractor) extractSentences(text string, sents []textseg.Sentence, lang string, rules func([]mention, []Role)) Result {
	xc := *x
	xc.memo = &gazMemo{}
	longest := 0
	for _, s := range sents {
		longest = max(longest, len(s.Tokens))
	}
	xc.memo.reserve(longest)
	var ms []mention
	var roles []Role
	if x.model != nil {
		ws := make([][]string, len(sents))
		for i, s := range sents {
			ws[i] = texts(s.Tokens)
		}
		xc.memo.doc = docWords(ws)
	}
	for _, s := range sents {
		if x.model != nil {
			xc.memo.reset(s.Tokens)
			ms, roles = xc.tagSentence(s.Tokens, lang, shouting(s.Text), ms, roles, rules)
			continue
		}
		if shouting(s.Text) {
			continue
		}
		xc.memo.reset(s.Tokens)
		ms, roles = xc.sentence(s.Tokens, lang, ms, roles)
	}
	return x.resolve(text, ms, roles, lang)
}

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

// common reports whether w (lower case) is a common word of lang or, for
// Cyrillic, of any Cyrillic language: an article detected as Ukrainian
// may quote Bulgarian.
func (x *Extractor) common(lang, w string) bool {
	bits := x.g.commonBits[w]
	if bits == 0 {
		return false
	}
	mask := x.g.enCommon
	if cyrillic(w) {
		mask = x.g.cyrCommon
	}
	return bits&(mask|x.g.commonMask(lang)) != 0
}

// lowerHyphen reports whether a capitalised compound has a lower-case part
// ("Top-seeded", "Montreal-based"): an adjective, not a name.
func lowerHyphen(w string) bool {
	_, rest, ok := strings.Cut(w, "-")
	return ok && rest != "" && !firstUpper(rest)
}

// exactPersonAt is exactPerson(toks[i].Text).
func (x *Extractor) exactPersonAt(toks []textseg.Token, i int) bool {
	return x.isExactPerson(x.lowerTextAt(toks, i))
}

// isExactPerson is exactPerson of a word already in lower case.
func (x *Extractor) isExactPerson(lw string) bool {
	p, ok := x.g.personExact[lw]
	return ok && (p.first || p.last || p.patr)
}

func (x *Extractor) exactPerson(w string) bool {
	var b [64]byte
	p, ok := x.g.personExact[string(appendLower(b[:0], w))]
	return ok && (p.first || p.last || p.patr)
}

func texts(toks []textseg.Token) []string {
	out := make([]string, 0, len(toks))
	for _, t := range toks {
		if (t.Text == "'" || t.Text == "’") && len(out) > 0 {
			out[len(out)-1] += t.Text
			continue
		}
		out = append(out, t.Text)
	}
	return out
}

func kindType(k kind) string {
	switch k {
	case kindOrg:
		return article.EntityOrganization
	case kindOther:
		return article.EntityOther
	}
	return article.EntityLocation
}

// personWord reports whether w is a known given name, surname or
// patronymic.
func (x *Extractor) personWord(w string) bool {
	var b [64]byte
	p, ok := x.g.person[string(appendStem(b[:0], w))]
	return ok && (p.first || p.patr || p.last)
}

// matchGazetteer returns the length in tokens of the longest place or
// organisation name starting at toks[i], and its entry.
func (x *Extractor) matchGazetteer(toks []textseg.Token, i int, lang string) (int, gazEntry) {
	m := x.memo
	if m.has(toks, i) && m.at[i].done&memoGaz != 0 {
		a := &m.at[i]
		if a.e == nil {
			return 0, gazEntry{}
		}
		return int(a.n), *a.e
	}
	n, e := x.matchGazetteerUncached(toks, i, lang)
	if m.has(toks, i) {
		a := &m.at[i]
		a.n, a.e = int32(n), e
		a.done |= memoGaz
	}
	if e == nil {
		return 0, gazEntry{}
	}
	return n, *e
}

func (x *Extractor) matchGazetteerUncached(toks []textseg.Token, i int, lang string) (int, *gazEntry) {
	// The keys of the names of 1, 2, ... words starting at toks[i]: their
	// stems, and their lower-case words, separated by spaces; key k ends at
	// stemEnd[k] in sb, lowEnd[k] in lb.
	var sbuf, lbuf [128]byte
	var sends, lends [8]int
	sb := appendStem(sbuf[:0], toks[i].Text)
	stemEnd := append(sends[:0], len(sb))
	max := x.g.maxWords[string(sb)]
	// The other keys the first word may have (altStems), in abuf.
	var abuf [128]byte
	var aends [8]int
	var alts []byte
	var altEnds []int
	altStemsOf := func() ([]byte, []int) {
		if altEnds == nil {
			alts, altEnds = appendAltStems(abuf[:0], aends[:0], toks[i].Text)
		}
		return alts, altEnds
	}
	if max == 0 {
		alts, ends := altStemsOf()
		for k := 1; k < len(ends); k++ {
			if x.g.maxWords[string(alts[ends[k-1]:ends[k]])] > 0 {
				max = 1
				break
			}
		}
		if max == 0 {
			return 0, nil
		}
	}
	for j := i + 1; j < len(toks) && j-i < max; j++ {
		if !isWord(toks[j]) {
			break
		}
		sb = appendStem(append(sb, ' '), toks[j].Text)
		stemEnd = append(stemEnd, len(sb))
	}
	words := len(stemEnd)
	lb := appendLowerWord(lbuf[:0], toks[i])
	lowEnd := append(lends[:0], len(lb))
	for k := 1; k < words; k++ {
		lb = appendLowerWord(append(lb, ' '), toks[i+k])
		lowEnd = append(lowEnd, len(lb))
	}
	for n := words; n >= 1; n-- {
		es := x.g.exact[string(lb[:lowEnd[n-1]])]
		isExact := len(es) > 0
		if !isExact {
			es = x.g.names[string(sb[:stemEnd[n-1]])]
			if n == 1 && len(es) == 0 {
				alts, ends := altStemsOf()
				for k := 1; k < len(ends); k++ {
					if es = x.g.names[string(alts[ends[k-1]:ends[k]])]; len(es) > 0 {
						break
					}
				}
			}
		}
		best := -1
		for k, e := range es {
			if !capsMatch(e, toks[i:i+n]) || (!isExact && !longEnough(e, toks[i:i+n])) {
				continue
			}
			if best < 0 || (e.lang == lang && es[best].lang != lang) {
				best = k
			}
		}
		if best >= 0 {
			// A given name before a capitalised word is a person's
			// ("Владимир Путин"), not the place of the same name.
			if n == 1 && !es[best].country && i+1 < len(toks) && capital(toks[i+1]) && x.g.personExact[string(appendLower(lbuf[:0], toks[i].Text))].first {
				return 0, nil
			}
			return n, &es[best]
		}
	}
	return 0, nil
}

// appendLowerWord appends lowerWord(t) to buf.
func appendLowerWord(buf []byte, t textseg.Token) []byte {
	w := strings.TrimSuffix(t.Text, ".")
	if hasUpper(w) {
		return appendLower(buf, w)
	}
	return append(buf, w...)
}

// longEnough checks that each word of an inflected form is at least as
// long as the entry's word: inflection adds letters, so "Бруни" is not
// "Бруней" although their stems agree.
func longEnough(e gazEntry, toks []textseg.Token) bool {
	for k, t := range toks {
		n := utf8.RuneCountInString(t.Text)
		if e.caps[k] || n >= e.runes[k] {
			continue
		}
		// Bulgarian full and short articles: "Белият" / "Белия".
		if n == e.runes[k]-1 && cyrillic(t.Text) && strings.HasSuffix(e.name, "т") || n == e.runes[k]-1 && cyrillic(t.Text) && k < len(e.runes)-1 {
			continue
		}
		return false
	}
	return true
}

// capsMatch checks that the words an entry writes in capitals (acronyms)
// are in capitals in the text, and the text's acronyms are the entry's.
func capsMatch(e gazEntry, toks []textseg.Token) bool {
	for k, t := range toks {
		tc := isAcronym(strings.TrimSuffix(strings.TrimSuffix(t.Text, "'s"), "’s"))
		if e.caps[k] != tc && (e.caps[k] || utf8.RuneCountInString(t.Text) <= 4) {
			return false
		}
	}
	return true
}

// classify types an unknown run of capitalised words, chunk, which starts
// at toks[c0] and ends before toks[next]; words are its texts. i is c0
// plus the number of abbreviations cut from the run's end (the chunker's
// count, which the cues before the run are read from). "" drops it.
func (x *Extractor) classify(toks []textseg.Token, i, next, c0 int, chunk []textseg.Token, words []string, lang string, titled, verb bool) string {
	// words are texts(chunk), chunk starts at toks[c0]; without an
	// apostrophe joined to a word, words[k] is toks[c0+k].Text.
	aligned := len(words) == len(chunk)
	lowerOf := func(k int) string {
		if aligned {
			return x.lowerTextAt(toks, c0+k)
		}
		return textseg.ToLower(words[k])
	}
	isPersonName, personNameKnown := false, false
	personName := func() bool {
		if !personNameKnown {
			isPersonName, personNameKnown = x.personName(words), true
		}
		return isPersonName
	}
	last := lowerOf(len(words) - 1)
	hasOrgHead, hasLocHead := false, false
	for k := range words {
		lw := lowerOf(k)
		if orgHeads[lw] || orgHeads[stemOrg(lw)] {
			hasOrgHead = true
		}
		if locHeads[lw] {
			hasLocHead = true
		}
	}
	prev, after := "", ""
	if i > 0 {
		prev = x.lowerAt(toks, i-1)
	}
	if next < len(toks) && toks[next].Kind == textseg.Word {
		after = x.lowerAt(toks, next)
	}
	if hasOrgHead {
		return article.EntityOrganization
	}
	if !cyrillic(words[0]) && after != "" && !firstUpper(after) && IsRole(after) && next+1 < len(toks) && capital(toks[next+1]) {
		// "Prebon Yamane economist Lena Komileva", "Sky Networks' Sophie".
		return article.EntityOrganization
	}
	prev2 := ""
	if i > 1 {
		prev2 = x.lowerAt(toks, i-2)
	}
	if (prev == "на" || prev == "of" || prev == "из") && cityOf(prev2) {
		// "кметовете на Бирмингам", "the mayor of London".
		return article.EntityLocation
	}
	if len(words) > 1 && IsRole(last) {
		// "High Commissioner", "Prime Minister": an office, not a name.
		return ""
	}
	if hasLocHead && (!cyrillic(last) || (len(words) > 1 && locHeads[last])) {
		return article.EntityLocation
	}
	if otherHeads[last] || (!cyrillic(words[0]) && len(words) > 1 && (words[0] == "A" || words[0] == "The" || words[0] == "An")) {
		return article.EntityOther
	}
	if lang == "de" {
		// German capitalises every noun: only names with evidence count.
		orgHead, _ := germanOrgHead(last)
		switch {
		case len(words) > 1 && (personName() || titled):
			return article.EntityPerson
		case len(words) > 1 && orgHead != 0:
			// "Bayerische Rundfunk", "Europäische Fußball-Union".
			return article.EntityOrganization
		case len(words) <= 3 && !germanNounLike(words[len(words)-1]) && germanSpeaker(x, toks, i, next):
			// "kommentierte Maurizio Lupi,": a name unknown to the
			// gazetteers as the subject of a reporting verb.
			return article.EntityPerson
		case len(words) == 1 && isAcronym(words[0]):
			return article.EntityOrganization
		case len(words) == 1 && !germanNounLike(words[0]) && (titled || germanSpeaker(x, toks, i, next)):
			// "Fernsehchef Scolik", "sagte Alfano.", "Alfano erklärte":
			// a surname after a role or as the speaker of a reporting verb.
			return article.EntityPerson
		}
		return ""
	}
	if !cyrillic(words[0]) && (lang == "bg" || lang == "ru" || lang == "uk") && !personName() && !titled {
		// A Latin-script name in a Cyrillic text is a company, brand or
		// outlet far more often than a person ("Eni", "CNBC", "Reuters").
		return article.EntityOrganization
	}
	if len(words) == 1 && lang == "de" && !isAcronym(words[0]) && !titled {
		return ""
	}
	if len(words) == 1 {
		w := words[0]
		if isAcronym(w) {
			if romanNumeral(w) {
				return ""
			}
			if titled {
				return article.EntityOther
			}
			return article.EntityOrganization
		}
		lw := lowerOf(0)
		adjective := cyrillic(w) && adjectiveLike(w) && after != "" && !firstUpper(after)
		switch {
		case (orgContext[prev] && prev != "в" && prev != "във" && prev != "во") || (prev == "в" && toks[i-1].Kind == textseg.Abbrev) || (orgContext[after] && !cyrillic(w)):
			return article.EntityOrganization
		case (titled || verb) && !adjective:
			return article.EntityPerson
		case camelCase(w):
			return article.EntityOrganization
		case adjective:
			// "Украинским властям": an adjective, not a name.
			return ""
		case locContext[prev] && prev != "in" && ((prev != "в" && prev != "във" && prev != "во") || cyrillic(w)):
			return article.EntityLocation
		case x.isExactPerson(lw) && !x.common(lang, lw):
			return article.EntityPerson
		case lang == "bg" && cyrillic(w) && !initial(toks, i) && !x.common(lang, lw) && !strings.Contains(w, "-"):
			// An unknown capitalised word inside a Bulgarian sentence (where
			// names do not inflect for case) that no gazetteer knows is
			// most often a surname ("доклада на Мюлер"). A guess: any
			// other evidence wins, and quotations are not attributed to it.
			return guessedPerson
		}
		return article.EntityOther
	}
	if titled || verb || personName() {
		return article.EntityPerson
	}
	allAcr := true
	for _, w := range words {
		if !isAcronym(w) {
			allAcr = false
		}
	}
	if allAcr {
		return article.EntityOrganization
	}
	if len(words) <= 4 && (cyrillic(words[0]) || x.personWord(words[len(words)-1])) {
		return article.EntityPerson
	}
	if len(words) <= 3 {
		// "Hind Dehiba" or "Old Trafford": a person only if the surname
		// is used alone elsewhere in the article.
		return guessedFullName
	}
	return article.EntityOther
}

// personName reports whether words look like a person's name: a known
// given name first, a patronymic, or a known surname last.
func (x *Extractor) personName(words []string) bool {
	var b [64]byte
	for k, w := range words {
		p := x.g.personExact[string(appendLower(b[:0], w))]
		ps := x.g.person[string(appendStem(b[:0], w))]
		if (k == 0 && (p.first || ps.first)) || p.patr || ps.patr || (k == len(words)-1 && k > 0 && p.last) {
			return true
		}
	}
	return false
}

// camelCase reports whether w has a capital after a lower-case letter
// ("AstraZeneca", "PlayStation"): a company's or product's name.
func camelCase(w string) bool {
	lower := false
	for _, r := range w {
		if isLower(r) {
			lower = true
		} else if isUpper(r) && lower {
			return true
		}
	}
	return false
}

// isLower is unicode.IsLower with fast paths for ASCII and the Cyrillic
// letters U+0400-U+045F.
func isLower(r rune) bool {
	switch {
	case r < 0x80:
		return r >= 'a' && r <= 'z'
	case r >= 0x400 && r <= 0x45F:
		return r >= 0x430
	}
	return unicode.IsLower(r)
}

// stemOrg reduces a Bulgarian or Russian organisation word to the form in
// orgHeads ("агенцията" -> "агенция", "министерства" -> "министерство").
func stemOrg(w string) string {
	for _, suf := range []string{"ата", "ята", "та", "то", "ът", "ят", "а", "у", "ом", "е", "ы", "и"} {
		if b, ok := strings.CutSuffix(w, suf); ok && utf8.RuneCountInString(b) >= 3 {
			if orgHeads[b] {
				return b
			}
			for _, add := range []string{"а", "я", "о", "ия"} {
				if orgHeads[b+add] {
					return b + add
				}
			}
		}
	}
	return w
}

func romanNumeral(w string) bool {
	return strings.Trim(w, "IVXLCDM") == "" && len(w) <= 5
}

// cityOf reports whether w names what a city has ("кметовете на X",
// "mayor of X", "жителите на X"), so that X is a place.
func cityOf(w string) bool {
	for _, p := range []string{"кмет", "мэр", "mayor", "жител", "градоначалник", "губернатор", "residents", "people"} {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}

// germanSpeaker reports whether the chunk toks[i:next] of a
// German sentence is the subject of a reporting verb: right after the
// verb or "so" and ending the clause ("sagte Alfano.", "„…“, so
// Alfano."), or opening the clause
// right before it ("Alfano erklärte"), where a common noun would take an
// article ("Die Regierung erklärte").
func germanSpeaker(x *Extractor, toks []textseg.Token, i, next int) bool {
	ends := next == len(toks) || toks[next].Kind == textseg.Punct
	if i > 0 && IsReportingVerb(x.lowerAt(toks, i-1)) && ends {
		return true
	}
	if i > 1 && IsAttributionParticle(x.lowerAt(toks, i-1)) && toks[i-2].Kind == textseg.Punct && ends {
		// "„…“, so Kessling."
		return true
	}
	return next < len(toks) && IsReportingVerb(x.lowerAt(toks, next)) && (i == 0 || toks[i-1].Kind == textseg.Punct)
}

// germanOrgHead returns the gender of the organisation noun ending the
// German word w ("Rundfunk", "Rundfunks", "Fußball-Union"), 0 if none, and
// the genitive ending w carries after it ("s" or "es"; "" for none).
func germanOrgHead(w string) (gender byte, genitive string) {
	lw := textseg.ToLower(w)
	if k := strings.LastIndexByte(lw, '-'); k >= 0 {
		lw = lw[k+1:]
	}
	if g, ok := germanOrgHeads[lw]; ok {
		return g, ""
	}
	for _, end := range []string{"s", "es"} {
		if v, ok := strings.CutSuffix(lw, end); ok {
			if g := germanOrgHeads[v]; g == 'm' || g == 'n' {
				return g, end
			}
		}
	}
	return 0, ""
}

// germanOrgContext reports whether the lower-case German noun w names a
// kind of organisation and so precedes an organisation's name
// ("Regierungspartei NCD", "Autobauer Tesla", "Zeitung Kurier").
func germanOrgContext(w string) bool {
	for _, h := range []string{"partei", "konzern", "zeitung", "sender", "agentur", "verein", "klub", "club",
		"gewerkschaft", "unternehmen", "firma", "hersteller", "autobauer", "fluglinie", "fluggesellschaft", "verband",
		"bank", "magazin", "portal", "plattform", "organisation", "bewegung"} {
		if strings.HasSuffix(w, h) {
			return true
		}
	}
	return false
}

// germanOrgNominative returns a German organisation's name as it is cited,
// in the nominative without article: adjectives take the strong ending of
// the head noun's gender and the head loses a genitive ending ("der
// Frankfurter Allgemeinen Zeitung" -> "Frankfurter Allgemeine Zeitung",
// "des Bayerischen Rundfunks" -> "Bayerischer Rundfunk"). It returns ""
// when the last word is no organisation noun.
func germanOrgNominative(words []string) string {
	last := words[len(words)-1]
	g, genitive := germanOrgHead(last)
	if g == 0 {
		return ""
	}
	out := make([]string, len(words))
	copy(out, words)
	out[len(out)-1] = last[:len(last)-len(genitive)]
	ending := "e" // feminine
	switch g {
	case 'm':
		ending = "er"
	case 'n':
		ending = "es"
	}
	for k, w := range out[:len(out)-1] {
		stem := ""
		for _, end := range []string{"en", "em", "e"} {
			if v, ok := strings.CutSuffix(w, end); ok {
				stem = v
				break
			}
		}
		if stem == "" || !germanAdjectiveStem(textseg.ToLower(stem)) {
			continue
		}
		out[k] = stem + ending
	}
	return strings.Join(out, " ")
}

// germanAdjectiveStem reports whether s ends like the stem of a German
// adjective ("bayerisch", "allgemein", "europäisch", "staatlich").
func germanAdjectiveStem(s string) bool {
	for _, suf := range []string{"isch", "sch", "lich", "ig", "ein", "al", "iv", "ell", "är", "neu", "frei"} {
		if strings.HasSuffix(s, suf) {
			return true
		}
	}
	return false
}

// germanNounLike reports whether w ends like a German common noun
// ("Regierung", "Mehrheit", "Gesellschaft", "Nation").
func germanNounLike(w string) bool {
	lw := textseg.ToLower(w)
	for _, suf := range []string{"ung", "ungen", "heit", "keit", "schaft", "tion", "ionen", "tät", "ismus", "ium", "nis", "tum", "ei", "tag", "abend", "rechte", "kreise"} {
		if strings.HasSuffix(lw, suf) {
			return true
		}
	}
	return false
}

// guessedPerson is the type of a one-word name typed PERSON for want of
// other evidence; resolve turns it into PERSON with the lowest priority.
const guessedPerson = "PERSON?"

// guessedFullName is the type of a Latin-script run of two or three
// capitalised words with no cue; resolve makes it a PERSON when its last
// word is used alone elsewhere, else OTHER.
const guessedFullName = "PERSON??"

func openQuote(s string) bool  { return s == "„" || s == "«" || s == "“" || s == "\"" }
func closeQuote(s string) bool { return s == "“" || s == "»" || s == "”" || s == "\"" }

// resolve groups the mentions into entities: gazetteer names by their
// canonical form, other names by their stems; then surnames and given
// names alone join the full name they belong to.
func (x *Extractor) resolve(text string, ms []mention, roles []Role, lang string) Result {
	type group struct {
		key       string
		canonical string
		variants  [][]string
		count     int
		first     int
		persons   int // mentions typed PERSON
		byVerb    int // mentions typed PERSON only by a reporting verb
		guessed   int // mentions typed PERSON for want of other evidence
		// orgs and locs count the mentions typed ORGANIZATION and LOCATION.
		orgs, locs int
		// words is the number of words of an unknown name's key.
		words int
	}
	var groups []*group
	byKey := make(map[string]int, len(ms))
	var kb []byte
	// keyOf returns the key of m's group in kb: "G\t" and the canonical
	// name, or "U\t" and the stems of its words.
	keyOf := func(m mention) []byte {
		if m.canonical != "" {
			kb = append(append(kb[:0], "G\t"...), m.canonical...)
			return kb
		}
		kb = append(kb[:0], "U\t"...)
		for i, w := range m.words {
			if i > 0 {
				kb = append(kb, ' ')
			}
			kb = appendStem(kb, w)
		}
		return kb
	}
	// Full mentions first, so that the weak ones can join them.
	for pass := 0; pass < 2; pass++ {
		for i := range ms {
			m := &ms[i]
			if m.weak != (pass == 1) {
				continue
			}
			kb := keyOf(*m)
			gi, ok := byKey[string(kb)]
			if !ok {
				if m.weak {
					m.group = -1
					continue
				}
				k := string(kb)
				gi = len(groups)
				byKey[k] = gi
				g := &group{key: k, canonical: m.canonical, first: i}
				if m.canonical == "" {
					g.words = countFields(strings.TrimPrefix(k, "U\t"))
				}
				groups = append(groups, g)
			}
			m.group = gi
		}
	}
	// Coreference: a one-word name that is the surname or given name of a
	// full person name is that person.
	surname := map[string][]int{}
	given := map[string][]int{}
	personGroup := make([]bool, len(groups))
	for _, m := range ms {
		if m.group >= 0 && (m.typ == article.EntityPerson || m.typ == guessedFullName) {
			personGroup[m.group] = true
		}
	}
	referenced := make([]bool, len(groups))
	isPerson := func(gi int) bool { return personGroup[gi] }
	for gi, g := range groups {
		if strings.HasPrefix(g.key, "G\t") {
			continue
		}
		if g.words < 2 || !isPerson(gi) {
			continue
		}
		first, last := firstLastField(strings.TrimPrefix(g.key, "U\t"))
		surname[last] = append(surname[last], gi)
		given[first] = append(given[first], gi)
	}
	counts := make([]int, len(groups))
	for _, m := range ms {
		if m.group >= 0 {
			counts[m.group]++
		}
	}
	pick := func(c []int) int {
		best := c[0]
		for _, gi := range c[1:] {
			if counts[gi] > counts[best] {
				best = gi
			}
		}
		return best
	}
	for i := range ms {
		m := &ms[i]
		if len(m.words) != 1 {
			continue
		}
		if m.group >= 0 && strings.HasPrefix(groups[m.group].key, "G\t") && m.typ != article.EntityOther && (m.typ != article.EntityLocation || m.country) {
			// Countries and organisations stay what the gazetteer says; a
			// town may be a surname ("Дейвис").
			continue
		}
		st := appendStem(kb[:0], m.words[0])
		if c := surname[string(st)]; len(c) > 0 {
			m.group, m.typ = pick(c), article.EntityPerson
			referenced[m.group] = true
		} else if c := given[string(st)]; len(c) > 0 && (x.g.person[string(st)].first || m.typ == article.EntityPerson) && m.canonical == "" {
			m.group, m.typ = pick(c), article.EntityPerson
			referenced[m.group] = true
		}
	}
	for i, m := range ms {
		if m.group < 0 {
			continue
		}
		g := groups[m.group]
		g.count++
		switch m.typ {
		case article.EntityOrganization:
			g.orgs++
		case article.EntityLocation:
			g.locs++
		}
		if m.typ == guessedPerson || (m.typ == guessedFullName && referenced[m.group]) {
			g.guessed++
		}
		if m.typ == article.EntityPerson {
			if m.byVerb {
				g.byVerb++
			} else {
				g.persons++
			}
		}
		if strings.HasPrefix(g.key, "G\t") || g.words == len(m.words) {
			g.variants = append(g.variants, m.words)
		}
		if i < g.first {
			g.first = i
		}
	}
	var res Result
	name := make([]string, len(groups))
	typ := make([]string, len(groups))
	guessed := make([]bool, len(groups))
	gwords := make([][]string, len(groups))
	gstems := make([][]string, len(groups))
	for gi, g := range groups {
		gwords[gi] = strings.Fields(strings.TrimPrefix(strings.TrimPrefix(g.key, "U\t"), "G\t"))
		if strings.HasPrefix(g.key, "G\t") {
			for _, w := range nameWords(strings.TrimPrefix(g.key, "G\t")) {
				gstems[gi] = append(gstems[gi], stem(w))
			}
		} else {
			gstems[gi] = gwords[gi]
		}
	}
	words := func(gi int) []string { return gwords[gi] }
	for gi, g := range groups {
		if g.count == 0 {
			continue
		}
		latinWord := strings.HasPrefix(g.key, "U\t") && len(words(gi)) == 1 && !cyrillic(g.key[2:])
		switch {
		case g.persons > 0:
			typ[gi] = article.EntityPerson
		case g.orgs > 0 || g.locs > 0:
			typ[gi] = article.EntityOrganization
			if g.locs > g.orgs {
				typ[gi] = article.EntityLocation
			}
		case latinWord && g.count >= 3:
			// A one-word name in Latin script named again and again,
			// never with a given name, is a company, club or body
			// ("Bombardier", "Sky"), even when it "said" something.
			typ[gi] = article.EntityOrganization
		case g.byVerb > 0:
			typ[gi] = article.EntityPerson
		case g.guessed > 0:
			typ[gi] = article.EntityPerson
			guessed[gi] = true
		default:
			typ[gi] = article.EntityOther
		}
	}
	// Names listed with places are places: "Бирмингам, Бристол, Кардиф и
	// Лийдс" once one of them is known to be a place.
	listSep := func(between string) bool {
		switch strings.TrimSpace(between) {
		case ",", "и", "and", "или", "or", ", и", ", and", "и в", ", в":
			return true
		}
		return false
	}
	for a := 0; a < len(ms); {
		b := a + 1
		for b < len(ms) && ms[b].start >= ms[b-1].end && listSep(text[ms[b-1].end:ms[b].start]) {
			b++
		}
		if b-a >= 2 {
			place := false
			for k := a; k < b; k++ {
				if g := ms[k].group; g >= 0 && typ[g] == article.EntityLocation {
					place = true
				}
			}
			for k := a; k < b && place; k++ {
				g := ms[k].group
				if g >= 0 && len(words(g)) == 1 && strings.HasPrefix(groups[g].key, "U\t") && (typ[g] == article.EntityOther || guessed[g]) {
					typ[g], guessed[g] = article.EntityLocation, false
				}
			}
		}
		a = b
	}
	// An organisation named by the end of its name is that organisation
	// ("Щабът", "Оперативния щаб" -> "Национален оперативен щаб").
	alias := make([]int, len(groups))
	for gi := range groups {
		alias[gi] = gi
		if groups[gi].count == 0 || typ[gi] != article.EntityOrganization || !strings.HasPrefix(groups[gi].key, "U\t") {
			continue
		}
		w := words(gi)
		for hi, h := range groups {
			if hi == gi || h.count == 0 || typ[hi] != article.EntityOrganization {
				continue
			}
			hw := gstems[hi]
			if (len(hw) > len(w) || (len(hw) == len(w) && strings.HasPrefix(h.key, "G\t"))) && slices.Equal(hw[len(hw)-len(w):], w) {
				h.count += groups[gi].count
				groups[gi].count = 0
				alias[gi] = hi
				break
			}
		}
	}
	// "Sky Movies" is Sky's, not a person, when Sky is an organisation.
	single := map[string]int{}
	for gi, g := range groups {
		if g.count > 0 && len(words(gi)) == 1 && typ[gi] == article.EntityOrganization {
			single[words(gi)[0]] = gi
		}
	}
	for gi, g := range groups {
		w := words(gi)
		if g.count > 0 && typ[gi] == article.EntityPerson && len(w) > 1 && strings.HasPrefix(g.key, "U\t") && !cyrillic(w[0]) {
			if _, ok := single[w[0]]; ok {
				typ[gi] = article.EntityOrganization
			}
		}
	}
	for i := range ms {
		if ms[i].group >= 0 {
			ms[i].group = alias[ms[i].group]
		}
	}
	order := make([]int, 0, len(groups))
	for gi, g := range groups {
		if g.count == 0 {
			continue
		}
		if g.canonical != "" {
			name[gi] = g.canonical
		} else {
			name[gi] = x.canonical(g.variants, typ[gi], lang)
		}
		order = append(order, gi)
	}
	// Groups that end with the same canonical name are one entity.
	type typeName struct{ typ, name string }
	merged := make(map[typeName]int, len(order))
	if len(order) > 0 {
		res.Entities = make([]Entity, 0, len(order))
	}
	for _, gi := range order {
		k := typeName{typ[gi], name[gi]}
		if j, ok := merged[k]; ok {
			res.Entities[j].Count += groups[gi].count
			continue
		}
		merged[k] = len(res.Entities)
		res.Entities = append(res.Entities, Entity{ID: x.g.ID(name[gi], typ[gi]), Text: name[gi], Type: typ[gi], Count: groups[gi].count})
	}
	slices.SortStableFunc(res.Entities, func(a, b Entity) int { return b.Count - a.Count })
	if len(ms) > 0 {
		res.Mentions = make([]Mention, 0, len(ms))
	}
	for _, m := range ms {
		if m.group < 0 {
			continue
		}
		res.Mentions = append(res.Mentions, Mention{Start: m.start, End: m.end, Entity: name[m.group], Type: typ[m.group], Guessed: guessed[m.group]})
	}
	res.Roles = bindRoles(text, roles, res.Mentions)
	return res
}

// bindRoles resolves each role word to a person: the person named right
// after it in the same sentence ("министърът ... Сергей Лавров", but not
// "говорител на Мей"); else, for a role before any person is named, the
// next person named; else the person last bound to the same role word;
// else the person last named before it.
func bindRoles(text string, roles []Role, mentions []Mention) []Role {
	persons := make([]Mention, 0, len(mentions))
	for _, m := range mentions {
		if m.Type == article.EntityPerson {
			persons = append(persons, m)
		}
	}
	genitive := func(between string) bool {
		b := strings.TrimSpace(between)
		return strings.HasSuffix(b, " на") || strings.HasSuffix(b, " of") || b == "на" || b == "of"
	}
	bound := map[string]string{}
	var lb [64]byte
	for i := range roles {
		r := &roles[i]
		key := roleKey(appendLower(lb[:0], text[r.Start:r.End]))
		before := false
		for _, p := range persons {
			if p.End <= r.Start {
				before = true
				continue
			}
			if p.Start < r.End {
				continue
			}
			between := text[r.End:p.Start]
			switch {
			case p.Start-r.End <= 80 && !strings.ContainsAny(between, ".!?\n") && !genitive(between):
				r.Person = p.Entity
			case !before && p.Start-r.End <= 200 && !genitive(between):
				r.Person = p.Entity
			}
			break
		}
		if r.Person == "" {
			r.Person = bound[key]
		}
		if r.Person == "" {
			for _, p := range persons {
				if p.End <= r.Start {
					r.Person = p.Entity
				}
			}
		}
		if r.Person != "" && key != "" {
			bound[key] = r.Person
		}
	}
	return roles
}

// roleKey is the role a word in lower case names ("министърът" ->
// "министър").
func roleKey(w []byte) string {
	for _, r := range roles {
		if len(w) >= len(r) && string(w[:len(r)]) == r {
			return r
		}
	}
	return ""
}

// canonical chooses the name of an entity from the forms it is written in.
func (x *Extractor) canonical(variants [][]string, typ, lang string) string {
	if len(variants) == 0 {
		return ""
	}
	cyr := cyrillic(variants[0][0])
	score := func(v []string) int {
		s := 0
		for _, w := range v {
			if ruNominative(w, false) != w {
				s += 2
			}
		}
		return s*100 + utf8.RuneCountInString(strings.Join(v, " "))
	}
	best := variants[0]
	if cyr && lang != "bg" {
		for _, v := range variants[1:] {
			if score(v) < score(best) {
				best = v
			}
		}
	}
	out := make([]string, len(best))
	copy(out, best)
	for i, w := range out {
		out[i] = strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "’s")
	}
	switch {
	case cyr && lang == "bg" && typ != article.EntityPerson:
		// The definite article goes from the words up to the head noun.
		stop := len(out)
		for i, w := range out {
			if i > 0 && !firstUpper(w) {
				stop = i + 1
				break
			}
		}
		for i := 0; i < stop && i < len(out); i++ {
			out[i] = bgDefinite(out[i], i == stop-1, typ == article.EntityOrganization)
		}
	case cyr && lang != "bg" && typ == article.EntityLocation && len(out) == 1:
		// "в Блэр-хаусе" -> "Блэр-хаус".
		if b, ok := strings.CutSuffix(out[0], "е"); ok {
			if r, _ := utf8.DecodeLastRuneInString(b); !isVowel(r) && r != 'ь' {
				out[0] = b
			}
		}
	case cyr && lang != "bg" && typ == article.EntityPerson:
		female := false
		if n := out[0]; strings.HasSuffix(n, "ой") || strings.HasSuffix(n, "ией") {
			female = true
		}
		droppedA := false
		if genitivePair(out) {
			// "Дэвида Дэвиса" -> "Дэвид Дэвис".
			for i, w := range out {
				out[i] = strings.TrimSuffix(w, "а")
			}
			return strings.Join(out, " ")
		}
		for i, w := range out {
			p, ok := x.g.person[stem(w)]
			if i == 0 && ok && !x.exactPerson(w) && (p.male != "" || p.woman != "") {
				// An oblique given name: the nominative from the lists
				// ("Терезе" -> "Тереза", "Борису" -> "Борис").
				if n := givenNominative(w, p); n != "" {
					out[i] = n
					if strings.HasSuffix(w, "а") && n != w {
						droppedA = true
					}
					continue
				}
			}
			switch {
			case i == 0 && ok && p.first && p.canonical != w && strings.HasPrefix(w, p.canonical) && utf8.RuneCountInString(w)-utf8.RuneCountInString(p.canonical) == 1 && strings.ContainsAny(w[len(p.canonical):], "аует"):
				out[i] = p.canonical
				droppedA = true
			case i > 0 && droppedA && (strings.HasSuffix(w, "а") || strings.HasSuffix(w, "у") || strings.HasSuffix(w, "е")):
				b := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(w, "а"), "у"), "е")
				if r, _ := utf8.DecodeLastRuneInString(b); !isVowel(r) {
					out[i] = b
				}
			default:
				out[i] = ruNominative(w, female)
			}
		}
	}
	return strings.Join(out, " ")
}

// givenNominative picks the nominative of an oblique given name w among
// the men's and women's names sharing its stem, by its ending.
func givenNominative(w string, p personWord) string {
	switch {
	case p.male == "":
		return p.woman
	case p.woman == "":
		return p.male
	}
	for _, suf := range []string{"ой", "ей", "ю", "е"} {
		if strings.HasSuffix(w, suf) {
			return p.woman
		}
	}
	return p.male
}

// genitivePair reports whether a Russian name of two or more words is a
// man's in the genitive: every word ends in a consonant and "а", and the
// last is not a woman's surname ("Дэвида Дэвиса", not "Анна Попова").
func genitivePair(words []string) bool {
	if len(words) < 2 {
		return false
	}
	for _, w := range words {
		b, ok := strings.CutSuffix(w, "а")
		if !ok {
			return false
		}
		if r, _ := utf8.DecodeLastRuneInString(b); isVowel(r) || r == 'ь' || r == 'й' {
			return false
		}
	}
	last := words[len(words)-1]
	for _, suf := range []string{"ова", "ева", "ёва", "ина", "ына", "ская", "цкая"} {
		if strings.HasSuffix(last, suf) {
			return false
		}
	}
	return true
}

// countFields returns len(strings.Fields(s)) without building the fields.
func countFields(s string) int {
	n, in := 0, false
	for _, r := range s {
		space := unicode.IsSpace(r)
		if !space && !in {
			n++
		}
		in = !space
	}
	return n
}

// firstLastField returns the first and last of strings.Fields(s) ("" when
// there are none).
func firstLastField(s string) (first, last string) {
	start, found := -1, false
	for i, r := range s {
		switch {
		case !unicode.IsSpace(r):
			if start < 0 {
				start = i
			}
		case start >= 0:
			last, start = s[start:i], -1
			if !found {
				first, found = last, true
			}
		}
	}
	if start >= 0 {
		last = s[start:]
		if !found {
			first = last
		}
	}
	return first, last
}
