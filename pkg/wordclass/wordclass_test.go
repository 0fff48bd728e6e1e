package wordclass

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"testing"
)

func TestWriteRead(t *testing.T) {
	want := map[string]int{"лондон": 5, "париж": 5, "заяви": 900, "the": 0, "ryanair": 1023}
	c, err := New(10, want)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := c.Write(&buf); err != nil {
		t.Fatal(err)
	}
	r, err := ReadClasses(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if r.Bits() != 10 || r.Len() != len(want) {
		t.Fatalf("read %d bits, %d words; want 10, %d", r.Bits(), r.Len(), len(want))
	}
	for w, cl := range want {
		if got := r.Class(w); got != cl {
			t.Errorf("Class(%q) = %d, want %d", w, got, cl)
		}
	}
	for _, w := range []string{"Лондон", "berlin", ""} {
		if got := r.Class(w); got != -1 {
			t.Errorf("Class(%q) = %d, want -1 (unknown)", w, got)
		}
	}
	var nilClasses *Classes
	if nilClasses.Class("the") != -1 || nilClasses.Len() != 0 {
		t.Error("nil classes know a word")
	}
	// The same classes give the same bytes.
	var again bytes.Buffer
	if err := r.Write(&again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Error("writing what was read gives other bytes")
	}
}

func TestNewBadClass(t *testing.T) {
	if _, err := New(4, map[string]int{"a": 16}); err == nil {
		t.Error("class 16 of 4 bits accepted")
	}
	if _, err := New(0, map[string]int{"a": 0}); err == nil {
		t.Error("0 bits accepted")
	}
}

// file builds a class file from raw uvarint fields after the magic.
func file(t *testing.T, head string, fields ...uint64) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(head))
	for _, v := range fields {
		var b [10]byte
		n := 0
		for v >= 0x80 {
			b[n] = byte(v) | 0x80
			v >>= 7
			n++
		}
		b[n] = byte(v)
		zw.Write(b[:n+1])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadBad(t *testing.T) {
	for name, data := range map[string][]byte{
		"not gzip":         []byte("newsflow-word-classes-1\n"),
		"bad magic":        file(t, "newsflow-ner-1\n", 10, 0),
		"zero bits":        file(t, magic, 0, 0),
		"too many bits":    file(t, magic, 17, 0),
		"class too large":  file(t, magic, 4, 1, 7, 16),
		"keys repeated":    file(t, magic, 4, 2, 7, 1, 0, 2),
		"truncated":        file(t, magic, 4, 2, 7, 1),
		"too many words":   file(t, magic, 4, 1<<30),
		"key overflows":    file(t, magic, 4, 2, 1<<63, 1, 1<<63, 2),
		"empty after head": file(t, magic),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ReadClasses(bytes.NewReader(data)); !errors.Is(err, ErrBadFile) {
				t.Errorf("ReadClasses = %v, want ErrBadFile", err)
			}
		})
	}
	if c, err := ReadClasses(bytes.NewReader(file(t, magic, 4, 2, 7, 1, 3, 15))); err != nil || c.Len() != 2 {
		t.Errorf("a good hand-made file: %v", err)
	}
}

// TestCluster checks that words used alike share classes and words used
// otherwise do not: two made-up languages whose nouns and verbs alternate.
func TestCluster(t *testing.T) {
	var sents [][]string
	nounsA := []string{"a1", "a2", "a3", "a4"}
	verbsA := []string{"va1", "va2", "va3"}
	nounsB := []string{"b1", "b2", "b3", "b4"}
	verbsB := []string{"vb1", "vb2", "vb3"}
	for i := range 400 {
		sents = append(sents,
			[]string{nounsA[i%4], verbsA[i%3], nounsA[(i/4)%4], "."},
			[]string{"the", nounsB[i%4], verbsB[(i/3)%3], "the", nounsB[(i+1)%4], "!"},
		)
	}
	sents = append(sents, []string{"rare", "rare"})
	c, err := Cluster(sents, Options{CoarseBits: 3})
	if err != nil {
		t.Fatal(err)
	}
	if c.Bits() != 7 {
		t.Fatalf("%d bits, want 7", c.Bits())
	}
	if c.Class("rare") != -1 {
		t.Error("a word seen twice got a class (MinCount 3)")
	}
	coarse := func(w string) int { return c.Class(w) >> 4 }
	for _, group := range [][]string{nounsA, verbsA, nounsB, verbsB} {
		for _, w := range group[1:] {
			if coarse(w) != coarse(group[0]) {
				t.Errorf("%s in coarse class %d, %s in %d", w, coarse(w), group[0], coarse(group[0]))
			}
		}
	}
	for _, pair := range [][2]string{{"a1", "va1"}, {"a1", "b1"}, {"b1", "vb1"}, {"va1", "vb1"}} {
		if coarse(pair[0]) == coarse(pair[1]) {
			t.Errorf("%s and %s share coarse class %d", pair[0], pair[1], coarse(pair[0]))
		}
	}
	// Deterministic.
	d, err := Cluster(sents, Options{CoarseBits: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range append(append(nounsA, verbsA...), nounsB...) {
		if c.Class(w) != d.Class(w) {
			t.Errorf("%s: class %d, then %d", w, c.Class(w), d.Class(w))
		}
	}
}

func FuzzReadClasses(f *testing.F) {
	c, err := New(6, map[string]int{"a": 1, "b": 63})
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if err := c.Write(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(magic))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ReadClasses(bytes.NewReader(data))
		if err != nil {
			return
		}
		if c.Len() > 0 && len(c.keys) < 2*c.Len() {
			t.Fatalf("table of %d for %d words", len(c.keys), c.Len())
		}
		for i, k := range c.keys {
			if k != 0 && int(c.class[i]) >= 1<<c.Bits() {
				t.Fatalf("class %d of %d bits", c.class[i], c.Bits())
			}
		}
		_ = fmt.Sprint(c.Class("x"))
	})
}
