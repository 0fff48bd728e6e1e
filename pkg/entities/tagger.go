package entities

import (
	"math/bits"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/textseg"
)

// The tagger is a first-order structured perceptron (averaged) over BIO
// labels of four types: people, places, organisations and other names
// (events, works, products). Features are hashed into a fixed table; each
// bucket holds one weight per label.

// Labels of the tagger.
const (
	lO = iota
	lBPer
	lIPer
	lBLoc
	lILoc
	lBOrg
	lIOrg
	lBOth
	lIOth
	nLabels
)

// LabelNames are the BIO labels in order (OTH is the other names: events,
// works, products, MISC).
var LabelNames = [nLabels]string{"O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-OTH", "I-OTH"}

// Label returns the label index of a BIO tag, mapping PRO, EVT and MISC to
// OTH; -1 if the tag is not one of them.
func Label(tag string) int {
	if tag == "O" || tag == "" {
		return lO
	}
	bi, typ, ok := strings.Cut(tag, "-")
	if !ok || (bi != "B" && bi != "I") {
		return -1
	}
	base := 0
	switch typ {
	case "PER":
		base = lBPer
	case "LOC":
		base = lBLoc
	case "ORG":
		base = lBOrg
	case "PRO", "EVT", "MISC", "OTH":
		base = lBOth
	default:
		return -1
	}
	if bi == "I" {
		return base + 1
	}
	return base
}

// labelType is the entity type of a label's span.
func labelType(l int) string {
	switch l {
	case lBPer, lIPer:
		return "PERSON"
	case lBLoc, lILoc:
		return "LOCATION"
	case lBOrg, lIOrg:
		return "ORGANIZATION"
	case lBOth, lIOth:
		return "OTHER"
	}
	return ""
}

// isInside reports whether l continues a span.
func isInside(l int) bool { return l != lO && (l-1)%2 == 1 }

// allowed reports whether label b may follow label a (-1: sentence start):
// I-X only after B-X or I-X.
func allowed(a, b int) bool {
	if !isInside(b) {
		return true
	}
	return a == b || a == b-1
}

// Feature templates (the first byte hashed).
const (
	fBias byte = iota + 1
	fWord
	fLangWord
	fShape
	fLangShape
	fPre2
	fPre3
	fSuf1
	fSuf2
	fSuf3
	fSuf4
	fPrevWord
	fNextWord
	fPrev2Word
	fNext2Word
	fPrevShape
	fNextShape
	fPrevSuf3
	fNextSuf3
	fFirst
	fGaz
	fPrevGaz
	fNextGaz
	fRule
	fPrevRule
	fNextRule
	fBigram
	fNextBigram
	fLen
	fLangCap
	fDoc
	fPre5
	fStem
)

// Gazetteer bits of a token.
const (
	gLocB uint16 = 1 << iota
	gLocI
	gOrgB
	gOrgI
	gOthB
	gFirst
	gLast
	gPatr
	gDemonym
	gCommon
	gCountry
	gRole
	gTitle
	gVerb
	// gPlaceLike: a capitalised word of a text in a Latin-script Slavic
	// language, less its case ending, spelt (skeleton) like a one-word
	// place of the gazetteers in another language (Londyn, Londynie as
	// London; Paryż as Paris).
	gPlaceLike
)

// ruleLabel is a token's label by the rule-based chunker (0 none).
type ruleLabel = uint8

// sentFeatures holds what the features of a sentence are built from.
type sentFeatures struct {
	lang   string
	words  []string // as written
	lower  []string
	shapes []string
	gaz    []uint16
	rules  []ruleLabel
	// ids, when the text's memo is kept, holds each token's entry in
	// gazMemo.entries, and ctx the hashes of its word as a neighbour
	// (start and end: of the sentence's bounds).
	ids        []int32
	ctx        []ctxHashes
	start, end *ctxHashes
	// doc holds, per lower-case word of the document, docCapital and
	// docLower bits.
	doc map[string]uint8
}

// Document bits of a word.
const (
	docCapital uint8 = 1 << iota // written capitalised inside a sentence
	docLower                     // written in lower case
)

// docWords returns the document bits of the words of a document's
// sentences.
func docWords(sents [][]string) map[string]uint8 {
	out := map[string]uint8{}
	for _, ws := range sents {
		addDocWords(out, ws)
	}
	return out
}

