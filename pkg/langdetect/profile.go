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
	d.entries = make([]uint16, 0, 4*nk)
	hashes := make([]uint64, 0, nk)
	offs := make([]uint32, 0, nk)
	var accentFree map[string][]uint16 // see addFolded
	if foldCost >= 0 {
		accentFree = map[string][]uint16{}
	}
	rs := make([]rune, 0, maxOrder)
	for range nk {
		g, err := readBytes(&gbuf, "n-gram", 4*maxOrder)
		if err != nil {
			return nil, err
		}
		rs = rs[:0]
		for _, r := range string(g) {
			rs = append(rs, r)
		}
		if len(rs) == 0 || len(rs) > maxOrder || !utf8.Valid(g) {
			return nil, fmt.Errorf("%w: bad n-gram %q", ErrBadProfile, g)
		}
		vals, err := readBytes(&vbuf, "costs", 2*nl)
		if err != nil {
			return nil, err
		}
		if len(vals) == 0 || len(vals)%2 != 0 {
			return nil, fmt.Errorf("%w: n-gram %q: want language and cost pairs, have %d bytes", ErrBadProfile, g, len(vals))
		}
		off := uint32(len(d.entries))
		d.entries = append(d.entries, uint16(len(vals)/2))
		for i := 0; i < len(vals); i += 2 {
			if uint64(vals[i]) >= nl {
				return nil, fmt.Errorf("%w: n-gram %q: language %d of %d", ErrBadProfile, g, vals[i], nl)
			}
			d.entries = append(d.entries, uint16(vals[i])<<8|uint16(vals[i+1]))
		}
		hashes = append(hashes, gramHash(rs))
		offs = append(offs, off)
		if accentFree != nil {
			addFolded(accentFree, string(g), d.entries[off+1:])
		}
	}
	size := 1
	for n := int(nk) + len(accentFree); size < n+n/2; {
		size <<= 1
	}
	d.slots = make([]slot, size)
	for k, h := range hashes {
		d.insert(h, offs[k])
	}
	for f, es := range accentFree {
		rs = append(rs[:0], []rune(f)...)
		h := gramHash(rs)
		old := d.lookup(h)
		off := uint32(len(d.entries))
		d.entries = append(d.entries, 0)
		d.entries = append(d.entries, old...)
	next:
		for _, e := range es {
			for _, o := range old {
				if o>>8 == (e>>8)&langBits {
					continue next // the language has the bare n-gram itself
				}
			}
			d.entries = append(d.entries, e)
		}
		d.entries[off] = uint16(len(d.entries) - int(off) - 1)
		if old != nil {
			d.repoint(h, off)
		} else {
			d.insert(h, off)
		}
	}
	d.ngrams = int(nk)
	if _, err := br.ReadByte(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the last n-gram", ErrBadProfile)
	}
	return d, nil
}

// insert adds an n-gram of hash h whose entries start at off.
func (d *Detector) insert(h uint64, off uint32) {
	fp := uint32(h>>32) | 1
	mask := uint64(len(d.slots) - 1)
	i := h & mask
	for d.slots[i].fp != 0 {
		i = (i + 1) & mask
	}
	d.slots[i] = slot{fp: fp, off: off}
}

// repoint moves the entries of the n-gram of hash h to off.
func (d *Detector) repoint(h uint64, off uint32) {
	fp := uint32(h>>32) | 1
	mask := uint64(len(d.slots) - 1)
	for i := h & mask; d.slots[i].fp != 0; i = (i + 1) & mask {
		if d.slots[i].fp == fp {
			d.slots[i].off = off
			return
		}
	}
}
