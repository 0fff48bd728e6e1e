package keywords

import (
	"cmp"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/textseg"
)

// Name is a stretch of the text that names one thing, and the name to
// show for it: an entity mention with the entity's canonical name. Start
// and End are byte offsets in the text the body tokens come from.
type Name struct {
	Start, End int
	Text       string
}

// candidates is how many of the best terms are considered for the
// keywords: enough to fill them after merging and filtering (a short
// article may still get fewer).
const candidates = 80

// Phrases returns up to n key terms, best first, with the terms that are
// part of a name or a set phrase shown as that phrase: a term most of
// whose occurrences lie in mentions of one of names becomes that name
// (the first name and the surname both become "Майк Помпео", an inflected
// "Брекзита" the "Брекзит" of its mentions), and likewise for a phrase
// of two to four words that the article repeats, capitalised ("Северен
// поток 2") or between quotes, and for a lower-case collocation it
// repeats ("преходния период"; setPhrases). The words of a phrase are
// shown once, with the score of the best of them plus mergeWeight of the
// others'. A term seen once in the body and not in the title is not a
// keyword (its weight is rarity, not topic), nor is a single word for
// which generic reports true (a role or a common noun such as "колега";
// nil for none), nor a lower-case adjective or verb form (Modifier), nor
// a lower-case word common across the language's documents and not in
// the title (commonShare): their places go to names and phrases.
func (an *Analysis) Phrases(n int, names []Name, generic func(word string) bool) []Keyword {
	if n <= 0 {
		return []Keyword{}
	}
	terms := an.top(candidates)
	// inside[i][name] counts the occurrences of terms[i] in mentions of a
	// name or in a repeated phrase.
	rank := make(map[int32]int, len(terms))
	for i := range terms {
		rank[terms[i].id] = i
	}
	// inside[i][name] counts the occurrences of terms[i] in mentions of a
	// name; inSet[i][phrase] in a repeated phrase.
	count := func(spans []Name) []map[string]int {
		in := make([]map[string]int, len(terms))
		for _, sp := range spans {
			k := sort.Search(len(an.body), func(k int) bool { return an.body[k].Start >= sp.Start })
			for ; k < len(an.body) && an.body[k].End <= sp.End; k++ {
				i, ok := rank[an.tokTerm[k]]
				if !ok || an.tokTerm[k] < 0 {
					continue
				}
				if in[i] == nil {
					in[i] = map[string]int{}
				}
				in[i][sp.Text]++
			}
		}
		return in
	}
	inside, inSet := count(tidyNames(names)), count(an.setPhrases(generic))
	capInside := an.capitalisedInside()
	// Every candidate is weighed before the best n are kept: a name or a
	// phrase weighs its best term plus part of each other term shown with
	// it (mergeWeight), so that "Майк Помпео" outranks "Помпео" would.
	type cand struct {
		term  string
		score float64
	}
	var out []cand
	at := map[string]int{} // lower-cased term -> index in out
	used := make([]bool, len(terms))
	for i := range terms {
		if used[i] {
			continue
		}
		t := &terms[i]
		used[i] = true
		merged := 0.0 // the scores of the other terms shown with this one
		// What the term is shown as: the name (of several words) or the
		// repeated phrase most of its occurrences lie in, a phrase that
		// extends the name ("Северен поток" + "2") before it; else the
		// canonical name of its one-word mentions; else the term.
		name, phrase := mostly(inside[i], t.count), mostly(inSet[i], t.count)
		text := ""
		switch {
		case strings.ContainsRune(name, ' ') && !(phrase != "" && strings.HasPrefix(strings.ToLower(phrase), strings.ToLower(name)+" ")):
			text = name
		case phrase != "":
			text = phrase
		default:
			text = name
		}
		if text != "" {
			// The other terms of the same name are shown with it.
			for j := i + 1; j < len(terms); j++ {
				if k := inside[j][text] + inSet[j][text]; !used[j] && k > 0 && 2*k >= terms[j].count {
					used[j] = true
					merged += terms[j].score
				}
			}
		}
		if !strings.ContainsRune(text, ' ') {
			// A single word, or the one-word name of its mentions
			// ("Salzwedel" when the tagger missed "Heiko Salzwedel").
			if text == "" {
				if t.count < 2 && !t.inTitle {
					continue
				}
				text = an.bestForm(t)
			}
			if full, f := an.introduced(t, generic); full != "" {
				// A name introduced in full ("Roger Federer") that no
				// entity mention covers: the first name goes with it.
				text = full
				if j, ok := rank[f]; ok && !used[j] {
					used[j] = true
					merged += terms[j].score
				}
			} else if u, ok := rank[an.firstNameOf(t)]; ok && !used[u] {
				// The first name ranks first: the same, the other way.
				if full, _ := an.introduced(&terms[u], generic); full != "" {
					text = full
					used[u] = true
					merged += terms[u].score
				}
			}
		}
		if !strings.ContainsRune(text, ' ') && (generic != nil && generic(text) || !capInside[t.id] && (Modifier(an.lang, strings.ToLower(text)) || an.common(t))) {
			continue
		}
		score := t.score + mergeWeight*merged
		key := strings.ToLower(text)
		if k, ok := at[key]; ok {
			// Shown already (another term of the same name).
			out[k].score += mergeWeight * score
			continue
		}
		if overlaps(at, key) {
			continue
		}
		if sp := strings.LastIndexByte(key, ' '); sp > 0 {
			if k, ok := at[key[sp+1:]]; ok {
				// The surname was shown alone before: it becomes the
				// full name, in its place.
				out[k].term = text
				out[k].score += mergeWeight * score
				at[key] = k
				continue
			}
		}
		at[key] = len(out)
		out = append(out, cand{text, score})
	}
	slices.SortStableFunc(out, func(a, b cand) int { return cmp.Compare(b.score, a.score) })
	out = out[:min(n, len(out))]
	kws := make([]Keyword, len(out))
	for i, c := range out {
		kws[i] = Keyword{Term: c.term, Score: math.Round(c.score/out[0].score*1000) / 1000}
	}
	return kws
}

