package simhash

import (
	"context"
	"slices"
	"sync"
)

// Near-duplicate search parameters for entries without a sketch (filed
// before sketches), found and compared by SimHash.
const (
	// NumBands is the number of LSH bands: a fingerprint is filed under
	// each of its NumBands 8-bit bands, so fingerprints up to NumBands-1
	// bits apart always meet, and farther ones often do.
	NumBands = 8
	// MaxDistance is the largest distance between the fingerprints of
	// near-duplicates. On the corpus's labelled pairs, lightly rewritten
	// copies are a median 8 bits apart, different articles on the same
	// topic 20, unrelated articles 32; copies much shorter or longer than
	// their original are often farther than 12 (sketches find those).
	MaxDistance = 12
	// BandCapacity is how many recent entries each band value keeps.
	BandCapacity = 32
)

// Entry is a fingerprinted article.
type Entry struct {
	ID string
	FP uint64
	// Root is the original the article is a near-duplicate of, or its own
	// ID.
	Root string
}

// Index files signatures and finds near-duplicates among recent ones.
type Index interface {
	// Add files article id with signature s and returns the original it is
	// a near-duplicate of, or "" when it is not one. Adding the same id
	// again does not match it against itself.
	Add(ctx context.Context, id string, s Signature) (string, error)
}

// Capacity is how many recent articles a MemoryIndex remembers.
const Capacity = 8192

// anchorSlotBits is the width of the slot number an anchor is filed under.
const anchorSlotBits = 15

// AnchorSlotCapacity is how many recent anchors each anchor slot keeps,
// which bounds the candidates a shingle common to many articles brings.
const AnchorSlotCapacity = 64

// MemoryIndex is an Index in process memory, for tests, tools and a single
// replica without shared state. It remembers the last Capacity articles.
// Articles with a sketch are found again through their anchors (the
// sampled shingle hashes under anchorLimit); those without (filed before
// sketches) through the LSH bands of their SimHash.
type MemoryIndex struct {
	mu sync.Mutex
	// bands holds the entries without a sketch of band i with value v at
	// i<<bandBits | v.
	bands [NumBands << bandBits][]*entry
	// anchors holds the entries with a sketch under the low bits of each
	// of their anchors.
	anchors [1 << anchorSlotBits][]anchor
	byID    map[string]*entry
	// ring holds the remembered entries in filing order, the oldest at
	// next once full; nil where an entry was replaced.
	ring  [Capacity]*entry
	next  int
	seq   uint64 // entries filed so far
	query uint64 // lookups so far, to mark candidates seen
}

type entry struct {
	Entry
	sig  Signature
	seq  uint64 // filing order: the earliest wins a tie
	pos  int    // index in ring
	mark uint64 // the last lookup that considered it
	// rootMark is the last lookup that compared it as a group's original,
	// and rootNear the answer.
	rootMark uint64
	rootNear bool
}

type anchor struct {
	h uint32
	e *entry
}

// bandBits is the width of a band.
const bandBits = 64 / NumBands

// NewMemoryIndex returns an empty index.
func NewMemoryIndex() *MemoryIndex { return &MemoryIndex{byID: map[string]*entry{}} }

// slot returns where band i of fp is filed.
func slot(i int, fp uint64) int {
	return i<<bandBits | int(fp>>(i*bandBits)&(1<<bandBits-1))
}

// Add implements Index.
func (m *MemoryIndex) Add(_ context.Context, id string, s Signature) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	root := m.match(id, s)
	e := Entry{ID: id, FP: s.FP, Root: id}
	if root != "" {
		e.Root = root
	}
	m.file(e, s.Sketch)
	return root, nil
}

// Match returns the original that id with signature s duplicates among the
// filed entries, or "", without filing it.
func (m *MemoryIndex) Match(id string, s Signature) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.match(id, s)
}

// File files an entry decided elsewhere (another replica), with its sketch
// (nil for an entry written before sketches), replacing an earlier entry of
// the same id.
func (m *MemoryIndex) File(e Entry, sk Sketch) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.file(e, sk)
}

// Len returns how many articles the index remembers.
func (m *MemoryIndex) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.byID)
}

// match returns the root of the closest candidate (Near's score; the
// earliest filed on a tie) that is a near-duplicate of s and whose root,
// when the index still remembers it, is one too: an article joins a group
// only if it duplicates the group's original, not just one of its copies.
// Candidates are the entries sharing an anchor with s and the entries
// without a sketch in the bands of s's SimHash.
func (m *MemoryIndex) match(id string, s Signature) string {
	m.query++
	var best *entry
	bestScore := 0.0
	consider := func(c *entry) {
		if c.mark == m.query {
			return
		}
		c.mark = m.query
		if c.ID == id || c.Root == id {
			return
		}
		ok, score := Near(s, c.sig)
		if !ok || best != nil && (score < bestScore || score == bestScore && c.seq > best.seq) {
			return
		}
		if c.Root != c.ID {
			if r := m.byID[c.Root]; r != nil {
				// Copies of one original share the answer.
				if r.rootMark != m.query {
					r.rootMark = m.query
					r.rootNear, _ = Near(s, r.sig)
				}
				if !r.rootNear {
					return
				}
			}
		}
		best, bestScore = c, score
	}
	for i := 0; i < NumBands; i++ {
		for _, c := range m.bands[slot(i, s.FP)] {
			// The distance first: it rules out most entries.
			if Distance(s.FP, c.FP) <= MaxDistance {
				consider(c)
			}
		}
	}
	if s.Sketch != nil {
		for _, h := range s.Sketch.anchors() {
			for _, a := range m.anchors[h&(1<<anchorSlotBits-1)] {
				if a.h == h {
					consider(a.e)
				}
			}
		}
	}
	if best == nil {
		return ""
	}
	return best.Root
}

func (m *MemoryIndex) file(e Entry, sk Sketch) {
	if old := m.byID[e.ID]; old != nil {
		m.remove(old)
		m.ring[old.pos] = nil
	}
	if old := m.ring[m.next]; old != nil {
		m.remove(old)
	}
	m.seq++
	x := &entry{Entry: e, sig: Signature{FP: e.FP, Sketch: sk}, seq: m.seq, pos: m.next}
	m.ring[m.next] = x
	m.next = (m.next + 1) % Capacity
	m.byID[e.ID] = x
	if sk == nil {
		for i := 0; i < NumBands; i++ {
			k := slot(i, e.FP)
			es := m.bands[k]
			if len(es) >= BandCapacity {
				es[0] = nil
				es = es[1:]
			}
			m.bands[k] = append(es, x)
		}
		return
	}
	for _, h := range sk.anchors() {
		k := h & (1<<anchorSlotBits - 1)
		as := m.anchors[k]
		if len(as) >= AnchorSlotCapacity {
			as[0] = anchor{}
			as = as[1:]
		}
		m.anchors[k] = append(as, anchor{h, x})
	}
}

// remove takes x out of the bands, the anchors and byID.
func (m *MemoryIndex) remove(x *entry) {
	if m.byID[x.ID] == x {
		delete(m.byID, x.ID)
	}
	if x.sig.Sketch == nil {
		for i := 0; i < NumBands; i++ {
			k := slot(i, x.FP)
			m.bands[k] = slices.DeleteFunc(m.bands[k], func(c *entry) bool { return c == x })
		}
		return
	}
	for _, h := range x.sig.Sketch.anchors() {
		k := h & (1<<anchorSlotBits - 1)
		m.anchors[k] = slices.DeleteFunc(m.anchors[k], func(a anchor) bool { return a.e == x })
	}
}
