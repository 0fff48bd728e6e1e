// Package pgindex is the scale-out search index of newsflow, on
// PostgreSQL: any number of index replicas write and any number of API
// replicas read the same database.
//
// Text is analysed in Go by pkg/search/analysis (as for the Bleve index)
// and stored as a tsvector with explicit positions and weights (title A,
// body B), with a GIN index; queries are tsquery literals built from the
// same analysis, so both backends find the same articles. Facets are
// computed by grouping. The schema is migrated on Open from embedded SQL,
// and recorded in newsflow_schema_migrations.
package pgindex

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/analysis"
)

// Index is a PostgreSQL index of enriched articles.
type Index struct {
	pool *pgxpool.Pool
	set  *analysis.Set
	// noFacetCounts makes match-all queries group the articles like the
	// others instead of reading article_facet_counts (tests compare both).
	noFacetCounts bool
	// noOneTSQuery translates every word clause to its own SQL condition
	// (tests compare both).
	noOneTSQuery bool
	// textEntityFacet counts the entity facet of a search by grouping the
	// names in the server, as before entity_codes (tests and benchmarks
	// compare both).
	textEntityFacet bool
	// names caches entity names by number for the facets.
	names nameCache
	// codeBuffers keeps buffers of codes for searches (see getCodeBuffer).
	codeBuffers chan *[]byte
	// noEntityIDFacet leaves the entity facet by id out (benchmarks
	// compare the cost of it).
	noEntityIDFacet bool
	// matchesCTE answers searches with conditions as before the
	// one-pass grouping: the matches in a materialized CTE (tests and
	// benchmarks compare both).
	matchesCTE bool
	// groupedInServer answers searches with conditions as before the
	// matches were streamed: grouped by (lang, source) in the server, the
	// groups' codes concatenated again into one row (tests and benchmarks
	// compare both).
	groupedInServer bool
	// ranked is how many of the newest matches relevance order ranks when
	// not rankCandidates (tests lower it).
	ranked int
}

var _ search.Index = (*Index)(nil)

// IsURL reports whether location names a PostgreSQL database.
func IsURL(location string) bool {
	return strings.HasPrefix(location, "postgres://") || strings.HasPrefix(location, "postgresql://")
}

// sessionDefaults are the settings each connection gets unless the URL
// sets them (as a query parameter, e.g. ?random_page_cost=4).
var sessionDefaults = map[string]string{
	// A search's best plan depends on its arguments (how many articles a
	// word or a source has): the generic plan PostgreSQL switches to after
	// five runs of a prepared statement scans the date index for a rare
	// source, or the GIN index for a common word.
	"plan_cache_mode": "force_custom_plan",
	// The cost of a page read at random, as on SSDs (the default 4 models
	// spinning disks). With 4, a word that matches 15% of the articles was
	// answered by a sequential scan that decompressed every article's
	// tsvector (740 ms) instead of the GIN index (180 ms): the query mix's
	// worst query went from 771 to 240 ms on 100,000 articles.
	"random_page_cost": "1.1",
}

// Open connects to the database at url (a postgres:// URL), and migrates
// its schema.
func Open(ctx context.Context, url string) (*Index, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse postgres url: %w", err)
	}
	for name, v := range sessionDefaults {
		if _, ok := cfg.ConnConfig.RuntimeParams[name]; !ok {
			cfg.ConnConfig.RuntimeParams[name] = v
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres %s: %w", cfg.ConnConfig.Host, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to postgres %s:%d/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return &Index{pool: pool, set: analysis.NewSet(), codeBuffers: make(chan *[]byte, pooledCodeBuffers)}, nil
}

// Close closes the connections.
func (x *Index) Close() error {
	x.pool.Close()
	return nil
}

// Count returns the number of articles.
func (x *Index) Count(ctx context.Context) (uint64, error) {
	var n int64
	if err := x.pool.QueryRow(ctx, "SELECT count(*) FROM articles").Scan(&n); err != nil {
		return 0, fmt.Errorf("count articles: %w", err)
	}
	return uint64(n), nil
}

// MaxPositions bounds the positions kept per term (PostgreSQL keeps 256)
// and maxPos the position numbers (PostgreSQL caps them at 16383).
const (
	maxPositions = 256
	maxPos       = 16383
)

// tsvector builds a tsvector literal from groups of tokens, each group
// with its weight, numbering positions across the groups with a gap so
// that no phrase spans two of them.
func tsvector(groups ...weighted) string {
	type occ struct {
		pos []int
		w   []byte
	}
	terms := map[string]*occ{}
	var order []string
	base := 0
	for _, g := range groups {
		last := 0
		for _, t := range g.tokens {
			last = t.Pos
			o := terms[t.Term]
			if o == nil {
				o = &occ{}
				terms[t.Term] = o
				order = append(order, t.Term)
			}
			if len(o.pos) < maxPositions {
				o.pos = append(o.pos, min(base+t.Pos, maxPos))
				o.w = append(o.w, g.weight)
			}
		}
		base += last + 1 // the gap
	}
	sort.Strings(order)
	var b strings.Builder
	for i, t := range order {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(quoteLexeme(t))
		b.WriteByte(':')
		o := terms[t]
		for j, p := range o.pos {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(p))
			if o.w[j] != 'D' {
				b.WriteByte(o.w[j])
			}
		}
	}
	return b.String()
}

type weighted struct {
	tokens []analysis.Token
	weight byte
}

// quoteLexeme quotes a lexeme for tsvector and tsquery input.
func quoteLexeme(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `'`, `''`)
	return "'" + s + "'"
}

