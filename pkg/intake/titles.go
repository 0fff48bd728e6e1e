package intake

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// TitleAffixes learns, per source, the site names a source puts before or
// after its titles ("… | Example News", "Dnevnik - …"), as the enrich
// stage learns a source's boilerplate lines: a part between separators
// (|, -, –, —, », «, ·, •; not a colon, so "Brexit: …" stays) that
// starts or ends at least MinTitles of the source's titles, and at least
// a third of those seen with such a part, is removed from its titles.
//
// Without a store (NewTitleAffixes) what one process learns is its own.
// With one (NewTitleAffixesWith) each source's counts live in the store,
// shared by every replica and kept across restarts; the process keeps a
// copy, and a title it has counted before costs no round trip. Counts are
// bounded (64 parts per source), a title is counted once as long as it is
// among the last RecentTitles of its source, and at most MaxSources
// sources are held in memory. Safe for concurrent use.
type TitleAffixes struct {
	store TitleStore
	// OnError, when set, is told about store errors; the title is then
	// cleaned with what the process knows and its count is not kept.
	OnError func(error)
	// Now is the clock (time.Now when nil).
	Now func() time.Time

	mu      sync.Mutex
	sources map[string]*sourceAffixes
	// pauseUntil: after a store error, titles are cleaned with what the
	// process knows, without round trips, until then (titleStorePause).
	pauseUntil time.Time
}

// Bounds of TitleAffixes.
const (
	MinTitles      = 3
	MaxSources     = 4096
	maxAffixesKept = 64
	// RecentTitles is how many title hashes per source are kept to count
	// each title once (a redelivery, the same page submitted again).
	RecentTitles = 256
)

// TitleState is what is learned of one source: how many distinct titles
// with a separator were seen, how many of them start ("p:") or end ("s:")
// with each part (its letters), and the hashes of the last RecentTitles
// titles counted. It is what a TitleStore keeps.
type TitleState struct {
	Titles int            `json:"titles"`
	Counts map[string]int `json:"counts"`
	Recent []string       `json:"recent"`
}

// ErrTitleConflict is returned by TitleStore.Save when the stored state
// is no longer at the revision it was read at.
var ErrTitleConflict = errors.New("title state changed since it was read")

// TitleStore keeps TitleState per source outside the process, with
// optimistic concurrency (compare and set on a revision).
type TitleStore interface {
	// Load returns the state of source and its revision; revision 0 and
	// an empty state when there is none.
	Load(ctx context.Context, source string) (TitleState, uint64, error)
	// Save stores st as source's state if its revision is still rev (0:
	// if there is none) and returns the new revision; it fails with
	// ErrTitleConflict otherwise.
	Save(ctx context.Context, source string, st TitleState, rev uint64) (uint64, error)
}

// titleStoreTimeout bounds the round trips of one title.
const titleStoreTimeout = 2 * time.Second

// titleStorePause is how long the store is left alone after an error, so
// that a store that does not answer (or a missing permission) costs one
// titleStoreTimeout now and then, not one per article.
const titleStorePause = 30 * time.Second

type sourceAffixes struct {
	mu     sync.Mutex // held across the store's round trips for this source
	st     TitleState
	rev    uint64
	recent map[string]bool // st.Recent as a set
}

// NewTitleAffixes returns a learner that keeps what it learns in memory.
func NewTitleAffixes() *TitleAffixes {
	return &TitleAffixes{sources: map[string]*sourceAffixes{}}
}

// NewTitleAffixesWith returns a learner whose counts live in store.
func NewTitleAffixesWith(store TitleStore) *TitleAffixes {
	return &TitleAffixes{store: store, sources: map[string]*sourceAffixes{}}
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

func titleHash(title string) string {
	h := fnv.New64a()
	h.Write([]byte(title))
	return strconv.FormatUint(h.Sum64()&(1<<48-1), 36)
}

// source returns the in-memory entry of source, creating it.
func (l *TitleAffixes) source(source string) *sourceAffixes {
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
		s = &sourceAffixes{}
		s.set(TitleState{}, 0)
		l.sources[source] = s
	}
	return s
}

func (s *sourceAffixes) set(st TitleState, rev uint64) {
	if st.Counts == nil {
		st.Counts = map[string]int{}
	}
	s.st, s.rev = st, rev
	s.recent = make(map[string]bool, len(st.Recent))
	for _, h := range st.Recent {
		s.recent[h] = true
	}
}

