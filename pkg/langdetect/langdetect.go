// Package langdetect tells the language of a text, with a confidence, from
// two words as well as from a whole article, and says "und" (undetermined)
// when the text does not settle it.
//
// Texts written in a script that one supported language alone uses (Greek,
// Hebrew, Armenian, Georgian, Hangul, kana, Han, Thai, Bengali, Tamil,
// Telugu, Gujarati, Gurmukhi) get that language from their letters. The
// rest (Latin, Cyrillic, Arabic and Devanagari script) are scored by character
// n-gram language models, one per language of the script: each letter of
// each lower-cased word costs -ln P(letter | up to four letters before it in
// the word), backing off to shorter contexts (at a fixed cost per step) when
// the language's model lacks the longer one. The models are compact
// derivatives of lingua-go's (see data/SOURCES.md and cmd/langprofiles).
// A Latin text with no accented letter at all (typed without accents) is
// also scored by the accent-free form of each accented n-gram, at 1 nat
// more, for the languages whose model lacks that bare n-gram (see
// addFolded): `zahranicni veci` is Czech rather than Slovak.
// Text that reads best as one of OtherLanguages, or as none of the
// models, is Und.
package langdetect

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"sort"
	"unicode"
	"unicode/utf8"
)

// profiles are the shipped n-gram profiles (see cmd/langprofiles).
//
//go:embed data/profiles.bin.gz
var profiles []byte

// ErrBadProfile is returned when profile data cannot be read.
var ErrBadProfile = errors.New("bad language profile")

// Und is the language of a text whose language is not clear (ISO 639-2's
// "undetermined").
const Und = "und"

// Candidate is a language with its probability.
type Candidate struct {
	Lang string
	P    float64
}

// Result is a detected language with a confidence in [0,1].
type Result struct {
	// Lang is the ISO 639-1 code; Und when no language has at least
	// MinConfidence, when one of OtherLanguages is more likely than every
	// supported language, or when the text reads as none of them (maxFit);
	// "" when the text has no letters.
	Lang string
	// Confidence is the probability of the most likely supported language
	// (also when Lang is Und): the languages modelled only to recognise
	// unsupported text (OtherLanguages) share the rest.
	Confidence float64
	// Top holds the most likely languages, best first; past the last
	// candidate, Lang is "".
	Top [3]Candidate
}

// MinConfidence is the probability the most likely language needs to be
// reported; below it the result is Und. It is 0.4 rather than 0.5 because
// two words of close languages (es/pt/ca, nb/da, cs/sk) often leave the best
// of them under one half with the right answer still first; text that reads
// more like one of OtherLanguages than like any supported language is Und
// at any probability (see classify).
const MinConfidence = 0.4

// minConfidence is MinConfidence, a variable for the sweeps of the tests.
var minConfidence = MinConfidence

// minMaltese is the share of Latin letters that ħ, ġ and ċ, Maltese's own
// letters, need to make a text Maltese (about 2% in running Maltese text;
// lingua-go, whence the models, has no Maltese).
const minMaltese = 0.01

// isMaltese reports whether r is ħ, ġ or ċ (either case).
func isMaltese(r rune) bool {
	switch r {
	case 'ħ', 'Ħ', 'ġ', 'Ġ', 'ċ', 'Ċ':
		return true
	}
	return false
}

// MaxLetters bounds the letters read from a text: past a few hundred
// letters the answer no longer changes, so long articles cost no more than
// this.
const MaxLetters = 600

// Scale converts a profile value to nats: value = -ln(p) * Scale.
const Scale = 12

// Scoring constants, in profile units (nats x Scale).
var (
	// backoff is the cost of each step down to a shorter context
	// (-ln 0.4).
	backoff int32 = 11
	// floor is the cost of a letter the language's model does not know.
	floor   int32 = 180
	temperC       = 4.0
	// maxFit is the mean cost per letter (nats) of the best supported
	// language above which a text is und: it reads as none of them.
	// Chosen on text collected for it, not on corpus/langid: the programs'
	// message catalogues in 56 supported and 37 unsupported languages
	// (calibrate_test.go). 4.5 is the lowest that costs the supported
	// languages at most 0.1 point there (sentences 0.900 and pairs 0.774
	// right either way, before the bs/ms prior; 4.0 costs pairs 0.2); it
	// makes 30% of the sentences in languages without a model und instead
	// of 15% (pairs 37% for 20%).
	maxFit = 4.5
)

