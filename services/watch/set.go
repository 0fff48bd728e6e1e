package watch

import (
	"sort"
	"sync"
	"sync/atomic"

	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/analysis"
)

// compiled is a watch with its compiled query.
type compiled struct {
	w *Watch
	q *search.Compiled
	n int // its number in the table, for deduplicating candidates
}

// table is an immutable index of the watches: by name, and from each
// anchor to the watches it anchors (search.Compiled.Anchors: a term, or a
// key such as an entity id, an entity name, a source or a language), so
// that an article is matched only against the watches that share one of
// its anchors (its terms and keys, or a prefix of a term), plus those that
// have none (a negation alone).
type table struct {
	byName   map[string]*compiled
	anchored map[string][]*compiled
	// prefixed holds the prefix anchors (search.KeyPrefix), which are
	// tested on the article (Doc.HeldPrefixes, in the order of
	// prefixes), not looked up by its terms.
	prefixed map[string][]*compiled
	prefixes []string
	loose    []*compiled
}

// Set holds the compiled watches. Updates build a new table; Match reads
// the current one without locks, so edits apply from the next article.
type Set struct {
	an  *analysis.Set
	mu  sync.Mutex // serialises writers
	cur atomic.Pointer[table]
}

// NewSet returns an empty set analysing with an.
func NewSet(an *analysis.Set) *Set {
	s := &Set{an: an}
	s.cur.Store(&table{byName: map[string]*compiled{}, anchored: map[string][]*compiled{}, prefixed: map[string][]*compiled{}})
	return s
}

// Put compiles w and adds it, replacing the watch of the same name. The
// error is the watch's validation error; the set is then unchanged.
func (s *Set) Put(w *Watch) error {
	q, err := w.Validate(s.an)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.cur.Load()
	byName := make(map[string]*compiled, len(old.byName)+1)
	for k, v := range old.byName {
		byName[k] = v
	}
	byName[w.Name] = &compiled{w: w, q: q}
	s.cur.Store(build(byName))
	return nil
}

// PutAll compiles ws and adds those that validate, with one rebuild of
// the table (loading n watches one by one would rebuild it n times). It
// returns the errors of the others, by name.
func (s *Set) PutAll(ws []*Watch) map[string]error {
	errs := map[string]error{}
	cs := make([]*compiled, 0, len(ws))
	for _, w := range ws {
		q, err := w.Validate(s.an)
		if err != nil {
			errs[w.Name] = err
			continue
		}
		cs = append(cs, &compiled{w: w, q: q})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.cur.Load()
	byName := make(map[string]*compiled, len(old.byName)+len(cs))
	for k, v := range old.byName {
		byName[k] = v
	}
	for _, c := range cs {
		byName[c.w.Name] = c
	}
	s.cur.Store(build(byName))
	return errs
}

// Apply puts ws and removes the watches named in removed, with one
// rebuild of the table. A watch of ws that does not validate is removed
// too (the set never keeps an older version of a watch the bucket
// replaced), and its error returned by name.
func (s *Set) Apply(ws []*Watch, removed []string) map[string]error {
	errs := map[string]error{}
	cs := make([]*compiled, 0, len(ws))
	for _, w := range ws {
		q, err := w.Validate(s.an)
		if err != nil {
			errs[w.Name] = err
			removed = append(removed, w.Name)
			continue
		}
		cs = append(cs, &compiled{w: w, q: q})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.cur.Load()
	byName := make(map[string]*compiled, len(old.byName)+len(cs))
	for k, v := range old.byName {
		byName[k] = v
	}
	for _, n := range removed {
		delete(byName, n)
	}
	for _, c := range cs {
		byName[c.w.Name] = c
	}
	s.cur.Store(build(byName))
	return errs
}

// Remove drops the watch name.
func (s *Set) Remove(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.cur.Load()
	if _, ok := old.byName[name]; !ok {
		return
	}
	byName := make(map[string]*compiled, len(old.byName))
	for k, v := range old.byName {
		if k != name {
			byName[k] = v
		}
	}
	s.cur.Store(build(byName))
}

func build(byName map[string]*compiled) *table {
	t := &table{byName: byName, anchored: map[string][]*compiled{}, prefixed: map[string][]*compiled{}}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		c := &compiled{w: byName[n].w, q: byName[n].q, n: i}
		byName[n] = c
		as := c.q.Anchors()
		if as == nil {
			t.loose = append(t.loose, c)
			continue
		}
		seen := map[string]bool{}
		for _, a := range as {
			switch {
			case seen[a]:
			case search.IsPrefixAnchor(a):
				t.prefixed[a] = append(t.prefixed[a], c)
			default:
				t.anchored[a] = append(t.anchored[a], c)
			}
			seen[a] = true
		}
	}
	for p := range t.prefixed {
		t.prefixes = append(t.prefixes, p)
	}
	sort.Strings(t.prefixes)
	return t
}

// Get returns the watch name as the set has it.
func (s *Set) Get(name string) (*Watch, bool) {
	c, ok := s.cur.Load().byName[name]
	if !ok {
		return nil, false
	}
	return c.w, true
}

// Names returns the names of the watches.
func (s *Set) Names() []string {
	t := s.cur.Load()
	out := make([]string, 0, len(t.byName))
	for n := range t.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Len is the number of watches.
func (s *Set) Len() int { return len(s.cur.Load().byName) }

// Match returns the watches d matches, with their compiled queries, by
// name.
func (s *Set) Match(d *search.Doc) []Matched {
	out, _ := s.match(d)
	return out
}

// match returns the matches and the number of watches tried.
func (s *Set) match(d *search.Doc) ([]Matched, int) {
	t := s.cur.Load()
	seen := make([]bool, len(t.byName))
	var out []Matched
	tried := 0
	try := func(c *compiled) {
		if seen[c.n] {
			return
		}
		seen[c.n] = true
		tried++
		if c.q.Match(d) {
			out = append(out, Matched{Watch: c.w, Query: c.q})
		}
	}
	// Walk whichever is smaller: the article's anchors or the watches'.
	if terms, keys := d.Terms(), d.Keys(); len(terms)+len(keys) < len(t.anchored) {
		for _, as := range [][]string{terms, keys} {
			for _, a := range as {
				for _, c := range t.anchored[a] {
					try(c)
				}
			}
		}
	} else {
		for a, cs := range t.anchored {
			if d.HasAnchor(a) {
				for _, c := range cs {
					try(c)
				}
			}
		}
	}
	d.HeldPrefixes(t.prefixes, func(i int) {
		for _, c := range t.prefixed[t.prefixes[i]] {
			try(c)
		}
	})
	for _, c := range t.loose {
		try(c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Watch.Name < out[j].Watch.Name })
	return out, tried
}

// Matched is a watch an article matched.
type Matched struct {
	Watch *Watch
	Query *search.Compiled
}