// mergeWeight is the part of a term's score that the name or phrase it is
// shown with gains.
const mergeWeight = 0.25

// tidyNames gives each entity one name: a two-word name made of the first
// and last words of a longer one ("Luiz Lula" beside "Luiz Inácio Lula")
// becomes the longer one, and a two-word name mentioned once whose words
// belong each to a different other name ("Nishikori Berdych" beside "Kei
// Nishikori" and "Tomas Berdych": two names run together) is dropped.
// Words compare by stem, so that inflected forms count.
func tidyNames(names []Name) []Name {
	words := map[string][]string{} // name -> stems of its words
	mentions := map[string]int{}
	for _, n := range names {
		if _, ok := words[n.Text]; !ok {
			var ws []string
			for w := range strings.FieldsSeq(n.Text) {
				ws = append(ws, Stem(w))
			}
			words[n.Text] = ws
		}
		mentions[n.Text]++
	}
	// in returns the other names of several words that hold the stem w.
	in := func(w, not string) []string {
		var out []string
		for m, ws := range words {
			if m != not && len(ws) > 1 && slices.Contains(ws, w) {
				out = append(out, m)
			}
		}
		return out
	}
	rename := map[string]string{}
	for n, ws := range words {
		if len(ws) != 2 {
			continue
		}
		long := ""
		for m, ms := range words {
			if len(ms) > 2 && ms[0] == ws[0] && ms[len(ms)-1] == ws[1] && (long == "" || m < long) {
				long = m
			}
		}
		if long != "" {
			rename[n] = long
			continue
		}
		if mentions[n] > 1 {
			continue
		}
		firsts, lasts := in(ws[0], n), in(ws[1], n)
		if len(firsts) > 0 && len(lasts) > 0 && !slices.ContainsFunc(firsts, func(m string) bool { return slices.Contains(lasts, m) }) {
			rename[n] = ""
		}
	}
	if len(rename) == 0 {
		return names
	}
	out := make([]Name, 0, len(names))
	for _, n := range names {
		if to, ok := rename[n.Text]; ok {
			if to == "" {
				continue
			}
			n.Text = to
		}
		out = append(out, n)
	}
	return out
}

// commonShare is the share of a language's documents above which a
// lower-case word is too common to be a keyword alone (16 of the 800
// English documents of df.txt.gz): "dollar", "government", "право",
// "отставка". Tuned on the keyword tuning set (docs/quality.md).
const commonShare = 0.02

// common reports whether t's stem is in more than commonShare of the
// documents of the article's language and not in the title (a common
// word the title names is the topic: "Dollar gains on Greenspan speech").
func (an *Analysis) common(t *term) bool {
	return !t.inTitle && an.docs > 0 && float64(an.df[t.stem]) > commonShare*float64(an.docs)
}

