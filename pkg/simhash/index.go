package simhash

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// Near-duplicate search parameters.
const (
	// NumBands is the number of LSH bands: a fingerprint is filed under
	// each of its NumBands 8-bit bands, so fingerprints up to NumBands-1
	// bits apart always meet, and farther ones often do.
	NumBands = 8
	// MaxDistance is the largest distance between the fingerprints of
	// near-duplicates. On the corpus's labelled pairs, lightly rewritten
	// copies are a median 8 bits apart, different articles on the same
	// topic 20, unrelated articles 32.
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

// String encodes the entry as stored: "id fp root".
func (e Entry) String() string {
	return e.ID + " " + strconv.FormatUint(e.FP, 16) + " " + e.Root
}

// ParseEntries decodes stored entries, one per line, skipping bad lines.
func ParseEntries(s string) []Entry {
	var out []Entry
	for line := range strings.SplitSeq(s, "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		fp, err := strconv.ParseUint(f[1], 16, 64)
		if err != nil {
			continue
		}
		out = append(out, Entry{ID: f[0], FP: fp, Root: f[2]})
	}
	return out
}

// FormatEntries encodes entries, keeping the last BandCapacity.
func FormatEntries(es []Entry) string {
	if len(es) > BandCapacity {
		es = es[len(es)-BandCapacity:]
	}
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, "\n")
}

// BandKey names band i of fp: "b<i>.<2 hex digits>".
func BandKey(i int, fp uint64) string {
	return fmt.Sprintf("b%d.%02x", i, Bands(fp, NumBands)[i])
}

// Nearest returns the original that the article id with fingerprint fp
// duplicates among the candidates: the root of the closest candidate
// within MaxDistance, the earliest filed on a tie; "" when there is none.
// Entries of id itself are ignored.
func Nearest(id string, fp uint64, candidates []Entry) string {
	best, bestD := "", MaxDistance+1
	for _, c := range candidates {
		if c.ID == id || c.Root == id {
			continue
		}
		if d := Distance(fp, c.FP); d < bestD {
			best, bestD = c.Root, d
		}
	}
	return best
}

// Index files fingerprints and finds near-duplicates among recent ones.
type Index interface {
	// Add files article id with fingerprint fp and returns the original it
	// is a near-duplicate of, or "" when it is not one. Adding the same id
	// again does not match it against itself.
	Add(ctx context.Context, id string, fp uint64) (string, error)
}

// MemoryIndex is an Index in process memory, for tests, tools and a single
// replica without shared state.
type MemoryIndex struct {
	mu sync.Mutex
	// bands holds the entries of band i with value v at i<<bandBits | v.
	bands [NumBands << bandBits][]Entry
}

// bandBits is the width of a band.
const bandBits = 64 / NumBands

// NewMemoryIndex returns an empty index.
func NewMemoryIndex() *MemoryIndex { return &MemoryIndex{} }

// slot returns where band i of fp is filed.
func slot(i int, fp uint64) int {
	return i<<bandBits | int(fp>>(i*bandBits)&(1<<bandBits-1))
}

// Add implements Index.
func (m *MemoryIndex) Add(_ context.Context, id string, fp uint64) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	root := m.match(id, fp)
	e := Entry{ID: id, FP: fp, Root: id}
	if root != "" {
		e.Root = root
	}
	m.file(e)
	return root, nil
}

// Match returns the original that id with fingerprint fp duplicates among
// the filed entries, or "", without filing it.
func (m *MemoryIndex) Match(id string, fp uint64) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.match(id, fp)
}

// File files an entry decided elsewhere (another replica), replacing an
// earlier entry of the same id.
func (m *MemoryIndex) File(e Entry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.file(e)
}

// match is Nearest over the entries of fp's bands, in band order.
func (m *MemoryIndex) match(id string, fp uint64) string {
	best, bestD := "", MaxDistance+1
	for i := 0; i < NumBands; i++ {
		es := m.bands[slot(i, fp)]
		for k := range es {
			// The distance first: it rules out most entries without
			// reading their ids.
			c := &es[k]
			if d := Distance(fp, c.FP); d < bestD && c.ID != id && c.Root != id {
				best, bestD = c.Root, d
			}
		}
	}
	return best
}

func (m *MemoryIndex) file(e Entry) {
	for i := 0; i < NumBands; i++ {
		k := slot(i, e.FP)
		es := m.bands[k]
		for j := range es {
			if es[j].ID == e.ID {
				es = append(es[:j], es[j+1:]...)
				break
			}
		}
		if len(es) >= BandCapacity {
			es = es[1:]
		}
		m.bands[k] = append(es, e)
	}
}
