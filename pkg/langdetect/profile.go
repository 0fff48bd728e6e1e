package langdetect

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"sort"
	"unicode/utf8"
)

// magic starts a profile file.
const magic = "newsflow-langprofiles 1\n"

// NgramModel is one language's n-grams (one to five letters) with the cost
// of each: Quantise of the probability of its last letter after the others.
type NgramModel struct {
	Lang string
	Cost map[string]uint8
}

// Quantise converts a probability to a profile value, round(-ln p * Scale),
// at most 255.
func Quantise(p float64) uint8 {
	v := math.Round(-math.Log(p) * Scale)
	if v > 255 || math.IsNaN(v) {
		return 255
	}
	return uint8(max(v, 0))
}

// WriteProfiles writes models in the format Load reads: the magic line,
// the languages, then every n-gram (sorted) with the language numbers and
// costs of the models that have it, all as uvarint-prefixed strings and
// bytes. The output depends on the models alone.
func WriteProfiles(w io.Writer, models []NgramModel) error {
	if len(models) == 0 || len(models) > 64 {
		return fmt.Errorf("want 1 to 64 language models, have %d", len(models))
	}
	ms := append([]NgramModel(nil), models...)
	sort.Slice(ms, func(i, j int) bool { return ms[i].Lang < ms[j].Lang })
	grams := map[string][]byte{}
	for i, m := range ms {
		for g, c := range m.Cost {
			if n := utf8.RuneCountInString(g); n < 1 || n > maxOrder {
				return fmt.Errorf("%s: n-gram %q has %d letters, want 1 to %d", m.Lang, g, n, maxOrder)
			}
			grams[g] = append(grams[g], byte(i), c)
		}
	}
	keys := make([]string, 0, len(grams))
	for g := range grams {
		keys = append(keys, g)
	}
	sort.Strings(keys)
	bw := bufio.NewWriter(w)
	bw.WriteString(magic)
	var buf [binary.MaxVarintLen64]byte
	putBytes := func(b []byte) {
		bw.Write(buf[:binary.PutUvarint(buf[:], uint64(len(b)))])
		bw.Write(b)
	}
	bw.Write(buf[:binary.PutUvarint(buf[:], uint64(len(ms)))])
	for _, m := range ms {
		putBytes([]byte(m.Lang))
	}
	bw.Write(buf[:binary.PutUvarint(buf[:], uint64(len(keys)))])
	for _, g := range keys {
		putBytes([]byte(g))
		putBytes(grams[g])
	}
	return bw.Flush()
}

// Load reads profiles written by WriteProfiles.
func Load(r io.Reader) (*Detector, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	head := make([]byte, len(magic))
	if _, err := io.ReadFull(br, head); err != nil || string(head) != magic {
		return nil, fmt.Errorf("%w: not a profile file (want %q first)", ErrBadProfile, magic)
	}
	// readBytes reads a uvarint-prefixed string into buf (grown as needed)
	// and returns it; it stays valid until the next read into buf.
	readBytes := func(buf *[]byte, what string, maxLen uint64) ([]byte, error) {
		n, err := binary.ReadUvarint(br)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBadProfile, what, err)
		}
		if n > maxLen {
			return nil, fmt.Errorf("%w: %s of %d bytes, at most %d", ErrBadProfile, what, n, maxLen)
		}
		if uint64(cap(*buf)) < n {
			*buf = make([]byte, n)
		}
		b := (*buf)[:n]
		if _, err := io.ReadFull(br, b); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBadProfile, what, err)
		}
		return b, nil
	}
	nl, err := binary.ReadUvarint(br)
	if err != nil || nl == 0 || nl > 64 {
		return nil, fmt.Errorf("%w: want 1 to 64 languages (%d, %v)", ErrBadProfile, nl, err)
	}
	d := &Detector{}
	var gbuf, vbuf []byte
	for i := range int(nl) {
		b, err := readBytes(&gbuf, "language name", 8)
		if err != nil {
			return nil, err
		}
		l := string(b)
		s, ok := modelScripts[l]
		if !ok {
			if s, ok = otherScripts[l]; !ok {
				return nil, fmt.Errorf("%w: language %q has no script here", ErrBadProfile, l)
			}
		} else {
			d.report |= 1 << i
		}
		d.langs = append(d.langs, l)
		d.masks[s] |= 1 << i
		if c := priors[l]; c != 0 {
			d.prior[i] = c
			d.priored |= 1 << i
		}
	}
	nk, err := binary.ReadUvarint(br)
	if err != nil || nk == 0 || nk > 1<<26 {
		return nil, fmt.Errorf("%w: n-gram count (%d, %v)", ErrBadProfile, nk, err)
	}
	grams := make([]string, 0, nk)
	costs := make([][]uint16, 0, nk)
	for range nk {
		g, err := readBytes(&gbuf, "n-gram", 4*maxOrder)
		if err != nil {
			return nil, err
		}
		n := utf8.RuneCount(g)
		if n == 0 || n > maxOrder || !utf8.Valid(g) {
			return nil, fmt.Errorf("%w: bad n-gram %q", ErrBadProfile, g)
		}
		vals, err := readBytes(&vbuf, "costs", 2*nl)
		if err != nil {
			return nil, err
		}
		if len(vals) == 0 || len(vals)%2 != 0 {
			return nil, fmt.Errorf("%w: n-gram %q: want language and cost pairs, have %d bytes", ErrBadProfile, g, len(vals))
		}
		es := make([]uint16, 0, len(vals)/2)
		for i := 0; i < len(vals); i += 2 {
			if uint64(vals[i]) >= nl {
				return nil, fmt.Errorf("%w: n-gram %q: language %d of %d", ErrBadProfile, g, vals[i], nl)
			}
			es = append(es, uint16(vals[i])<<8|uint16(vals[i+1]))
		}
		grams = append(grams, string(g))
		costs = append(costs, es)
	}
	d.ngrams = int(nk)
	if foldCost >= 0 {
		grams, costs = addFolded(grams, costs)
	}
	size := 1
	for size < len(grams)+len(grams)/2 {
		size <<= 1
	}
	d.slots = make([]slot, size)
	d.entries = make([]uint16, 0, len(grams)+3*len(grams))
	rs := make([]rune, 0, maxOrder)
	for k, g := range grams {
		rs = rs[:0]
		for _, r := range g {
			rs = append(rs, r)
		}
		off := uint32(len(d.entries))
		d.entries = append(d.entries, uint16(len(costs[k])))
		d.entries = append(d.entries, costs[k]...)
		h := gramHash(rs)
		fp := uint32(h>>32) | 1
		mask := uint64(size - 1)
		i := h & mask
		for d.slots[i].fp != 0 {
			i = (i + 1) & mask
		}
		d.slots[i] = slot{fp: fp, off: off}
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the last n-gram", ErrBadProfile)
	}
	return d, nil
}