// capitalisedInside reports, per term id, whether the term is written
// capitalised inside a sentence somewhere (a name, or a German noun), not
// only at sentence starts.
func (an *Analysis) capitalisedInside() []bool {
	out := make([]bool, an.ids)
	for k, ti := range an.tokTerm {
		if ti >= 0 && !out[ti] && an.body[k].Capitalized() && !sentenceStart(an.body, k) {
			out[ti] = true
		}
	}
	return out
}

// overlaps reports whether key is contained, word for word, in a phrase
// shown already, or is a phrase that contains one ("China Aviation Oil"
// after "Aviation Oil"). A phrase may hold a single word shown before.
func overlaps(shown map[string]int, key string) bool {
	k := " " + key + " "
	for s := range shown {
		if !strings.ContainsRune(s, ' ') {
			continue
		}
		if strings.Contains(" "+s+" ", k) || strings.Contains(k, " "+s+" ") {
			return true
		}
	}
	return false
}

// introduced returns the full name a capitalised term was introduced with
// when its first occurrence follows a capitalised word, one space before
// it, that is no stop word, role or generic word, is always capitalised,
// and is never seen but before the term ("Roger" in "Roger Federer"); and
// the id of that word's term. "" when there is none.
func (an *Analysis) introduced(t *term, generic func(string) bool) (string, int32) {
	i := t.first
	if i < 1 || i >= len(an.body) {
		return "", -1
	}
	cur, prev := an.body[i], an.body[i-1]
	f := an.tokTerm[i-1]
	if f < 0 || cur.Kind != textseg.Word || prev.Kind != textseg.Word || !cur.Capitalized() || !prev.Capitalized() ||
		prev.End+1 != cur.Start || prev.AllCaps() || cur.AllCaps() || (generic != nil && (generic(prev.Text) || generic(cur.Text))) {
		return "", -1
	}
	for k, ti := range an.tokTerm {
		if ti != f {
			continue
		}
		if !an.body[k].Capitalized() || k+1 >= len(an.body) || an.tokTerm[k+1] != t.id {
			return "", -1
		}
	}
	return prev.Text + " " + cur.Text, f
}

// firstNameOf returns the id of the term that always follows t, one space
// after it, when t is always capitalised (t a first name, the result its
// surname); -1 when there is none.
func (an *Analysis) firstNameOf(t *term) int32 {
	next := int32(-1)
	for k, ti := range an.tokTerm {
		if ti != t.id {
			continue
		}
		if !an.body[k].Capitalized() || k+1 >= len(an.body) || an.tokTerm[k+1] < 0 || an.body[k].End+1 != an.body[k+1].Start {
			return -1
		}
		if next >= 0 && an.tokTerm[k+1] != next {
			return -1
		}
		next = an.tokTerm[k+1]
	}
	return next
}

// mostly returns the name that at least half of count occurrences lie in
// (the one with most of them, then the longer, then the first in order),
// "" for none.
func mostly(in map[string]int, count int) string {
	text, best := "", 0
	for name, k := range in {
		if 2*k < count {
			continue
		}
		if k > best || k == best && (len(name) > len(text) || len(name) == len(text) && name < text) {
			text, best = name, k
		}
	}
	return text
}

// Phrase sizes.
const (
	minPhraseWords = 2
	maxPhraseWords = 4
)

// maxCollocationWords is the longest lower-case set phrase.
const maxCollocationWords = 3