// maxOrder is the longest n-gram read; texts of longText letters or more
// read n-grams of up to longOrder letters (as many letters make up for
// shorter contexts, at a third of the cost).
const (
	maxOrder  = 5
	longText  = 250
	longOrder = 3
)

// priors are the costs (profile units) that the less written of two
// languages hardly told apart pays before any letter: Bosnian against
// Croatian, Malay against Indonesian. One nat (chosen on fold 0 of
// corpus/langid: the mean stays, within 0.05 point, while Croatian
// word pairs go from 73% to 84% right and Indonesian from 59% to 78%;
// 2 nats and more take the mean down).
//
// Marathi, modelled only to say und (OtherLanguages), pays 6 nats: less
// let it take two words of Hindi (fold 0: Hindi word pairs 84% right at
// 1 nat, 96% at 3, 98.4% at 6, as before Devanagari had models) while
// Marathi sentences are still und.
var priors = map[string]int32{"bs": Scale, "ms": Scale, "mr": 6 * Scale}

// Detector detects languages. It is safe for concurrent use.
type Detector struct {
	langs []string // the modelled languages, index = language number
	// masks[s] has the bits of the modelled languages of script s.
	masks [numScripts]uint64
	// report has the bits of the languages Detect may return; the others
	// (OtherLanguages) only take probability away from them.
	report uint64
	// prior[l] is priors' cost of language l; priored has their bits.
	prior   [64]int32
	priored uint64
	// slots is an open-addressing hash table of n-grams; entries holds,
	// at a slot's offset, a count and that many (language<<8 | cost).
	slots   []slot
	entries []uint16
	ngrams  int
	// words maps a lower-cased word to the languages it is evidence of.
	words map[string]uint64
}

type slot struct {
	fp  uint32 // 0: empty
	off uint32
}

// New returns a detector with the shipped profiles.
func New() (*Detector, error) {
	zr, err := gzip.NewReader(bytes.NewReader(profiles))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadProfile, err)
	}
	defer zr.Close()
	d, err := Load(zr)
	if err != nil {
		return nil, err
	}
	if err := d.loadWords(wordList); err != nil {
		return nil, err
	}
	return d, nil
}

// Languages lists every language the detector can return, sorted.
func (d *Detector) Languages() []string {
	var out []string
	for i, l := range d.langs {
		if d.report&(1<<i) != 0 {
			out = append(out, l)
		}
	}
	for _, l := range scriptLangs {
		if l != "" {
			out = append(out, l)
		}
	}
	out = append(out, "ja", "mt")
	sort.Strings(out)
	return out
}

