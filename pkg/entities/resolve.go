package entities

// Resolution: mentions grouped into entities (coreference), typed by the
// evidence of all their mentions, and roles bound to people.

import (
	"slices"
	"strings"

	"github.com/newsflow/newsflow/pkg/article"
)

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