// setPhrases finds the phrases of two to four words that the body repeats:
// runs of words and numbers, one space apart, that start with a
// capitalised word or stand between quotes, and end with neither a stop
// word nor a word too short to be a term; each found at least twice (by
// its words' stems, so inflected forms count). It finds collocations too:
// runs of two or three words that are all terms, none generic, repeated
// and holding at least half the occurrences of each of their terms
// ("преходния период", "box office"), so that a term is shown as the set
// phrase it is mostly said in rather than alone. The spans are their
// occurrences, named by their most frequent form (a collocation's first
// word in lower case unless it is capitalised inside a sentence).
func (an *Analysis) setPhrases(generic func(string) bool) []Name {
	body := an.body
	type occ struct{ i, n int } // the phrase is body[i:i+n]
	type found struct {
		occs   []occ
		quoted bool // seen between quotes
		colloc bool // all words terms, none generic
		midCap bool // a collocation whose first word is capitalised inside a sentence
	}
	phrases := map[string]*found{}
	var keys []string // in order of first occurrence, for a stable result
	// flags[k] holds, for a word that is a term, fTerm and what its
	// ending says (wordFlags), computed when first asked for (fDone).
	flags := make([]uint8, len(body))
	collocFlags := func(i, n int) []uint8 {
		for k := i; k < i+n; k++ {
			if flags[k]&fDone != 0 {
				continue
			}
			flags[k] = fDone
			if t := body[k]; t.Kind == textseg.Word && an.tokTerm[k] >= 0 && (generic == nil || !generic(t.Text)) {
				flags[k] |= fTerm | wordFlags(an.lang, t)
			}
		}
		return flags[i : i+n]
	}
	var key []byte
	for i := range body {
		if body[i].Kind != textseg.Word || an.tokTerm[i] < 0 {
			continue
		}
		named := startsPhrase(body, i)
		q := i > 0 && isQuote(body[i-1].Text) && body[i-1].End == body[i].Start
		key = appendStem(key[:0], body[i].Text)
		key = append(key, ' ')
		for n := minPhraseWords; n <= maxPhraseWords && i+n <= len(body); n++ {
			last := body[i+n-1]
			if !last.IsWord() || last.Kind == textseg.Abbrev || body[i+n-2].End+1 != last.Start {
				break
			}
			isColloc := false
			if n <= maxCollocationWords {
				fl := collocFlags(i, n)
				isColloc = allTerms(fl) && collocationFlags(an.lang, fl)
			}
			if !named && !isColloc {
				break
			}
			key = appendStem(key, last.Text)
			key = append(key, ' ')
			if last.Kind == textseg.Word && an.tokTerm[i+n-1] < 0 {
				continue // ends with a stop word: a longer run may not
			}
			f := phrases[string(key)]
			if f == nil {
				f = &found{}
				k := string(key)
				phrases[k] = f
				keys = append(keys, k)
			}
			f.occs = append(f.occs, occ{i, n})
			if q && i+n < len(body) && isQuote(body[i+n].Text) && body[i+n].Start == last.End {
				f.quoted = true
			}
			if isColloc {
				f.colloc = true
				if body[i].Capitalized() && !sentenceStart(body, i) {
					f.midCap = true
				}
			}
		}
	}
	var counts []int // occurrences per term id, for collocations
	var out []Name
	for _, k := range keys {
		f := phrases[k]
		if len(f.occs) < 2 {
			continue
		}
		// The most frequent form, then the first in byte order; forms
		// compare token by token, and only the one shown is joined.
		bestAt, best := -1, 0
		for a, o := range f.occs {
			c := 0
			for _, p := range f.occs {
				if sameForm(body[o.i:o.i+o.n], body[p.i:p.i+p.n]) {
					c++
				}
			}
			if c > best || c == best && formLess(body[o.i:o.i+o.n], body[f.occs[bestAt].i:f.occs[bestAt].i+o.n]) {
				bestAt, best = a, c
			}
		}
		o := f.occs[bestAt]
		text := joinTokens(body[o.i : o.i+o.n])
		if !allCapitalised(text) && !f.quoted {
			if !f.colloc {
				continue
			}
			if counts == nil {
				counts = make([]int, an.ids)
				for _, ti := range an.tokTerm {
					if ti >= 0 {
						counts[ti]++
					}
				}
			}
			if !an.holdsHalf(f.occs[0].i, f.occs[0].n, len(f.occs), counts) {
				continue
			}
			if !f.midCap {
				text = lowerFirst(text)
			}
		}
		for _, o := range f.occs {
			out = append(out, Name{Start: body[o.i].Start, End: body[o.i+o.n-1].End, Text: text})
		}
	}
	// Where phrases overlap, a term inside both counts for both, and the
	// longer one wins a tie (Phrases).
	return out
}

// Word flags (setPhrases).
const (
	fTerm uint8 = 1 << iota // a term, not generic
	fCap                    // capitalised
	fVerb                   // a verb form by its ending (verbEndings)
	fMod                    // an adjective or verb form (Modifier)
	fPast                   // a past or present verb form, or a noun so ending (pastEndings)
	fDone                   // the flags are computed
)

// wordFlags returns what a word's case and ending say of it in lang.
func wordFlags(lang string, w textseg.Token) uint8 {
	var f uint8
	if w.Capitalized() {
		f |= fCap
	}
	if verbEndings[lang] == nil && adjectiveEndings[lang] == nil && pastEndings[lang] == nil {
		return f
	}
	if hasEnding(verbEndings[lang], w.Text) {
		f |= fVerb | fMod
	}
	if hasEnding(adjectiveEndings[lang], w.Text) {
		f |= fMod
	}
	if hasEnding(pastEndings[lang], w.Text) {
		f |= fPast
	}
	return f
}

