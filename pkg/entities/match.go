package entities

// Gazetteer matching over the tokens of a sentence, with a per-sentence memo.

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/textseg"
)

// gazMemo holds, per token of the sentence being read, its gazetteer
// match and lower-case forms, computed on first use.
type gazMemo struct {
	toks []textseg.Token // the sentence
	at   []tokenMemo
	// doc holds the document bits of the text's words (docWords), and
	// words what the tagger read of each word, for the tagger.
	doc map[string]uint8
	// words indexes entries by token text: per text, its wordInfo and
	// the tagger's summed weights of the word's own features.
	words   map[string]int32
	entries []wordEntry
	// The tagger's buffers for the sentence being read.
	sent   sentFeatures
	em     [][nLabels]float32
	vit    viterbiScratch
	bounds [2]boundHashes
	labels []int
	texts  []string
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

// memoPool keeps the memos of texts read, so that the next text reuses
// their maps and buffers.
var memoPool = sync.Pool{New: func() any { return new(gazMemo) }}

// release empties m and puts it back in memoPool. Maps and buffers grown
// by an unusually long text are dropped rather than kept.
func (m *gazMemo) release() {
	const keep = 1 << 13
	m.toks = nil
	clear(m.at[:cap(m.at)]) // drop the references to the text
	if len(m.words) > keep || cap(m.at) > keep {
		*m = gazMemo{}
		memoPool.Put(m)
		return
	}
	clear(m.doc)
	clear(m.words)
	clear(m.entries)
	m.entries = m.entries[:0]
	clear(m.texts[:cap(m.texts)])
	clear(m.sent.words[:cap(m.sent.words)])
	clear(m.sent.lower[:cap(m.sent.lower)])
	clear(m.sent.shapes[:cap(m.sent.shapes)])
	m.sent = sentFeatures{words: m.sent.words[:0], lower: m.sent.lower[:0], shapes: m.sent.shapes[:0], gaz: m.sent.gaz[:0], ids: m.sent.ids[:0], ctx: m.sent.ctx[:0]}
	memoPool.Put(m)
}

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
			return x.matchSlavic(toks, i, lang)
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
		isExact := anyUsable(es, lang)
		if !isExact {
			es = x.g.names[string(sb[:stemEnd[n-1]])]
			if n == 1 && !anyUsable(es, lang) {
				alts, ends := altStemsOf()
				for k := 1; k < len(ends); k++ {
					if es = x.g.names[string(alts[ends[k-1]:ends[k]])]; anyUsable(es, lang) {
						break
					}
				}
			}
		}
		best := -1
		for k := range es {
			e := es[k]
			if !usable(&e, lang) || !capsMatch(e, toks[i:i+n]) || (!isExact && !longEnough(e, toks[i:i+n])) {
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
	return x.matchSlavic(toks, i, lang)
}

// matchSlavic matches the inflected forms of the latinSlavic entries in
// a text in one of latinSlavicLangs ("Wielkiej Brytanii", "Rosji"), by
// the slavicStem of each word.
func (x *Extractor) matchSlavic(toks []textseg.Token, i int, lang string) (int, *gazEntry) {
	if !latinSlavicLangs[lang] || !capital(toks[i]) && !isAcronym(toks[i].Text) {
		return 0, nil
	}
	first := slavicStem(toks[i].Text)
	n := x.g.slavicMax[first]
	if n == 0 {
		return 0, nil
	}
	keys := []string{first}
	for j := i + 1; j < len(toks) && j-i < n && isWord(toks[j]); j++ {
		keys = append(keys, keys[len(keys)-1]+" "+slavicStem(toks[j].Text))
	}
	for k := len(keys); k >= 1; k-- {
		for _, e := range x.g.slavic[keys[k-1]] {
			if capsMatch(e, toks[i:i+k]) {
				// The entries have no language, and the languages
				// inflect alike ("Irsku" is Czech, "Irska" Croatian):
				// the name stays as written.
				words := make([]string, k)
				for j := range words {
					words[j] = toks[i+j].Text
				}
				e.name = strings.Join(words, " ")
				return k, &e
			}
		}
	}
	return 0, nil
}

// anyUsable reports whether one of es may match a text in lang.
func anyUsable(es []gazEntry, lang string) bool {
	for k := range es {
		if usable(&es[k], lang) {
			return true
		}
	}
	return false
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
