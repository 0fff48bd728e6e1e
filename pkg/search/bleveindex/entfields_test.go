package bleveindex

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/searchtest"
)

// legacyDocument is a's document as written before the entity fields were
// merged: each entity name, id and type, and each facet value, a field of
// its own with its own array position.
func legacyDocument(t *testing.T, x *Index, a *article.Article) *document.Document {
	t.Helper()
	raw, err := article.Encode(a)
	if err != nil {
		t.Fatal(err)
	}
	d, err := x.document(a, raw)
	if err != nil {
		t.Fatal(err)
	}
	merged := map[string]bool{facetField: true, "entity_text": true, "entity": true, "entity_id": true, "entity_type": true}
	kept := d.Fields[:0]
	for _, f := range d.Fields {
		if !merged[f.Name()] {
			kept = append(kept, f)
		}
	}
	d.Fields = kept
	terms := search.AnalyzeArticle(x.set, a)
	facets := 0
	addFacet := func(prefix, v string) {
		d.AddField(document.NewTextFieldCustom(facetField, []uint64{uint64(facets)}, []byte(prefix+v), keywordOpts, nil))
		facets++
	}
	addFacet("l:", a.Lang)
	addFacet("s:", a.Source)
	for i, name := range terms.EntityNames {
		ap := []uint64{uint64(i)}
		d.AddField(document.NewTextFieldCustom("entity_text", ap, nil, textOpts, tokenStream(terms.Entities[i])))
		d.AddField(document.NewTextFieldCustom("entity", ap, []byte(name), index.IndexField, nil))
		addFacet("e:", name)
	}
	seen := map[string]bool{}
	for _, e := range a.Entities {
		if e.ID == "" || e.Text == "" {
			continue
		}
		if !seen[e.ID] {
			seen[e.ID] = true
			addFacet("i:", e.ID)
		}
		if k := e.ID + "\x1f" + a.Lang + "\x1f" + e.Text; !seen[k] {
			seen[k] = true
			addFacet("n:", k)
		}
	}
	for i, id := range terms.EntityIDs {
		d.AddField(document.NewTextFieldCustom("entity_id", []uint64{uint64(i)}, []byte(id), index.IndexField, nil))
	}
	for i, typ := range terms.EntityTypes {
		d.AddField(document.NewTextFieldCustom("entity_type", []uint64{uint64(i)}, []byte(typ), index.IndexField, nil))
	}
	return d
}

