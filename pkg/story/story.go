// Package story groups articles about the same event, from any source and
// in any language, into stories: an article joins the recent story whose
// entities (by id, the same in every language) and word stems it shares most,
// weighted by how rare each is among recent articles, within a time
// window; a near-duplicate joins its original's story. Signatures are
// pure functions of an article; an Index holds the recent stories.
package story

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
)

// Limits of a signature.
const (
	MaxEntities = 12
	MaxTerms    = 20
	MaxBody     = 30
)

// Signature is what the story step compares: an article's entity ids with
// their mention counts, the stems (Stem) of its keywords, title and most
// frequent body words, its date and the article it is a near-duplicate of.
type Signature struct {
	Entities map[string]int `json:"e,omitempty"`
	Terms    []string       `json:"t,omitempty"`
	// Title holds the stems of the title's words (Stem).
	Title []string `json:"h,omitempty"`
	// Body holds the most frequent stems of the body's longer words.
	Body []string `json:"b,omitempty"`
	// At is published_at, else ingested_at; zero when neither is known
	// (or before 1971: a placeholder date).
	At time.Time `json:"at"`
	// NearDuplicateOf is the article's near_duplicate_of.
	NearDuplicateOf string `json:"nd,omitempty"`
}

// Sign returns the signature of an enriched article.
func Sign(a *article.Article) Signature {
	s := Signature{Entities: map[string]int{}, NearDuplicateOf: a.NearDuplicateOf}
	ents := append([]article.Entity(nil), a.Entities...)
	sort.SliceStable(ents, func(i, j int) bool { return ents[i].Count > ents[j].Count })
	for _, e := range ents {
		key := e.ID
		if key == "" {
			key = "name:" + strings.ToLower(strings.TrimSpace(e.Text))
		}
		if len(s.Entities) >= MaxEntities {
			break
		}
		s.Entities[key] += max(e.Count, 1)
	}
	seen := map[string]bool{}
	add := func(text string) {
		for _, w := range words(text, 4) {
			if st := Stem(w); st != "" && !seen[st] && len(s.Terms) < MaxTerms {
				seen[st] = true
				s.Terms = append(s.Terms, st)
			}
		}
	}
	for _, k := range a.Keywords {
		add(k.Term)
	}
	for _, w := range words(a.Title, 4) {
		if st := Stem(w); st != "" && !slices.Contains(s.Title, st) {
			s.Title = append(s.Title, st)
		}
	}
	s.Body = topStems(a.CleanBody, MaxBody)
	// No date, or a 1970 placeholder (a zero Unix time): the time it
	// arrived stands in, so that it joins the stories of its days rather
	// than any story at all (an unknown date is near every story).
	at := a.PublishedAt
	if at.Year() <= 1970 {
		at = a.IngestedAt
	}
	if at.Year() > 1970 {
		s.At = at.UTC()
	}
	return s
}

// Params tune the grouping.
type Params struct {
	// Window is how far an article's date may be from a story's dates
	// (first to last article) for it to join.
	Window time.Duration
	// MinScore is the least score that joins a story.
	MinScore float64
	// TermWeight weighs shared keywords against shared entities.
	TermWeight float64
	// TitleWeight weighs shared title words against shared entities.
	TitleWeight float64
	// BodyWeight weighs the shared frequent words of the bodies.
	BodyWeight float64
	// Link is how many of a story's most similar members are averaged
	// to score an article against it (1: single link).
	Link int
	// MaxSpan, when not zero, closes a story to articles dated more than
	// this after its first.
	MaxSpan time.Duration
}

// DefaultParams are the tuned parameters (docs/quality.md, "Stories").
func DefaultParams() Params {
	return Params{Window: 48 * time.Hour, MaxSpan: 48 * time.Hour, MinScore: 0.2, TitleWeight: 0.2, BodyWeight: 0.6, Link: 1}
}

// MaxMembers bounds the member signatures a story keeps (the latest);
// MaxIDs the member article ids (the latest), by which a near-duplicate
// finds its original's story and a redelivered article its own.
const (
	MaxMembers = 24
	MaxIDs     = 256
)

// Story is the state of one story an Index keeps: the signatures and ids
// of its latest members and its dates.
type Story struct {
	ID      string      `json:"id"`
	Members []Signature `json:"m"`
	IDs     []string    `json:"ids,omitempty"`
	N       int         `json:"n"`
	First   time.Time   `json:"first"`
	Last    time.Time   `json:"last"`
}

// NewStory starts a story with id.
func NewStory(id string) *Story { return &Story{ID: id} }

