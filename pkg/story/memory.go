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
	// members holds, per story, its kept members' keys as numbers
	// (kept in step with the story's Members): what choose compares.
	members map[string][]member
	byID    map[string]string
	// posting lists the stories whose members have an entity or stem
	// (keys): only they can score above zero. Keys of members a
	// story no longer keeps (beyond MaxMembers) stay listed until the
	// story expires: a superset, checked against stories.
	posting map[string]map[string]bool
	// filed lists, per story, the keys posting lists it under: what
	// dropping it deletes.
	filed  map[string][]string
	n      int
	newest time.Time

	// Every key (entity or stem) seen gets a number: ids maps a key to
	// it, and df (the articles seen with the key) is indexed by it.
	ids map[string]int32
	df  []int
	// The state of one choose, indexed by key number and valid where
	// gen holds the call's number: the key's weight (when flags has
	// weighed) and which sets of the article's keys hold it.
	gen    []uint32
	flags  []uint8
	weight []float64
	call   uint32
	seen   map[string]bool
	scores []float64
}

// member is a member's signature with its keys numbered, in the order
// Similarity reads them.
type member struct {
	ents, terms, title, body []int32
}

// The flags of a key within one choose.
const (
	weighed uint8 = 1 << iota
	own
	inEnt
	inTerms
	inTitle
	inBody
)

// NewMemoryIndex returns an empty index with parameters p.
func NewMemoryIndex(p Params) *MemoryIndex {
	return &MemoryIndex{p: p, Retain: 7 * 24 * time.Hour, stories: map[string]*Story{}, members: map[string][]member{}, byID: map[string]string{}, posting: map[string]map[string]bool{}, filed: map[string][]string{}, ids: map[string]int32{}, seen: map[string]bool{}}
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
	m.added(best, s)
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
	ms := make([]member, len(c.Members))
	for i, s := range c.Members {
		ms[i] = m.compile(s)
	}
	m.members[st.ID] = ms
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
		m.df[m.key(e)]++
	}
	for _, t := range stems(s) {
		m.df[m.key(t)]++
	}
	if s.At.After(m.newest) {
		m.newest = s.At
	}
}

// choose returns the story s joins, or nil; extra is added to the counts
// of s's own keys and to the articles seen (1 when s is not yet observed).
// It is Best with the weights of the index (each key's computed once per
// call), on the members' numbered keys: the same sums in the same order.
func (m *MemoryIndex) choose(s Signature, extra int) *Story {
	if s.NearDuplicateOf != "" {
		if st := m.stories[m.byID[s.NearDuplicateOf]]; st != nil {
			return st
		}
	}
	cands := m.candidates(s)
	if len(cands) == 0 {
		return nil
	}
	m.call++
	if m.call == 0 { // wrapped: forget every earlier call
		clear(m.gen)
		m.call = 1
	}
	if extra > 0 {
		for _, k := range keys(s) {
			m.mark(m.key(k), own)
		}
	}
	// The probe: s's keys weighed and put in their sets (newProbe).
	var entSum float64
	for e := range s.Entities {
		id := m.key(e)
		entSum += m.rarity(id, extra)
		m.mark(id, inEnt)
	}
	set := func(weight float64, stems []string, in uint8) (bool, float64) {
		if weight <= 0 || len(stems) == 0 {
			return false, 0
		}
		sum := 0.0
		for _, t := range stems {
			id := m.key(t)
			sum += m.rarity(id, extra)
			m.mark(id, in)
		}
		return true, sum
	}
	hasTerms, termSum := set(m.p.TermWeight, s.Terms, inTerms)
	hasTitle, titleSum := set(m.p.TitleWeight, s.Title, inTitle)
	hasBody, bodySum := set(m.p.BodyWeight, s.Body, inBody)
	overlap := func(a []int32, has bool, sumB float64, in uint8) float64 {
		if len(a) == 0 || !has {
			return 0
		}
		var shared, wa float64
		for _, k := range a {
			w := m.rarity(k, extra)
			wa += w
			if m.flags[k]&in != 0 {
				shared += w
			}
		}
		if n := min(wa, sumB); n > 0 {
			return shared / n
		}
		return 0
	}
	// similarity is probe.similarity.
	similarity := func(a member) float64 {
		var wa, inter float64
		for _, k := range a.ents {
			w := m.rarity(k, extra)
			wa += w
			if m.flags[k]&inEnt != 0 {
				inter += w
			}
		}
		score := 0.0
		if union := wa + entSum - inter; union > 0 {
			score = inter / union
		}
		score += m.p.TermWeight * overlap(a.terms, hasTerms, termSum, inTerms)
		score += m.p.TitleWeight * overlap(a.title, hasTitle, titleSum, inTitle)
		score += m.p.BodyWeight * overlap(a.body, hasBody, bodySum, inBody)
		return score
	}
	// score is probe.score; Best's choice.
	k := max(m.p.Link, 1)
	var best *Story
	bestScore := m.p.MinScore
	for _, st := range cands {
		top := m.scores[:0]
		for _, a := range m.members[st.ID] {
			top = append(top, similarity(a))
		}
		m.scores = top
		sum := 0.0
		if k == 1 {
			// The first of them sorted in decreasing order: the
			// greatest (no weight is NaN).
			if len(top) > 0 {
				hi := top[0]
				for _, v := range top[1:] {
					if v > hi {
						hi = v
					}
				}
				sum += hi
			}
		} else {
			sort.Sort(sort.Reverse(sort.Float64Slice(top)))
			for i := 0; i < k && i < len(top); i++ {
				sum += top[i]
			}
		}
		sc := sum / float64(min(k, max(len(top), 1)))
		if sc >= bestScore && (best == nil || sc > bestScore) {
			best, bestScore = st, sc
		}
	}
	return best
}