const upsertSQL = `INSERT INTO articles AS a (id, revision, source, lang, published_at, sort_date, word_count,
				entities, entity_types, tsv, etsv, doc, indexed_at, entity_ids, story_id, entity_id_codes)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::tsvector, $11::tsvector, $12, $13, $14, $15,
				article_entity_id_codes($16::text[]))
			ON CONFLICT (id) DO UPDATE SET revision = EXCLUDED.revision, source = EXCLUDED.source,
				lang = EXCLUDED.lang, published_at = EXCLUDED.published_at, sort_date = EXCLUDED.sort_date,
				word_count = EXCLUDED.word_count, entities = EXCLUDED.entities,
				entity_types = EXCLUDED.entity_types, tsv = EXCLUDED.tsv, etsv = EXCLUDED.etsv,
				doc = EXCLUDED.doc, indexed_at = EXCLUDED.indexed_at, entity_ids = EXCLUDED.entity_ids,
				story_id = EXCLUDED.story_id, entity_id_codes = EXCLUDED.entity_id_codes
			WHERE a.revision <= EXCLUDED.revision`

// Upsert writes docs in one transaction. A doc whose revision is lower
// than the stored one is skipped, and of several versions in docs the
// highest wins.
func (x *Index) Upsert(ctx context.Context, docs []*article.Article) error {
	latest := make(map[string]*article.Article, len(docs))
	for _, a := range docs {
		if prev, ok := latest[a.ID]; !ok || a.Revision >= prev.Revision {
			latest[a.ID] = a
		}
	}
	ids := make([]string, 0, len(latest))
	for id := range latest {
		ids = append(ids, id)
	}
	// One order for every writer, so that concurrent batches lock rows in
	// the same order and cannot deadlock.
	sort.Strings(ids)
	// Analyse on every core, then send the rows in id order.
	rows := make([][]any, len(ids))
	err := search.ParallelFor(len(ids), func(i int) error {
		a := latest[ids[i]]
		raw, err := article.Encode(a)
		if err != nil {
			return fmt.Errorf("encode article %s: %w", a.ID, err)
		}
		terms := search.AnalyzeArticle(x.set, a)
		tsv := tsvector(weighted{terms.Title, 'A'}, weighted{terms.Body, 'B'})
		var eg []weighted
		for _, e := range terms.Entities {
			eg = append(eg, weighted{e, 'D'})
		}
		etsv := tsvector(eg...)
		ents, types := terms.EntityNames, terms.EntityTypes
		var pub, sortDate *time.Time
		if !a.PublishedAt.IsZero() {
			p := a.PublishedAt
			pub, sortDate = &p, &p
		} else if !a.IngestedAt.IsZero() {
			s := a.IngestedAt
			sortDate = &s
		}
		if ents == nil {
			ents = []string{}
		}
		if types == nil {
			types = []string{}
		}
		entIDs := terms.EntityIDs
		if entIDs == nil {
			entIDs = []string{}
		}
		indexedAt := a.IndexedAt
		if indexedAt.IsZero() {
			indexedAt = time.Now().UTC()
		}
		var story *string
		if a.StoryID != "" {
			story = &a.StoryID
		}
		rows[i] = []any{a.ID, int64(a.Revision), a.Source, a.Lang, pub, sortDate, a.WordCount, ents, types, tsv, etsv, string(raw), indexedAt, entIDs, story, entityIDKeys(a)}
		return nil
	})
	if err != nil {
		return err
	}
	if err := x.addEntityNames(ctx, rows); err != nil {
		return err
	}
	b := &pgx.Batch{}
	for _, r := range rows {
		b.Queue(upsertSQL, r...)
	}
	if b.Len() == 0 {
		return nil
	}
	// Fold the facet deltas the batch's triggers appended (and any others
	// committed) into the counts, unless another writer is at it.
	b.Queue("SELECT article_facet_compact()")
	err = pgx.BeginFunc(ctx, x.pool, func(tx pgx.Tx) error {
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return fmt.Errorf("write batch of %d articles: %w", len(rows), err)
	}
	return nil
}

// entityIDKeys returns the keys whose numbers entity_id_codes packs
// (migration 0008): for each distinct id of a's entities, in order,
// "\x1fi\x1f"+id and then "\x1fn\x1f"+id+"\x1f"+lang+"\x1f"+name for each
// distinct name of it. Entities without id or name are left out, as the
// Bleve index leaves them out of its facet.
func entityIDKeys(a *article.Article) []string {
	var order []string
	names := map[string][]string{}
	seen := map[string]bool{}
	for _, e := range a.Entities {
		if e.ID == "" || e.Text == "" {
			continue
		}
		if _, ok := names[e.ID]; !ok {
			order = append(order, e.ID)
			names[e.ID] = nil
		}
		if k := "\x1fn\x1f" + e.ID + "\x1f" + a.Lang + "\x1f" + e.Text; !seen[k] {
			seen[k] = true
			names[e.ID] = append(names[e.ID], k)
		}
	}
	keys := []string{}
	for _, id := range order {
		keys = append(keys, "\x1fi\x1f"+id)
		keys = append(keys, names[id]...)
	}
	return keys
}

// addEntityNames numbers the entity names and id keys of rows that have
// no number yet, in a statement of its own (committed at once, in sorted order):
// the trigger that fills entity_codes (and the upsert's
// article_entity_id_codes) then find them all, and concurrent
// writers do not hold each other's new names until their batches commit.
func (x *Index) addEntityNames(ctx context.Context, rows [][]any) error {
	seen := map[string]bool{}
	var names []string
	for _, r := range rows {
		for _, col := range []int{7, 15} {
			for _, e := range r[col].([]string) {
				if !seen[e] {
					seen[e] = true
					names = append(names, e)
				}
			}
		}
	}
	if len(names) == 0 {
		return nil
	}
	if _, err := x.pool.Exec(ctx, "SELECT article_entity_names_add($1::text[])", names); err != nil {
		return fmt.Errorf("number %d entity names: %w", len(names), err)
	}
	return nil
}

// Get returns the stored article id.
func (x *Index) Get(ctx context.Context, id string) (*article.Article, error) {
	var raw string
	err := x.pool.QueryRow(ctx, "SELECT doc FROM articles WHERE id = $1", id).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, search.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read article %s: %w", id, err)
	}
	a, err := article.Decode([]byte(raw))
	if err != nil {
		return nil, fmt.Errorf("decode stored article %s: %w", id, err)
	}
	return a, nil
}

