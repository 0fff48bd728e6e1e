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

// Extractor extracts entities with a gazetteer.
type Extractor struct {
	g *Gazetteer
}

// New returns an extractor using g.
func New(g *Gazetteer) *Extractor { return &Extractor{g: g} }

// mention is a candidate mention before coreference.
type mention struct {
	start, end int
	words      []string
	typ        string
	canonical  string // set for gazetteer matches
	weak       bool   // a capitalised sentence start: counts only if it corefers
	group      int
}

// Extract finds the entities of text, a news article in language lang
// (ISO 639-1; "" when unknown). Put the title on the first line of text
// if it should count.
func (x *Extractor) Extract(text, lang string) Result {
	sents := textseg.Split(text)
	var ms []mention
	var roles []Role
	for _, s := range sents {
		if shouting(s.Text) {
			continue
		}
		ms, roles = x.sentence(s.Tokens, lang, ms, roles)
	}
	return x.resolve(ms, roles, lang)
}

// shouting reports whether a line is written in capitals (a clickbait
// title), where capitalisation tells nothing.
func shouting(s string) bool {
	up, letters := 0, 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				up++
			}
		}
	}
	return letters >= 12 && up*10 > letters*6
}

func lowerWord(t textseg.Token) string { return strings.ToLower(strings.TrimSuffix(t.Text, ".")) }

func isWord(t textseg.Token) bool { return t.Kind == textseg.Word }

func capital(t textseg.Token) bool {
	return (t.Kind == textseg.Word || t.Kind == textseg.Abbrev) && firstUpper(t.Text)
}

// initial reports whether toks[i] starts a sentence, a quotation or a
// clause after a colon, where any word is capitalised.
func initial(toks []textseg.Token, i int) bool {
	for j := i - 1; j >= 0; j-- {
		t := toks[j]
		if t.Kind != textseg.Punct {
			return false
		}
		switch t.Text {
		case "„", "«", "“", "\"", "'", "(", ":", "—", "–", "-", "‘", "[", "•", "*", "|":
			return true
		}
		return strings.ContainsAny(t.Text, ".!?…")
	}
	return true
}