// addDocWords adds the document bits of the words of one sentence to out.
func addDocWords(out map[string]uint8, ws []string) {
	for i, w := range ws {
		lw := textseg.ToLower(w)
		switch {
		case lw == w:
			out[lw] |= docLower
		case i > 0 && textseg.FirstUpper(w):
			out[lw] |= docCapital
		}
	}
}

func shape(w string) string {
	var b [16]byte
	n := 0
	var last byte
	for _, r := range w {
		var c byte
		switch {
		case unicode.IsUpper(r):
			c = 'X'
		case unicode.IsLower(r):
			c = 'x'
		case unicode.IsDigit(r):
			c = 'd'
		case r == '-' || r == '\'' || r == '’' || r == '.':
			c = byte(r)
			if r == '’' {
				c = '\''
			}
		default:
			c = '#'
		}
		if c == last {
			continue
		}
		last = c
		if n < len(b) {
			b[n] = c
			n++
		}
	}
	return string(b[:n])
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashStr(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func hash1(t byte, s string) uint64 {
	h := (uint64(fnvOffset) ^ uint64(t)) * fnvPrime
	return mix(hashStr(h, s))
}

func hash2(t byte, a, b string) uint64 {
	h := (uint64(fnvOffset) ^ uint64(t)) * fnvPrime
	h = hashStr(h, a)
	h = (h ^ 0xff) * fnvPrime
	return mix(hashStr(h, b))
}

func hashN(t byte, v uint64) uint64 {
	h := (uint64(fnvOffset) ^ uint64(t)) * fnvPrime
	h = (h ^ v) * fnvPrime
	return mix(h)
}

// mix spreads the bits of h (murmur3's finaliser) so that its low bits
// index buckets well.
func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// prefix and suffix return the first and last n runes of w (all of w when
// shorter).
func prefix(w string, n int) string {
	i := 0
	for k := 0; k < n && i < len(w); k++ {
		_, sz := utf8.DecodeRuneInString(w[i:])
		i += sz
	}
	return w[:i]
}

func suffix(w string, n int) string {
	i := len(w)
	for k := 0; k < n && i > 0; k++ {
		_, sz := utf8.DecodeLastRuneInString(w[:i])
		i -= sz
	}
	return w[i:]
}

// features appends the hashed features of token i to dst: those of the
// word alone, then those of its context.
func (s *sentFeatures) features(dst []uint64, i int) []uint64 {
	return s.contextFeatures(s.wordFeatures(dst, i), i)
}

// wordFeatures appends the hashed features that depend on the token's text
// alone (and the language and document, fixed for a text), which the
// tagger sums once per distinct word of a text.
func (s *sentFeatures) wordFeatures(dst []uint64, i int) []uint64 {
	w, lw, sh := s.words[i], s.lower[i], s.shapes[i]
	lang := s.lang
	n := utf8.RuneCountInString(lw)
	dst = append(dst,
		hashN(fBias, 0),
		hash1(fWord, lw),
		hash2(fLangWord, lang, w),
		hash1(fShape, sh),
		hash2(fLangShape, lang, sh),
		hash1(fPre2, prefix(lw, 2)),
		hash1(fPre3, prefix(lw, 3)),
		hash2(fSuf1, lang, suffix(lw, 1)),
		hash2(fSuf2, lang, suffix(lw, 2)),
		hash2(fSuf3, lang, suffix(lw, 3)),
		hash2(fSuf4, lang, suffix(lw, 4)),
		hashN(fLen, uint64(min(utf8.RuneCountInString(w), 12))),
	)
	if s.doc != nil {
		dst = append(dst, hash2(fDoc, prefix(sh, 2), string(rune('0'+s.doc[lw]))))
	}
	if n > 5 {
		dst = append(dst, hash2(fPre5, lang, prefix(lw, 5)))
	}
	if n > 3 {
		dst = append(dst, hash2(fStem, lang, prefix(lw, n-2)))
	}
	return dst
}

// contextFeatures appends the hashed features of token i that depend on
// its neighbours, its position or multi-word gazetteer matches.
func (s *sentFeatures) contextFeatures(dst []uint64, i int) []uint64 {
	if s.ctx != nil {
		return s.contextFeaturesMemo(dst, i)
	}
	lw, sh := s.lower[i], s.shapes[i]
	at := func(k int) (string, string, uint16, ruleLabel) {
		if k < 0 {
			return "<s>", "<s>", 0, 0
		}
		if k >= len(s.words) {
			return "</s>", "</s>", 0, 0
		}
		return s.lower[k], s.shapes[k], s.gaz[k], s.rules[k]
	}
	pw, psh, pg, pr := at(i - 1)
	nw, nsh, ng, nr := at(i + 1)
	p2, _, _, _ := at(i - 2)
	n2, _, _, _ := at(i + 2)
	lang := s.lang
	dst = append(dst,
		hash1(fPrevWord, pw),
		hash1(fNextWord, nw),
		hash1(fPrev2Word, p2),
		hash1(fNext2Word, n2),
		hash2(fPrevShape, psh, sh),
		hash2(fNextShape, sh, nsh),
		hash2(fPrevSuf3, lang, suffix(pw, 3)),
		hash2(fNextSuf3, lang, suffix(nw, 3)),
		hash2(fBigram, pw, lw),
		hash2(fNextBigram, lw, nw),
	)
	return s.gazRuleFeatures(dst, i, pg, ng, pr, nr, sh)
}

// gazRuleFeatures appends the features of token i (shape sh) that read the
// gazetteer and the chunker's labels of it and its neighbours (pg, ng, pr,
// nr), and whether it starts the sentence: the tail both context paths
// share, in one order.
func (s *sentFeatures) gazRuleFeatures(dst []uint64, i int, pg, ng uint16, pr, nr ruleLabel, sh string) []uint64 {
	dst = append(dst,
		hashN(fGaz, uint64(s.gaz[i])),
		hashN(fPrevGaz, uint64(pg)),
		hashN(fNextGaz, uint64(ng)),
		hashN(fRule, uint64(s.rules[i])),
		hashN(fPrevRule, uint64(pr)<<8|uint64(s.rules[i])),
		hashN(fNextRule, uint64(nr)<<8|uint64(s.rules[i])),
	)
	if i == 0 {
		dst = append(dst, hash2(fFirst, s.lang, sh))
	}
	for b := 0; b < 16; b++ {
		if s.gaz[i]&(1<<b) != 0 {
			dst = append(dst, hashN(fGaz, 1<<20|uint64(b)))
		}
	}
	return dst
}

// ctxHashes are the hashes of the context features that read one
// neighbour's word alone, as that neighbour: computed once per distinct
// word of a text.
type ctxHashes struct {
	prevWord, nextWord, prev2Word, next2Word uint64 // hash1 of the word
	prevSuf3, nextSuf3                       uint64 // hash2 of lang and its suffix
	// The FNV states of fBigram and fNextBigram after the word as their
	// first string and the separator: hash2 continued with the second.
	bigram, nextBigram uint64
}

func newCtxHashes(lang, w string) ctxHashes {
	first := func(t byte) uint64 {
		h := (uint64(fnvOffset) ^ uint64(t)) * fnvPrime
		return (hashStr(h, w) ^ 0xff) * fnvPrime
	}
	return ctxHashes{
		prevWord:   hash1(fPrevWord, w),
		nextWord:   hash1(fNextWord, w),
		prev2Word:  hash1(fPrev2Word, w),
		next2Word:  hash1(fNext2Word, w),
		prevSuf3:   hash2(fPrevSuf3, lang, suffix(w, 3)),
		nextSuf3:   hash2(fNextSuf3, lang, suffix(w, 3)),
		bigram:     first(fBigram),
		nextBigram: first(fNextBigram),
	}
}

// contextFeaturesMemo is contextFeatures with the neighbours' hashes
// taken from s.ctx (s.start and s.end before and after the sentence):
// the same hashes in the same order.
func (s *sentFeatures) contextFeaturesMemo(dst []uint64, i int) []uint64 {
	lw, sh := s.lower[i], s.shapes[i]
	n := len(s.words)
	at := func(k int) (*ctxHashes, string, string, uint16, ruleLabel) {
		if k < 0 {
			return s.start, "<s>", "<s>", 0, 0
		}
		if k >= n {
			return s.end, "</s>", "</s>", 0, 0
		}
		return &s.ctx[k], s.lower[k], s.shapes[k], s.gaz[k], s.rules[k]
	}
	p, _, psh, pg, pr := at(i - 1)
	nx, nw, nsh, ng, nr := at(i + 1)
	p2, _, _, _, _ := at(i - 2)
	n2, _, _, _, _ := at(i + 2)
	dst = append(dst,
		p.prevWord,
		nx.nextWord,
		p2.prev2Word,
		n2.next2Word,
		hash2(fPrevShape, psh, sh),
		hash2(fNextShape, sh, nsh),
		p.prevSuf3,
		nx.nextSuf3,
		mix(hashStr(p.bigram, lw)),
		mix(hashStr(s.ctx[i].nextBigram, nw)),
	)
	return s.gazRuleFeatures(dst, i, pg, ng, pr, nr, sh)
}

// newSentFeatures prepares the features of a sentence of tokens in lang.
// rules, when the chunker ran, holds the labels it gave each token. With
// a memo (x.memo) the result's slices are the memo's, valid until the
// next call.
func (x *Extractor) newSentFeatures(toks []textseg.Token, lang string, rules []ruleLabel, doc map[string]uint8) *sentFeatures {
	n := len(toks)
	m := x.memo
	var s *sentFeatures
	if m != nil {
		s = &m.sent
		s.words, s.lower, s.shapes = resize(s.words, n), resize(s.lower, n), resize(s.shapes, n)
		s.gaz, s.ids, s.ctx = resize(s.gaz, n), resize(s.ids, n), resize(s.ctx, n)
		clear(s.gaz)
		s.lang, s.doc, s.rules = lang, doc, rules
		if m.bounds[0].lang != lang || !m.bounds[0].done {
			m.bounds[0] = boundHashes{lang: lang, done: true, h: newCtxHashes(lang, "<s>")}
			m.bounds[1] = boundHashes{lang: lang, done: true, h: newCtxHashes(lang, "</s>")}
		}
		s.start, s.end = &m.bounds[0].h, &m.bounds[1].h
	} else {
		s = &sentFeatures{lang: lang, doc: doc, words: make([]string, n), lower: make([]string, n), shapes: make([]string, n), gaz: make([]uint16, n), rules: rules}
	}
	if s.rules == nil {
		s.rules = make([]ruleLabel, n)
	}
	for i, t := range toks {
		w := trimPossessive(t.Text)
		s.words[i] = w
		if m != nil {
			// One look-up per token for what the tagger keeps of its text.
			id := m.entry(t.Text)
			s.ids[i] = id
			e := &m.entries[id]
			if !e.textDone {
				// lower and shape are the same for words and others.
				e.lower, e.shape = textseg.ToLower(w), shape(t.Text)
				e.ctx = newCtxHashes(lang, e.lower)
				e.textDone = true
			}
			if isWord(t) {
				if !e.infoDone {
					e.info, e.infoDone = x.wordUncached(t.Text, lang), true
				}
				s.gaz[i] = e.info.bits
			}
			s.lower[i], s.shapes[i], s.ctx[i] = e.lower, e.shape, e.ctx
			continue
		} else if isWord(t) {
			wi := x.word(t.Text, lang)
			s.lower[i] = wi.lower
			s.gaz[i] = wi.bits
		} else {
			s.lower[i] = textseg.ToLower(w)
		}
		s.shapes[i] = shape(t.Text)
	}
	x.gazBits(toks, lang, s.gaz)
	return s
}

// resize returns s with length n, reusing its array when large enough.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// wordInfo is what the tagger reads of a word alone: its lower-case form
// (possessive trimmed) and gazetteer bits.
type wordInfo struct {
	lower string
	bits  uint16
}

// wordEntry is what the tagger keeps of a token's text for the rest of
// the text being read (words repeat): its wordInfo and the summed weights
// of its own features.
type wordEntry struct {
	info     wordInfo
	emit     [nLabels]float32
	lower    string // textseg.ToLower(trimPossessive(text)), as wordInfo.lower
	shape    string
	ctx      ctxHashes
	infoDone bool
	emitDone bool
	textDone bool
}

// boundHashes are the ctxHashes of a sentence's bounds in lang.
type boundHashes struct {
	lang string
	done bool
	h    ctxHashes
}

// entry returns the index in m.entries of the entry of a token's text,
// adding an empty one the first time.
func (m *gazMemo) entry(w string) int32 {
	if id, ok := m.words[w]; ok {
		return id
	}
	if m.words == nil {
		m.words = make(map[string]int32, 256)
	}
	id := int32(len(m.entries))
	m.entries = append(m.entries, wordEntry{})
	m.words[w] = id
	return id
}

// word returns the wordInfo of a token's text, remembered for the rest of
// the text being read (words repeat).
func (x *Extractor) word(w, lang string) wordInfo {
	m := x.memo
	if m == nil {
		return x.wordUncached(w, lang)
	}
	e := &m.entries[m.entry(w)]
	if !e.infoDone {
		e.info, e.infoDone = x.wordUncached(w, lang), true
	}
	return e.info
}

func (x *Extractor) wordUncached(w, lang string) wordInfo {
	lw := textseg.ToLower(w)
	var b uint16
	if p, ok := x.g.personExact[lw]; ok {
		b |= personBits(p)
	} else {
		var buf [64]byte
		if p, ok := x.g.person[string(appendStem(buf[:0], w))]; ok {
			b |= personBits(p)
		}
	}
	if x.g.demonyms[lw] {
		b |= gDemonym
	}
	if x.common(lang, lw) {
		b |= gCommon
	}
	if IsRole(lw) {
		b |= gRole
	}
	if titles[strings.TrimSuffix(lw, ".")] {
		b |= gTitle
	}
	if IsReportingVerb(lw) {
		b |= gVerb
	}
	if latinSlavicLangs[lang] && x.g.placeLike(w) {
		b |= gPlaceLike
	}
	if tw := trimPossessive(w); len(tw) != len(w) {
		lw = textseg.ToLower(tw)
	}
	return wordInfo{lower: lw, bits: b}
}

// gazBits adds the bits of multi-word gazetteer matches to the
// gazetteer bits of a sentence's tokens, which hold their words' own
// (wordInfo.bits).
func (x *Extractor) gazBits(toks []textseg.Token, lang string, out []uint16) {
	for i := 0; i < len(toks); {
		t := toks[i]
		if !isWord(t) {
			i++
			continue
		}
		if capital(t) || isAcronym(t.Text) {
			if n, e := x.matchGazetteer(toks, i, lang); n > 0 {
				var bb, bi uint16
				switch e.kind {
				case kindLoc:
					bb, bi = gLocB, gLocI
				case kindOrg:
					bb, bi = gOrgB, gOrgI
				default:
					bb, bi = gOthB, gOthB
				}
				out[i] |= bb
				if e.country {
					out[i] |= gCountry
				}
				for k := 1; k < n; k++ {
					out[i+k] |= bi
				}
			}
		}
		i++
	}
}

func personBits(p personWord) uint16 {
	var b uint16
	if p.first {
		b |= gFirst
	}
	if p.last {
		b |= gLast
	}
	if p.patr {
		b |= gPatr
	}
	return b
}

// Model is the tagger's weights: a table of buckets of one weight per
// label, and the label transition weights.
type Model struct {
	bits uint
	w    []float32 // buckets*nLabels, while training
	// A loaded model keeps its quantised weights sparse: of 2^20 buckets
	// about a quarter hold a weight. idx has one entry per 64 buckets, a
	// bitmap of those that hold one and the number of such buckets before
	// them (256 KB, which stays in the CPU's cache); rows holds their
	// weights, nLabels per bucket in bucket order (4 MB instead of 18).
	// A feature never seen in training then costs a look-up in idx only,
	// and the rows that are read are fewer and closer together.
	idx   []sparseWord
	rows  []int16
	trans [nLabels + 1][nLabels]float32
}

// sparseWord is the index of 64 buckets of a loaded model.
type sparseWord struct {
	set  uint64 // bit k: bucket 64*i+k holds a weight
	rank uint32 // buckets holding a weight before bucket 64*i
}

func (m *Model) bucket(h uint64) int { return int(h>>(64-m.bits)) * nLabels }

// scores sets the emission scores of one token from its features.
func (m *Model) scores(fs []uint64, out *[nLabels]float32) {
	*out = [nLabels]float32{}
	m.add(fs, out)
}

// add adds the weights of features fs to out. A loaded model sums its
// 16-bit weights as integers, exactly: the sum is the same in any order
// and however the features are grouped.
func (m *Model) add(fs []uint64, out *[nLabels]float32) {
	if m.idx != nil {
		var acc [nLabels]int32
		idx, rows, shift := m.idx, m.rows, 64-m.bits
		for _, h := range fs {
			b := h >> shift
			e := &idx[b>>6]
			bit := uint64(1) << (b & 63)
			if e.set&bit == 0 {
				continue
			}
			r := int(e.rank+uint32(bits.OnesCount64(e.set&(bit-1)))) * nLabels
			row := (*[nLabels]int16)(rows[r : r+nLabels])
			acc[0] += int32(row[0])
			acc[1] += int32(row[1])
			acc[2] += int32(row[2])
			acc[3] += int32(row[3])
			acc[4] += int32(row[4])
			acc[5] += int32(row[5])
			acc[6] += int32(row[6])
			acc[7] += int32(row[7])
			acc[8] += int32(row[8])
		}
		for l := range acc {
			out[l] += float32(acc[l])
		}
		return
	}
	for _, h := range fs {
		row := m.w[m.bucket(h):][:nLabels]
		for l := range out {
			out[l] += row[l]
		}
	}
}

// decode returns the best label sequence for the features of a sentence
// (feats[i] the features of token i).
func (m *Model) decode(feats [][]uint64, out []int) []int {
	em := make([][nLabels]float32, len(feats))
	for i := range feats {
		m.scores(feats[i], &em[i])
	}
	return m.viterbi(em, out)
}

// viterbi returns the best label sequence for the emission scores of a
// sentence's tokens.
func (m *Model) viterbi(em [][nLabels]float32, out []int) []int {
	return m.viterbiScratch(em, out, nil)
}

// viterbiScratch is viterbi with the score and back-pointer tables taken
// from sc when it is not nil (the tagger keeps one per text).
//
// Only I-X is constrained (after B-X or I-X alone), so the loop over the
// previous label is over all nine for O and B-X and over two for I-X; the
// scores are the same float32 sums, compared in the same order, as
// trying every pair and skipping those not allowed.
func (m *Model) viterbiScratch(em [][nLabels]float32, out []int, sc *viterbiScratch) []int {
	n := len(em)
	out = out[:0]
	if n == 0 {
		return out
	}
	var score [][nLabels]float32
	var back [][nLabels]int8
	if sc != nil {
		if cap(sc.score) < n {
			sc.score = make([][nLabels]float32, n)
			sc.back = make([][nLabels]int8, n)
		}
		score, back = sc.score[:n], sc.back[:n]
	} else {
		score = make([][nLabels]float32, n)
		back = make([][nLabels]int8, n)
	}
	const unreachable = float32(-1e30)
	for b := range nLabels {
		best, arg := unreachable, int8(-1)
		if !isInside(b) {
			best = m.trans[nLabels][b]
		}
		score[0][b] = best + em[0][b]
		back[0][b] = arg
	}
	for i := 1; i < n; i++ {
		prev := &score[i-1]
		cur := &score[i]
		for b := range nLabels {
			best, arg := unreachable, int8(-1)
			if isInside(b) {
				for _, a := range [2]int{b - 1, b} {
					if prev[a] <= -1e29 {
						continue
					}
					if v := prev[a] + m.trans[a][b]; v > best {
						best, arg = v, int8(a)
					}
				}
			} else {
				for a := range nLabels {
					if prev[a] <= -1e29 {
						continue
					}
					if v := prev[a] + m.trans[a][b]; v > best {
						best, arg = v, int8(a)
					}
				}
			}
			if arg == -1 {
				cur[b] = unreachable
				back[i][b] = 0
				continue
			}
			cur[b] = best + em[i][b]
			back[i][b] = arg
		}
	}
	last := 0
	for b := range nLabels {
		if score[n-1][b] > score[n-1][last] {
			last = b
		}
	}
	out = slices.Grow(out, n)[:n]
	for i := n - 1; i >= 0; i-- {
		out[i] = last
		last = int(back[i][last])
	}
	return out
}

// viterbiScratch holds viterbi's tables between sentences.
type viterbiScratch struct {
	score [][nLabels]float32
	back  [][nLabels]int8
}

// emissions returns the emission scores of a sentence's tokens. The
// weights of a word's own features are summed once per distinct word of
// the text (kept in x.memo), those of its context per token.
func (x *Extractor) emissions(s *sentFeatures, toks []textseg.Token) [][nLabels]float32 {
	memo := x.memo
	memo.em = resize(memo.em, len(toks))
	em := memo.em
	var buf [64]uint64
	for i, t := range toks {
		var id int32
		if len(s.ids) == len(toks) {
			id = s.ids[i]
		} else {
			id = memo.entry(t.Text)
		}
		we := &memo.entries[id]
		if !we.emitDone {
			x.model.add(s.wordFeatures(buf[:0], i), &we.emit)
			we.emitDone = true
		}
		e := we.emit
		x.model.add(s.contextFeatures(buf[:0], i), &e)
		em[i] = e
	}
	return em
}

// tagSentence finds the names of one sentence with the model: the
// rule-based chunker runs first for its features and roles; each tagged
// span becomes a mention, with the chunker's reading of the same span
// (canonical form, weak sentence start) when it has one, else a
// gazetteer's canonical form when the span is a known name.
func (x *Extractor) tagSentence(toks []textseg.Token, lang string, shout bool, ms []mention, roles []Role, rules func([]mention, []Role)) ([]mention, []Role) {
	n0, r0 := len(ms), len(roles)
	var rms []mention
	if !shout {
		ms, roles = x.sentence(toks, lang, ms, roles)
		rms = append(rms, ms[n0:]...)
		ms = ms[:n0]
		if rules != nil {
			rules(rms, roles[r0:])
		}
	}
	s := x.newSentFeatures(toks, lang, x.ruleLabels(toks, lang, rms), x.memo.doc)
	labels := x.model.viterbiScratch(x.emissions(s, toks), x.memo.labels[:0], &x.memo.vit)
	x.memo.labels = labels
	for i := 0; i < len(labels); {
		l := labels[i]
		if l == lO {
			i++
			continue
		}
		j := i + 1
		for j < len(labels) && isInside(labels[j]) && labels[j] == l+boolInt(!isInside(l)) {
			j++
		}
		// Trim punctuation and titles ("Mr", "д-р") at the edges of a span;
		// a number the span ends with is part of the name ("Nord Stream 2",
		// "Airbus 319").
		a, b := i, j
		for a < b && (!isWord(toks[a]) && toks[a].Kind != textseg.Abbrev || titles[strings.TrimSuffix(textseg.ToLower(toks[a].Text), ".")]) {
			a++
		}
		for b > a && !isWord(toks[b-1]) && toks[b-1].Kind != textseg.Abbrev && (toks[b-1].Kind != textseg.Number || b-1 == a) {
			b--
		}
		i = j
		if a == b {
			continue
		}
		// The name's words as written: tokens with no space between them
		// are one word ("O'Neill", "Днес+"); quotation marks are dropped.
		var words []string
		lastEnd := -1
		for _, t := range toks[a:b] {
			if t.Kind == textseg.Punct && (openQuote(t.Text) || closeQuote(t.Text)) {
				lastEnd = -1
				continue
			}
			if t.Start == lastEnd && len(words) > 0 {
				words[len(words)-1] += t.Text
			} else {
				words = append(words, t.Text)
			}
			lastEnd = t.End
		}
		if len(words) > 0 {
			words[len(words)-1] = trimPossessive(words[len(words)-1])
		}
		m := mention{start: toks[a].Start, end: toks[b-1].End, words: words, typ: labelType(l)}
		if len(words) == 1 && m.typ != "PERSON" && x.g.demonyms[textseg.ToLower(strings.TrimSuffix(words[0], "'s"))] {
			// "Canadian", "Turkish": an adjective, not the place.
			continue
		}
		found := false
		for _, r := range rms {
			if r.start == m.start && r.end == m.end && r.typ == m.typ {
				m, found = r, true
				break
			}
		}
		if !found {
			if n, e := x.matchGazetteer(toks, a, lang); n == b-a && kindType(e.kind) == m.typ {
				m.canonical, m.country = e.name, e.country
			}
		}
		ms = append(ms, m)
	}
	if lang == "bg" || lang == "ru" || lang == "uk" {
		ms = x.orgOfCountry(toks, lang, ms, n0)
	}
	// Names of works and events the chunker found ("Riders on the
	// Storm", a curated "Oscar") replace the model's names inside them.
	for _, r := range rms {
		if r.typ != "OTHER" || (len(r.words) < 2 && r.canonical == "") {
			continue
		}
		k := n0
		for _, m := range ms[n0:] {
			if !(m.start >= r.start && m.end <= r.end) {
				ms[k] = m
				k++
			}
		}
		if k < len(ms) {
			ms = append(ms[:k], r)
		}
	}
	ms = gazOrgsOverTagged(ms, n0, rms)
	// Gazetteer names the model left out ("Г-20" in a curated list) stay.
	tagged := ms[n0:]
	for _, r := range rms {
		if r.canonical == "" || r.typ == "OTHER" {
			continue
		}
		overlap := false
		for _, m := range tagged {
			if m.start < r.end && r.start < m.end {
				overlap = true
				break
			}
		}
		if !overlap {
			ms = append(ms, r)
		}
	}
	return ms, roles
}

// gazOrgsOverTagged returns ms with the chunker's gazetteer names of
// organisations of several words (rms) in place of the model's shorter
// names inside them (ms[n0:]): the model stops at a name's lower-case words
// ("Световната" of "Световната търговска организация", "Камарата на" of
// "Камарата на общините").
func gazOrgsOverTagged(ms []mention, n0 int, rms []mention) []mention {
	for _, r := range rms {
		if r.typ != "ORGANIZATION" || r.canonical == "" || len(r.words) < 2 {
			continue
		}
		k, inside := n0, false
		for _, m := range ms[n0:] {
			if m.start >= r.start && m.end <= r.end && (m.start != r.start || m.end != r.end) {
				inside = true
				continue
			}
			ms[k] = m
			k++
		}
		if inside {
			ms = append(ms[:k], r)
		}
	}
	return ms
}

// orgOfCountry joins a tagged organisation and the country named right
// after it in the genitive (ru, uk: "МИД России", "Верховный суд
// Пакистана", "Мінфін Британії") or after "на" (bg: "Върховният съд на
// Пакистан") into one organisation, as the institution's full name: the
// model tends to tag the country a place of its own.
func (x *Extractor) orgOfCountry(toks []textseg.Token, lang string, ms []mention, n0 int) []mention {
	tokAt := func(off int) int {
		for k, t := range toks {
			if t.Start == off {
				return k
			}
		}
		return -1
	}
	k := n0
	for i := n0; i < len(ms); i++ {
		m := ms[i]
		if m.typ == "ORGANIZATION" && i+1 < len(ms) && ms[i+1].typ == "LOCATION" {
			next := ms[i+1]
			a, e := tokAt(next.start), tokAt(m.end)
			last := -1
			for j := a; j >= 0 && j < len(toks); j++ {
				if toks[j].End == next.end {
					last = j
					break
				}
			}
			if a > 0 && last >= a {
				gap := ""
				if e < 0 {
					// m.end is a token's end: find the token after it.
					for j, t := range toks {
						if t.Start >= m.end {
							e = j
							break
						}
					}
				}
				ok := false
				switch {
				case lang == "bg" && e >= 0 && e+1 == a && textseg.ToLower(toks[e].Text) == "на":
					ok, gap = true, toks[e].Text
				case lang != "bg" && e == a:
					ok = true
				}
				if ok {
					n, ge := x.matchGazetteer(toks, a, lang)
					if n == last-a+1 && ge.kind == kindLoc && ge.country {
						m.end = next.end
						m.words = append(slices.Clone(m.words), next.words...)
						if gap != "" {
							m.words = append(m.words[:len(m.words)-len(next.words)], append([]string{gap}, next.words...)...)
						}
						m.canonical, m.country = "", false
						ms[k] = m
						k++
						i++
						continue
					}
				}
			}
		}
		ms[k] = m
		k++
	}
	return ms[:k]
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// trimPossessive returns w without an English possessive ending
// ("Scorsese's" -> "Scorsese").
func trimPossessive(w string) string {
	if len(w) > 3 {
		if strings.HasSuffix(w, "'s") {
			return w[:len(w)-2]
		}
		if strings.HasSuffix(w, "’s") {
			return w[:len(w)-4]
		}
	}
	return w
}