// rankCandidates is how many of the newest matches relevance order ranks.
const rankCandidates = 2000

// rankCandidates is the constant rankCandidates, or x.ranked when a test
// sets it.
func (x *Index) rankCandidates() int {
	if x.ranked > 0 {
		return x.ranked
	}
	return rankCandidates
}

// Search runs q. Relevance order ranks the newest 2,000 matches (more when
// the page asks for more); total and facets count every match.
func (x *Index) Search(ctx context.Context, q search.Query) (*search.Result, error) {
	if err := q.Normalize(); err != nil {
		return nil, err
	}
	n, err := q.ParseText()
	if err != nil {
		return nil, err
	}
	st := x.searchSQL(q, n)
	if st.streamed {
		return x.searchStreamed(ctx, st, n, q)
	}
	var total int64
	var langs, sources, ents, ids, hits []byte
	if err := x.pool.QueryRow(ctx, st.sql, st.args...).Scan(&total, &langs, &sources, &ents, &ids, &hits); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	out := &search.Result{Total: uint64(total), Facets: search.EmptyFacets()}
	if st.idsCounted {
		out.EntityFacet, err = decodeEntityIDFacet(ids)
	} else {
		out.EntityFacet, err = x.entityIDFacet(ctx, ids)
	}
	if err != nil {
		return nil, err
	}
	jsonFacets := map[string][]byte{search.FacetLang: langs, search.FacetSource: sources, search.FacetEntities: ents}
	if st.entityCodes {
		delete(jsonFacets, search.FacetEntities)
		if err := x.entityFacet(ctx, ents, out.Facets[search.FacetEntities]); err != nil {
			return nil, err
		}
	}
	for name, raw := range jsonFacets {
		var pairs [][2]json.RawMessage
		if err := json.Unmarshal(raw, &pairs); err != nil {
			return nil, fmt.Errorf("decode %s facet: %w", name, err)
		}
		for _, p := range pairs {
			var v string
			var c int
			if json.Unmarshal(p[0], &v) == nil && json.Unmarshal(p[1], &c) == nil {
				out.Facets[name][v] = c
			}
		}
	}
	return x.addHits(out, hits, n, q)
}

// addHits decodes hits (JSON pairs of score and stored article) into
// out's hits, highlighted for n.
func (x *Index) addHits(out *search.Result, hits []byte, n search.Node, q search.Query) (*search.Result, error) {
	var rows [][2]json.RawMessage
	if err := json.Unmarshal(hits, &rows); err != nil {
		return nil, fmt.Errorf("decode hits: %w", err)
	}
	m := search.Highlights(x.set, n, q.Langs)
	out.Hits = make([]search.Hit, 0, len(rows))
	for _, r := range rows {
		var s float64
		_ = json.Unmarshal(r[0], &s)
		a, err := article.Decode(r[1])
		if err != nil {
			return nil, fmt.Errorf("decode stored article: %w", err)
		}
		out.Hits = append(out.Hits, search.NewHit(x.set, a, s, m))
	}
	return out, nil
}