// Detect returns the language of text.
func (d *Detector) Detect(text string) Result {
	var counts [numScripts]int
	letters, maltese, accents := 0, 0, 0
	var mojibake uint8
	for _, r := range text {
		if !isLetter(r) {
			continue
		}
		letters++
		if letters > MaxLetters {
			break
		}
		counts[scriptOf(r)]++
		if r >= 0x10a && r <= 0x127 && isMaltese(r) {
			maltese++
		}
		if r >= 0xc0 {
			if isAccented(r) {
				accents++
			}
			if r < 0x180 {
				mojibake |= mojibakeClass[r]
			}
		}
	}
	if letters == 0 {
		return Result{}
	}
	best := scriptLatin
	for s := range counts {
		if counts[s] > counts[best] {
			best = s
		}
	}
	n := min(letters, MaxLetters)
	if l := scriptLang(best, counts); l != "" {
		c := round3(float64(counts[best]) / float64(n))
		if best == scriptHan || best == scriptKana {
			c = round3(float64(counts[scriptHan]+counts[scriptKana]) / float64(n))
		}
		return result([]Candidate{{l, c}})
	}
	if best == scriptOther || d.masks[best] == 0 {
		return Result{Lang: Und, Confidence: 0}
	}
	if best == scriptLatin && maltese > 0 && float64(maltese) >= minMaltese*float64(counts[scriptLatin]) {
		return result([]Candidate{{"mt", round3(min(1, float64(maltese)/(2*minMaltese*float64(counts[scriptLatin]))))}})
	}
	order := maxOrder
	if n >= longText {
		order = longOrder
	}
	r, fit := d.classify(text, best, order, best == scriptLatin && accents == 0)
	if best == scriptLatin && isTurkishMojibake(mojibake) {
		// Read it both ways; the repaired reading wins when a model
		// explains it better than any explains the text as it is
		// (Icelandic stays Icelandic).
		if r2, fit2 := d.classify(repairTurkish(text), best, order, false); fit2 < fit {
			return r2
		}
	}
	return r
}

func result(c []Candidate) Result {
	r := Result{Lang: c[0].Lang, Confidence: c[0].P}
	copy(r.Top[:], c)
	if r.Confidence < minConfidence {
		r.Lang = Und
	}
	return r
}

// classify scores the languages of the script over the text's n-grams.
// Letters of other scripts (a Latin name in Cyrillic text) break words
// and cost nothing: they are evidence for none of the languages.
//
// It also returns the mean cost per letter (nats) of the language of the
// script, supported or not, that explains the text best.
func (d *Detector) classify(text string, script, order int, bare bool) (Result, float64) {
	mask := d.masks[script]
	var sums [64]int32
	var word [maxOrder]rune // the last letters of the current word, a ring
	var wbuf [32]byte       // the current word, lower-cased, while it fits
	wlen := 0
	pos, letters, scored := 0, 0, 0
	for _, r := range text {
		if !isLetter(r) || (r >= 0x250 || script != scriptLatin) && scriptOf(r) != script {
			if isLetter(r) {
				letters++
				if letters > MaxLetters {
					pos = 0
					break
				}
			}
			if pos > 0 && wlen > 0 {
				d.scoreWord(wbuf[:wlen], &sums)
			}
			pos, wlen = 0, 0
			continue
		}
		letters++
		if letters > MaxLetters {
			pos = 0
			break
		}
		scored++
		lr := toLower(r)
		word[pos%maxOrder] = lr
		pos++
		if wlen >= 0 && wlen+utf8.RuneLen(lr) <= len(wbuf) {
			wlen += utf8.EncodeRune(wbuf[wlen:], lr)
		} else {
			wlen = -1 // too long for a listed word
		}
		d.scoreLetter(&word, pos, order, &sums, mask, bare)
	}
	if pos > 0 && wlen > 0 {
		d.scoreWord(wbuf[:wlen], &sums)
	}
	// The posterior, with the log-likelihood differences tempered by the
	// square root of the letters read: naive n-gram models are
	// overconfident, and this keeps a sentence near 1 while two words
	// show their doubt.
	n := min(letters, MaxLetters)
	temper := temperC / (Scale * math.Sqrt(float64(n)))
	var cands [64]Candidate
	k := 0
	for m := mask & d.priored; m != 0; m &= m - 1 {
		l := bits.TrailingZeros64(m)
		sums[l] += d.prior[l]
	}
	bestSum := int32(math.MaxInt32)
	for m := mask; m != 0; m &= m - 1 {
		bestSum = min(bestSum, sums[bits.TrailingZeros64(m)])
	}
	total, other := 0.0, 0.0
	for m := mask; m != 0; m &= m - 1 {
		l := bits.TrailingZeros64(m)
		p := math.Exp(-float64(sums[l]-bestSum) * temper)
		total += p
		if d.report&(1<<l) != 0 {
			cands[k] = Candidate{d.langs[l], p}
			k++
		} else {
			other = max(other, p)
		}
	}
	// The three best, in order (ties by code), without sorting them all.
	var top [3]Candidate
	nt := 0
	for _, c := range cands[:k] {
		i := nt
		for i > 0 && (c.P > top[i-1].P || c.P == top[i-1].P && c.Lang < top[i-1].Lang) {
			i--
		}
		if i >= 3 {
			continue
		}
		copy(top[i+1:], top[i:min(nt, 2)])
		top[i] = c
		nt = min(nt+1, 3)
	}
	cs := top[:nt]
	for i := range cs {
		cs[i].P = round3(cs[i].P / total)
	}
	best := int32(math.MaxInt32)
	for m := mask & d.report; m != 0; m &= m - 1 {
		best = min(best, sums[bits.TrailingZeros64(m)])
	}
	fit := float64(best) / Scale / float64(max(scored, 1))
	fitAll := float64(bestSum) / Scale / float64(max(scored, 1))
	r := result(cs)
	// Und when the text reads as none of the models, or better as one of
	// OtherLanguages than as any supported language.
	if maxFit > 0 && fit > maxFit || nt > 0 && other/total > top[0].P {
		r.Lang = Und
	}
	return r, fitAll
}

