package story

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestChooseIsBest checks that the index's choice on numbered keys is
// Best's on the signatures, with the same weights, for Assign (the
// article counted) and Choose (not yet counted), over a made-up stream
// whose articles share many keys, with the default parameters and with
// keywords weighed, two-member linkage and no minimum score.
func TestChooseIsBest(t *testing.T) {
	params := []Params{
		DefaultParams(),
		{Window: 48 * time.Hour, MinScore: 0.1, TermWeight: 0.3, TitleWeight: 0.2, BodyWeight: 0.5, Link: 2},
		{Window: 24 * time.Hour, MaxSpan: 36 * time.Hour, MinScore: 0, TermWeight: 0.5, Link: 3},
	}
	for pi, p := range params {
		r := rand.New(rand.NewPCG(uint64(pi), 7))
		pick := func(prefix string, vocab, n int) []string {
			var out []string
			for len(out) < n {
				k := fmt.Sprintf("%s%d", prefix, r.IntN(vocab))
				if !contains(out, k) {
					out = append(out, k)
				}
			}
			return out
		}
		m := NewMemoryIndex(p)
		m.Retain = 72 * time.Hour
		start := day(1)
		joined := 0
		for i := range 600 {
			s := Signature{Entities: map[string]int{}, At: start.Add(time.Duration(i) * 20 * time.Minute)}
			for _, e := range pick("Q", 300, 1+r.IntN(5)) {
				s.Entities[e] = 1 + r.IntN(3)
			}
			s.Terms = pick("t", 600, r.IntN(6))
			s.Title = pick("h", 800, 2+r.IntN(6))
			s.Body = pick("b", 1200, 5+r.IntN(20))
			id := fmt.Sprintf("a%d", i)
			ref := func(extra int) Rarity {
				own := map[string]bool{}
				if extra > 0 {
					for _, k := range keys(s) {
						own[k] = true
					}
				}
				return func(k string) float64 {
					df := 0
					if n, ok := m.ids[k]; ok {
						df = m.df[n]
					}
					if own[k] {
						df += extra
					}
					return math.Log(float64(m.n+extra+1) / float64(df+1))
				}
			}
			want := Best(p, s, m.candidates(s), ref(1))
			if sid, _ := m.Choose(id, s); sid != storyID(want) {
				t.Fatalf("params %d, article %d: Choose %q, Best %q", pi, i, sid, storyID(want))
			}
			m.observe(s)
			want = Best(p, s, m.candidates(s), ref(0))
			got := m.choose(s, 0)
			if storyID(got) != storyID(want) {
				t.Fatalf("params %d, article %d: choose %q, Best %q", pi, i, storyID(got), storyID(want))
			}
			if got == nil {
				got = NewStory(id)
				m.stories[id] = got
			} else {
				joined++
			}
			got.Add(id, s)
			m.added(got, s)
			m.file(got, id, s)
			m.expire()
			if len(m.members[got.ID]) != len(got.Members) {
				t.Fatalf("story %s: %d numbered members, %d members", got.ID, len(m.members[got.ID]), len(got.Members))
			}
		}
		// Expiry dropped stories: none of them may stay posted.
		if started := 600 - joined; len(m.stories) >= started {
			t.Errorf("params %d: %d stories kept of %d started: none expired", pi, len(m.stories), started)
		}
		for k, ids := range m.posting {
			if len(ids) == 0 {
				t.Errorf("params %d: key %s posts no story", pi, k)
			}
			for id := range ids {
				if m.stories[id] == nil {
					t.Errorf("params %d: key %s posts dropped story %s", pi, k, id)
				}
			}
		}
		// Without a minimum score nearly every article joins.
		if joined < 100 || p.MinScore > 0 && joined > 550 {
			t.Errorf("params %d: %d of 600 joined a story: the stream does not exercise the choice", pi, joined)
		}
		t.Logf("params %d: %d of 600 joined a story", pi, joined)
	}
}

func storyID(st *Story) string {
	if st == nil {
		return ""
	}
	return st.ID
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