// Add adds article id with signature s to the story.
func (st *Story) Add(id string, s Signature) {
	st.Members = append(st.Members, s)
	if len(st.Members) > MaxMembers {
		st.Members = st.Members[len(st.Members)-MaxMembers:]
	}
	st.IDs = append(st.IDs, id)
	if len(st.IDs) > MaxIDs {
		st.IDs = st.IDs[len(st.IDs)-MaxIDs:]
	}
	st.N++
	if !s.At.IsZero() {
		if st.First.IsZero() || s.At.Before(st.First) {
			st.First = s.At
		}
		if s.At.After(st.Last) {
			st.Last = s.At
		}
	}
}

// Near reports whether s is within the window of the story's dates (and
// within p.MaxSpan of its first); an unknown date on either side is near.
func (st *Story) Near(s Signature, p Params) bool {
	if s.At.IsZero() || st.Last.IsZero() {
		return true
	}
	if p.MaxSpan > 0 && s.At.After(st.First.Add(p.MaxSpan)) {
		return false
	}
	return !s.At.Before(st.First.Add(-p.Window)) && !s.At.After(st.Last.Add(p.Window))
}

// Rarity gives the weight of an entity key or a stem (keys do not meet:
// see MemoryIndex): higher for the rarer among recent articles.
type Rarity func(key string) float64

// Similarity compares two signatures: the weighted Jaccard of their
// entities (each weighted by rarity), plus TermWeight, TitleWeight and
// BodyWeight times the rarity-weighted share of the keyword, title and
// body stems they have in common (of the lighter side). Dates are not
// compared here (see Story.Near).
func Similarity(a, b Signature, p Params, rarity Rarity) float64 {
	return newProbe(b, p, rarity).similarity(a, p, rarity)
}

// Score compares an article's signature with a story: the mean of its
// similarities to the story's p.Link most similar members (fewer members
// count as zeros).
func Score(st *Story, s Signature, p Params, rarity Rarity) float64 {
	return newProbe(s, p, rarity).score(st, p, rarity)
}

// probe is an article's signature ready to be compared with many: the
// weight of each of its keys computed once, its keys in sets.
type probe struct {
	ent                map[string]float64
	terms, title, body map[string]float64
	entSum             float64
	termSum, titleSum  float64
	bodySum            float64
}

func newProbe(s Signature, p Params, rarity Rarity) *probe {
	pr := &probe{ent: make(map[string]float64, len(s.Entities))}
	for e := range s.Entities {
		w := rarity(e)
		pr.ent[e] = w
		pr.entSum += w
	}
	set := func(weight float64, stems []string) (map[string]float64, float64) {
		if weight <= 0 || len(stems) == 0 {
			return nil, 0
		}
		m, sum := make(map[string]float64, len(stems)), 0.0
		for _, t := range stems {
			w := rarity(t)
			m[t] = w
			sum += w
		}
		return m, sum
	}
	pr.terms, pr.termSum = set(p.TermWeight, s.Terms)
	pr.title, pr.titleSum = set(p.TitleWeight, s.Title)
	pr.body, pr.bodySum = set(p.BodyWeight, s.Body)
	return pr
}

// similarity is Similarity(a, the probe's signature).
func (pr *probe) similarity(a Signature, p Params, rarity Rarity) float64 {
	var wa, inter float64
	for e := range a.Entities {
		w := rarity(e)
		wa += w
		if _, ok := pr.ent[e]; ok {
			inter += w
		}
	}
	score := 0.0
	if union := wa + pr.entSum - inter; union > 0 {
		score = inter / union
	}
	score += p.TermWeight * overlap(a.Terms, pr.terms, pr.termSum, rarity)
	score += p.TitleWeight * overlap(a.Title, pr.title, pr.titleSum, rarity)
	score += p.BodyWeight * overlap(a.Body, pr.body, pr.bodySum, rarity)
	return score
}

// score is Score(st, the probe's signature).
func (pr *probe) score(st *Story, p Params, rarity Rarity) float64 {
	k := max(p.Link, 1)
	top := make([]float64, 0, len(st.Members))
	for _, m := range st.Members {
		top = append(top, pr.similarity(m, p, rarity))
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(top)))
	sum := 0.0
	for i := 0; i < k && i < len(top); i++ {
		sum += top[i]
	}
	return sum / float64(min(k, max(len(top), 1)))
}

// overlap is the rarity-weighted share of the stems of a that are in b
// (their weights summing to sumB), of the lighter of the two.
func overlap(a []string, b map[string]float64, sumB float64, rarity Rarity) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	var shared, wa float64
	for _, t := range a {
		w := rarity(t)
		wa += w
		if _, ok := b[t]; ok {
			shared += w
		}
	}
	if n := min(wa, sumB); n > 0 {
		return shared / n
	}
	return 0
}
