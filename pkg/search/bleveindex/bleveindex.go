// Package bleveindex is the embedded search index of newsflow, on Bleve.
//
// Text is analysed by pkg/search/analysis before it reaches Bleve (the
// fields hold terms separated by spaces and Bleve only splits on spaces),
// so the index, the PostgreSQL backend and the highlighter share one
// analysis per language.
package bleveindex

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/whitespace"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/search"
	searchanalysis "github.com/newsflow/newsflow/pkg/search/analysis"
)

const (
	termsAnalyzer = "newsflow_terms"
	sourceField   = "_source"
	// mappingVersion changes when documents must be indexed anew.
	mappingVersion = "4"
	mappingKey     = "newsflow_mapping_version"
	titleBoost     = 2.0
	// facetField holds every facet value of a document, prefixed by its
	// facet (l: lang, s: source, e: entity), so that one doc-value read per
	// match feeds all three facets.
	facetField = "facet"
	// sortField is the sort date as a fixed-width string: one doc-value
	// term per document (a date field has one per precision step).
	sortField = "sort_key"
	// storyField is the article's story key (search.StoryKey), with doc
	// values, to count the stories of a collapsed search.
	storyField = "story_key"
)

// facet prefixes in facetField.
var facetPrefixes = map[string]string{"l:": search.FacetLang, "s:": search.FacetSource, "e:": search.FacetEntities}

// ErrOldMapping is returned by Open for an index built with an older
// mapping; it must be rebuilt.
var ErrOldMapping = errors.New("index was built by an older newsflow")

// Index is a Bleve index of enriched articles.
type Index struct {
	// swap guards idx: after a write fails, the next write closes the
	// Bleve index and opens it again from disk (Bleve's state after a
	// failed segment write is not to be trusted: a segment it closed was
	// seen still in use, and a read of it panicked in a goroutine of
	// Bleve's own, out of any recover's reach). Every use of idx holds
	// swap for reading.
	swap   sync.RWMutex
	idx    bleve.Index
	dir    string
	cfg    map[string]any
	failed atomic.Bool
	set    *searchanalysis.Set
	// Writers may run concurrently (Bleve builds each batch's segment in
	// the caller's goroutine, so two batches use two cores), but never two
	// on the same article: a batch first claims its ids in writing (under
	// mu, waiting on free while another batch holds one of them), so that
	// its revision check and its write are atomic for each of its ids.
	mu      sync.Mutex
	free    *sync.Cond
	writing map[string]struct{}
}

var _ search.Index = (*Index)(nil)

// Open opens the index in dir, creating it when it does not exist, with
// newsflow's default runtime configuration. It is OpenWith(dir, "").
func Open(dir string) (*Index, error) { return OpenWith(dir, "") }

// OpenWith opens the index in dir, creating it when it does not exist.
// runtime, when not empty, is Bleve's runtime configuration as a JSON
// object (scorchMergePlanOptions, scorchPersisterOptions, ...), laid over
// newsflow's defaults: the value of --bleve-config or ConfigEnv, which the
// caller reads.
//
// It checks the index first (Verify): a damaged one is refused with an
// error wrapping ErrCorrupt rather than opened without its damaged part;
// one that another process has open, with ErrInUse. A panic of Bleve
// while opening is returned as an ErrCorrupt error too.
func OpenWith(dir, runtime string) (_ *Index, err error) {
	cfg, err := runtimeConfig(runtime)
	if err != nil {
		return nil, err
	}
	if err := Verify(dir); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: opening %s panicked: %v", ErrCorrupt, dir, r)
		}
	}()
	idx, err := bleve.OpenUsing(dir, cfg)
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create index directory %s: %w", dir, err)
		}
		_ = os.Remove(dir) // bleve.New wants to create the directory itself
		m, merr := Mapping()
		if merr != nil {
			return nil, merr
		}
		idx, err = bleve.NewUsing(dir, m, bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, cfg)
		if err == nil {
			err = idx.SetInternal([]byte(mappingKey), []byte(mappingVersion))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open bleve index %s: %w", dir, err)
	}
	v, err := idx.GetInternal([]byte(mappingKey))
	if err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("read mapping version of %s: %w", dir, err)
	}
	if string(v) != mappingVersion {
		_ = idx.Close()
		return nil, fmt.Errorf("%w (mapping version %q, this one writes %q): move %s away and index the articles again",
			ErrOldMapping, v, mappingVersion, dir)
	}
	x := &Index{idx: idx, dir: dir, cfg: cfg, set: searchanalysis.NewSet(), writing: map[string]struct{}{}}
	x.free = sync.NewCond(&x.mu)
	return x, nil
}

