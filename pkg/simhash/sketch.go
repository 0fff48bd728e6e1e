package simhash

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"slices"
)

// Sketch parameters.
const (
	// SketchShingle is the number of consecutive words a sketch samples
	// together: the shingles of the overlap that defines a near-duplicate.
	SketchShingle = 5
	// SketchSize is the most shingle hashes a sketch keeps.
	SketchSize = 128
	// sampleLimit keeps a shingle whose 32-bit hash is below it: one in
	// two.
	sampleLimit = 1 << 31
	// anchorLimit makes a sampled hash an anchor, under which the index
	// files the sketch to find it again: one shingle in sixteen.
	anchorLimit = 1 << 28
)

// Sketch is a consistent sample of a text's distinct word 5-shingles:
// the 32-bit hashes, sorted, of every shingle whose hash is below a limit,
// one in two, or, in a long text, below the SketchSize-th smallest hash.
// Two texts' sketches are complete below the lower of their limits, so
// what they share there estimates the overlap of their shingle sets:
// their Jaccard similarity and how much of the smaller one the other
// contains, whatever their lengths.
type Sketch []uint32

// sampleLast offers the shingle of the last SketchShingle words of ring,
// where word i is at i&7, after n words. Not inlined: fingerprint's
// per-word closure must stay small enough to be inlined itself.
//
//go:noinline
func (s *Sketch) sampleLast(ring *[8]uint64, n int) {
	const prime = 0x100000001b3
	var sh uint64
	for k := SketchShingle; k > 0; k-- {
		sh = sh*prime ^ ring[(n-k)&7]
	}
	s.sample(sh)
}

// sample offers the hash of a shingle.
func (s *Sketch) sample(h uint64) {
	if v := uint32(mix(h) >> 32); v < sampleLimit {
		*s = append(*s, v)
	}
}

// finish returns the SketchSize smallest distinct hashes of the sample,
// sorted, in a new slice (never nil); it reorders the sample.
func (s *Sketch) finish() Sketch {
	buf := *s
	if len(buf) > 2*SketchSize {
		// The hashes are uniform below sampleLimit: the smallest
		// SketchSize are almost surely under a cut-off with a margin, and
		// sorting those alone is enough.
		cut := uint32(uint64(sampleLimit) * (SketchSize + SketchSize/4 + 16) / uint64(len(buf)))
		k := 0
		for i, v := range buf {
			if v < cut {
				buf[i], buf[k] = buf[k], v
				k++
			}
		}
		if k >= SketchSize {
			slices.Sort(buf[:k])
			if out := smallest(buf[:k]); len(out) == SketchSize {
				return out
			}
		}
	}
	slices.Sort(buf)
	return smallest(buf)
}

// smallest returns a copy of the SketchSize smallest distinct values of a
// sorted slice.
func smallest(sorted Sketch) Sketch {
	n := 0
	for i, v := range sorted {
		if (i == 0 || sorted[i-1] != v) && n < SketchSize {
			n++
		}
	}
	out := make(Sketch, 0, n)
	for _, v := range sorted {
		if len(out) > 0 && out[len(out)-1] == v {
			continue
		}
		if len(out) == SketchSize {
			break
		}
		out = append(out, v)
	}
	return out
}

// limit is the hash below which s holds every sampled shingle.
func (s Sketch) limit() uint64 {
	if len(s) >= SketchSize {
		return uint64(s[len(s)-1]) + 1
	}
	return sampleLimit
}

// Compare estimates, from two sketches, the Jaccard similarity of the two
// texts' shingle sets and their containment (the share of the smaller set
// found in the other), and returns the number of sampled shingles of the
// smaller text the estimates rest on.
func Compare(a, b Sketch) (jaccard, containment float64, samples int) {
	lim := min(a.limit(), b.limit())
	i, j, na, nb, both := 0, 0, 0, 0, 0
	for {
		x, y := uint64(lim), uint64(lim)
		if i < len(a) {
			x = min(x, uint64(a[i]))
		}
		if j < len(b) {
			y = min(y, uint64(b[j]))
		}
		switch {
		case x == lim && y == lim:
			n := min(na, nb)
			if n == 0 {
				return 0, 0, 0
			}
			return float64(both) / float64(na+nb-both), float64(both) / float64(n), n
		case x == y:
			both++
			na++
			nb++
			i++
			j++
		case x < y:
			na++
			i++
		default:
			nb++
			j++
		}
	}
}

// anchors returns the hashes of s under which an index files it: a
// prefix of s.
func (s Sketch) anchors() Sketch {
	n, _ := slices.BinarySearch(s, anchorLimit)
	return s[:n]
}

// Near-duplicate thresholds, those the corpus's labels are defined by,
// on word 5-shingles.
const (
	// MinJaccard is the Jaccard similarity from which two texts are
	// near-duplicates.
	MinJaccard = 0.5
	// MinContainment is the share of the smaller text's shingles found in
	// the other from which they are near-duplicates whatever the length of
	// the other (a shortened or extended copy).
	MinContainment = 0.8
	// MinSamples is the fewest sampled shingles a decision rests on.
	MinSamples = 4
)

// Near tells whether two signatures are near-duplicates and, if so, how
// close they are (higher is closer). Two sketches decide by the overlap
// they estimate: Jaccard at least MinJaccard or containment at least
// MinContainment. When either has no sketch (an entry filed before
// sketches), the SimHashes decide: at most MaxDistance bits apart. Every
// match decided by sketches scores above every match decided by SimHash.
func Near(a, b Signature) (bool, float64) {
	if a.Sketch == nil || b.Sketch == nil {
		d := Distance(a.FP, b.FP)
		return d <= MaxDistance, -float64(d)
	}
	j, c, n := Compare(a.Sketch, b.Sketch)
	if n >= MinSamples && (j >= MinJaccard || c >= MinContainment) {
		return true, j + c
	}
	return false, 0
}

// AppendText appends the sketch's text form: its hashes, 4 bytes each, big
// endian, in unpadded URL-safe base64.
func (s Sketch) AppendText(b []byte) ([]byte, error) {
	raw := make([]byte, 0, 4*len(s))
	for _, v := range s {
		raw = binary.BigEndian.AppendUint32(raw, v)
	}
	return base64.RawURLEncoding.AppendEncode(b, raw), nil
}

// errBadSketch reports a sketch's text form that does not decode.
var errBadSketch = errors.New("bad sketch")

// ParseSketch decodes the text form of a sketch (AppendText).
func ParseSketch(text string) (Sketch, error) {
	raw, err := base64.RawURLEncoding.DecodeString(text)
	if err != nil || len(raw)%4 != 0 || len(raw) > 4*SketchSize {
		return nil, errBadSketch
	}
	s := make(Sketch, len(raw)/4)
	for i := range s {
		s[i] = binary.BigEndian.Uint32(raw[4*i:])
		if i > 0 && s[i] <= s[i-1] || s[i] >= sampleLimit {
			return nil, errBadSketch
		}
	}
	return s, nil
}
