package analysis

import (
	"hash/maphash"
	"strings"
	"sync/atomic"
)

// termCacheSlots is how many words an analyzer remembers the term of
// (a power of two). News text repeats its words: on the corpus, most of
// the words of an article were seen in recent ones.
const termCacheSlots = 1 << 15

// termCache maps words as they appear in text to their terms. It is a
// direct-mapped table of immutable entries: a lookup is one hash and one
// atomic load, a miss overwrites the slot, and concurrent analyses need no
// lock. Entries hold copies of the words, never the text they came from.
type termCache struct {
	seed  maphash.Seed
	slots []atomic.Pointer[termEntry]
}

type termEntry struct {
	word, term string
	stop       bool
}

func newTermCache() termCache {
	return termCache{seed: maphash.MakeSeed(), slots: make([]atomic.Pointer[termEntry], termCacheSlots)}
}

func (c *termCache) slot(word string) *atomic.Pointer[termEntry] {
	return &c.slots[maphash.String(c.seed, word)&(termCacheSlots-1)]
}

// get returns the entry of word, or nil.
func (c *termCache) get(word string) *termEntry {
	if c.slots == nil {
		return nil
	}
	if e := c.slot(word).Load(); e != nil && e.word == word {
		return e
	}
	return nil
}

// put remembers the term of word.
func (c *termCache) put(word, term string, stop bool) {
	if c.slots == nil {
		return
	}
	w := strings.Clone(word)
	if term == word {
		term = w // one copy serves both
	}
	c.slot(word).Store(&termEntry{word: w, term: term, stop: stop})
}