// ConfigEnv names the variable that passes Bleve's runtime configuration
// (a JSON object: scorchMergePlanOptions, scorchPersisterOptions, ...) to
// the index, for tuning experiments: the environment of --bleve-config.
// The commands read it and pass it to OpenWith.
const ConfigEnv = "NEWSFLOW_BLEVE_CONFIG"

// floorSegmentSize replaces Bleve's default of 2,000 documents: segments
// below the floor are planned as if they held that many, so with batches
// of tens of articles (the index stage at the pace of enrich) one segment
// of a few hundred was merged again with each handful of new small ones.
// In the full pipeline on 100,000 articles: 2,000 -> 4.2-5.0 ms CPU per
// article, 500 -> 3.6 ms, 100 -> 3.4 ms but twice the segments for
// queries to visit (docs/benchmarks.md).
const floorSegmentSize = 500

func runtimeConfig(v string) (map[string]any, error) {
	cfg := map[string]any{}
	if v != "" {
		if err := json.Unmarshal([]byte(v), &cfg); err != nil {
			return nil, fmt.Errorf("%s: %w", ConfigEnv, err)
		}
	}
	// Bleve lays the given merge plan options over its defaults; ours
	// goes under what the variable sets.
	plan, ok := cfg["scorchMergePlanOptions"].(map[string]any)
	if !ok {
		if _, set := cfg["scorchMergePlanOptions"]; set {
			return nil, fmt.Errorf("%s: scorchMergePlanOptions must be an object", ConfigEnv)
		}
		plan = map[string]any{}
		cfg["scorchMergePlanOptions"] = plan
	}
	if _, ok := plan["FloorSegmentSize"]; !ok {
		plan["FloorSegmentSize"] = floorSegmentSize
	}
	return cfg, nil
}

// claim waits until no other batch is writing any of ids, then marks them
// as being written by the caller.
func (x *Index) claim(ids []string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for {
		busy := false
		for _, id := range ids {
			if _, ok := x.writing[id]; ok {
				busy = true
				break
			}
		}
		if !busy {
			break
		}
		x.free.Wait()
	}
	for _, id := range ids {
		x.writing[id] = struct{}{}
	}
}

// release ends a claim.
func (x *Index) release(ids []string) {
	x.mu.Lock()
	for _, id := range ids {
		delete(x.writing, id)
	}
	x.mu.Unlock()
	x.free.Broadcast()
}

// Mapping returns the index mapping: analysed text fields (terms produced
// by pkg/search/analysis), keyword fields for filters and facets, dates,
// numbers, and the stored article.
func Mapping() (*mapping.IndexMappingImpl, error) {
	im := bleve.NewIndexMapping()
	if err := im.AddCustomAnalyzer(termsAnalyzer, map[string]any{
		"type":      custom.Name,
		"tokenizer": whitespace.Name,
	}); err != nil {
		return nil, fmt.Errorf("bleve analyzer: %w", err)
	}
	im.DefaultAnalyzer = termsAnalyzer
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false

	text := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = termsAnalyzer
		f.Store = false
		f.IncludeTermVectors = true // positions, for phrases
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	keyword := func(docValues bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = docValues
		return f
	}
	date := func(docValues bool) *mapping.FieldMapping {
		f := bleve.NewDateTimeFieldMapping()
		f.Store = false
		f.IncludeInAll = false
		f.DocValues = docValues
		return f
	}
	num := func(indexed, store bool) *mapping.FieldMapping {
		f := bleve.NewNumericFieldMapping()
		f.IncludeInAll = false
		f.Index = indexed
		f.Store = store
		f.DocValues = false
		return f
	}
	stored := bleve.NewTextFieldMapping()
	stored.Index = false
	stored.Store = true
	stored.IncludeInAll = false
	stored.IncludeTermVectors = false
	stored.DocValues = false

	dm := bleve.NewDocumentMapping()
	dm.Dynamic = false
	dm.AddFieldMappingsAt("title", text())
	dm.AddFieldMappingsAt("body", text())
	dm.AddFieldMappingsAt("entity_text", text())
	dm.AddFieldMappingsAt("source", keyword(false))
	dm.AddFieldMappingsAt("lang", keyword(false))
	dm.AddFieldMappingsAt("entity", keyword(false))
	dm.AddFieldMappingsAt("entity_type", keyword(false))
	dm.AddFieldMappingsAt("story_id", keyword(false))
	dm.AddFieldMappingsAt(storyField, keyword(true))
	dm.AddFieldMappingsAt(facetField, keyword(true))
	dm.AddFieldMappingsAt(sortField, keyword(true))
	dm.AddFieldMappingsAt("published_at", date(false))
	dm.AddFieldMappingsAt("words", num(true, false))
	dm.AddFieldMappingsAt("revision", num(false, true))
	dm.AddFieldMappingsAt(sourceField, stored)
	im.DefaultMapping = dm
	return im, nil
}

