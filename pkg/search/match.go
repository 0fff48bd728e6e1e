package search

import (
	"html"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/search/analysis"
)

// Doc is one article analysed for matching in memory (Compiled.Match),
// the way both backends index it (AnalyzeArticle).
type Doc struct {
	Article *article.Article
	title   fieldTerms
	body    fieldTerms
	// entity holds the terms of every entity name; a position is the
	// entity's index times entityStride plus the word's position, so that
	// a phrase never spans two names.
	entity                  fieldTerms
	names, types, entityIDs map[string]bool
	terms                   []string // distinct terms of title, body and entities
	keys                    []string // the article's Key values
	keySet                  map[string]bool
	// The fields' terms sorted, for prefixes: made on first use (most
	// articles meet no prefix query).
	sortOnce                sync.Once
	sortedTitle, sortedBody []string
	sortedEntity            []string
	bodyText                string
	bodyTokens              []analysis.Token
}

const entityStride = 1 << 20

// fieldTerms maps a term to its positions in one field.
type fieldTerms map[string][]int

func (f fieldTerms) add(ts []analysis.Token, base int) {
	for _, t := range ts {
		f[t.Term] = append(f[t.Term], base+t.Pos)
	}
}

func sortedKeys(f fieldTerms) []string {
	out := make([]string, 0, len(f))
	for k := range f {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// NewDoc analyses a with set for matching.
func NewDoc(set *analysis.Set, a *article.Article) *Doc {
	at := AnalyzeArticle(set, a)
	d := &Doc{Article: a, title: fieldTerms{}, body: fieldTerms{}, entity: fieldTerms{},
		names: map[string]bool{}, types: map[string]bool{}, entityIDs: map[string]bool{}}
	d.title.add(at.Title, 0)
	d.body.add(at.Body, 0)
	d.bodyTokens = at.Body
	d.bodyText = a.CleanBody
	if d.bodyText == "" {
		d.bodyText = a.Body
	}
	for i, e := range at.Entities {
		d.entity.add(e, i*entityStride)
	}
	for _, n := range at.EntityNames {
		d.names[n] = true
	}
	for _, t := range at.EntityTypes {
		d.types[t] = true
	}
	for _, id := range at.EntityIDs {
		d.entityIDs[id] = true
	}
	d.terms = make([]string, 0, len(d.body)+len(d.title))
	for k := range d.body {
		d.terms = append(d.terms, k)
	}
	for k := range d.title {
		if _, ok := d.body[k]; !ok {
			d.terms = append(d.terms, k)
		}
	}
	for k := range d.entity {
		_, inBody := d.body[k]
		_, inTitle := d.title[k]
		if !inBody && !inTitle {
			d.terms = append(d.terms, k)
		}
	}
	d.keySet = map[string]bool{Key(KeyLang, a.Lang): true, Key(KeySource, a.Source): true, Key(KeyID, a.ID): true, Key(KeyStory, a.StoryID): true}
	for n := range d.names {
		d.keySet[Key(KeyEntity, n)] = true
	}
	for id := range d.entityIDs {
		d.keySet[Key(KeyEntityID, id)] = true
	}
	for t := range d.types {
		d.keySet[Key(KeyType, t)] = true
	}
	d.keys = make([]string, 0, len(d.keySet))
	for k := range d.keySet {
		d.keys = append(d.keys, k)
	}
	return d
}

// Kinds of the anchors that are not terms (Key): the value of a field or
// filter that the query compares for equality.
const (
	KeyLang     = "lang"
	KeySource   = "source"
	KeyID       = "id"
	KeyStory    = "story_id"
	KeyEntity   = "entity_name" // the Entities filter: a whole entity name
	KeyEntityID = "entity_id"
	KeyType     = "type"
	// KeyPrefix anchors a prefix query (word*): the article holds a term
	// that starts with the value. Doc.Keys does not list these.
	KeyPrefix = "prefix"
)

var prefixKey = Key(KeyPrefix, "")

// IsPrefixAnchor reports whether anchor is a KeyPrefix anchor, which an
// index must test with Doc.HasAnchor rather than look up by Doc.Keys.
func IsPrefixAnchor(anchor string) bool { return strings.HasPrefix(anchor, prefixKey) }

// Key is the anchor of an article whose field kind equals value. It
// starts with a zero byte, which no term holds.
func Key(kind, value string) string { return "\x00" + kind + "=" + value }

// keyCost is how many articles an anchor lets through, roughly, relative
// to a term: a conjunction is anchored by its cheapest clause.
func keyCost(anchor string) int {
	if !strings.HasPrefix(anchor, "\x00") {
		return 1
	}
	switch kind, _, _ := strings.Cut(anchor[1:], "="); kind {
	case KeyLang, KeyType:
		return 50
	case KeySource:
		return 10
	case KeyPrefix:
		return 5
	}
	return 1
}

func anchorsCost(as []string) int {
	n := 0
	for _, a := range as {
		n += keyCost(a)
	}
	return n
}

// HeldPrefixes calls held(i) once for each i such that the article holds
// (Doc.HasAnchor) the prefix anchor anchors[i] (KeyPrefix). anchors must
// be sorted. It costs a binary search in the anchors per distinct term of
// the article, without sorting the article's terms: the anchors that are
// a prefix of a term are the last anchor not after it, or one of that
// anchor's own prefixes among the anchors (each anchor's parent is the
// longest other anchor it starts with).
func (d *Doc) HeldPrefixes(anchors []string, held func(i int)) {
	if len(anchors) == 0 {
		return
	}
	ps := make([]string, len(anchors))
	parent := make([]int32, len(anchors))
	done := make([]bool, len(anchors))
	// The anchors that are prefixes of the previous one, longest on top:
	// in sorted order every anchor between a prefix q of p and p starts
	// with q, so q is still on the stack when p comes.
	var stack []int32
	for i, a := range anchors {
		p := strings.TrimPrefix(a, prefixKey)
		ps[i] = p
		for len(stack) > 0 && !strings.HasPrefix(p, ps[stack[len(stack)-1]]) {
			stack = stack[:len(stack)-1]
		}
		parent[i] = -1
		if len(stack) > 0 {
			parent[i] = stack[len(stack)-1]
		}
		stack = append(stack, int32(i))
	}
	for _, t := range d.terms {
		// The last anchor not after t: a prefix of t is not after t, and
		// every anchor between it and t starts with it.
		k := int32(sort.Search(len(ps), func(i int) bool { return ps[i] > t }) - 1)
		for k >= 0 && !strings.HasPrefix(t, ps[k]) {
			k = parent[k]
		}
		for ; k >= 0 && !done[k]; k = parent[k] {
			done[k] = true
			held(int(k))
		}
	}
}

// sort makes the sorted term lists, once.
func (d *Doc) sort() {
	d.sortOnce.Do(func() {
		d.sortedTitle, d.sortedBody, d.sortedEntity = sortedKeys(d.title), sortedKeys(d.body), sortedKeys(d.entity)
	})
}

// Terms returns the distinct terms of the article's title, body and
// entity names, in no order.
func (d *Doc) Terms() []string { return d.terms }

// Keys returns the article's keys (Key): its language, source, id, story,
// entity names, entity ids and entity types. With its Terms they are the
// anchors it holds: a query matches the article only if the article holds
// one of the query's Anchors (when it has any). Prefix anchors
// (KeyPrefix) are not listed: HasAnchor answers them.
func (d *Doc) Keys() []string { return d.keys }

// HasAnchor reports whether the article holds anchor: a term, a Key, or
// a term of its title, body or entity names starting with a KeyPrefix's
// value.
func (d *Doc) HasAnchor(anchor string) bool {
	if !strings.HasPrefix(anchor, "\x00") {
		return d.HasTerm(anchor)
	}
	if p, ok := strings.CutPrefix(anchor, prefixKey); ok {
		d.sort()
		return hasPrefix(d.sortedTitle, p) || hasPrefix(d.sortedBody, p) || hasPrefix(d.sortedEntity, p)
	}
	return d.keySet[anchor]
}

// HasTerm reports whether term is a term of the article's title, body or
// entity names.
func (d *Doc) HasTerm(term string) bool {
	_, a := d.title[term]
	_, b := d.body[term]
	_, c := d.entity[term]
	return a || b || c
}

// Snippet is the snippet of a search hit on the article for the matcher
// m (NewHit's), made from the tokens analysed once for the Doc.
func (d *Doc) Snippet(m *analysis.Matcher) string {
	toks := d.bodyTokens
	if m != nil && !m.HasPrefixes() {
		toks = d.bodyTokensOf(m)
	}
	if s, ok := analysis.SnippetOf(d.bodyText, toks, m, SnippetRunes); ok {
		return s
	}
	return html.EscapeString(Excerpt(d.Article))
}

// bodyTokensOf returns the body's tokens whose term is one of m's exact
// terms, in order: found by the terms' positions rather than by trying
// every token of the body on m, which is what a snippet made of the
// matching tokens alone needs (makeSnippet skips the others).
func (d *Doc) bodyTokensOf(m *analysis.Matcher) []analysis.Token {
	var pos []int
	m.EachTerm(func(t string) { pos = append(pos, d.body[t]...) })
	if len(pos) == 0 {
		return nil
	}
	slices.Sort(pos)
	out := make([]analysis.Token, 0, len(pos))
	toks := d.bodyTokens
	for _, p := range pos {
		// Positions grow with the tokens, one token each.
		i, ok := slices.BinarySearchFunc(toks, p, func(t analysis.Token, p int) int { return t.Pos - p })
		if ok {
			out = append(out, toks[i])
			toks = toks[i+1:]
		}
	}
	return out
}

// Entities returns the distinct entity names of the article.
func (d *Doc) Entities() []string {
	out := make([]string, 0, len(d.names))
	for n := range d.names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Compiled is a query compiled for matching single articles in memory,
// with the semantics of Index.Search: the same analysis, the same
// handling of stop words, phrases, prefixes, negation and fields, and the
// filters of the Query (Langs, Sources, Entities, EntityIDs, StoryIDs, From, To).
// Sort, Limit and Offset do not apply. It is safe for concurrent use.
type Compiled struct {
	root matcher
	q    Query
	// anchors, when not nil, are terms one of which an article must hold
	// for the query to match it (see Anchors).
	anchors []string
	node    Node
	set     *analysis.Set

	hlOnce sync.Once
	hl     *analysis.Matcher
}

// Compile parses and analyses q once for Match. Errors wrap
// ErrInvalidQuery (*SyntaxError, *ParamError), as Search's do.
func Compile(set *analysis.Set, q Query) (*Compiled, error) {
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		return nil, &ParamError{Param: "to", Msg: "is before from"}
	}
	n, err := q.ParseText()
	if err != nil {
		return nil, err
	}
	c := &compiler{set: set, langs: q.Langs}
	root, anchors := c.compile(n)
	// The filters are conjuncts too: one of them may anchor the query
	// better than its text.
	keys := func(kind string, vs []string) []string {
		if len(vs) == 0 {
			return nil
		}
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = Key(kind, v)
		}
		return out
	}
	for _, a := range [][]string{keys(KeyEntityID, q.EntityIDs), keys(KeyEntity, q.Entities), keys(KeyStory, q.StoryIDs), keys(KeySource, q.Sources), keys(KeyLang, q.Langs)} {
		if a != nil && (anchors == nil || anchorsCost(a) < anchorsCost(anchors)) {
			anchors = a
		}
	}
	return &Compiled{root: root, q: q, anchors: anchors, node: n, set: set}, nil
}

// Node returns the parsed query.
func (c *Compiled) Node() Node { return c.node }

// Anchors returns anchors one of which an article must hold (Doc.HasAnchor:
// a term of its title, body or entity names, a Key such as its language,
// an entity id or an entity name, or the prefix of one of its terms) for
// the query to match it, or nil when the query can match without any (a
// negation, a date range or a word count alone). Of the query's conjuncts (its filters and the
// clauses of its top-level AND) the one with the fewest and most
// selective anchors is chosen. An index from anchors to queries lets a
// caller match an article against only the queries that share one of its
// anchors. An empty, non-nil slice means the query matches nothing.
func (c *Compiled) Anchors() []string { return c.anchors }

// Match reports whether the article d matches.
func (c *Compiled) Match(d *Doc) bool {
	a := d.Article
	if len(c.q.Langs) > 0 && !contains(c.q.Langs, a.Lang) {
		return false
	}
	if len(c.q.Sources) > 0 && !contains(c.q.Sources, a.Source) {
		return false
	}
	if len(c.q.Entities) > 0 && !anyIn(c.q.Entities, d.names) {
		return false
	}
	if len(c.q.EntityIDs) > 0 && !anyIn(c.q.EntityIDs, d.entityIDs) {
		return false
	}
	if len(c.q.StoryIDs) > 0 && !contains(c.q.StoryIDs, a.StoryID) {
		return false
	}
	if (!c.q.From.IsZero() || !c.q.To.IsZero()) && !inRange(a, c.q.From, c.q.To) {
		return false
	}
	return c.root(d)
}

// Highlights returns the matcher of the query's terms for snippets
// (made once; do not change it).
func (c *Compiled) Highlights() *analysis.Matcher {
	c.hlOnce.Do(func() { c.hl = Highlights(c.set, c.node, c.q.Langs) })
	return c.hl
}

func contains(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

func anyIn(vs []string, set map[string]bool) bool {
	for _, v := range vs {
		if set[v] {
			return true
		}
	}
	return false
}

// inRange reports whether a's published_at is within [from, to] (a zero
// bound is open); an article without one is in no range.
func inRange(a *article.Article, from, to time.Time) bool {
	t := a.PublishedAt
	if t.IsZero() {
		return false
	}
	return (from.IsZero() || !t.Before(from)) && (to.IsZero() || !t.After(to))
}

type matcher func(*Doc) bool

func matchAll(*Doc) bool  { return true }
func matchNone(*Doc) bool { return false }

type compiler struct {
	set   *analysis.Set
	langs []string
}

// compile returns the matcher of n and its anchors (nil: none).
func (c *compiler) compile(n Node) (matcher, []string) {
	switch v := n.(type) {
	case *All:
		return matchAll, nil
	case *Text:
		return c.text(v)
	case *Keyword:
		val := v.Value
		switch v.Field {
		case FieldID:
			return func(d *Doc) bool { return d.Article.ID == val }, []string{Key(KeyID, val)}
		case FieldLang:
			return func(d *Doc) bool { return d.Article.Lang == val }, []string{Key(KeyLang, val)}
		case FieldSource:
			return func(d *Doc) bool { return d.Article.Source == val }, []string{Key(KeySource, val)}
		case FieldType:
			return func(d *Doc) bool { return d.types[val] }, []string{Key(KeyType, val)}
		case FieldEntityID:
			return func(d *Doc) bool { return d.entityIDs[val] }, []string{Key(KeyEntityID, val)}
		}
		return matchNone, []string{}
	case *DateRange:
		from, to := v.From, v.To
		return func(d *Doc) bool { return inRange(d.Article, from, to) }, nil
	case *NumRange:
		lo, hi := v.Min, v.Max
		return func(d *Doc) bool {
			w := int64(d.Article.WordCount)
			return (lo == nil || w >= *lo) && (hi == nil || w <= *hi)
		}, nil
	case *Not:
		m, _ := c.compile(v.Node)
		return func(d *Doc) bool { return !m(d) }, nil
	case *Or:
		ms := make([]matcher, len(v.Nodes))
		var anchors []string
		anchored := true
		for i, ch := range v.Nodes {
			m, a := c.compile(ch)
			ms[i] = m
			if a == nil {
				anchored = false
			}
			anchors = append(anchors, a...)
		}
		if !anchored {
			anchors = nil
		} else if anchors == nil {
			anchors = []string{}
		}
		return func(d *Doc) bool {
			for _, m := range ms {
				if m(d) {
					return true
				}
			}
			return false
		}, anchors
	case *And:
		// As the backends translate it: negations must not match, stop
		// words (Droppable) count only when nothing positive remains.
		var must, mustNot, optional []matcher
		var mustAnchors, optAnchors [][]string
		for _, ch := range v.Nodes {
			if nv, ok := ch.(*Not); ok {
				m, _ := c.compile(nv.Node)
				mustNot = append(mustNot, m)
				continue
			}
			m, a := c.compile(ch)
			if Droppable(c.set, ch, c.langs) {
				optional = append(optional, m)
				optAnchors = append(optAnchors, a)
				continue
			}
			must = append(must, m)
			mustAnchors = append(mustAnchors, a)
		}
		if len(must) == 0 {
			must, mustAnchors = optional, optAnchors
		}
		// The narrowest anchored clause anchors the conjunction.
		var anchors []string
		for _, a := range mustAnchors {
			if a != nil && (anchors == nil || anchorsCost(a) < anchorsCost(anchors)) {
				anchors = a
			}
		}
		return func(d *Doc) bool {
			for _, m := range must {
				if !m(d) {
					return false
				}
			}
			for _, m := range mustNot {
				if m(d) {
					return false
				}
			}
			return true
		}, anchors
	}
	return matchNone, []string{}
}

func (c *compiler) text(v *Text) (matcher, []string) {
	ts := Analyze(c.set, v, c.langs)
	if len(ts.Variants) == 0 {
		return matchNone, []string{}
	}
	type fieldSel struct {
		terms  func(*Doc) fieldTerms
		sorted func(*Doc) []string
	}
	title := fieldSel{func(d *Doc) fieldTerms { return d.title }, func(d *Doc) []string { d.sort(); return d.sortedTitle }}
	body := fieldSel{func(d *Doc) fieldTerms { return d.body }, func(d *Doc) []string { d.sort(); return d.sortedBody }}
	entity := fieldSel{func(d *Doc) fieldTerms { return d.entity }, func(d *Doc) []string { d.sort(); return d.sortedEntity }}
	var fields []fieldSel
	switch v.Field {
	case "":
		fields = []fieldSel{title, body}
	case FieldTitle:
		fields = []fieldSel{title}
	case FieldBody:
		fields = []fieldSel{body}
	case FieldEntity:
		fields = []fieldSel{entity}
	default:
		return matchNone, []string{}
	}
	variants := ts.Variants
	if ts.Prefix {
		var anchors []string
		for _, vr := range variants {
			if k := Key(KeyPrefix, vr[0]); !slices.Contains(anchors, k) {
				anchors = append(anchors, k)
			}
		}
		return func(d *Doc) bool {
			for _, f := range fields {
				for _, vr := range variants {
					if hasPrefix(f.sorted(d), vr[0]) {
						return true
					}
				}
			}
			return false
		}, anchors
	}
	var anchors []string
	for _, vr := range variants {
		for _, t := range vr {
			if t != "" {
				anchors = append(anchors, t)
				break
			}
		}
	}
	return func(d *Doc) bool {
		for _, f := range fields {
			ft := f.terms(d)
			for _, vr := range variants {
				if phrase(ft, vr) {
					return true
				}
			}
		}
		return false
	}, anchors
}

// hasPrefix reports whether a term of the sorted terms starts with p.
func hasPrefix(sorted []string, p string) bool {
	i := sort.SearchStrings(sorted, p)
	return i < len(sorted) && strings.HasPrefix(sorted[i], p)
}

// phrase reports whether the terms of vr occur at consecutive positions
// ("" stands for any word, as in Bleve's phrase search); a single term
// is a term query.
func phrase(ft fieldTerms, vr []string) bool {
	first := -1
	for i, t := range vr {
		if t != "" {
			first = i
			break
		}
	}
	if first < 0 {
		return false
	}
	for _, p := range ft[vr[first]] {
		ok := true
		for i := first + 1; i < len(vr) && ok; i++ {
			if vr[i] == "" {
				continue
			}
			ok = containsInt(ft[vr[i]], p+i-first)
		}
		if ok {
			return true
		}
	}
	return false
}

func containsInt(ps []int, p int) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}
