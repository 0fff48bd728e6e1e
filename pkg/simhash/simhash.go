// Package simhash fingerprints texts so that near-identical texts get
// fingerprints a few bits apart: a 64-bit SimHash (Charikar) over word
// shingles, and the LSH bands that find candidates among many fingerprints
// without comparing them all. It also samples a text's word 5-shingles
// (Sketch), from which the overlap of two texts is estimated: what finds a
// copy much shorter or longer than its original, which SimHash misses.
package simhash

import (
	"math/bits"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Shingle is the number of consecutive words hashed together.
const Shingle = 3

// Signature is what the near-duplicate search files for a text: its
// SimHash and its sketch.
type Signature struct {
	FP uint64
	// Sketch is nil for entries filed before sketches existed: those are
	// compared by SimHash.
	Sketch Sketch
}

// Sign returns the SimHash and the sketch of text in one pass over its
// words.
func Sign(text string) Signature {
	buf := samples.Get().(*Sketch)
	*buf = (*buf)[:0]
	fp := fingerprint(text, buf)
	sig := Signature{FP: fp, Sketch: buf.finish()}
	samples.Put(buf)
	return sig
}

// samples holds buffers for the shingle hashes a text samples.
var samples = sync.Pool{New: func() any { return new(Sketch) }}

// Fingerprint returns the SimHash of text: lower-cased words (letters and
// digits; punctuation and layout ignored) taken Shingle at a time, each
// shingle hashed to 64 bits, and each bit of the result set where most
// shingles have it set. A text with fewer words than Shingle is hashed as
// one shingle; a text without words has fingerprint 0.
func Fingerprint(text string) uint64 { return fingerprint(text, nil) }

// fingerprint is Fingerprint; with sk, it also samples the text's word
// SketchShingle-shingles into *sk (unsorted).
func fingerprint(text string, sk *Sketch) uint64 {
	// Bit counts are kept in byte lanes: lanes[k] holds, in its 8 bytes,
	// how many shingle hashes had bits 8k..8k+7 set. Lanes are flushed
	// into ones before a byte can overflow.
	var lanes [8]uint64
	var ones [64]int32
	var ring [8]uint64 // hashes of the last words, at n&7 (8 > SketchShingle)
	n, shingles, pending := 0, 0, 0
	flush := func() {
		for k := range lanes {
			for j := 0; j < 8; j++ {
				ones[8*k+j] += int32(lanes[k] >> (8 * j) & 0xff)
			}
			lanes[k] = 0
		}
		pending = 0
	}
	add := func(h uint64) {
		for k := range lanes {
			lanes[k] += spread(uint8(h >> (8 * k)))
		}
		shingles++
		if pending++; pending == 255 {
			flush()
		}
	}
	const offset, prime = 0xcbf29ce484222325, 0x100000001b3
	h, inWord := uint64(offset), false
	endWord := func() {
		ring[n&7] = h
		n++
		if n >= Shingle {
			// The last Shingle words, the oldest first.
			add(mix((ring[(n-3)&7]*prime^ring[(n-2)&7])*prime ^ ring[(n-1)&7]))
			if sk != nil && n >= SketchShingle {
				sk.sampleLast(&ring, n)
			}
		}
		h, inWord = offset, false
	}
	for _, r := range text {
		if r < utf8.RuneSelf {
			switch {
			case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			case r >= 'A' && r <= 'Z':
				r += 'a' - 'A'
			default:
				if inWord {
					endWord()
				}
				continue
			}
		} else if r >= 0x430 && r <= 0x44f || r >= 0x452 && r <= 0x45f { // Cyrillic lower case
		} else if r >= 0x410 && r <= 0x42f {
			r += 0x20
		} else if r >= 0x400 && r <= 0x40f && r != 0x401 {
			r += 0x50
		} else if r == 'ё' || r == 'Ё' {
			r = 'е'
		} else if unicode.IsLetter(r) || unicode.IsDigit(r) {
			r = unicode.ToLower(r)
		} else {
			if inWord {
				endWord()
			}
			continue
		}
		// FNV-1a over the rune's value, one byte at a time.
		for v := uint32(r); v != 0; v >>= 8 {
			h ^= uint64(v & 0xff)
			h *= prime
		}
		inWord = true
	}
	if inWord {
		endWord()
	}
	if n == 0 {
		return 0
	}
	if n < Shingle {
		var sh uint64
		for k := 0; k < n; k++ {
			sh = sh*prime ^ ring[k]
		}
		add(mix(sh))
	}
	if sk != nil && n < SketchShingle {
		var sh uint64
		for k := 0; k < n; k++ {
			sh = sh*prime ^ ring[k]
		}
		sk.sample(sh)
	}
	flush()
	var fp uint64
	for b := range ones {
		if 2*int(ones[b]) > shingles {
			fp |= 1 << b
		}
	}
	return fp
}

// spread puts bit j of b into byte j of the result.
func spread(b uint8) uint64 {
	x := uint64(b)
	x = (x | x<<28) & 0x0000000f0000000f
	x = (x | x<<14) & 0x0003000300030003
	x = (x | x<<7) & 0x0101010101010101
	return x
}

// Distance is the number of bits in which a and b differ.
func Distance(a, b uint64) int { return bits.OnesCount64(a ^ b) }

// mix is the SplitMix64 finaliser: it spreads every input bit over the
// output, which SimHash needs from its shingle hashes.
func mix(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}