// preAnalyzed hands Bleve the tokens pkg/search/analysis produced.
type preAnalyzed analysis.TokenStream

func (p preAnalyzed) Analyze([]byte) analysis.TokenStream { return analysis.TokenStream(p) }

func tokenStream(ts []searchanalysis.Token) preAnalyzed {
	out := make(preAnalyzed, len(ts))
	toks := make([]analysis.Token, len(ts))
	for i, t := range ts {
		// Offsets stay 0: nothing reads them (snippets are made from the
		// stored text), and zeros cost less to encode and store.
		toks[i] = analysis.Token{Term: []byte(t.Term), Position: t.Pos, Type: analysis.AlphaNumeric}
		out[i] = &toks[i]
	}
	return out
}

// entityGap separates the positions of successive entities in
// entity_text: the first token of an entity comes more than entityGap
// positions after the last of the one before. A phrase spans at most one
// position per byte of the query (search.MaxQueryBytes), so none matches
// across two entities, as none did across the separate fields (array
// positions) that held them before.
const entityGap = search.MaxQueryBytes + 1

// entityStream is the tokens of all the entity names of a document, one
// after the other, each name's positions shifted past the name before by
// entityGap.
func entityStream(names [][]searchanalysis.Token) preAnalyzed {
	n := 0
	for _, ts := range names {
		n += len(ts)
	}
	out := make(preAnalyzed, 0, n)
	toks := make([]analysis.Token, 0, n)
	base := 0
	for _, ts := range names {
		last := 0
		for _, t := range ts {
			toks = append(toks, analysis.Token{Term: []byte(t.Term), Position: base + t.Pos, Type: analysis.AlphaNumeric})
			out = append(out, &toks[len(toks)-1])
			last = max(last, t.Pos)
		}
		base += last + entityGap
	}
	return out
}

// keywords is one token per value, each value whole (as a keyword field
// holding one value indexes it).
func keywords(vs []string) preAnalyzed {
	out := make(preAnalyzed, len(vs))
	toks := make([]analysis.Token, len(vs))
	for i, v := range vs {
		toks[i] = analysis.Token{Term: []byte(v), End: len(v), Position: i + 1, Type: analysis.AlphaNumeric}
		out[i] = &toks[i]
	}
	return out
}

const textOpts = index.IndexField | index.IncludeTermVectors // positions, for phrases

// keywordOpts index the facet and sort fields with doc values that are
// neither compressed nor chunked: each document's values are read in
// place. Zap's default stores doc values in snappy-compressed chunks of
// 1,024 documents, and a query that reads the facets of a few thousand
// matches spread over the index decompressed nearly every chunk: with
// entities in the facet field that was 80% of a query's CPU (the query
// mix's p99 on a pipeline-built 100,000-article index went from 83-90 to
// 46 ms; docs/benchmarks.md). Segments written before keep their
// compressed chunks, and merges keep them where they meet (zap merges
// field options conservatively), so older indexes read correctly and get
// the gain once rebuilt. A variable only so that a test can write
// segments the old way.
var keywordOpts = index.IndexField | index.DocValues | index.SkipDVCompression | index.SkipDVChunking

// sortKey renders t so that later times sort after earlier ones as
// strings: seconds since 1970 and nanoseconds, zero-padded (times before
// 1970 sort first).
func sortKey(t time.Time) string {
	sec := max(t.Unix(), 0)
	return fmt.Sprintf("%012d.%09d", sec, t.Nanosecond())
}