// searchStreamed runs a statement of searchSQL whose matches come as
// rows (lang, source, entity_codes, entity_id_codes) followed by one row
// of hits (lang NULL), and counts total and facets from them: exactly
// what grouping in the server counted, without the server copying every
// match's codes into groups, a materialized CTE (spilled to disk past
// work_mem) and one concatenation more (at 100,000 articles, a word with
// 29,000 matches cost its backend 236-283 ms of CPU grouped, 113-165
// streamed).
func (x *Index) searchStreamed(ctx context.Context, st statement, n search.Node, q search.Query) (*search.Result, error) {
	rows, err := x.pool.Query(ctx, st.sql, st.args...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	type group struct{ lang, source string }
	groups := map[group]int{}
	var total int
	var hits []byte
	ents, ids := x.getCodeBuffer(), x.getCodeBuffer()
	defer x.putCodeBuffer(ents)
	defer x.putCodeBuffer(ids)
	var lang, source, ec, ic, h pgtype.DriverBytes
	last := group{}
	for rows.Next() {
		if err := rows.Scan(&lang, &source, &ec, &ic, &h); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		if lang == nil {
			hits = append(hits[:0], h...)
			continue
		}
		total++
		// Matches come in heap order, mostly in runs of one (lang,
		// source): compare with the last before making strings.
		if string(lang) != last.lang || string(source) != last.source {
			last = group{string(lang), string(source)}
		}
		groups[last]++
		*ents = append(*ents, ec...)
		*ids = append(*ids, ic...)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	if hits == nil {
		return nil, fmt.Errorf("search: no row of hits")
	}
	out := &search.Result{Total: uint64(total), Facets: search.EmptyFacets()}
	langs, sources := map[string]int{}, map[string]int{}
	for g, c := range groups {
		langs[g.lang] += c
		sources[g.source] += c
	}
	topValues(langs, out.Facets[search.FacetLang])
	topValues(sources, out.Facets[search.FacetSource])
	// Neither facet keeps the codes: the buffers go back to the pool.
	if err := x.entityFacet(ctx, *ents, out.Facets[search.FacetEntities]); err != nil {
		return nil, err
	}
	if !x.noEntityIDFacet {
		if out.EntityFacet, err = x.entityIDFacet(ctx, *ids); err != nil {
			return nil, err
		}
	}
	return x.addHits(out, hits, n, q)
}

// getCodeBuffer returns an empty buffer for searchStreamed to gather
// the matches' codes in, one a past search used if there is one: a word
// with thousands of matches has megabytes of codes, and growing fresh
// buffers (copies, zeroing and faulting in new memory, and the
// collections that follow) cost about a quarter of newsflow's CPU for
// such a search. (A sync.Pool loses them at every collection.)
func (x *Index) getCodeBuffer() *[]byte {
	select {
	case b := <-x.codeBuffers:
		return b
	default:
		return new([]byte)
	}
}

// putCodeBuffer keeps b for a later search, unless it is larger than
// maxPooledCodes or enough are kept.
func (x *Index) putCodeBuffer(b *[]byte) {
	if cap(*b) > maxPooledCodes {
		return
	}
	*b = (*b)[:0]
	select {
	case x.codeBuffers <- b:
	default:
	}
}

// maxPooledCodes bounds the buffers kept (bytes); pooledCodeBuffers is
// how many are kept (two per search).
const (
	maxPooledCodes    = 32 << 20
	pooledCodeBuffers = 8
)

// topValues puts the search.FacetSize values of counts with the highest
// counts into facet, ties in byte order of the values (as the server
// orders them in a C or C.UTF-8 database).
func topValues(counts map[string]int, facet map[string]int) {
	vs := make([]string, 0, len(counts))
	for v, c := range counts {
		if c > 0 {
			vs = append(vs, v)
		}
	}
	sort.Slice(vs, func(i, j int) bool {
		if counts[vs[i]] != counts[vs[j]] {
			return counts[vs[i]] > counts[vs[j]]
		}
		return vs[i] < vs[j]
	})
	for _, v := range vs[:min(search.FacetSize, len(vs))] {
		facet[v] = counts[v]
	}
}

// entityFacet counts the entity numbers packed in codes (entity_codes of
// every match, concatenated) and puts the search.FacetSize most frequent
// names in into facet, by count and then name, as grouping in the server
// orders them.
func (x *Index) entityFacet(ctx context.Context, codes []byte, into map[string]int) error {
	if len(codes)%4 != 0 {
		return fmt.Errorf("entity facet: %d bytes of entity numbers, not a multiple of 4", len(codes))
	}
	if len(codes) == 0 {
		return nil
	}
	// Count in a slice indexed by number (numbers are dense: one per
	// name), or a map if a number is too high for that.
	var maxID uint32
	for i := 0; i < len(codes); i += 4 {
		maxID = max(maxID, binary.BigEndian.Uint32(codes[i:]))
	}
	// Every number whose count reaches the FacetSize-th highest count may
	// be in the facet (ties are ordered by name): name those.
	var ids []int32
	var count func(id int32) int
	top := topCounts{n: search.FacetSize}
	if maxID < 1<<22 {
		dense := make([]int32, maxID+1)
		for i := 0; i < len(codes); i += 4 {
			dense[binary.BigEndian.Uint32(codes[i:])]++
		}
		for _, c := range dense {
			if c > 0 {
				top.add(int(c))
			}
		}
		for id, c := range dense {
			if c > 0 && int(c) >= top.cut() {
				ids = append(ids, int32(id))
			}
		}
		count = func(id int32) int { return int(dense[id]) }
	} else {
		counts := map[int32]int{}
		for i := 0; i < len(codes); i += 4 {
			counts[int32(binary.BigEndian.Uint32(codes[i:]))]++
		}
		for _, c := range counts {
			top.add(c)
		}
		for id, c := range counts {
			if c >= top.cut() {
				ids = append(ids, id)
			}
		}
		count = func(id int32) int { return counts[id] }
	}
	names, err := x.entityNames(ctx, ids)
	if err != nil {
		return fmt.Errorf("entity facet: %w", err)
	}
	type value struct {
		name string
		n    int
	}
	vs := make([]value, 0, len(ids))
	for _, id := range ids {
		vs = append(vs, value{names[id], count(id)})
	}
	sort.Slice(vs, func(i, j int) bool {
		if vs[i].n != vs[j].n {
			return vs[i].n > vs[j].n
		}
		return vs[i].name < vs[j].name
	})
	for _, v := range vs[:min(search.FacetSize, len(vs))] {
		into[v.name] = v.n
	}
	return nil
}

// topCounts keeps the n highest counts added (with repeats), to find the
// n-th highest without sorting every count.
type topCounts struct {
	n   int
	top []int // descending
}

func (t *topCounts) add(c int) {
	if len(t.top) == t.n && c <= t.top[len(t.top)-1] {
		return
	}
	i := sort.Search(len(t.top), func(i int) bool { return t.top[i] < c })
	if len(t.top) < t.n {
		t.top = append(t.top, 0)
	}
	copy(t.top[i+1:], t.top[i:len(t.top)-1])
	t.top[i] = c
}

// cut is the n-th highest count added, or the lowest if fewer were added
// (0 if none).
func (t *topCounts) cut() int {
	if len(t.top) == 0 {
		return 0
	}
	return t.top[len(t.top)-1]
}

// statement is the SQL that answers a search, with its arguments.
type statement struct {
	sql  string
	args []any
	// entityCodes: the entity facet is the matches' entity_codes
	// concatenated (see entityFacet); otherwise, as the other facets, JSON
	// pairs of value and count.
	entityCodes bool
	// idsCounted: the entity facet by id is the counted facet as JSON
	// (see decodeEntityIDFacet); otherwise the matches' entity_id_codes
	// concatenated (see entityIDFacet).
	idsCounted bool
	// streamed: the statement returns a row per match and then one of
	// hits (see searchStreamed), not one row.
	streamed bool
}

// searchSQL builds the one statement that answers q (parsed as n): total,
// the three facets, the entity facet by id and the page.
func (x *Index) searchSQL(q search.Query, n search.Node) statement {
	tr, cond, conds, filters := x.where(q, n)
	dateOrder := "sort_date DESC NULLS LAST, id"
	// from may end in a WHERE clause; count is count(*) or sum(n).
	facet := func(expr, count, from string) string {
		return `(SELECT coalesce(json_agg(json_build_array(v, n) ORDER BY n DESC, v), '[]')
			FROM (SELECT ` + expr + ` AS v, ` + count + ` AS n FROM ` + from + ` GROUP BY 1 HAVING ` + count + ` > 0
			ORDER BY 2 DESC, 1 LIMIT ` + strconv.Itoa(search.FacetSize) + `) f)`
	}
	// page numbers the page after its LIMIT: a window over all matches
	// would sort them all.
	page := func(order string) string {
		return `page AS (
			SELECT id, score, row_number() OVER (ORDER BY ` + order + `) AS ord FROM top
		)`
	}
	const hits = `(SELECT coalesce(json_agg(json_build_array(page.score, a.doc::json) ORDER BY page.ord), '[]')
				FROM page JOIN articles a ON a.id = page.id)`
	limit := ` LIMIT ` + strconv.Itoa(q.Limit) + ` OFFSET ` + strconv.Itoa(q.Offset)

	if q.Collapse == search.CollapseStory {
		// Grouped by story, the entity facet is still grouped by name.
		sql, args := x.collapsedSQL(q, n, tr, conds, facet, page, hits, limit)
		return statement{sql: sql, args: args}
	}
	if cond == "true" && len(conds) == 1+len(filters) && !x.noFacetCounts {
		// Everything, or everything in some languages or sources: total
		// and facets from the facet counts, the page from the date index.
		where := "true"
		if len(filters) > 0 {
			where = strings.Join(filters, " AND ")
		}
		// Summed per value straight from the counts and deltas: grouping
		// them by (kind, lang, source, value) first cost a second hash
		// aggregate over every entity row (126 against 53 ms for `*` on
		// 50,000 articles with entities).
		counts := func(kind string) string {
			return `(SELECT lang, source, value, n FROM article_facet_counts WHERE kind = '` + kind + `' AND ` + where + `
				UNION ALL
				SELECT lang, source, value, n FROM article_facet_deltas WHERE kind = '` + kind + `' AND ` + where + `) u`
		}
		// Values in byte order, as newsflow orders the facets it counts.
		entities := facet(`value COLLATE "C"`, "sum(n)::bigint", counts("e"))
		ids := idFacetCounts(where)
		if len(filters) == 0 {
			// Everything: the top of the totals, without summing.
			entities = `(SELECT coalesce(json_agg(json_build_array(value, n) ORDER BY n DESC, value), '[]')
				FROM ` + topTotals("e") + ` f)`
			ids = idFacetTotals()
		}
		if x.noEntityIDFacet {
			ids = "NULL::json"
		}
		sql := `WITH top AS (
				SELECT id, sort_date, 0::real AS score FROM articles WHERE ` + where + `
				ORDER BY ` + dateOrder + limit + `
			), ` + page(dateOrder) + `
			SELECT (SELECT coalesce(sum(n), 0)::bigint FROM ` + counts("a") + `),
				` + facet("lang", "sum(n)::bigint", counts("a")) + `,
				` + facet("source", "sum(n)::bigint", counts("a")) + `,
				` + entities + `,
				` + ids + `,
				` + hits
		return statement{sql: sql, args: tr.args, idsCounted: true}
	}

	if x.textEntityFacet || x.matchesCTE {
		return x.matchesCTESQL(q, n, tr, conds, facet, page, hits, limit)
	}
	byDate := q.Sort == search.SortDate || !search.HasText(n) || len(tr.rank) == 0
	// The matches are read twice, in the same snapshot: once for the
	// total and every facet (streamed to newsflow, see searchStreamed; or,
	// with groupedInServer, grouped by (lang, source) with each group's
	// codes concatenated), and once for the page. Reading them once into
	// a materialized CTE and scanning that five times cost more (the
	// tuplestore, five aggregates over it) and grew past work_mem with the
	// matches; reading them once and the page by id in a second statement
	// of one repeatable read transaction cost the same as reading twice.
	where := strings.Join(conds, " AND ")
	// OFFSET 0 keeps the matches a subquery of their own: ordered by date
	// and limited, PostgreSQL would otherwise walk the date index and test
	// each article's tsvector (read from TOAST) until it had enough.
	candidates := `SELECT id, sort_date, 0::real AS score FROM (SELECT id, sort_date FROM articles WHERE ` + where + ` OFFSET 0) s`
	order := dateOrder
	if !byDate {
		// Ranking reads the tsvector of each article it ranks, so it ranks
		// the newest rankCandidates matches (or as many as the page needs):
		// total and facets still count every match. The tsvector comes
		// with the match (its TOAST pointer), not read again by id.
		rankQuery := tr.arg(strings.Join(tr.rank, " | "))
		candidates = `SELECT id, sort_date, ts_rank(tsv, ` + rankQuery + `::tsquery) AS score
			FROM (SELECT id, sort_date, tsv FROM (SELECT id, sort_date, tsv FROM articles WHERE ` + where + ` OFFSET 0) s
			ORDER BY ` + dateOrder + ` LIMIT ` + strconv.Itoa(max(x.rankCandidates(), q.Offset+q.Limit)) + `) c`
		order = "score DESC, " + dateOrder
	}
	if !x.groupedInServer {
		// A row per match, then the hits: newsflow counts total and
		// facets (see searchStreamed). The CTEs of the page are only in
		// the last row's subquery; both parts read one snapshot.
		idCodes := "entity_id_codes"
		if x.noEntityIDFacet {
			idCodes = "NULL::bytea"
		}
		sql := `WITH ranked AS (` + candidates + `
			), top AS (
				SELECT id, sort_date, score FROM ranked
				ORDER BY ` + order + limit + `
			), ` + page(order) + `
			SELECT lang, source, entity_codes, ` + idCodes + `, NULL::json FROM articles WHERE ` + where + `
			UNION ALL
			SELECT NULL, NULL, NULL, NULL, ` + hits
		return statement{sql: sql, args: tr.args, entityCodes: true, streamed: true}
	}
	idCodes := "(SELECT string_agg(ic, ''::bytea) FROM g)"
	groupIDCodes := "string_agg(entity_id_codes, ''::bytea)"
	if x.noEntityIDFacet {
		idCodes, groupIDCodes = "NULL::bytea", "NULL::bytea"
	}
	sql := `WITH g AS MATERIALIZED (
			SELECT lang, source, count(*) AS n, string_agg(entity_codes, ''::bytea) AS ec, ` + groupIDCodes + ` AS ic
			FROM articles WHERE ` + where + ` GROUP BY lang, source
		), ranked AS (` + candidates + `
		), top AS (
			SELECT id, sort_date, score FROM ranked
			ORDER BY ` + order + limit + `
		), ` + page(order) + `
		SELECT (SELECT coalesce(sum(n), 0)::bigint FROM g),
			` + facet("lang", "sum(n)::bigint", "g") + `,
			` + facet("source", "sum(n)::bigint", "g") + `,
			(SELECT string_agg(ec, ''::bytea) FROM g),
			` + idCodes + `,
			` + hits
	return statement{sql: sql, args: tr.args, entityCodes: true}
}

// matchesCTESQL is searchSQL's statement for searches with conditions as
// it was before the matches were grouped in one pass: the matches materialized in a CTE, each facet an aggregate
// over it, ranking re-reading the newest matches by id. With
// textEntityFacet it groups the entity names in the server. Tests and
// benchmarks compare both.
func (x *Index) matchesCTESQL(q search.Query, n search.Node, tr *translator, conds []string,
	facet func(expr, count, from string) string, page func(order string) string, hits, limit string) statement {
	dateOrder := "sort_date DESC NULLS LAST, id"
	byDate := q.Sort == search.SortDate || !search.HasText(n) || len(tr.rank) == 0
	// Ranking reads the tsvector of each article it ranks, so it ranks the
	// newest rankCandidates matches (or as many as the page needs): total
	// and facets still count every match.
	candidates := "SELECT id, sort_date, 0::real AS score FROM m"
	order := dateOrder
	if !byDate {
		rankQuery := tr.arg(strings.Join(tr.rank, " | "))
		candidates = `SELECT c.id, c.sort_date, ts_rank(a.tsv, ` + rankQuery + `::tsquery) AS score
			FROM (SELECT id, sort_date FROM m ORDER BY ` + dateOrder + ` LIMIT ` +
			strconv.Itoa(max(x.rankCandidates(), q.Offset+q.Limit)) + `) c JOIN articles a ON a.id = c.id`
		order = "score DESC, " + dateOrder
	}
	entities := "entity_codes"
	entityFacet := "(SELECT string_agg(entity_codes, ''::bytea) FROM m)"
	if x.textEntityFacet {
		entities = "entities"
		entityFacet = facet("e", "count(*)", "m, unnest(m.entities) AS e WHERE cardinality(m.entities) > 0")
	}
	sql := `WITH m AS MATERIALIZED (
			SELECT id, lang, source, ` + entities + `, entity_id_codes, sort_date
			FROM articles WHERE ` + strings.Join(conds, " AND ") + `
		), ranked AS (` + candidates + `
		), top AS (
			SELECT id, sort_date, score FROM ranked
			ORDER BY ` + order + limit + `
		), ` + page(order) + `
		SELECT (SELECT count(*) FROM m),
			` + facet("lang", "count(*)", "m") + `,
			` + facet("source", "count(*)", "m") + `,
			` + entityFacet + `,
			` + x.idCodes("m") + `,
			` + hits
	return statement{sql: sql, args: tr.args, entityCodes: !x.textEntityFacet}
}

// idCodes is the SQL of the entity_id_codes of the rows from, concatenated.
func (x *Index) idCodes(from string) string {
	if x.noEntityIDFacet {
		return "NULL::bytea"
	}
	return "(SELECT string_agg(entity_id_codes, ''::bytea) FROM " + from + ")"
}

// where translates q (parsed as n) into SQL conditions: cond for the
// text, conds for everything (cond first), filters the subset of conds
// that the facet counts can answer (lang, source).
func (x *Index) where(q search.Query, n search.Node) (tr *translator, cond string, conds, filters []string) {
	tr = &translator{set: x.set, langs: q.Langs, noOneTSQuery: x.noOneTSQuery}
	cond = tr.cond(n)
	// One value is an equality, which PostgreSQL (15) can read in date
	// order from the (source, date) and (lang, date) indexes; = ANY it
	// cannot.
	in := func(column string, values []string) {
		if len(values) == 1 {
			filters = append(filters, column+" = "+tr.arg(values[0]))
		} else if len(values) > 1 {
			filters = append(filters, column+" = ANY("+tr.arg(values)+"::text[])")
		}
	}
	in("lang", q.Langs)
	in("source", q.Sources)
	conds = append([]string{cond}, filters...)
	if len(q.Entities) > 0 {
		conds = append(conds, "entities && "+tr.arg(q.Entities)+"::text[]")
	}
	if len(q.EntityIDs) > 0 {
		conds = append(conds, "entity_ids && "+tr.arg(q.EntityIDs)+"::text[]")
	}
	if len(q.StoryIDs) > 0 {
		conds = append(conds, "story_id = ANY("+tr.arg(q.StoryIDs)+"::text[])")
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		conds = append(conds, tr.dateRange(q.From, q.To))
	}
	return tr, cond, conds, filters
}

// DateCounts counts the matches of q per interval of sort_date (in UTC);
// with key, only the matches whose by-field is key.
func (x *Index) DateCounts(ctx context.Context, q search.Query, interval, by, key string) (map[int64]int, error) {
	n, err := q.ParseText()
	if err != nil {
		return nil, err
	}
	unit := map[string]string{search.IntervalHour: "hour", search.IntervalDay: "day", search.IntervalWeek: "week"}[interval]
	if unit == "" {
		return nil, &search.ParamError{Param: "interval", Msg: fmt.Sprintf("must be hour, day or week, not %q", interval)}
	}
	tr, _, conds, _ := x.where(q, n)
	switch by {
	case "":
	case search.ByLang:
		conds = append(conds, "lang = "+tr.arg(key))
	case search.BySource:
		conds = append(conds, "source = "+tr.arg(key))
	case search.ByEntity:
		conds = append(conds, "entities @> ARRAY["+tr.arg(key)+"::text]")
	default:
		return nil, &search.ParamError{Param: "by", Msg: fmt.Sprintf("must be lang, source or entity, not %q", by)}
	}
	sql := `SELECT extract(epoch FROM date_trunc('` + unit + `', sort_date AT TIME ZONE 'UTC'))::bigint, count(*)
		FROM articles WHERE sort_date IS NOT NULL AND ` + strings.Join(conds, " AND ") + ` GROUP BY 1`
	rows, err := x.pool.Query(ctx, sql, tr.args...)
	if err != nil {
		return nil, fmt.Errorf("histogram: %w", err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var k, c int64
		if err := rows.Scan(&k, &c); err != nil {
			return nil, fmt.Errorf("histogram: %w", err)
		}
		out[k] = int(c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("histogram: %w", err)
	}
	return out, nil
}

// Histogram answers h.
func (x *Index) Histogram(ctx context.Context, h search.HistogramQuery) (*search.Histogram, error) {
	return search.BuildHistogram(ctx, x, x, h)
}

// collapsedSQL is searchSQL for collapse=story: the matches ranked as
// usual, then the first of each story (coalesce(story_id, id)) in that
// order; the total counts stories, the facets articles.
func (x *Index) collapsedSQL(q search.Query, n search.Node, tr *translator, conds []string,
	facet func(expr, count, from string) string, page func(order string) string, hits, limit string) (string, []any) {
	dateOrder := "sort_date DESC NULLS LAST, id"
	byDate := q.Sort == search.SortDate || !search.HasText(n) || len(tr.rank) == 0
	candidates := "SELECT id, sort_date, 0::real AS score, story FROM m"
	order := dateOrder
	if !byDate {
		rankQuery := tr.arg(strings.Join(tr.rank, " | "))
		candidates = `SELECT c.id, c.sort_date, ts_rank(a.tsv, ` + rankQuery + `::tsquery) AS score, c.story
			FROM (SELECT id, sort_date, story FROM m ORDER BY ` + dateOrder + ` LIMIT ` +
			strconv.Itoa(max(x.rankCandidates(), q.Offset+q.Limit)) + `) c JOIN articles a ON a.id = c.id`
		order = "score DESC, " + dateOrder
	}
	return `WITH m AS MATERIALIZED (
			SELECT id, lang, source, entities, entity_id_codes, sort_date, coalesce(story_id, id) AS story
			FROM articles WHERE ` + strings.Join(conds, " AND ") + `
		), ranked AS (` + candidates + `
		), firsts AS (
			SELECT DISTINCT ON (story) id, sort_date, score FROM ranked ORDER BY story, ` + order + `
		), top AS (
			SELECT id, sort_date, score FROM firsts
			ORDER BY ` + order + limit + `
		), ` + page(order) + `
		SELECT (SELECT count(DISTINCT story) FROM m),
			` + facet("lang", "count(*)", "m") + `,
			` + facet("source", "count(*)", "m") + `,
			` + facet("e", "count(*)", "m, unnest(m.entities) AS e WHERE cardinality(m.entities) > 0") + `,
			` + x.idCodes("m") + `,
			` + hits, tr.args
}

// translator turns a parsed query into an SQL condition with arguments.
type translator struct {
	set   *analysis.Set
	langs []string
	args  []any
	// rank collects the tsqueries of positive text clauses, for ts_rank.
	rank []string
	// noOneTSQuery: see Index.
	noOneTSQuery bool
}

func (t *translator) arg(v any) string {
	t.args = append(t.args, v)
	return "$" + strconv.Itoa(len(t.args))
}

func (t *translator) dateRange(from, to time.Time) string {
	var c []string
	if !from.IsZero() {
		c = append(c, "published_at >= "+t.arg(from))
	}
	if !to.IsZero() {
		c = append(c, "published_at <= "+t.arg(to))
	}
	if len(c) == 0 {
		return "published_at IS NOT NULL"
	}
	return "(" + strings.Join(c, " AND ") + ")"
}

func (t *translator) cond(n search.Node) string {
	return t.node(n, true)
}

// node translates n; positive is false under a NOT (its text does not
// count for ranking).
func (t *translator) node(n search.Node, positive bool) string {
	if _, isText := n.(*search.Text); !isText && !t.noOneTSQuery && t.tsvOnly(n) && t.anchored(n) {
		// One tsquery: the GIN index answers it whole. As SQL, an OR over
		// a NOT made PostgreSQL test each candidate row, reading its
		// tsvector.
		return "tsv @@ " + t.arg(t.tsquery(n, positive)) + "::tsquery"
	}
	switch v := n.(type) {
	case *search.All:
		return "true"
	case *search.Text:
		return t.text(v, positive)
	case *search.Keyword:
		switch v.Field {
		case search.FieldType:
			return "entity_types @> ARRAY[" + t.arg(v.Value) + "::text]"
		case search.FieldEntityID:
			return "entity_ids @> ARRAY[" + t.arg(v.Value) + "::text]"
		case search.FieldLang:
			return "lang = " + t.arg(v.Value)
		case search.FieldSource:
			return "source = " + t.arg(v.Value)
		case search.FieldID:
			return "id = " + t.arg(v.Value)
		}
	case *search.DateRange:
		return t.dateRange(v.From, v.To)
	case *search.NumRange:
		var c []string
		if v.Min != nil {
			c = append(c, "word_count >= "+t.arg(*v.Min))
		}
		if v.Max != nil {
			c = append(c, "word_count <= "+t.arg(*v.Max))
		}
		if len(c) == 0 {
			return "true"
		}
		return "(" + strings.Join(c, " AND ") + ")"
	case *search.Not:
		// An anti-join lets the inner condition use its index; testing it
		// row by row would read every candidate's tsvector.
		return "id NOT IN (SELECT id FROM articles WHERE " + t.node(v.Node, !positive) + ")"
	case *search.Or:
		c := make([]string, len(v.Nodes))
		for i, child := range v.Nodes {
			c[i] = t.node(child, positive)
		}
		return "(" + strings.Join(c, " OR ") + ")"
	case *search.And:
		// Translate only what is kept: arguments are numbered as they come.
		keep := t.kept(v)
		if len(keep) == 0 {
			return "true"
		}
		must := make([]string, len(keep))
		for i, child := range keep {
			must[i] = t.node(child, positive)
		}
		return "(" + strings.Join(must, " AND ") + ")"
	}
	return "false"
}

// kept returns the children of v that its translation keeps: stop words
// go only when something positive remains.
func (t *translator) kept(v *search.And) []search.Node {
	var keep, optional []search.Node
	positives := 0
	for _, child := range v.Nodes {
		_, isNot := child.(*search.Not)
		if !isNot && search.Droppable(t.set, child, t.langs) {
			optional = append(optional, child)
			continue
		}
		if !isNot {
			positives++
		}
		keep = append(keep, child)
	}
	if positives == 0 {
		keep = append(keep, optional...)
	}
	return keep
}

// tsvOnly reports whether n is words of the title and body combined by
// AND, OR and NOT, each with terms: one tsquery on tsv can say it.
func (t *translator) tsvOnly(n search.Node) bool {
	switch v := n.(type) {
	case *search.Text:
		return v.Field != search.FieldEntity && len(search.Analyze(t.set, v, t.langs).Variants) > 0
	case *search.Not:
		return t.tsvOnly(v.Node)
	case *search.Or:
		for _, c := range v.Nodes {
			if !t.tsvOnly(c) {
				return false
			}
		}
		return len(v.Nodes) > 0
	case *search.And:
		keep := t.kept(v)
		for _, c := range keep {
			if !t.tsvOnly(c) {
				return false
			}
		}
		return len(keep) > 0
	}
	return false
}

// anchored reports whether every match of n has one of its positive
// words, so that the GIN index looks words up instead of listing every
// row (as a lone NOT would).
func (t *translator) anchored(n search.Node) bool {
	switch v := n.(type) {
	case *search.Text:
		return true
	case *search.Or:
		for _, c := range v.Nodes {
			if !t.anchored(c) {
				return false
			}
		}
		return len(v.Nodes) > 0
	case *search.And:
		for _, c := range t.kept(v) {
			if t.anchored(c) {
				return true
			}
		}
	}
	return false
}

// tsquery translates n, for which tsvOnly holds, into one tsquery,
// visiting the words in the order node does (for ranking).
func (t *translator) tsquery(n search.Node, positive bool) string {
	var parts []string
	sep := " & "
	switch v := n.(type) {
	case *search.Text:
		tsq, _ := t.textQuery(v, positive)
		return "(" + tsq + ")"
	case *search.Not:
		return "!" + t.tsquery(v.Node, !positive)
	case *search.Or:
		sep = " | "
		for _, c := range v.Nodes {
			parts = append(parts, t.tsquery(c, positive))
		}
	case *search.And:
		for _, c := range t.kept(v) {
			parts = append(parts, t.tsquery(c, positive))
		}
	}
	return "(" + strings.Join(parts, sep) + ")"
}

func (t *translator) text(v *search.Text, positive bool) string {
	tsq, column := t.textQuery(v, positive)
	if tsq == "" {
		return "false"
	}
	return column + " @@ " + t.arg(tsq) + "::tsquery"
}

// textQuery returns the tsquery of v and the column it searches, "" if v
// has no terms, and adds it to the ranked queries if it counts.
func (t *translator) textQuery(v *search.Text, positive bool) (string, string) {
	ts := search.Analyze(t.set, v, t.langs)
	if len(ts.Variants) == 0 {
		return "", ""
	}
	weight := ""
	column := "tsv"
	switch v.Field {
	case search.FieldTitle:
		weight = "A"
	case search.FieldBody:
		weight = "B"
	case search.FieldEntity:
		column = "etsv"
	}
	var alts []string
	for _, vr := range ts.Variants {
		if ts.Prefix {
			alts = append(alts, quoteLexeme(vr[0])+":*"+weight)
			continue
		}
		// Terms in order; "" is a stop word, which widens the distance.
		var b strings.Builder
		dist := 0
		for _, term := range vr {
			dist++
			if term == "" {
				continue
			}
			if b.Len() > 0 {
				if dist == 1 {
					b.WriteString(" <-> ")
				} else {
					b.WriteString(" <" + strconv.Itoa(dist) + "> ")
				}
			}
			b.WriteString(quoteLexeme(term))
			if weight != "" {
				b.WriteString(":" + weight)
			}
			dist = 0
		}
		alts = append(alts, "("+b.String()+")")
	}
	tsq := strings.Join(alts, " | ")
	if positive && column == "tsv" {
		t.rank = append(t.rank, "("+tsq+")")
	}
	return tsq, column
}