// observe counts a title (by hash h, with its part keys) in st unless it
// is among the recent ones; it reports whether st changed.
func observe(st *TitleState, recent map[string]bool, h string, keys []string) bool {
	if recent[h] {
		return false
	}
	st.Recent = append(st.Recent, h)
	if len(st.Recent) > RecentTitles {
		st.Recent = slices.Clone(st.Recent[len(st.Recent)-RecentTitles:])
	}
	st.Titles++
	for _, k := range keys {
		if len(k) <= 2 {
			continue
		}
		if _, ok := st.Counts[k]; !ok && len(st.Counts) >= maxAffixesKept {
			for k2, c := range st.Counts {
				if c <= 1 {
					delete(st.Counts, k2)
				}
			}
			if len(st.Counts) >= maxAffixesKept {
				continue
			}
		}
		st.Counts[k]++
	}
	return true
}

func cloneState(st TitleState) TitleState {
	c := TitleState{Titles: st.Titles, Counts: make(map[string]int, len(st.Counts)+2), Recent: slices.Clone(st.Recent)}
	for k, v := range st.Counts {
		c.Counts[k] = v
	}
	return c
}

// Clean records title as one of source's and returns it without the
// parts learned so far (this title included). Store errors go to OnError;
// the title is then cleaned with what this process knows, and so are the
// titles of the next titleStorePause, without round trips.
func (l *TitleAffixes) Clean(source, title string) string {
	if l == nil || source == "" || title == "" {
		return title
	}
	prefix, suffix, ok := affixes(title)
	if !ok {
		return title
	}
	h := titleHash(title)
	keys := []string{"p:" + letters(prefix), "s:" + letters(suffix)}
	s := l.source(source)
	s.mu.Lock()
	defer s.mu.Unlock()
	if l.store == nil {
		observe(&s.st, s.recent, h, keys)
		s.recent[h] = true
	} else if !s.recent[h] && !l.paused() {
		ctx, cancel := context.WithTimeout(context.Background(), titleStoreTimeout)
		err := l.record(ctx, source, s, h, keys)
		cancel()
		if err != nil {
			l.mu.Lock()
			l.pauseUntil = l.now().Add(titleStorePause)
			l.mu.Unlock()
			if l.OnError != nil {
				l.OnError(err)
			}
		}
	}
	return stripLearned(title, s.st)
}

func (l *TitleAffixes) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func (l *TitleAffixes) paused() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.now().Before(l.pauseUntil)
}

// record counts the title in the store, from the state this process last
// saw (one round trip) or, when another replica changed it since, from
// the stored one.
func (l *TitleAffixes) record(ctx context.Context, source string, s *sourceAffixes, h string, keys []string) error {
	st, rev := s.st, s.rev
	loaded := false
	if rev == 0 {
		// Never read here: another replica or a former run may know it.
		var err error
		if st, rev, err = l.store.Load(ctx, source); err != nil {
			return fmt.Errorf("load title affixes of %s: %w", source, err)
		}
		loaded = true
	}
	for attempt := 0; attempt < 10; attempt++ {
		next := cloneState(st)
		recent := make(map[string]bool, len(next.Recent))
		for _, r := range next.Recent {
			recent[r] = true
		}
		if !observe(&next, recent, h, keys) {
			s.set(st, rev) // counted already, by another replica
			return nil
		}
		nrev, err := l.store.Save(ctx, source, next, rev)
		if err == nil {
			s.set(next, nrev)
			return nil
		}
		if !errors.Is(err, ErrTitleConflict) {
			if loaded {
				s.set(st, rev)
			}
			return fmt.Errorf("save title affixes of %s: %w", source, err)
		}
		// Another replica wrote in between: let it go on (a random
		// wait growing with the attempts, so racing replicas part).
		select {
		case <-time.After(time.Duration(rand.Int64N(int64(attempt+1) * int64(2*time.Millisecond)))):
		case <-ctx.Done():
			return fmt.Errorf("save title affixes of %s: %w", source, ctx.Err())
		}
		if st, rev, err = l.store.Load(ctx, source); err != nil {
			return fmt.Errorf("load title affixes of %s: %w", source, err)
		}
		loaded = true
	}
	s.set(st, rev)
	return fmt.Errorf("save title affixes of %s: %w (too many concurrent updates)", source, ErrTitleConflict)
}

// stripLearned removes from title the prefix and the suffix st has learned.
func stripLearned(title string, st TitleState) string {
	learned := func(k string) bool {
		c := st.Counts[k]
		return c >= MinTitles && 3*c >= st.Titles
	}
	_, suffix, _ := affixes(title)
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