// document builds the Bleve document of a directly (the mapping
// describes the same fields), so that text is tokenised once, by
// pkg/search/analysis, with its positions (stop words leave gaps).
func (x *Index) document(a *article.Article, raw []byte) (*document.Document, error) {
	terms := search.AnalyzeArticle(x.set, a)
	d := document.NewDocument(a.ID)
	d.AddField(document.NewTextFieldCustom("title", nil, nil, textOpts, tokenStream(terms.Title)))
	d.AddField(document.NewTextFieldCustom("body", nil, nil, textOpts, tokenStream(terms.Body)))
	// Each kind of entity field is one field holding all its tokens: a
	// field per entity (seven per entity, with their array positions)
	// cost about 14% more CPU per article indexed (docs/benchmarks.md).
	// Bleve sums a field's lengths and term frequencies over a
	// document's fields of that name, so scores, filters and facets are
	// those of separate fields.
	facets := make([]string, 0, 2+len(terms.EntityNames)+2*len(a.Entities))
	facets = append(facets, "l:"+a.Lang, "s:"+a.Source)
	for _, name := range terms.EntityNames {
		facets = append(facets, "e:"+name)
	}
	// The entity facet by id: each id once ("i:"), and each of its names
	// with the article's language ("n:" id, lang, name), from which a
	// search picks the name to show.
	seen := map[string]bool{}
	for _, e := range a.Entities {
		if e.ID == "" || e.Text == "" {
			continue
		}
		if !seen[e.ID] {
			seen[e.ID] = true
			facets = append(facets, "i:"+e.ID)
		}
		if k := e.ID + "\x1f" + a.Lang + "\x1f" + e.Text; !seen[k] {
			seen[k] = true
			facets = append(facets, "n:"+k)
		}
	}
	d.AddField(document.NewTextFieldCustom(facetField, nil, nil, keywordOpts, keywords(facets)))
	if len(terms.EntityNames) > 0 {
		d.AddField(document.NewTextFieldCustom("entity_text", nil, nil, textOpts, entityStream(terms.Entities)))
		d.AddField(document.NewTextFieldCustom("entity", nil, nil, index.IndexField, keywords(terms.EntityNames)))
	}
	if len(terms.EntityIDs) > 0 {
		d.AddField(document.NewTextFieldCustom("entity_id", nil, nil, index.IndexField, keywords(terms.EntityIDs)))
	}
	if len(terms.EntityTypes) > 0 {
		d.AddField(document.NewTextFieldCustom("entity_type", nil, nil, index.IndexField, keywords(terms.EntityTypes)))
	}
	d.AddField(document.NewTextFieldCustom("source", nil, []byte(a.Source), index.IndexField, nil))
	if a.StoryID != "" {
		d.AddField(document.NewTextFieldCustom("story_id", nil, []byte(a.StoryID), index.IndexField, nil))
	}
	// The story key of every article (its own id alone), with doc values,
	// for counting stories when collapsing.
	d.AddField(document.NewTextFieldCustom(storyField, nil, []byte(search.StoryKey(a)), keywordOpts, nil))
	d.AddField(document.NewTextFieldCustom("lang", nil, []byte(a.Lang), index.IndexField, nil))
	d.AddField(document.NewNumericFieldWithIndexingOptions("words", nil, float64(a.WordCount), index.IndexField))
	// The revision is only read back (stored), never searched: indexed, its
	// value (a stream sequence) would add 16 terms per article to the
	// dictionary, most of them unique, that every merge rewrites.
	d.AddField(document.NewNumericFieldWithIndexingOptions("revision", nil, float64(a.Revision), index.StoreField))
	sortDate := a.IngestedAt
	if !a.PublishedAt.IsZero() {
		f, err := document.NewDateTimeFieldWithIndexingOptions("published_at", nil, a.PublishedAt, time.RFC3339, index.IndexField)
		if err != nil {
			return nil, fmt.Errorf("published_at of %s: %w", a.ID, err)
		}
		d.AddField(f)
		sortDate = a.PublishedAt
	}
	if !sortDate.IsZero() {
		d.AddField(document.NewTextFieldCustom(sortField, nil, []byte(sortKey(sortDate)), keywordOpts, nil))
	}
	d.AddField(document.NewTextFieldWithIndexingOptions(sourceField, nil, raw, index.StoreField))
	return d, nil
}

// Upsert writes docs in one batch. A doc whose revision is lower than the
// stored one is skipped, and of several versions in docs the highest wins.
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
	sort.Strings(ids)
	// Analyse outside the lock: it is most of the work.
	type prepared struct {
		id  string
		rev uint64
		doc *document.Document
	}
	preps := make([]prepared, len(ids))
	err := search.ParallelFor(len(ids), func(i int) error {
		a := latest[ids[i]]
		raw, err := article.Encode(a)
		if err != nil {
			return fmt.Errorf("encode article %s: %w", a.ID, err)
		}
		doc, err := x.document(a, raw)
		if err != nil {
			return err
		}
		preps[i] = prepared{id: a.ID, rev: a.Revision, doc: doc}
		return nil
	})
	if err != nil {
		return err
	}
	if x.failed.Load() {
		if err := x.reopen(); err != nil {
			return err
		}
	}
	x.claim(ids)
	defer x.release(ids)
	bi, done := x.use()
	defer done()
	stored, err := x.revisions(ctx, bi, ids)
	if err != nil {
		if ctx.Err() == nil {
			x.failed.Store(true)
		}
		return err
	}
	b := bi.NewBatch()
	for _, p := range preps {
		if rev, ok := stored[p.id]; ok && rev > p.rev {
			continue
		}
		if err := b.IndexAdvanced(p.doc); err != nil {
			return fmt.Errorf("index article %s: %w", p.id, err)
		}
	}
	if b.Size() == 0 {
		return nil
	}
	if err := bi.Batch(b); err != nil {
		x.failed.Store(true)
		return fmt.Errorf("write batch of %d articles: %w", b.Size(), err)
	}
	return nil
}

