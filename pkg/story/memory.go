package story

import (
	"context"
	"math"
	"slices"
	"sort"
	"sync"
	"time"
)

// Index assigns articles to stories.
type Index interface {
	// Assign returns the story id of article id with signature s: an
	// existing story's, or id itself for a new story.
	Assign(ctx context.Context, id string, s Signature) (string, error)
}

// MemoryIndex is an Index in memory, for one process and for measuring;
// it is also the local copy a shared index keeps of its store (Choose,
// Put, Remove). Stories whose last article is older than Retain before the
// newest date seen are dropped.
type MemoryIndex struct {
	p      Params
	Retain time.Duration

	mu      sync.Mutex
	stories map[string]*Story
	byID    map[string]string
	// posting lists the stories whose members have an entity or stem
	// (keys): only they can score above zero. Keys of members a
	// story no longer keeps (beyond MaxMembers) stay listed until the
	// story expires: a superset, checked against stories.
	posting map[string]map[string]bool
	df      map[string]int
	n       int
	newest  time.Time
}

// NewMemoryIndex returns an empty index with parameters p.
func NewMemoryIndex(p Params) *MemoryIndex {
	return &MemoryIndex{p: p, Retain: 7 * 24 * time.Hour, stories: map[string]*Story{}, byID: map[string]string{}, df: map[string]int{}, posting: map[string]map[string]bool{}}
}

// Params returns the index's parameters.
func (m *MemoryIndex) Params() Params { return m.p }

// Assign implements Index.
func (m *MemoryIndex) Assign(_ context.Context, id string, s Signature) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if prev, ok := m.byID[id]; ok {
		return prev, nil
	}
	m.observe(s)
	best := m.choose(s, 0)
	if best == nil {
		best = NewStory(id)
		m.stories[id] = best
	}
	best.Add(id, s)
	m.file(best, id, s)
	m.expire()
	return best.ID, nil
}

// Choose returns the id of the story article id with signature s would
// join, "" for a new story, and whether the article is already in a story
// (the id is then that story's). The rarity of s's own keys counts s as
// seen, as Assign does after counting it.
func (m *MemoryIndex) Choose(id string, s Signature) (sid string, known bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if prev, ok := m.byID[id]; ok {
		return prev, true
	}
	if st := m.choose(s, 1); st != nil {
		return st.ID, false
	}
	return "", false
}

// Story returns a copy of the story with id, or nil.
func (m *MemoryIndex) Story(id string) *Story {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.stories[id]
	if st == nil {
		return nil
	}
	c := *st
	c.Members, c.IDs = slices.Clone(st.Members), slices.Clone(st.IDs)
	return &c
}

// Put installs st, a story's whole state (read from a shared store),
// replacing the one with its id. The members it has beyond the N of the
// replaced one are counted as seen (rarity).
func (m *MemoryIndex) Put(st *Story) {
	m.mu.Lock()
	defer m.mu.Unlock()
	prevN := 0
	if old := m.stories[st.ID]; old != nil {
		prevN = old.N
	}
	if st.N <= prevN {
		return // not newer than what is kept
	}
	c := *st
	c.Members, c.IDs = slices.Clone(st.Members), slices.Clone(st.IDs)
	m.stories[st.ID] = &c
	newMembers := min(st.N-prevN, len(st.Members))
	for i, s := range st.Members[len(st.Members)-newMembers:] {
		m.observe(s)
		id := ""
		if j := len(st.IDs) - newMembers + i; j >= 0 && j < len(st.IDs) {
			id = st.IDs[j]
		}
		m.file(&c, id, s)
	}
	for _, id := range st.IDs {
		m.byID[id] = st.ID
	}
	m.expire()
}

// Remove drops the story with id.
func (m *MemoryIndex) Remove(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.drop(id)
}

// observe counts s among the articles seen.
func (m *MemoryIndex) observe(s Signature) {
	m.n++
	for e := range s.Entities {
		m.df[e]++
	}
	for _, t := range stems(s) {
		m.df[t]++
	}
	if s.At.After(m.newest) {
		m.newest = s.At
	}
}

// choose returns the story s joins, or nil; extra is added to the counts
// of s's own keys and to the articles seen (1 when s is not yet observed).
func (m *MemoryIndex) choose(s Signature, extra int) *Story {
	if s.NearDuplicateOf != "" {
		if st := m.stories[m.byID[s.NearDuplicateOf]]; st != nil {
			return st
		}
	}
	own := map[string]bool{}
	if extra > 0 {
		for _, k := range keys(s) {
			own[k] = true
		}
	}
	// Every candidate is scored with the same weights: each key's is
	// computed once.
	memo := map[string]float64{}
	rarity := func(key string) float64 {
		if w, ok := memo[key]; ok {
			return w
		}
		df := m.df[key]
		if own[key] {
			df += extra
		}
		w := math.Log(float64(m.n+extra+1) / float64(df+1))
		memo[key] = w
		return w
	}
	return Best(m.p, s, m.candidates(s), rarity)
}

// file records that article id (may be "") with signature s is in st.
func (m *MemoryIndex) file(st *Story, id string, s Signature) {
	if id != "" {
		m.byID[id] = st.ID
	}
	for _, k := range keys(s) {
		if m.posting[k] == nil {
			m.posting[k] = map[string]bool{}
		}
		m.posting[k][st.ID] = true
	}
}

// keys are the posting keys of a signature.
func keys(s Signature) []string {
	out := make([]string, 0, len(s.Entities)+len(s.Terms))
	for e := range s.Entities {
		out = append(out, e)
	}
	// Stems are keys as they are: lower-case letters and digits, they
	// meet no entity key (those hold a colon, or are a QID: "Q42").
	out = append(out, stems(s)...)
	return out
}

// candidates are the stories near s in time that share an entity or a
// stem with it.
func (m *MemoryIndex) candidates(s Signature) []*Story {
	var out []*Story
	seen := map[string]bool{}
	for _, k := range keys(s) {
		for sid := range m.posting[k] {
			if seen[sid] {
				continue
			}
			seen[sid] = true
			if st := m.stories[sid]; st != nil && st.Near(s, m.p) {
				out = append(out, st)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (m *MemoryIndex) expire() {
	if m.newest.IsZero() {
		return
	}
	for id, st := range m.stories {
		if !st.Last.IsZero() && st.Last.Before(m.newest.Add(-m.Retain)) {
			m.drop(id)
		}
	}
}

func (m *MemoryIndex) drop(id string) {
	st := m.stories[id]
	if st == nil {
		return
	}
	delete(m.stories, id)
	for _, a := range st.IDs {
		if m.byID[a] == id {
			delete(m.byID, a)
		}
	}
	for k, ids := range m.posting {
		delete(ids, id)
		if len(ids) == 0 {
			delete(m.posting, k)
		}
	}
}

// Best returns the candidate story s joins: the highest score at least
// p.MinScore (ties to the earlier listed), or nil.
func Best(p Params, s Signature, candidates []*Story, rarity Rarity) *Story {
	var best *Story
	bestScore := p.MinScore
	pr := newProbe(s, p, rarity)
	for _, st := range candidates {
		if sc := pr.score(st, p, rarity); sc >= bestScore && (best == nil || sc > bestScore) {
			best, bestScore = st, sc
		}
	}
	return best
}

// stems are the keyword, title and body stems of a signature, each once.
func stems(s Signature) []string {
	out := slices.Clone(s.Terms)
	for _, t := range slices.Concat(s.Title, s.Body) {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}
