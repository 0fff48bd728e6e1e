// Package langdetect tells the language of a text, with a confidence, from
// a title alone as well as from a whole article.
//
// It is a naive Bayes classifier over character trigrams of lower-cased
// words (padded at both ends, so word starts and ends count), restricted to
// the languages of the text's script: bg, ru, uk, sr, mk in Cyrillic and
// en, de, fr, es, pl, cs, sk, sl, hr in Latin. Texts in other scripts get
// the script's main language (el, ar, he, hy, ka, zh, ja, ko, th, hi, ...)
// without a model.
//
// The profiles ship in profiles.txt.gz, built by cmd/langprofiles from the
// shared test corpus (bg, ru, uk, en, de, pl, cs, sk, sl, hr) and from
// texts written for this project (train/*.txt: fr, es, sr, mk; sr also
// from the corpus's Croatian transliterated to Serbian Cyrillic). See
// docs/enrichment.md for provenance and figures.
package langdetect

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// profiles are the shipped trigram profiles (see cmd/langprofiles).
//
//go:embed profiles.txt.gz
var profiles []byte

// ErrBadProfile is returned when profile data cannot be read.
var ErrBadProfile = errors.New("bad language profile")

// Result is a detected language with a confidence in [0,1].
type Result struct {
	// Lang is the ISO 639-1 code, "" when the text has no letters.
	Lang string
	// Confidence is the probability of Lang among the candidates.
	Confidence float64
}

// MaxLetters bounds the letters read from a text: past a few hundred
// letters the answer no longer changes, so long articles cost no more than
// this.
const MaxLetters = 700

// scale converts a quantised profile value to nats: value = -ln(p)*scale.
const scale = 8

// Scripts of the modelled languages.
const (
	scriptCyrillic = "Cyrl"
	scriptLatin    = "Latn"
)

// Detector detects languages. It is safe for concurrent use.
type Detector struct {
	langs   []string
	scripts []string
	floor   uint8
	// index maps a trigram key to its row in rows; a row holds one value
	// per language.
	index map[uint64]int32
	rows  []uint8
	// table is index and rows as a hash table for classify, built by Load
	// and Train (empty for more than maxPacked languages).
	table trigramTable
}

// trigramTable maps trigram keys to their values: open addressing with
// linear probing, each slot holding the key and the values of up to 16
// languages, so that a lookup reads one place in memory.
type trigramTable struct {
	slots []trigramSlot
	shift uint
	// zero is the slot of key 0, if any (no word yields it).
	zero    trigramSlot
	hasZero bool
}

// trigramSlot holds a key (0 for an empty slot) and its row: the value of
// language i in byte i%8 of vals[i/8].
type trigramSlot struct {
	key  uint64
	vals [2]uint64
}

// maxPacked is the most languages a slot holds.
const maxPacked = 16

func newTrigramTable(index map[uint64]int32, rows []uint8, n int) trigramTable {
	if n > maxPacked {
		return trigramTable{}
	}
	size, bits := 1, uint(0)
	for size < 2*len(index) {
		size <<= 1
		bits++
	}
	t := trigramTable{slots: make([]trigramSlot, size), shift: 64 - bits}
	for k, row := range index {
		sl := trigramSlot{key: k}
		for i, v := range rows[int(row)*n : int(row)*n+n] {
			sl.vals[i/8] |= uint64(v) << (8 * (i % 8))
		}
		if k == 0 {
			t.zero, t.hasZero = sl, true
			continue
		}
		i := t.slot(k)
		for t.slots[i].key != 0 {
			i = (i + 1) & (size - 1)
		}
		t.slots[i] = sl
	}
	return t
}

func (t *trigramTable) slot(k uint64) int {
	if t.shift == 64 {
		return 0
	}
	return int(k * 0x9e3779b97f4a7c15 >> t.shift)
}

// get returns the slot of k, nil when k is unknown.
func (t *trigramTable) get(k uint64) *trigramSlot {
	if k == 0 {
		if t.hasZero {
			return &t.zero
		}
		return nil
	}
	mask := len(t.slots) - 1
	for i := t.slot(k); ; i = (i + 1) & mask {
		sl := &t.slots[i]
		switch sl.key {
		case k:
			return sl
		case 0:
			return nil
		}
	}
}