// revisions returns the stored revision of each of ids that is present.
func (x *Index) revisions(ctx context.Context, bi bleve.Index, ids []string) (map[string]uint64, error) {
	req := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(ids), len(ids), 0, false)
	req.Fields = []string{"revision"}
	req.Score = "none"
	res, err := bi.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("read stored revisions: %w", err)
	}
	out := make(map[string]uint64, len(res.Hits))
	for _, h := range res.Hits {
		rev, _ := h.Fields["revision"].(float64)
		out[h.ID] = uint64(rev)
	}
	return out, nil
}

// Get returns the stored article id.
func (x *Index) Get(_ context.Context, id string) (*article.Article, error) {
	bi, done := x.use()
	defer done()
	doc, err := bi.Document(id)
	if err != nil {
		return nil, fmt.Errorf("read article %s: %w", id, err)
	}
	if doc == nil {
		return nil, search.ErrNotFound
	}
	var raw []byte
	doc.VisitFields(func(f index.Field) {
		if f.Name() == sourceField {
			raw = f.Value()
		}
	})
	if raw == nil {
		return nil, search.ErrNotFound
	}
	a, err := article.Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("decode stored article %s: %w", id, err)
	}
	return a, nil
}

// Search runs q.
func (x *Index) Search(ctx context.Context, q search.Query) (*search.Result, error) {
	if err := q.Normalize(); err != nil {
		return nil, err
	}
	bi, done := x.use()
	defer done()
	root, n, err := x.root(ctx, bi, q)
	if err != nil {
		return nil, err
	}
	if q.Collapse == search.CollapseStory {
		return x.collapsed(ctx, q, root, n)
	}
	req := bleve.NewSearchRequestOptions(root, q.Limit, q.Offset, false)
	req.Fields = []string{sourceField}
	// Every value of the combined field, split by prefix below.
	req.AddFacet(facetField, bleve.NewFacetRequest(facetField, 1<<20))
	// Sort keys cost a doc-value read per match; _id would cost a stored
	// field read, so ties keep index order.
	if q.Sort == search.SortDate || !search.HasText(n) {
		req.SortBy([]string{"-" + sortField})
		req.Score = "none"
	} else {
		req.SortBy([]string{"-_score"})
	}
	res, err := bi.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	m := search.Highlights(x.set, n, q.Langs)
	out := &search.Result{Total: res.Total, Hits: make([]search.Hit, 0, len(res.Hits)), Facets: search.EmptyFacets()}
	for _, h := range res.Hits {
		raw, _ := h.Fields[sourceField].(string)
		a, err := article.Decode([]byte(raw))
		if err != nil {
			return nil, fmt.Errorf("decode stored article %s: %w", h.ID, err)
		}
		out.Hits = append(out.Hits, search.NewHit(x.set, a, h.Score, m))
	}
	x.facets(res, out, q.Langs)
	return out, nil
}

// facets copies the facet counts of res into out; the entities by id are
// named in the one language of langs when there is one.
func (x *Index) facets(res *bleve.SearchResult, out *search.Result, langs []string) {
	if fr := res.Facets[facetField]; fr != nil && fr.Terms != nil {
		// Terms come most frequent first (ties by term): keep the first
		// FacetSize of each facet.
		var names []string
		for _, t := range fr.Terms.Terms() {
			if len(t.Term) < 2 {
				continue
			}
			switch t.Term[:2] {
			case "i:":
				if len(out.EntityFacet) < search.FacetSize {
					out.EntityFacet = append(out.EntityFacet, search.EntityCount{ID: t.Term[2:], Count: t.Count})
				}
				continue
			case "n:":
				names = append(names, t.Term[2:])
				continue
			}
			name, ok := facetPrefixes[t.Term[:2]]
			if !ok || len(out.Facets[name]) >= search.FacetSize {
				continue
			}
			out.Facets[name][t.Term[2:]] = t.Count
		}
		nameEntities(out.EntityFacet, names, langs)
	}
}