// key returns the number of key k, giving it one if it has none.
func (m *MemoryIndex) key(k string) int32 {
	if id, ok := m.ids[k]; ok {
		return id
	}
	id := int32(len(m.df))
	m.ids[k] = id
	m.df = append(m.df, 0)
	m.gen = append(m.gen, 0)
	m.flags = append(m.flags, 0)
	m.weight = append(m.weight, 0)
	return id
}

// mark sets flags f of key id in the current choose.
func (m *MemoryIndex) mark(id int32, f uint8) {
	if m.gen[id] != m.call {
		m.gen[id], m.flags[id] = m.call, 0
	}
	m.flags[id] |= f
}

// rarity is the weight of key id in the current choose, computed once.
func (m *MemoryIndex) rarity(id int32, extra int) float64 {
	if m.gen[id] == m.call {
		if m.flags[id]&weighed != 0 {
			return m.weight[id]
		}
	} else {
		m.gen[id], m.flags[id] = m.call, 0
	}
	df := m.df[id]
	if m.flags[id]&own != 0 {
		df += extra
	}
	w := math.Log(float64(m.n+extra+1) / float64(df+1))
	m.weight[id] = w
	m.flags[id] |= weighed
	return w
}

// compile numbers the keys of a member's signature s.
func (m *MemoryIndex) compile(s Signature) member {
	buf := make([]int32, 0, len(s.Entities)+len(s.Terms)+len(s.Title)+len(s.Body))
	add := func(ks []string) []int32 {
		start := len(buf)
		for _, k := range ks {
			buf = append(buf, m.key(k))
		}
		return buf[start:len(buf):len(buf)]
	}
	start := len(buf)
	for e := range s.Entities {
		buf = append(buf, m.key(e))
	}
	var c member
	c.ents = buf[start:len(buf):len(buf)]
	c.terms = add(s.Terms)
	c.title = add(s.Title)
	c.body = add(s.Body)
	return c
}

// added numbers the keys of s, just added to st's members.
func (m *MemoryIndex) added(st *Story, s Signature) {
	ms := append(m.members[st.ID], m.compile(s))
	if len(ms) > len(st.Members) {
		ms = ms[len(ms)-len(st.Members):]
	}
	m.members[st.ID] = ms
}

// file records that article id (may be "") with signature s is in st.
func (m *MemoryIndex) file(st *Story, id string, s Signature) {
	if id != "" {
		m.byID[id] = st.ID
	}
	for _, k := range keys(s) {
		ids := m.posting[k]
		if ids == nil {
			ids = map[string]bool{}
			m.posting[k] = ids
		}
		if !ids[st.ID] {
			ids[st.ID] = true
			m.filed[st.ID] = append(m.filed[st.ID], k)
		}
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
	seen := m.seen
	clear(seen)
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
	delete(m.members, id)
	for _, a := range st.IDs {
		if m.byID[a] == id {
			delete(m.byID, a)
		}
	}
	for _, k := range m.filed[id] {
		ids := m.posting[k]
		delete(ids, id)
		if len(ids) == 0 {
			delete(m.posting, k)
		}
	}
	delete(m.filed, id)
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