// laneSums adds up the values of many slots four 16-bit lanes to a word:
// acc[0] holds languages 0, 2, 4, 6, acc[1] 1, 3, 5, 7, acc[2] and acc[3]
// the same from 8 on. A lane holds 256 values of at most 255 before it is
// flushed into sums.
type laneSums struct {
	acc     [4]uint64
	pending int
}

const evenBytes = 0x00ff00ff00ff00ff

func (l *laneSums) add(sl *trigramSlot, sums []int32) {
	l.acc[0] += sl.vals[0] & evenBytes
	l.acc[1] += sl.vals[0] >> 8 & evenBytes
	l.acc[2] += sl.vals[1] & evenBytes
	l.acc[3] += sl.vals[1] >> 8 & evenBytes
	if l.pending++; l.pending == 256 {
		l.flush(sums)
	}
}

func (l *laneSums) flush(sums []int32) {
	for i := range sums {
		sums[i] += int32(l.acc[i/8*2+i%2] >> (16 * (i % 8 / 2)) & 0xffff)
	}
	l.acc, l.pending = [4]uint64{}, 0
}

// New returns a detector with the shipped profiles.
func New() (*Detector, error) {
	zr, err := gzip.NewReader(bytes.NewReader(profiles))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadProfile, err)
	}
	defer zr.Close()
	return Load(zr)
}

// Languages lists the modelled languages.
func (d *Detector) Languages() []string { return append([]string(nil), d.langs...) }

// Detect returns the language of text.
func (d *Detector) Detect(text string) Result {
	var cyr, lat int
	var other [numOtherScripts]int
	letters := 0
	for _, r := range text {
		if !isLetter(r) {
			continue
		}
		letters++
		if letters > MaxLetters {
			break
		}
		switch {
		case r < 0x250:
			lat++
		case r >= 0x400 && r < 0x530:
			cyr++
		default:
			if s := otherScript(r); s >= 0 {
				other[s]++
			} else if unicode.Is(unicode.Latin, r) {
				lat++
			} else if unicode.Is(unicode.Cyrillic, r) {
				cyr++
			}
		}
	}
	if letters == 0 {
		return Result{}
	}
	best, bestN := -1, 0
	for s, n := range other {
		if n > bestN {
			best, bestN = s, n
		}
	}
	if bestN > cyr && bestN > lat {
		return Result{Lang: otherScriptLang(best, other), Confidence: round3(float64(bestN) / float64(min(letters, MaxLetters)))}
	}
	script := scriptLatin
	if cyr > lat {
		script = scriptCyrillic
	}
	return d.classify(text, script)
}