// nameEntities gives each entity of the facet the name to show: names
// holds "id\x1flang\x1fname" facet terms, most matching articles first; the
// first in the one language filtered on, else the first in any.
func nameEntities(ents []search.EntityCount, names []string, langs []string) {
	at := make(map[string]int, len(ents))
	for i, e := range ents {
		at[e.ID] = i
	}
	inLang := make(map[string]bool, len(ents))
	for _, t := range names {
		id, rest, ok1 := strings.Cut(t, "\x1f")
		lang, name, ok2 := strings.Cut(rest, "\x1f")
		i, ok := at[id]
		if !ok1 || !ok2 || !ok || inLang[id] {
			continue
		}
		if len(langs) == 1 && lang == langs[0] {
			ents[i].Name, inLang[id] = name, true
		} else if ents[i].Name == "" {
			ents[i].Name = name
		}
	}
}

// root translates q (text and filters) into one Bleve query; extra
// clauses are added to the conjunction.
func (x *Index) root(ctx context.Context, bi bleve.Index, q search.Query, extra ...query.Query) (query.Query, search.Node, error) {
	n, err := q.ParseText()
	if err != nil {
		return nil, nil, err
	}
	tr := translator{set: x.set, langs: q.Langs, prefixes: &[]prefixTerm{}}
	must := []query.Query{tr.query(n)}
	if b, ok := search.BudgetFrom(ctx); ok && len(*tr.prefixes) > 0 {
		if err := x.checkExpansions(ctx, bi, *tr.prefixes, b.MaxExpansions); err != nil {
			return nil, nil, err
		}
	}
	for _, f := range []struct {
		field  string
		values []string
	}{{"lang", q.Langs}, {"source", q.Sources}, {"entity", q.Entities}, {"entity_id", q.EntityIDs}, {"story_id", q.StoryIDs}} {
		if len(f.values) == 0 {
			continue
		}
		var any []query.Query
		for _, v := range f.values {
			tq := bleve.NewTermQuery(v)
			tq.SetField(f.field)
			any = append(any, tq)
		}
		must = append(must, bleve.NewDisjunctionQuery(any...))
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		must = append(must, dateRange(q.From, q.To))
	}
	must = append(must, extra...)
	var root query.Query = bleve.NewConjunctionQuery(must...)
	if len(must) == 1 {
		root = must[0]
	}
	return root, n, nil
}

// DateCounts counts the matches of q per interval of their date, read from
// the doc values of the date sort field (one term per article); with key,
// only the matches whose by-field is key.
func (x *Index) DateCounts(ctx context.Context, q search.Query, interval, by, key string) (map[int64]int, error) {
	var extra []query.Query
	if by != "" {
		field := map[string]string{search.ByLang: "lang", search.BySource: "source", search.ByEntity: "entity"}[by]
		if field == "" {
			return nil, &search.ParamError{Param: "by", Msg: fmt.Sprintf("must be lang, source or entity, not %q", by)}
		}
		tq := bleve.NewTermQuery(key)
		tq.SetField(field)
		extra = append(extra, tq)
	}
	bi, done := x.use()
	defer done()
	root, _, err := x.root(ctx, bi, q, extra...)
	if err != nil {
		return nil, err
	}
	req := bleve.NewSearchRequestOptions(root, 0, 0, false)
	req.Score = "none"
	req.AddFacet(sortField, bleve.NewFacetRequest(sortField, 1<<30))
	res, err := bi.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("histogram: %w", err)
	}
	out := map[int64]int{}
	if fr := res.Facets[sortField]; fr != nil && fr.Terms != nil {
		for _, t := range fr.Terms.Terms() {
			sec, _, _ := strings.Cut(t.Term, ".")
			s, err := strconv.ParseInt(sec, 10, 64)
			if err != nil {
				continue
			}
			out[search.Truncate(time.Unix(s, 0), interval).Unix()] += t.Count
		}
	}
	return out, nil
}