// scoreLetter adds the cost of the word's last letter (the pos-th) in each
// language of mask.
func (d *Detector) scoreLetter(word *[maxOrder]rune, pos, order int, sums *[64]int32, mask uint64, bare bool) {
	top := min(order, pos)
	var gram [maxOrder]rune
	for i := range top {
		gram[i] = word[(pos-top+i)%maxOrder]
	}
	done := uint64(0)
	for n := top; n >= 1; n-- {
		ents := d.lookup(gramHash(gram[top-n : top]))
		if len(ents) == 0 {
			continue
		}
		pen := int32(top-n) * backoff
		for _, e := range ents {
			if e&folded != 0 && !bare {
				continue
			}
			l := (e >> 8) & langBits
			bit := uint64(1) << l
			if done&bit == 0 {
				done |= bit
				sums[l] += int32(e&0xff) + pen
			}
		}
		if done&mask == mask {
			return
		}
	}
	for m := mask &^ done; m != 0; m &= m - 1 {
		sums[bits.TrailingZeros64(m)] += floor + int32(top)*backoff
	}
}

// scoreWord takes the word bonus off the languages that list a word.
func (d *Detector) scoreWord(w []byte, sums *[64]int32) {
	for m := d.words[string(w)]; m != 0; m &= m - 1 {
		sums[bits.TrailingZeros64(m)] -= wordBonus
	}
}

// lookup returns the entries of an n-gram, nil when no language has it.
func (d *Detector) lookup(h uint64) []uint16 {
	fp := uint32(h>>32) | 1
	mask := uint64(len(d.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := d.slots[i]
		switch s.fp {
		case fp:
			n := uint32(d.entries[s.off])
			return d.entries[s.off+1 : s.off+1+n]
		case 0:
			return nil
		}
	}
}

// gramHash hashes the letters of an n-gram (FNV-1a, then a finaliser so
// that both halves of the result are well mixed).
func gramHash(rs []rune) uint64 {
	h := uint64(14695981039346656037)
	for _, r := range rs {
		h ^= uint64(r)
		h *= 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

func isLetter(r rune) bool {
	switch {
	case r < 0x80:
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	case r >= 0x400 && r <= 0x481 || r >= 0x48a && r <= 0x52f:
		return true
	case r >= 0xc0 && r <= 0x24f:
		return r != 0xd7 && r != 0xf7
	}
	return unicode.IsLetter(r)
}

func toLower(r rune) rune {
	switch {
	case r >= 'A' && r <= 'Z':
		return r + 'a' - 'A'
	case r >= 0x410 && r <= 0x42f: // А-Я
		return r + 0x20
	case r >= 0x400 && r <= 0x40f: // Ѐ-Џ
		return r + 0x50
	case r < 0x80 || r >= 0x430 && r <= 0x45f:
		return r
	}
	return unicode.ToLower(r)
}