// sentence collects the candidate mentions and role words of one sentence.
func (x *Extractor) sentence(toks []textseg.Token, lang string, ms []mention, roles []Role) ([]mention, []Role) {
	personCue := -100 // index of the last title, role or reporting verb
	for i := 0; i < len(toks); {
		t := toks[i]
		if !capital(t) {
			lw := lowerWord(t)
			if t.Kind == textseg.Word || t.Kind == textseg.Abbrev {
				switch {
				case IsRole(lw):
					roles = append(roles, Role{Start: t.Start, End: t.End})
					personCue = i
				case titles[lw], IsReportingVerb(lw):
					personCue = i
				}
			}
			i++
			continue
		}
		if n, e := x.matchGazetteer(toks, i, lang); n > 0 {
			single := n == 1 && !isAcronym(t.Text)
			if !(single && initial(toks, i) && x.g.isCommon(lang, strings.ToLower(t.Text))) {
				ms = append(ms, mention{start: t.Start, end: toks[i+n-1].End, words: texts(toks[i : i+n]), typ: kindType(e.kind), canonical: e.name})
			}
			i += n
			continue
		}
		// An unknown run of capitalised words.
		j := i + 1
		for j < len(toks) {
			u := toks[j]
			if capital(u) {
				if n, _ := x.matchGazetteer(toks, j, lang); n > 0 && !x.personWord(u.Text) {
					break
				}
				j++
				continue
			}
			if u.Kind == textseg.Word && connectors[u.Text] && j+1 < len(toks) && capital(toks[j+1]) && !cyrillic(u.Text) {
				j++
				continue
			}
			break
		}
		chunk := toks[i:j]
		next := j
		// Leading sentence-start words, titles and demonyms are not names.
		hadTitle := personCue >= i-8 && personCue >= 0
		for len(chunk) > 0 {
			c := chunk[0]
			lw := lowerWord(c)
			first := c.Start == t.Start
			switch {
			case titles[lw] || (c.Kind == textseg.Abbrev && titles[strings.TrimSuffix(lw, ".")]):
				hadTitle = true
			case IsRole(lw) && !x.personWord(c.Text):
				hadTitle = true
				roles = append(roles, Role{Start: c.Start, End: c.End})
			case first && initial(toks, i) && len(chunk) > 1 && x.g.isCommon(lang, lw):
			case x.g.demonyms[strings.TrimSuffix(lw, "'s")] && !cyrillic(lw):
			default:
				goto done
			}
			chunk = chunk[1:]
		}
	done:
		for len(chunk) > 0 && connectors[chunk[len(chunk)-1].Text] {
			chunk = chunk[:len(chunk)-1]
		}
		if len(chunk) == 0 {
			i = next
			continue
		}
		m := mention{start: chunk[0].Start, end: chunk[len(chunk)-1].End, words: texts(chunk)}
		weakStart := chunk[0].Start == t.Start && initial(toks, i)
		if len(chunk) == 1 && chunk[0].Kind == textseg.Abbrev {
			i = next
			continue
		}
		verbAround := (i > 0 && IsReportingVerb(lowerWord(toks[i-1]))) || (next < len(toks) && IsReportingVerb(lowerWord(toks[next])))
		m.typ = x.classify(toks, i, next, chunk, lang, hadTitle || verbAround)
		if weakStart && len(chunk) == 1 && !(isAcronym(chunk[0].Text) && m.typ == article.EntityOrganization) {
			m.weak = x.g.isCommon(lang, strings.ToLower(chunk[0].Text)) || x.g.demonyms[strings.ToLower(chunk[0].Text)]
		}
		if m.typ != "" {
			ms = append(ms, m)
		}
		i = next
	}
	return ms, roles
}

func texts(toks []textseg.Token) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.Text
	}
	return out
}

func kindType(k kind) string {
	if k == kindOrg {
		return article.EntityOrganization
	}
	return article.EntityLocation
}

// personWord reports whether w is a known given name, surname or
// patronymic.
func (x *Extractor) personWord(w string) bool {
	p, ok := x.g.person[stem(w)]
	return ok && (p.first || p.patr || p.last)
}