func allTerms(flags []uint8) bool {
	for _, f := range flags {
		if f&fTerm == 0 {
			return false
		}
	}
	return true
}

// collocation reports whether words, all terms, may be a lower-case set
// phrase of lang: in German the last word is capitalised (a noun heads
// it, "antiarabische Demonstrationen", not "Autos mobil"); elsewhere no
// word but the first is (a role before a name, "презвитер Андрю", is the
// name's business), none is by its ending a verb ("позволяет
// сформировать", "вакцина позволяет") and the last is no adjective.
func collocation(lang string, words []textseg.Token) bool {
	flags := make([]uint8, len(words))
	for i, w := range words {
		flags[i] = wordFlags(lang, w)
	}
	return collocationFlags(lang, flags)
}

// collocationFlags is collocation over the words' flags.
func collocationFlags(lang string, flags []uint8) bool {
	last := len(flags) - 1
	if lang == "de" {
		return flags[last]&fCap != 0
	}
	for i, f := range flags {
		if i > 0 && f&fCap != 0 && flags[0]&fCap == 0 {
			return false
		}
		if f&fVerb != 0 || i == last && f&fMod != 0 || i < last && f&fPast != 0 {
			return false
		}
	}
	return true
}

// pastEndings end Russian and Ukrainian past and present verb forms, and
// some nouns too ("сила", "бюджет"): a word so ending does not open or
// carry on a collocation ("получила название").
var pastEndings = map[string][]string{
	"ru": {"ла", "ло", "ли", "ет", "ют", "ят", "ит"},
	"uk": {"ла", "ло", "ли", "ть", "ють", "ять"},
}

// holdsHalf reports whether a phrase of n words, seen times times, the
// first at body[i:i+n], holds at least half the occurrences of each of its
// words' terms.
func (an *Analysis) holdsHalf(i, n, times int, counts []int) bool {
	for k := i; k < i+n && k < len(an.body); k++ {
		if ti := an.tokTerm[k]; ti < 0 || 2*times < counts[ti] {
			return false
		}
	}
	return true
}

// sentenceStart reports whether body[i] opens a sentence, as far as the
// tokens tell: the first token, or one after a full stop, a question or
// exclamation mark, a colon, a dash or an opening quote.
func sentenceStart(body []textseg.Token, i int) bool {
	for i > 0 && isQuote(body[i-1].Text) {
		i--
	}
	if i == 0 {
		return true
	}
	switch body[i-1].Text {
	case ".", "!", "?", "...", "…", ":", "–", "—", "-":
		return true
	}
	return false
}

// lowerFirst lower-cases the first letter of s.
func lowerFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToLower(r)) + s[size:]
}

// startsPhrase reports whether a phrase may start at body[i]: a word that
// is a term, capitalised or right after an opening quote.
func startsPhrase(body []textseg.Token, i int) bool {
	t := body[i]
	if t.Kind != textseg.Word {
		return false
	}
	if t.Capitalized() {
		return true
	}
	return i > 0 && isQuote(body[i-1].Text) && body[i-1].End == t.Start
}

// allCapitalised reports whether every word of a phrase of words one
// space apart is capitalised or a number, but short lower-case inner words
// ("Bank of America", "Beherbergung und Gastronomie").
func allCapitalised(p string) bool {
	ws := strings.Split(p, " ")
	for i, w := range ws {
		if textseg.FirstUpper(w) || w[0] >= '0' && w[0] <= '9' {
			continue
		}
		if i == 0 || i == len(ws)-1 || len([]rune(w)) > 3 {
			return false
		}
	}
	return true
}

func isQuote(s string) bool {
	switch s {
	case "\"", "„", "“", "”", "«", "»", "‘", "’", "‚", "'":
		return true
	}
	return false
}

// sameForm reports whether two runs of tokens read the same.
func sameForm(a, b []textseg.Token) bool {
	for i := range a {
		if a[i].Text != b[i].Text {
			return false
		}
	}
	return true
}

// formLess reports whether the run a, joined with spaces, sorts before b.
func formLess(a, b []textseg.Token) bool {
	for i := range a {
		if a[i].Text != b[i].Text {
			// A word that is a prefix of the other sorts first only if
			// the space after it does: compare as joined strings.
			return joinTokens(a[i:]) < joinTokens(b[i:])
		}
	}
	return false
}

// joinTokens writes tokens one space apart (they are: see setPhrases).
func joinTokens(toks []textseg.Token) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.Text)
	}
	return b.String()
}
