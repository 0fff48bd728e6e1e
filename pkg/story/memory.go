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

// MemoryIndex is an Index in memory, for one process and for measuring.
// Stories whose last article is older than Retain before the newest date
// seen are dropped.
type MemoryIndex struct {
	p      Params
	Retain time.Duration

	mu      sync.Mutex
	stories map[string]*Story
	byID    map[string]string
	// posting lists the stories whose members have an entity or term
	// ("t:" + term): only they can score above zero. Keys of members a
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

// Assign implements Index.
func (m *MemoryIndex) Assign(_ context.Context, id string, s Signature) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if prev, ok := m.byID[id]; ok {
		return prev, nil
	}
	m.n++
	for e := range s.Entities {
		m.df[e]++
	}
	for _, t := range stems(s) {
		m.df["t:"+t]++
	}
	if s.At.After(m.newest) {
		m.newest = s.At
	}
	var best *Story
	if s.NearDuplicateOf != "" {
		best = m.stories[m.byID[s.NearDuplicateOf]]
	}
	if best == nil {
		best = Best(m.p, s, m.candidates(s), m.rarity)
	}
	if best == nil {
		best = NewStory(id)
		m.stories[id] = best
	}
	best.Add(s)
	m.byID[id] = best.ID
	for _, k := range keys(s) {
		if m.posting[k] == nil {
			m.posting[k] = map[string]bool{}
		}
		m.posting[k][best.ID] = true
	}
	m.expire()
	return best.ID, nil
}

func (m *MemoryIndex) rarity(key string) float64 {
	return math.Log(float64(m.n+1) / float64(m.df[key]+1))
}

// keys are the posting keys of a signature.
func keys(s Signature) []string {
	out := make([]string, 0, len(s.Entities)+len(s.Terms))
	for e := range s.Entities {
		out = append(out, e)
	}
	for _, t := range stems(s) {
		out = append(out, "t:"+t)
	}
	return out
}

// candidates are the stories near s in time that share an entity or a
// term with it.
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
			delete(m.stories, id)
			for k, ids := range m.posting {
				delete(ids, id)
				if len(ids) == 0 {
					delete(m.posting, k)
				}
			}
		}
	}
}

// Best returns the candidate story s joins: the highest score at least
// p.MinScore (ties to the earlier listed), or nil.
func Best(p Params, s Signature, candidates []*Story, rarity Rarity) *Story {
	var best *Story
	bestScore := p.MinScore
	for _, st := range candidates {
		if sc := Score(st, s, p, rarity); sc >= bestScore && (best == nil || sc > bestScore) {
			best, bestScore = st, sc
		}
	}
	return best
}

// stems are the keyword and title stems of a signature, each once.
func stems(s Signature) []string {
	out := slices.Clone(s.Terms)
	for _, t := range slices.Concat(s.Title, s.Body) {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}
