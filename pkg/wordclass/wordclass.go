// Package wordclass groups words into classes by the words they stand
// between in unlabeled text (Cluster: an exchange clustering of a class
// bigram model, refined twice into four subclasses each, so that a class's
// parents are its id shifted right by 2 and 4 bits) and reads and writes
// the result (Classes) as a compact file that holds no text: each word is
// kept as a 64-bit hash (Key) of its lower-case form.
package wordclass

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Classes maps words, by their Key, to a class in [0, 2^Bits()). Build it
// with New or ReadClasses; it is read-only and safe for concurrent use.
type Classes struct {
	bits uint
	// keys is an open-addressing table of the words' keys (0: empty),
	// class the class of the key at the same index.
	keys  []uint64
	class []uint16
	n     int
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
	// MaxBits is the most classes a file may hold, as log2.
	MaxBits = 16
	// maxWords bounds the words a file may hold.
	maxWords = 1 << 24
)

// Key returns the 64-bit hash a word is kept as: FNV-1a of its bytes with
// murmur3's finaliser, never 0. Callers pass the form they look words up
// by (the tagger: lower case).
func Key(w string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(w); i++ {
		h ^= uint64(w[i])
		h *= fnvPrime
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	if h == 0 {
		h = 1
	}
	return h
}

// New returns the classes of the words of classOf (word -> class). It
// returns an error when a class is outside [0, 2^bits) or two words share
// a key.
func New(bits uint, classOf map[string]int) (*Classes, error) {
	keys := make(map[uint64]int, len(classOf))
	for w, c := range classOf {
		k := Key(w)
		if _, dup := keys[k]; dup {
			return nil, fmt.Errorf("word classes: two words share the key of %q", w)
		}
		keys[k] = c
	}
	return fromKeys(bits, keys)
}

func fromKeys(bits uint, keys map[uint64]int) (*Classes, error) {
	if bits == 0 || bits > MaxBits {
		return nil, fmt.Errorf("word classes: %d bits, want 1-%d", bits, MaxBits)
	}
	size := 16
	for size < 2*len(keys) {
		size *= 2
	}
	c := &Classes{bits: bits, keys: make([]uint64, size), class: make([]uint16, size), n: len(keys)}
	mask := uint64(size - 1)
	for k, cl := range keys {
		if cl < 0 || cl >= 1<<bits {
			return nil, fmt.Errorf("word classes: class %d outside [0, %d)", cl, 1<<bits)
		}
		i := k & mask
		for c.keys[i] != 0 {
			i = (i + 1) & mask
		}
		c.keys[i], c.class[i] = k, uint16(cl)
	}
	return c, nil
}

// Bits returns log2 of the number of classes.
func (c *Classes) Bits() uint { return c.bits }

// Len returns the number of words with a class.
func (c *Classes) Len() int {
	if c == nil {
		return 0
	}
	return c.n
}

// Class returns the class of word w (as Key hashes it), or -1 when w has
// none (or c is nil).
func (c *Classes) Class(w string) int {
	if c == nil || c.n == 0 {
		return -1
	}
	k := Key(w)
	mask := uint64(len(c.keys) - 1)
	for i := k & mask; ; i = (i + 1) & mask {
		switch c.keys[i] {
		case k:
			return int(c.class[i])
		case 0:
			return -1
		}
	}
}

// magic opens a class file.
const magic = "newsflow-word-classes-1\n"

// ErrBadFile is returned by ReadClasses for data that is not a class file.
var ErrBadFile = errors.New("not a newsflow word-class file")

// Write writes c gzipped: the magic line, the class bits and the number of
// words as uvarints, then per word in increasing key order the difference
// from the previous key (the first from 0) and its class, as uvarints.
func (c *Classes) Write(w io.Writer) error {
	type entry struct {
		k  uint64
		cl uint16
	}
	es := make([]entry, 0, c.n)
	for i, k := range c.keys {
		if k != 0 {
			es = append(es, entry{k, c.class[i]})
		}
	}
	slices.SortFunc(es, func(a, b entry) int {
		switch {
		case a.k < b.k:
			return -1
		case a.k > b.k:
			return 1
		}
		return 0
	})
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(zw)
	bw.WriteString(magic)
	var buf [binary.MaxVarintLen64]byte
	putU := func(v uint64) { bw.Write(buf[:binary.PutUvarint(buf[:], v)]) }
	putU(uint64(c.bits))
	putU(uint64(len(es)))
	last := uint64(0)
	for _, e := range es {
		putU(e.k - last)
		putU(uint64(e.cl))
		last = e.k
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}

// ReadClasses reads a file written by Classes.Write. It returns an error
// wrapping ErrBadFile for anything else (keys not increasing, a class out
// of range, a truncated file).
func ReadClasses(r io.Reader) (*Classes, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadFile, err)
	}
	br := bufio.NewReader(zr)
	head := make([]byte, len(magic))
	if _, err := io.ReadFull(br, head); err != nil || string(head) != magic {
		return nil, fmt.Errorf("%w: bad header", ErrBadFile)
	}
	bits, err := binary.ReadUvarint(br)
	if err != nil || bits == 0 || bits > MaxBits {
		return nil, fmt.Errorf("%w: %d class bits", ErrBadFile, bits)
	}
	n, err := binary.ReadUvarint(br)
	if err != nil || n > maxWords {
		return nil, fmt.Errorf("%w: %d words", ErrBadFile, n)
	}
	keys := make(map[uint64]int, n)
	last := uint64(0)
	for i := uint64(0); i < n; i++ {
		d, err := binary.ReadUvarint(br)
		if err != nil {
			return nil, fmt.Errorf("%w: word %d: %v", ErrBadFile, i, err)
		}
		cl, err := binary.ReadUvarint(br)
		if err != nil {
			return nil, fmt.Errorf("%w: word %d: %v", ErrBadFile, i, err)
		}
		if d == 0 || last+d < last {
			return nil, fmt.Errorf("%w: word %d: keys not increasing", ErrBadFile, i)
		}
		if cl >= 1<<bits {
			return nil, fmt.Errorf("%w: word %d: class %d of %d", ErrBadFile, i, cl, 1<<bits)
		}
		last += d
		keys[last] = int(cl)
	}
	return fromKeys(uint(bits), keys)
}
