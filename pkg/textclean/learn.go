package textclean

import (
	"context"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// MinArticles is how many different articles of one source must carry a
// line, verbatim, before it is boilerplate of that source.
const MinArticles = 3

// Learner remembers the short lines each source repeats across articles
// ("Украина и мир сегодня. Факты и расследования ...", a newsletter box):
// such a line is boilerplate of that source.
type Learner interface {
	// Observe records that article id of source carries lines and returns
	// those of them that are boilerplate of the source: carried by at least
	// MinArticles different articles, this one included. Observing the
	// same article again changes nothing.
	Observe(ctx context.Context, source, id string, lines []string) (map[string]bool, error)
}

// maxCandidate is the longest line, in bytes, that can be learned: longer
// lines are paragraphs, and a paragraph repeated across articles is a
// republished story, not boilerplate.
const maxCandidate = 200

// Candidates returns the distinct lines of body that a Learner may learn:
// trimmed, of two words or more and at most maxCandidate bytes.
func Candidates(body string) []string {
	var out []string
	for line := range strings.SplitSeq(body, "\n") {
		t := strings.TrimSpace(line)
		if len(t) > maxCandidate || utf8.RuneCountInString(t) < 8 || !strings.Contains(t, " ") {
			continue
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// LineKey is the key of a line of a source: the source (characters other
// than letters, digits, "-" and "_" as "_") and a 64-bit FNV-1a hash of the
// line, "<source>.<16 hex digits>". It is a valid key-value bucket key.
func LineKey(source, line string) string {
	h := fnv.New64a()
	h.Write([]byte(line))
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, source)
	if safe == "" {
		safe = "_"
	}
	return safe + "." + strconv.FormatUint(h.Sum64()|1<<63, 16)
}

// MemoryLearner is a Learner in process memory, for tests, tools and a
// single replica without shared state.
type MemoryLearner struct {
	mu   sync.Mutex
	seen map[string][]string // line key -> up to MinArticles article ids
}

// NewMemoryLearner returns an empty learner.
func NewMemoryLearner() *MemoryLearner {
	return &MemoryLearner{seen: map[string][]string{}}
}

// Observe implements Learner.
func (m *MemoryLearner) Observe(_ context.Context, source, id string, lines []string) (map[string]bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out map[string]bool
	for _, l := range lines {
		k := LineKey(source, l)
		ids := m.seen[k]
		if len(ids) < MinArticles && !slices.Contains(ids, id) {
			ids = append(ids, id)
			m.seen[k] = ids
		}
		if len(ids) >= MinArticles {
			if out == nil {
				out = map[string]bool{}
			}
			out[l] = true
		}
	}
	return out, nil
}