// classify scores the languages of script over the text's trigrams.
func (d *Detector) classify(text, script string) Result {
	n := len(d.langs)
	var scoreBuf [32]float64
	scores := scoreBuf[:0]
	if n > len(scoreBuf) {
		scores = make([]float64, 0, n)
	}
	scores = scores[:n]
	// Sums of at most MaxLetters+1 bytes per language: exact in integers,
	// and the same as summing the values in floating point.
	var sumBuf [32]int32
	sums := sumBuf[:0]
	if n > len(sumBuf) {
		sums = make([]int32, 0, n)
	}
	sums = sums[:n]
	trigrams := 0
	if d.table.slots != nil {
		var lanes laneSums
		forEachTrigram(text, MaxLetters, func(key uint64) {
			if sl := d.table.get(key); sl != nil {
				trigrams++
				lanes.add(sl, sums)
			}
		})
		lanes.flush(sums)
	} else {
		forEachTrigram(text, MaxLetters, func(key uint64) {
			row, ok := d.index[key]
			if !ok {
				return // unknown to every language: no evidence
			}
			trigrams++
			for i, v := range d.rows[int(row)*n : int(row)*n+n] {
				sums[i] += int32(v)
			}
		})
	}
	for i, v := range sums {
		scores[i] = float64(v)
	}
	bestI, best := -1, math.Inf(1)
	for i := range scores {
		if d.scripts[i] != script {
			continue
		}
		if scores[i] < best {
			bestI, best = i, scores[i]
		}
	}
	if bestI < 0 {
		return Result{}
	}
	if trigrams == 0 {
		// Letters of the script but no known trigram: say so, weakly.
		k := 0
		for i := range scores {
			if d.scripts[i] == script {
				k++
			}
		}
		return Result{Lang: d.langs[bestI], Confidence: round3(1 / float64(k))}
	}
	// Naive Bayes is overconfident: the trigrams are not independent.
	// Tempering the log-likelihood differences by sqrt(n) keeps long texts
	// near 1 and lets short, ambiguous ones show their doubt.
	temper := 1 / (scale * math.Sqrt(float64(trigrams)))
	sum := 0.0
	for i := range scores {
		if d.scripts[i] == script {
			sum += math.Exp(-(scores[i] - best) * temper)
		}
	}
	return Result{Lang: d.langs[bestI], Confidence: round3(1 / sum)}
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// forEachTrigram calls f with the key of every trigram of the lower-cased
// words of text, each word padded with a boundary mark (0) at both ends
// ("_ab", "abc", "bc_"), reading at most maxLetters letters.
func forEachTrigram(text string, maxLetters int, f func(uint64)) {
	var a, b rune // the two previous symbols of the current word
	inWord := false
	letters := 0
	for _, r := range text {
		if isLetter(r) || inWord && (r == '\'' || r == '’') {
			if r == '’' {
				r = '\''
			}
			letters++
			if letters > maxLetters {
				break
			}
			r = toLower(r)
			if !inWord {
				a, b, inWord = 0, 0, true
			}
			if b != 0 {
				f(key(a, b, r))
			}
			a, b = b, r
			continue
		}
		if inWord {
			f(key(a, b, 0))
			inWord = false
		}
	}
	if inWord {
		f(key(a, b, 0))
	}
}

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

func key(a, b, c rune) uint64 { return uint64(a)<<42 | uint64(b)<<21 | uint64(c) }

// keyString renders a trigram key with "_" for the boundary.
func keyString(k uint64) string {
	var sb strings.Builder
	for _, r := range []rune{rune(k >> 42), rune(k >> 21 & 0x1fffff), rune(k & 0x1fffff)} {
		if r == 0 {
			sb.WriteByte('_')
		} else {
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

func parseKey(s string) (uint64, bool) {
	var rs [3]rune
	i := 0
	for _, r := range s {
		if i == 3 {
			return 0, false
		}
		if r == '_' {
			r = 0
		}
		rs[i] = r
		i++
	}
	if i != 3 {
		return 0, false
	}
	return key(rs[0], rs[1], rs[2]), true
}

// Load reads profiles written by WriteProfiles.
func Load(r io.Reader) (*Detector, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	d := &Detector{index: map[uint64]int32{}}
	line := 0
	for sc.Scan() {
		line++
		t := sc.Text()
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		fields := strings.Fields(t)
		switch {
		case fields[0] == "langs":
			for _, f := range fields[1:] {
				l, s, ok := strings.Cut(f, "-")
				if !ok {
					return nil, fmt.Errorf("%w: line %d: language %q lacks its script", ErrBadProfile, line, f)
				}
				d.langs = append(d.langs, l)
				d.scripts = append(d.scripts, s)
			}
		case fields[0] == "floor" && len(fields) == 2:
			v, err := strconv.ParseUint(fields[1], 10, 8)
			if err != nil {
				return nil, fmt.Errorf("%w: line %d: %v", ErrBadProfile, line, err)
			}
			d.floor = uint8(v)
		default:
			if len(d.langs) == 0 || len(fields) != 1+len(d.langs) {
				return nil, fmt.Errorf("%w: line %d: want a trigram and %d values", ErrBadProfile, line, len(d.langs))
			}
			k, ok := parseKey(fields[0])
			if !ok {
				return nil, fmt.Errorf("%w: line %d: bad trigram %q", ErrBadProfile, line, fields[0])
			}
			d.index[k] = int32(len(d.rows) / len(d.langs))
			for _, f := range fields[1:] {
				if f == "-" {
					d.rows = append(d.rows, d.floor)
					continue
				}
				v, err := strconv.ParseUint(f, 10, 8)
				if err != nil {
					return nil, fmt.Errorf("%w: line %d: %v", ErrBadProfile, line, err)
				}
				d.rows = append(d.rows, uint8(v))
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadProfile, err)
	}
	if len(d.langs) == 0 || len(d.index) == 0 {
		return nil, fmt.Errorf("%w: no languages or no trigrams", ErrBadProfile)
	}
	d.table = newTrigramTable(d.index, d.rows, len(d.langs))
	return d, nil
}

// WriteProfiles writes the detector's profiles in the format Load reads.
func (d *Detector) WriteProfiles(w io.Writer, comment string) error {
	bw := bufio.NewWriter(w)
	for _, l := range strings.Split(strings.TrimSpace(comment), "\n") {
		fmt.Fprintf(bw, "# %s\n", l)
	}
	bw.WriteString("langs")
	for i, l := range d.langs {
		fmt.Fprintf(bw, " %s-%s", l, d.scripts[i])
	}
	fmt.Fprintf(bw, "\nfloor %d\n", d.floor)
	keys := make([]uint64, 0, len(d.index))
	for k := range d.index {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keyString(keys[i]) < keyString(keys[j]) })
	n := len(d.langs)
	for _, k := range keys {
		bw.WriteString(keyString(k))
		row := d.rows[int(d.index[k])*n : int(d.index[k])*n+n]
		for _, v := range row {
			if v == d.floor {
				bw.WriteString(" -")
			} else {
				fmt.Fprintf(bw, " %d", v)
			}
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// Sample is a training text of a language.
type Sample struct {
	Lang, Text string
}

// TrainOptions tune Train.
type TrainOptions struct {
	// TopK keeps the K most frequent trigrams of each language.
	TopK int
}

// Train builds a detector from samples. Every language must be written in
// Cyrillic or Latin letters.
func Train(samples []Sample, opt TrainOptions) (*Detector, error) {
	if opt.TopK <= 0 {
		opt.TopK = 3000
	}
	counts := map[string]map[uint64]int{}
	script := map[string][2]int{}
	for _, s := range samples {
		c := counts[s.Lang]
		if c == nil {
			c = map[uint64]int{}
			counts[s.Lang] = c
		}
		forEachTrigram(s.Text, math.MaxInt, func(k uint64) { c[k]++ })
		sc := script[s.Lang]
		for _, r := range s.Text {
			switch {
			case unicode.Is(unicode.Cyrillic, r):
				sc[0]++
			case unicode.Is(unicode.Latin, r):
				sc[1]++
			}
		}
		script[s.Lang] = sc
	}
	if len(counts) == 0 {
		return nil, fmt.Errorf("train language profiles: no samples")
	}
	d := &Detector{index: map[uint64]int32{}}
	for l := range counts {
		d.langs = append(d.langs, l)
	}
	sort.Strings(d.langs)
	maxTotal := 0
	totals := make([]int, len(d.langs))
	top := make([]map[uint64]int, len(d.langs))
	for i, l := range d.langs {
		sc := script[l]
		if sc[0] > sc[1] {
			d.scripts = append(d.scripts, scriptCyrillic)
		} else {
			d.scripts = append(d.scripts, scriptLatin)
		}
		type kc struct {
			k uint64
			c int
		}
		var all []kc
		for k, c := range counts[l] {
			totals[i] += c
			all = append(all, kc{k, c})
		}
		maxTotal = max(maxTotal, totals[i])
		sort.Slice(all, func(a, b int) bool {
			if all[a].c != all[b].c {
				return all[a].c > all[b].c
			}
			return all[a].k < all[b].k
		})
		top[i] = map[uint64]int{}
		for _, e := range all[:min(len(all), opt.TopK)] {
			if e.c >= 2 || totals[i] < 100000 {
				top[i][e.k] = e.c
			}
		}
	}
	// Unseen trigrams cost as much as a trigram seen half a time in the
	// largest training set, the same for every language.
	d.floor = quantise(0.5 / float64(maxTotal))
	n := len(d.langs)
	for i := range d.langs {
		for k := range top[i] {
			if _, ok := d.index[k]; ok {
				continue
			}
			d.index[k] = int32(len(d.rows) / n)
			for j := range d.langs {
				v := d.floor
				if c, ok := top[j][k]; ok {
					v = min(quantise(float64(c)/float64(totals[j])), d.floor)
				}
				d.rows = append(d.rows, v)
			}
		}
	}
	d.table = newTrigramTable(d.index, d.rows, len(d.langs))
	return d, nil
}

func quantise(p float64) uint8 {
	v := math.Round(-math.Log(p) * scale)
	if v > 254 {
		v = 254
	}
	return uint8(v)
}