// upsertLegacy writes arts as documents of the old layout, in one batch,
// in the order of their ids as Upsert does (ties of score or date keep
// index order).
func upsertLegacy(t *testing.T, x *Index, arts []*article.Article) {
	t.Helper()
	arts = slices.Clone(arts)
	slices.SortFunc(arts, func(a, b *article.Article) int { return strings.Compare(a.ID, b.ID) })
	b := x.idx.NewBatch()
	for _, a := range arts {
		if err := b.IndexAdvanced(legacyDocument(t, x, a)); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.idx.Batch(b); err != nil {
		t.Fatal(err)
	}
}

// TestMergedEntityFieldsSearchAsSeparate: an index whose documents hold
// each kind of entity field once (all its tokens in one field) answers a
// set of queries - words, phrases, entity words and phrases, including
// phrases made of the end of one entity and the start of the next, the
// entity, entity_id and type filters, facets, snippets, date counts by
// entity - exactly as one written with a field per entity, and so does an
// index mixing segments of both (an index upgraded in place).
func TestMergedEntityFieldsSearchAsSeparate(t *testing.T) {
	at := time.Date(2019, 3, 1, 0, 0, 0, 0, time.UTC)
	person := func(id, text string) article.Entity {
		return article.Entity{ID: id, Text: text, Type: article.EntityPerson, Count: 1}
	}
	arts := []*article.Article{
		{ID: "x1", Source: "s", Lang: "en", Revision: 1, IngestedAt: at, Title: "Berg and Dahl",
			CleanBody: "Anna Berg, Carl Dahl and the Bank of Berg met.", WordCount: 10,
			Entities: []article.Entity{person("per:berg", "Anna Berg"), person("per:dahl", "Carl Dahl"),
				{ID: "org:bob", Text: "Bank of Berg", Type: article.EntityOrganization, Count: 1},
				person("per:berg", "Anna Berg")}},
		{ID: "x2", Source: "t", Lang: "en", Revision: 1, IngestedAt: at.Add(time.Hour), Title: "Berg Carl",
			CleanBody: "Berg Carl is one name.", WordCount: 5,
			Entities: []article.Entity{person("per:bc", "Berg Carl"), person("per:berg", "Berg")}},
	}
	arts = append(arts, searchtest.Fixtures()...)
	arts = append(arts, searchtest.WithEntities(t, corpusArticles(t, 20, "en.jsonl", "ru.jsonl", "de.jsonl", "bg.jsonl"))...)

	queries := []search.Query{
		{Text: "*"}, {Text: "*", Sort: search.SortDate}, {Text: "Berg"}, {Text: `"Berg Carl"`},
		{Text: `entity:"Anna Berg"`}, {Text: `entity:"Berg Carl"`}, {Text: `entity:"Berg Bank"`},
		{Text: `entity:"Dahl Bank"`}, {Text: "entity:berg"}, {Text: "entity:ber*"}, {Text: "type:person"},
		{Text: "type:organization entity:Dahl"}, {Text: "type:person -entity:Dahl"},
		{Text: "*", Entities: []string{"Anna Berg"}}, {Text: "*", Entities: []string{"Berg"}},
		{Text: "*", EntityIDs: []string{"per:berg"}}, {Text: "entity_id:per:dahl"},
		{Text: "Berg", Collapse: search.CollapseStory}, {Text: "election OR government", Langs: []string{"en"}},
	}
	// From the corpus articles: each article's first entity as an entity
	// phrase, and a phrase of the last word of one entity and the first
	// of the next, which only an entity holding both words may match.
	spanning := 0
	for _, a := range arts {
		var names []string
		seen := map[string]bool{}
		for _, e := range a.Entities {
			if e.Text != "" && !seen[e.Text] {
				seen[e.Text] = true
				names = append(names, e.Text)
			}
		}
		if len(names) < 2 || len(queries) > 80 {
			continue
		}
		q0, q1 := strings.Fields(names[0]), strings.Fields(names[1])
		queries = append(queries,
			search.Query{Text: `entity:"` + names[0] + `"`},
			search.Query{Text: `entity:"` + q0[len(q0)-1] + " " + q1[0] + `"`},
			search.Query{Text: "*", Entities: []string{names[1]}, Langs: []string{a.Lang}},
		)
		spanning++
	}
	t.Logf("%d articles, %d queries, %d spanning", len(arts), len(queries), spanning)
	if spanning < 10 {
		t.Fatalf("only %d articles with two entities in the sample", spanning)
	}

	open := func(name string) *Index {
		x, err := Open(filepath.Join(t.TempDir(), name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = x.Close() })
		return x
	}
	// mixed holds a segment of each layout, compared with legacy2, the
	// same two batches in the old layout (ties keep index order).
	legacy, merged, legacy2, mixed := open("legacy"), open("merged"), open("legacy2"), open("mixed")
	upsertLegacy(t, legacy, arts)
	if err := merged.Upsert(t.Context(), arts); err != nil {
		t.Fatal(err)
	}
	half := len(arts) / 2
	upsertLegacy(t, legacy2, arts[:half])
	upsertLegacy(t, legacy2, arts[half:])
	upsertLegacy(t, mixed, arts[:half])
	if err := mixed.Upsert(t.Context(), arts[half:]); err != nil {
		t.Fatal(err)
	}

	// Hits of equal score and date come in index order, which is not
	// the order of a batch (a batch is a map): find puts them in the
	// order of their ids. Every query returns all its hits (fewer
	// articles than search.MaxLimit), so the cut of a page does not
	// depend on that order.
	if len(arts) >= search.MaxLimit {
		t.Fatalf("%d articles, more than a page", len(arts))
	}
	date := map[string]time.Time{}
	for _, a := range arts {
		date[a.ID] = a.IngestedAt
		if !a.PublishedAt.IsZero() {
			date[a.ID] = a.PublishedAt
		}
	}
	find := func(x *Index, q search.Query) *search.Result {
		t.Helper()
		q.Limit = search.MaxLimit
		res, err := x.Search(t.Context(), q)
		if err != nil {
			t.Fatalf("%s: search %+v: %v", x, q, err)
		}
		hs := res.Hits
		for i := 0; i < len(hs); {
			j := i + 1
			for j < len(hs) && hs[j].Score == hs[i].Score && date[hs[j].ID].Equal(date[hs[i].ID]) {
				j++
			}
			slices.SortFunc(hs[i:j], func(a, b search.Hit) int { return strings.Compare(a.ID, b.ID) })
			i = j
		}
		return res
	}
	compare := func(stage string) {
		t.Helper()
		for _, q := range queries {
			for _, c := range []struct{ got, want *Index }{{merged, legacy}, {mixed, legacy2}} {
				got, want := find(c.got, q), find(c.want, q)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s: query %+v, %s:\n got %+v\nwant %+v (per-entity fields)", stage, q, c.got, got, want)
				}
			}
		}
	}
	compare("a segment of each layout")
	s, err := mixed.idx.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.(*scorch.Scorch).ForceMerge(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	compare("both layouts merged into one segment")
	// The phrases that only the separate fields kept from matching.
	for q, wantIDs := range map[string][]string{`entity:"Berg Carl"`: {"x2"}, `entity:"Dahl Bank"`: nil, `entity:"Anna Berg"`: {"x1"}} {
		var ids []string
		for _, h := range find(merged, search.Query{Text: q}).Hits {
			ids = append(ids, h.ID)
		}
		if !reflect.DeepEqual(ids, wantIDs) {
			t.Errorf("%s matches %v, want %v", q, ids, wantIDs)
		}
	}
	want, err := legacy.DateCounts(t.Context(), search.Query{Text: "*"}, search.IntervalDay, search.ByEntity, "Anna Berg")
	if err != nil {
		t.Fatal(err)
	}
	got, err := merged.DateCounts(t.Context(), search.Query{Text: "*"}, search.IntervalDay, search.ByEntity, "Anna Berg")
	if err != nil || !reflect.DeepEqual(got, want) || len(got) == 0 {
		t.Errorf("date counts by entity: %v (%v), want %v (per-entity fields)", got, err, want)
	}
}