// matchGazetteer returns the length in tokens of the longest place or
// organisation name starting at toks[i], and its entry.
func (x *Extractor) matchGazetteer(toks []textseg.Token, i int, lang string) (int, gazEntry) {
	first := stem(toks[i].Text)
	max := x.g.maxWords[first]
	if max == 0 {
		return 0, gazEntry{}
	}
	stems := make([]string, 0, max)
	for j := i; j < len(toks) && j-i < max; j++ {
		if !isWord(toks[j]) {
			break
		}
		stems = append(stems, stem(toks[j].Text))
	}
	for n := len(stems); n >= 1; n-- {
		exact := make([]string, n)
		for k := range exact {
			exact[k] = strings.ToLower(toks[i+k].Text)
		}
		es := x.g.exact[strings.Join(exact, " ")]
		if len(es) == 0 {
			es = x.g.names[strings.Join(stems[:n], " ")]
		}
		best := -1
		for k, e := range es {
			if !capsMatch(e, toks[i:i+n]) {
				continue
			}
			if best < 0 || (e.lang == lang && es[best].lang != lang) {
				best = k
			}
		}
		if best >= 0 {
			// A given name before a capitalised word is a person's
			// ("Владимир Путин"), not the place of the same name.
			if n == 1 && i+1 < len(toks) && capital(toks[i+1]) && x.g.person[first].first {
				return 0, gazEntry{}
			}
			return n, es[best]
		}
	}
	return 0, gazEntry{}
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

// classify types an unknown run of capitalised words; "" drops it.
func (x *Extractor) classify(toks []textseg.Token, i, next int, chunk []textseg.Token, lang string, personCue bool) string {
	words := texts(chunk)
	last := strings.ToLower(words[len(words)-1])
	hasOrgHead, hasLocHead := false, false
	for _, w := range words {
		lw := strings.ToLower(w)
		if orgHeads[lw] || orgHeads[stemOrg(lw)] {
			hasOrgHead = true
		}
		if locHeads[lw] {
			hasLocHead = true
		}
	}
	if hasOrgHead {
		return article.EntityOrganization
	}
	if hasLocHead && !cyrillic(last) {
		return article.EntityLocation
	}
	if len(words) == 1 {
		w := words[0]
		if isAcronym(w) {
			if romanNumeral(w) {
				return ""
			}
			return article.EntityOrganization
		}
		prev := ""
		if i > 0 {
			prev = lowerWord(toks[i-1])
		}
		quoted := i > 0 && next < len(toks) && openQuote(toks[i-1].Text) && closeQuote(toks[next].Text)
		switch {
		case personCue:
			return article.EntityPerson
		case (orgContext[prev] && prev != "в") || (prev == "в" && toks[i-1].Kind == textseg.Abbrev) || quoted:
			return article.EntityOrganization
		case locContext[prev] && prev != "in" && ((prev != "в" && prev != "във") || cyrillic(w)):
			return article.EntityLocation
		case x.personWord(w):
			return article.EntityPerson
		}
		return article.EntityOther
	}
	if personCue {
		return article.EntityPerson
	}
	for k, w := range words {
		p := x.g.person[stem(w)]
		if (k == 0 && p.first) || p.patr || (k == len(words)-1 && p.last) {
			return article.EntityPerson
		}
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
	if len(words) <= 4 {
		return article.EntityPerson
	}
	return article.EntityOther
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

func openQuote(s string) bool  { return s == "„" || s == "«" || s == "“" || s == "\"" }
func closeQuote(s string) bool { return s == "“" || s == "»" || s == "”" || s == "\"" }

// resolve groups the mentions into entities: gazetteer names by their
// canonical form, other names by their stems; then surnames and given
// names alone join the full name they belong to.
func (x *Extractor) resolve(ms []mention, roles []Role, lang string) Result {
	type group struct {
		key       string
		typ       string
		canonical string
		variants  [][]string
		count     int
		first     int
		persons   int // mentions typed PERSON
		others    map[string]int
	}
	var groups []*group
	byKey := map[string]int{}
	keyOf := func(m mention) string {
		if m.canonical != "" {
			return "G\t" + m.canonical
		}
		st := make([]string, len(m.words))
		for i, w := range m.words {
			st[i] = stem(w)
		}
		return "U\t" + strings.Join(st, " ")
	}
	// Full mentions first, so that the weak ones can join them.
	for pass := 0; pass < 2; pass++ {
		for i := range ms {
			m := &ms[i]
			if m.weak != (pass == 1) {
				continue
			}
			k := keyOf(*m)
			gi, ok := byKey[k]
			if !ok {
				if m.weak {
					m.group = -1
					continue
				}
				gi = len(groups)
				byKey[k] = gi
				groups = append(groups, &group{key: k, canonical: m.canonical, first: i, others: map[string]int{}})
			}
			m.group = gi
		}
	}
	// Coreference: a one-word name that is the surname or given name of a
	// full person name is that person.
	surname := map[string][]int{}
	given := map[string][]int{}
	isPerson := func(gi int) bool {
		for _, m := range ms {
			if m.group == gi && m.typ == article.EntityPerson {
				return true
			}
		}
		return false
	}
	for gi, g := range groups {
		if strings.HasPrefix(g.key, "G\t") {
			continue
		}
		st := strings.Fields(strings.TrimPrefix(g.key, "U\t"))
		if len(st) < 2 || !isPerson(gi) {
			continue
		}
		surname[st[len(st)-1]] = append(surname[st[len(st)-1]], gi)
		given[st[0]] = append(given[st[0]], gi)
	}
	counts := map[int]int{}
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
		if m.group >= 0 && (strings.HasPrefix(groups[m.group].key, "G\t") && m.typ != article.EntityOther) {
			continue
		}
		st := stem(m.words[0])
		if c := surname[st]; len(c) > 0 {
			m.group, m.typ = pick(c), article.EntityPerson
		} else if c := given[st]; len(c) > 0 && (x.g.person[st].first || m.typ == article.EntityPerson) {
			m.group, m.typ = pick(c), article.EntityPerson
		}
	}
	for i, m := range ms {
		if m.group < 0 {
			continue
		}
		g := groups[m.group]
		g.count++
		g.others[m.typ]++
		if m.typ == article.EntityPerson {
			g.persons++
		}
		if len(strings.Fields(strings.TrimPrefix(g.key, "U\t"))) == len(m.words) || strings.HasPrefix(g.key, "G\t") {
			g.variants = append(g.variants, m.words)
		}
		if i < g.first {
			g.first = i
		}
	}
	var res Result
	name := make([]string, len(groups))
	typ := make([]string, len(groups))
	order := make([]int, 0, len(groups))
	for gi, g := range groups {
		if g.count == 0 {
			continue
		}
		switch {
		case g.persons > 0:
			typ[gi] = article.EntityPerson
		default:
			best, bn := "", -1
			for _, t := range []string{article.EntityOrganization, article.EntityLocation, article.EntityOther} {
				if g.others[t] > bn {
					best, bn = t, g.others[t]
				}
			}
			typ[gi] = best
		}
		if g.canonical != "" {
			name[gi] = g.canonical
		} else {
			name[gi] = x.canonical(g.variants, typ[gi], lang)
		}
		order = append(order, gi)
	}
	// Groups that end with the same canonical name are one entity.
	merged := map[string]int{}
	for _, gi := range order {
		k := typ[gi] + "\t" + name[gi]
		if j, ok := merged[k]; ok {
			res.Entities[j].Count += groups[gi].count
			continue
		}
		merged[k] = len(res.Entities)
		res.Entities = append(res.Entities, Entity{Text: name[gi], Type: typ[gi], Count: groups[gi].count})
	}
	slices.SortStableFunc(res.Entities, func(a, b Entity) int { return b.Count - a.Count })
	for _, m := range ms {
		if m.group < 0 {
			continue
		}
		res.Mentions = append(res.Mentions, Mention{Start: m.start, End: m.end, Entity: name[m.group], Type: typ[m.group]})
	}
	res.Roles = bindRoles(roles, res.Mentions)
	return res
}

// bindRoles resolves each role word to a person.
func bindRoles(roles []Role, mentions []Mention) []Role {
	var persons []Mention
	for _, m := range mentions {
		if m.Type == article.EntityPerson {
			persons = append(persons, m)
		}
	}
	for i := range roles {
		r := &roles[i]
		// A person named right after the role holds it.
		for _, p := range persons {
			if p.Start >= r.End && p.Start-r.End <= 80 {
				r.Person = p.Entity
				break
			}
			if p.Start > r.End {
				break
			}
		}
		if r.Person != "" {
			continue
		}
		for _, p := range persons {
			if p.End <= r.Start {
				r.Person = p.Entity
			}
		}
	}
	return roles
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
	case cyr && lang != "bg" && typ == article.EntityPerson:
		female := false
		if n := out[0]; strings.HasSuffix(n, "ой") || strings.HasSuffix(n, "ией") {
			female = true
		}
		droppedA := false
		for i, w := range out {
			p, ok := x.g.person[stem(w)]
			switch {
			case i == 0 && ok && p.first && p.canonical != w && strings.HasPrefix(w, p.canonical) && utf8.RuneCountInString(w)-utf8.RuneCountInString(p.canonical) == 1:
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