// collapsed answers q with one hit per story: it reads the matches in
// order, in batches, skipping stories already seen, until the page is
// full; Total counts the distinct story keys of the matches.
func (x *Index) collapsed(ctx context.Context, q search.Query, root query.Query, n search.Node) (*search.Result, error) {
	want := q.Offset + q.Limit
	batch := max(2*want, 50)
	seen := map[string]bool{}
	var page []search.Hit
	m := search.Highlights(x.set, n, q.Langs)
	out := &search.Result{Facets: search.EmptyFacets()}
	for from := 0; len(page) < want; from += batch {
		req := bleve.NewSearchRequestOptions(root, batch, from, false)
		req.Fields = []string{sourceField}
		if from == 0 {
			req.AddFacet(facetField, bleve.NewFacetRequest(facetField, 1<<20))
			req.AddFacet(storyField, bleve.NewFacetRequest(storyField, 1<<30))
		}
		if q.Sort == search.SortDate || !search.HasText(n) {
			req.SortBy([]string{"-" + sortField})
			req.Score = "none"
		} else {
			req.SortBy([]string{"-_score"})
		}
		res, err := x.idx.SearchInContext(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		if from == 0 {
			x.facets(res, out, q.Langs)
			if fr := res.Facets[storyField]; fr != nil && fr.Terms != nil {
				out.Total = uint64(len(fr.Terms.Terms()))
			}
		}
		for _, h := range res.Hits {
			raw, _ := h.Fields[sourceField].(string)
			a, err := article.Decode([]byte(raw))
			if err != nil {
				return nil, fmt.Errorf("decode stored article %s: %w", h.ID, err)
			}
			if k := search.StoryKey(a); !seen[k] {
				seen[k] = true
				if len(page) < want {
					page = append(page, search.NewHit(x.set, a, h.Score, m))
				}
			}
		}
		if len(res.Hits) < batch {
			break
		}
	}
	out.Hits = []search.Hit{}
	if q.Offset < len(page) {
		out.Hits = page[q.Offset:]
	}
	return out, nil
}

func dateRange(from, to time.Time) query.Query {
	incl := true
	dr := bleve.NewDateRangeInclusiveQuery(from, to, &incl, &incl)
	dr.SetField("published_at")
	return dr
}

// translator turns a parsed query into a Bleve query.
type translator struct {
	set   *searchanalysis.Set
	langs []string
	// prefixes collects the prefix terms of the query, by field.
	prefixes *[]prefixTerm
}

// prefixTerm is one prefix of a query in one field, and the term as the
// person wrote it (for messages).
type prefixTerm struct {
	field, prefix, written string
}

// checkExpansions counts the index terms the prefixes match, field by
// field, and fails with a *search.BudgetError once they are more than
// limit: Bleve would search every one of them (a 572-byte query of 64
// two-letter prefixes cost 1.1 s of CPU and 200 MB on 5,000 articles).
func (x *Index) checkExpansions(ctx context.Context, bi bleve.Index, prefixes []prefixTerm, limit int) error {
	ai, err := bi.Advanced()
	if err != nil {
		return fmt.Errorf("open index reader: %w", err)
	}
	r, err := ai.Reader()
	if err != nil {
		return fmt.Errorf("open index reader: %w", err)
	}
	defer func() { _ = r.Close() }()
	total := 0
	most, mostTerm := 0, ""
	for _, p := range prefixes {
		if err := ctx.Err(); err != nil {
			return err
		}
		d, err := r.FieldDictPrefix(p.field, []byte(p.prefix))
		if err != nil {
			return fmt.Errorf("read terms of %s: %w", p.field, err)
		}
		n := 0
		for total+n <= limit {
			e, err := d.Next()
			if err != nil {
				_ = d.Close()
				return fmt.Errorf("read terms of %s: %w", p.field, err)
			}
			if e == nil {
				break
			}
			n++
		}
		_ = d.Close()
		total += n
		if n > most {
			most, mostTerm = n, p.written
		}
		if total > limit {
			return &search.BudgetError{Limit: "--search-max-expansions", Msg: fmt.Sprintf(
				"the prefixes of the query match more than %d terms of the index (%s at least %d); use longer prefixes or fewer of them",
				limit, mostTerm, most)}
		}
	}
	return nil
}

func (t translator) query(n search.Node) query.Query {
	switch v := n.(type) {
	case *search.All:
		return bleve.NewMatchAllQuery()
	case *search.Text:
		return t.text(v)
	case *search.Keyword:
		if v.Field == search.FieldID {
			return bleve.NewDocIDQuery([]string{v.Value})
		}
		field := v.Field
		if field == search.FieldType {
			field = "entity_type"
		}
		tq := bleve.NewTermQuery(v.Value)
		tq.SetField(field)
		return tq
	case *search.DateRange:
		return dateRange(v.From, v.To)
	case *search.NumRange:
		incl := true
		var lo, hi *float64
		if v.Min != nil {
			f := float64(*v.Min)
			lo = &f
		}
		if v.Max != nil {
			f := float64(*v.Max)
			hi = &f
		}
		nq := bleve.NewNumericRangeInclusiveQuery(lo, hi, &incl, &incl)
		nq.SetField("words")
		return nq
	case *search.Not:
		return query.NewBooleanQuery([]query.Query{bleve.NewMatchAllQuery()}, nil, []query.Query{t.query(v.Node)})
	case *search.Or:
		qs := make([]query.Query, len(v.Nodes))
		for i, c := range v.Nodes {
			qs[i] = t.query(c)
		}
		return bleve.NewDisjunctionQuery(qs...)
	case *search.And:
		var must, mustNot, optional []query.Query
		for _, c := range v.Nodes {
			switch cv := c.(type) {
			case *search.Not:
				mustNot = append(mustNot, t.query(cv.Node))
			default:
				if search.Droppable(t.set, c, t.langs) {
					optional = append(optional, t.query(c))
					continue
				}
				must = append(must, t.query(c))
			}
		}
		// Stop words go only when something positive remains.
		if len(must) == 0 {
			must = optional
		}
		if len(must) == 0 {
			must = []query.Query{bleve.NewMatchAllQuery()}
		}
		if len(mustNot) == 0 {
			if len(must) == 1 {
				return must[0]
			}
			return bleve.NewConjunctionQuery(must...)
		}
		return query.NewBooleanQuery(must, nil, mustNot)
	}
	return bleve.NewMatchNoneQuery()
}

func (t translator) text(v *search.Text) query.Query {
	ts := search.Analyze(t.set, v, t.langs)
	if len(ts.Variants) == 0 {
		return bleve.NewMatchNoneQuery()
	}
	var fields []string
	switch v.Field {
	case "":
		fields = []string{"title", "body"}
	case search.FieldTitle:
		fields = []string{"title"}
	case search.FieldBody:
		fields = []string{"body"}
	case search.FieldEntity:
		fields = []string{"entity_text"}
	}
	var qs []query.Query
	for _, f := range fields {
		for _, vr := range ts.Variants {
			var q query.Query
			switch {
			case ts.Prefix:
				if t.prefixes != nil {
					*t.prefixes = append(*t.prefixes, prefixTerm{field: f, prefix: vr[0], written: v.Value + "*"})
				}
				pq := bleve.NewPrefixQuery(vr[0])
				pq.SetField(f)
				q = pq
			case len(vr) == 1:
				tq := bleve.NewTermQuery(vr[0])
				tq.SetField(f)
				q = tq
			default:
				q = bleve.NewPhraseQuery(vr, f)
			}
			if f == "title" && len(fields) > 1 {
				if b, ok := q.(query.BoostableQuery); ok {
					b.SetBoost(titleBoost)
				}
			}
			qs = append(qs, q)
		}
	}
	if len(qs) == 1 {
		return qs[0]
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// Histogram answers h.
func (x *Index) Histogram(ctx context.Context, h search.HistogramQuery) (*search.Histogram, error) {
	return search.BuildHistogram(ctx, x, x, h)
}

// Count returns the number of stored articles.
func (x *Index) Count() (uint64, error) {
	bi, done := x.use()
	defer done()
	return bi.DocCount()
}

// Close closes the index.
func (x *Index) Close() (err error) {
	x.swap.Lock()
	defer x.swap.Unlock()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("close %s: %v", x.dir, r)
		}
	}()
	return x.idx.Close()
}

// Settle waits until the index has no merge left to do: its merge
// planner has planned at the current snapshot (found nothing to merge, or
// every merge it started is introduced and planned over again) and the
// snapshot stayed the same for two polls, poll apart. Writes made while
// it waits delay it. It is for measurements that must include the merges
// a run of writes leaves behind (bench --floors).
func (x *Index) Settle(ctx context.Context, poll time.Duration) error {
	stable := 0
	for {
		bi, done := x.use()
		m, _ := bi.StatsMap()["index"].(map[string]any)
		done()
		root, _ := m["CurRootEpoch"].(uint64)
		merged, _ := m["LastMergedEpoch"].(uint64)
		persisted, _ := m["LastPersistedEpoch"].(uint64)
		if m != nil && root == merged && persisted >= root {
			stable++
		} else {
			stable = 0
		}
		if stable >= 2 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
}

// String names the index for logs.
func (x *Index) String() string { return "bleve:" + strconv.Quote(x.dir) }

// use returns the Bleve index, held until done is called.
func (x *Index) use() (bleve.Index, func()) {
	x.swap.RLock()
	return x.idx, x.swap.RUnlock
}

// reopen closes the Bleve index after a failed write (or a failed read of
// the stored revisions) and opens it again from disk, checked by Verify
// first, once every use of it has ended.
func (x *Index) reopen() (err error) {
	x.swap.Lock()
	defer x.swap.Unlock()
	if !x.failed.Load() {
		return nil // another writer reopened it
	}
	func() {
		defer func() { _ = recover() }()
		_ = x.idx.Close()
	}()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: reopening %s after a failed write panicked: %v", ErrCorrupt, x.dir, r)
		}
	}()
	if err := Verify(x.dir); err != nil {
		return fmt.Errorf("reopen after a failed write: %w", err)
	}
	idx, err := bleve.OpenUsing(x.dir, x.cfg)
	if err != nil {
		return fmt.Errorf("reopen %s after a failed write: %w", x.dir, err)
	}
	x.idx = idx
	x.failed.Store(false)
	return nil
}
