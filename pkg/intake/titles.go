package intake

import (
	"strings"
	"sync"
)

// TitleAffixes learns, per source, the site names a source puts before or
// after its titles ("… | Example News", "Dnevnik - …"), as the enrich
// stage learns a source's boilerplate lines: a part between separators
// (|, -, –, —, », «, ·, •; not a colon, so "Brexit: …" stays) that
// starts or ends at least MinTitles of the source's titles, and at least
// a third of those seen with such a part, is removed from its titles.
// What one process learns is its own (each replica learns from the titles
// it sees); it is bounded (MaxSources sources, 64 parts each). Safe for
// concurrent use.
type TitleAffixes struct {
	mu      sync.Mutex
	sources map[string]*sourceAffixes
}

// Bounds of TitleAffixes.
const (
	MinTitles      = 3
	MaxSources     = 4096
	maxAffixesKept = 64
)

type sourceAffixes struct {
	titles int            // titles with a separator
	counts map[string]int // "p:"/"s:" + letters of the part
	seen   map[string]bool
}

// NewTitleAffixes returns an empty learner.
func NewTitleAffixes() *TitleAffixes {
	return &TitleAffixes{sources: map[string]*sourceAffixes{}}
}

// affixes returns the first and the last part of t between separators.
func affixes(t string) (prefix, suffix string, ok bool) {
	locs := titleSeparators.FindAllStringIndex(t, -1)
	if len(locs) == 0 {
		return "", "", false
	}
	for _, l := range locs {
		if strings.Contains(t[l[0]:l[1]], ":") {
			return "", "", false
		}
	}
	return t[:locs[0][0]], t[locs[len(locs)-1][1]:], true
}

// Clean records title as one of source's and returns it without the
// parts learned so far (this title included).
func (l *TitleAffixes) Clean(source, title string) string {
	if l == nil || source == "" || title == "" {
		return title
	}
	prefix, suffix, ok := affixes(title)
	if !ok {
		return title
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.sources[source]
	if s == nil {
		if len(l.sources) >= MaxSources {
			for k := range l.sources { // forget one at random
				delete(l.sources, k)
				break
			}
		}
		s = &sourceAffixes{counts: map[string]int{}, seen: map[string]bool{}}
		l.sources[source] = s
	}
	if !s.seen[title] && len(s.seen) < 10_000 {
		s.seen[title] = true
		s.titles++
		for _, k := range []string{"p:" + letters(prefix), "s:" + letters(suffix)} {
			if len(k) <= 2 {
				continue
			}
			if _, ok := s.counts[k]; !ok && len(s.counts) >= maxAffixesKept {
				for k2, c := range s.counts {
					if c <= 1 {
						delete(s.counts, k2)
					}
				}
				if len(s.counts) >= maxAffixesKept {
					continue
				}
			}
			s.counts[k]++
		}
	}
	learned := func(k string) bool {
		c := s.counts[k]
		return c >= MinTitles && 3*c >= s.titles
	}
	out := title
	if learned("s:" + letters(suffix)) {
		locs := titleSeparators.FindAllStringIndex(out, -1)
		out = strings.TrimSpace(out[:locs[len(locs)-1][0]])
	}
	if p, _, ok := affixes(out); ok && learned("p:"+letters(p)) {
		locs := titleSeparators.FindAllStringIndex(out, -1)
		out = strings.TrimSpace(out[locs[0][1]:])
	}
	if len(strings.Fields(out)) < 2 {
		return title // nothing of a headline left
	}
	return out
}
