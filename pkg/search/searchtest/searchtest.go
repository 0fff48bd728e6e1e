// Package searchtest is the test suite every search.Index backend passes:
// query syntax, analysis, filters, sorting, pagination, facets, snippets,
// and the upsert and revision rules. A backend's test calls Run with a
// function that opens a fresh, empty index.
package searchtest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/search"
)

// Opener opens a fresh, empty index; the suite closes it.
type Opener func(t *testing.T) search.Index

func date(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s) // constants; a typo fails the tests that use it
	return t
}

func ents(pairs ...string) []article.Entity {
	var out []article.Entity
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, article.Entity{ID: fixtureIDs[pairs[i]], Text: pairs[i], Type: pairs[i+1], Count: 1})
	}
	return out
}

// fixtureIDs are the entity ids of the fixtures' entities (the same person
// in Bulgarian and Russian shares one).
var fixtureIDs = map[string]string{"Сергей Лавров": "per:lvr", "Тръмп": "per:trmp", "Путин": "per:ptn", "Россия": "iso:RU", "Venezuela": "iso:VE"}

// Fixtures are small articles written for these tests, in five languages.
func Fixtures() []*article.Article {
	ingested := date("2019-01-01T00:00:00Z")
	return []*article.Article{
		{ID: "bg1", Source: "actualno", Lang: "bg", Revision: 1, IngestedAt: ingested, StoryID: "bg1",
			Title:       "Лавров се срещна с Помпео в Сочи",
			CleanBody:   "Министърът на външните работи Сергей Лавров и държавният секретар Майк Помпео говориха за Венецуела.\n\nРазговорът продължи два часа.",
			PublishedAt: date("2019-05-14T10:00:00Z"), WordCount: 120,
			Entities: ents("Сергей Лавров", article.EntityPerson, "Майк Помпео", article.EntityPerson, "Сочи", article.EntityLocation)},
		{ID: "bg2", Source: "dnevnik", Lang: "bg", Revision: 1, IngestedAt: ingested,
			Title:     "Министрите обсъдиха бюджета",
			CleanBody: "Министрите от правителството обсъдиха новия бюджет. Путин и Тръмп не бяха споменати.", WordCount: 14,
			Entities: ents("Путин", article.EntityPerson, "Тръмп", article.EntityPerson)},
		{ID: "ru1", Source: "tass", Lang: "ru", Revision: 1, IngestedAt: ingested, StoryID: "bg1",
			Title:       "Лаврова спросили о Венесуэле",
			CleanBody:   "Сергей Лавров заявил, что Россия не вмешивается. Войны не будет.",
			PublishedAt: date("2019-05-15T09:00:00Z"), WordCount: 80,
			Entities: ents("Сергей Лавров", article.EntityPerson, "Россия", article.EntityLocation)},
		{ID: "en1", Source: "bbc", Lang: "en", Revision: 1, IngestedAt: ingested,
			Title:       "Elections in Venezuela",
			CleanBody:   "The election was contested. Voters elected a new parliament amid protests.",
			PublishedAt: date("2019-06-01T12:00:00Z"), WordCount: 11,
			Entities: ents("Venezuela", article.EntityLocation)},
		{ID: "en2", Source: "bbc", Lang: "en", Revision: 1, IngestedAt: ingested, StoryID: "en2",
			Title:       "Markets rally",
			CleanBody:   "Stock markets rallied after the central bank <b>cut</b> rates & more.",
			PublishedAt: date("2020-01-10T08:00:00Z"), WordCount: 12,
			Entities: ents("central bank", article.EntityOrganization)},
		{ID: "de1", Source: "derstandard", Lang: "de", Revision: 1, IngestedAt: ingested,
			Title: "Die Häuser in Wien", CleanBody: "Neue Häuser werden gebaut. Das Haus steht.", WordCount: 7},
		{ID: "uk1", Source: "pravda", Lang: "uk", Revision: 1, IngestedAt: ingested,
			Title: "Війна і мир", CleanBody: "Київ заявив про переговори.",
			PublishedAt: date("2019-05-14T08:00:00Z"), WordCount: 4},
	}
}

func clone(a *article.Article) *article.Article {
	c := *a
	return &c
}

func open(t *testing.T, o Opener, docs ...*article.Article) search.Index {
	t.Helper()
	idx := o(t)
	t.Cleanup(func() {
		if err := idx.Close(); err != nil {
			t.Errorf("close index: %v", err)
		}
	})
	if len(docs) > 0 {
		if err := idx.Upsert(context.Background(), docs); err != nil {
			t.Fatalf("upsert fixtures: %v", err)
		}
	}
	return idx
}

func ids(res *search.Result) []string {
	out := make([]string, 0, len(res.Hits))
	for _, h := range res.Hits {
		out = append(out, h.ID)
	}
	return out
}

func sorted(s []string) []string {
	s = append([]string(nil), s...)
	sort.Strings(s)
	if s == nil {
		s = []string{}
	}
	return s
}

func mustSearch(t *testing.T, idx search.Index, q search.Query) *search.Result {
	t.Helper()
	res, err := idx.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	return res
}

// Run runs the suite against the backend o opens.
func Run(t *testing.T, o Opener) {
	t.Run("query syntax", func(t *testing.T) { testQueries(t, o) })
	t.Run("filters", func(t *testing.T) { testFilters(t, o) })
	t.Run("sort and pages", func(t *testing.T) { testSortAndPages(t, o) })
	t.Run("facets", func(t *testing.T) { testFacets(t, o) })
	t.Run("snippets", func(t *testing.T) { testSnippets(t, o) })
	t.Run("get", func(t *testing.T) { testGet(t, o) })
	t.Run("revisions", func(t *testing.T) { testRevisions(t, o) })
	t.Run("concurrent writers", func(t *testing.T) { testConcurrentWriters(t, o) })
	t.Run("invalid queries", func(t *testing.T) { testInvalid(t, o) })
	t.Run("histogram", func(t *testing.T) { testHistogram(t, o) })
	t.Run("collapse", func(t *testing.T) { testCollapse(t, o) })
	t.Run("entity facet by id", func(t *testing.T) { testEntityFacetByID(t, o) })
}

// Case is a query over the Fixtures and the ids it must match, sorted.
type Case struct {
	Name  string
	Query search.Query
	Want  []string
}

// QueryCases are the query-language cases of the suite (Query.Text only).
func QueryCases() []Case {
	all := []string{"bg1", "bg2", "de1", "en1", "en2", "ru1", "uk1"}
	tests := []struct {
		name, q string
		want    []string
	}{
		{"word across languages", "Лавров", []string{"bg1", "ru1"}},
		{"bulgarian inflection", "министрите", []string{"bg1", "bg2"}},
		{"russian inflection", "Лаврова", []string{"bg1", "ru1"}},
		{"english inflection", "elections", []string{"en1"}},
		{"german inflection", "Haus", []string{"de1"}},
		{"default analyzer", "Київ", []string{"uk1"}},
		{"words in title and body", "Сочи Венецуела", []string{"bg1"}},
		{"all words must match", "Лавров Венецуела", []string{"bg1"}},
		{"phrase", `"Сергей Лавров"`, []string{"bg1", "ru1"}},
		{"phrase order", `"Лавров Сергей"`, []string{}},
		{"or", "Лавров OR elections", []string{"bg1", "en1", "ru1"}},
		{"minus", "Лавров -Помпео", []string{"ru1"}},
		{"not", "Лавров NOT Помпео", []string{"ru1"}},
		{"group", "(Лавров OR Häuser) -Помпео", []string{"de1", "ru1"}},
		{"negative only", "-Лавров", []string{"bg2", "de1", "en1", "en2", "uk1"}},
		{"stop word dropped", "Путин и Тръмп", []string{"bg2"}},
		{"phrase with stop word", `"Путин и Тръмп"`, []string{"bg2"}},
		{"stop word kept beside a negation", "про -Лавров", []string{"uk1"}},
		{"prefix", "войн*", []string{"ru1"}},
		{"everything", "*", all},
		{"title field", "title:Помпео", []string{"bg1"}},
		{"title field misses body", "title:Венецуела", []string{}},
		{"body field", "body:Венецуела", []string{"bg1"}},
		{"entity word", "entity:Помпео", []string{"bg1"}},
		{"entity phrase", `entity:"Сергей Лавров"`, []string{"bg1", "ru1"}},
		{"lang", "lang:ru", []string{"ru1"}},
		{"source", "source:bbc", []string{"en1", "en2"}},
		{"id", "id:de1", []string{"de1"}},
		{"entity type", "type:location", []string{"bg1", "en1", "ru1"}},
		{"entity id", "entity_id:per:trmp", []string{"bg2"}},
		{"entity id quoted", `entity_id:"per:lvr"`, []string{"bg1", "ru1"}},
		{"entity id or", "entity_id:iso:RU OR entity_id:iso:VE", []string{"en1", "ru1"}},
		{"published day", "published:2019-05-14", []string{"bg1", "uk1"}},
		{"published month", "published:2019-05", []string{"bg1", "ru1", "uk1"}},
		{"published after", "published:>=2020", []string{"en2"}},
		{"published up to", "published:..2019-05-14", []string{"bg1", "uk1"}},
		{"words over", "words:>100", []string{"bg1"}},
		{"words range", "words:50..100", []string{"ru1"}},
		{"field and words", "lang:en rates", []string{"en2"}},
		{"no match", "несъществуващадума", []string{}},
	}
	out := make([]Case, len(tests))
	for i, tt := range tests {
		out[i] = Case{Name: tt.name, Query: search.Query{Text: tt.q, Limit: 50}, Want: tt.want}
	}
	return out
}

func testQueries(t *testing.T, o Opener) {
	idx := open(t, o, Fixtures()...)
	for _, tt := range QueryCases() {
		t.Run(tt.Name, func(t *testing.T) {
			res := mustSearch(t, idx, tt.Query)
			if got := sorted(ids(res)); !reflect.DeepEqual(got, tt.Want) {
				t.Errorf("search %q = %v, want %v", tt.Query.Text, got, tt.Want)
			}
			if int(res.Total) != len(tt.Want) {
				t.Errorf("search %q: total %d, want %d", tt.Query.Text, res.Total, len(tt.Want))
			}
		})
	}
}

// FilterCases are the filter cases of the suite (Query's filter fields).
func FilterCases() []Case {
	tests := []struct {
		name string
		q    search.Query
		want []string
	}{
		{"lang", search.Query{Text: "Лавров", Langs: []string{"ru"}}, []string{"ru1"}},
		{"two langs", search.Query{Text: "*", Langs: []string{"de", "uk"}}, []string{"de1", "uk1"}},
		{"source", search.Query{Text: "Лавров", Sources: []string{"actualno"}}, []string{"bg1"}},
		{"entity", search.Query{Entities: []string{"Сергей Лавров"}}, []string{"bg1", "ru1"}},
		{"entity and lang", search.Query{Entities: []string{"Сергей Лавров"}, Langs: []string{"bg"}}, []string{"bg1"}},
		{"entity id", search.Query{EntityIDs: []string{"per:lvr"}}, []string{"bg1", "ru1"}},
		{"entity ids", search.Query{EntityIDs: []string{"per:trmp", "iso:VE"}}, []string{"bg2", "en1"}},
		{"entity id and lang", search.Query{EntityIDs: []string{"per:lvr"}, Langs: []string{"ru"}}, []string{"ru1"}},
		{"date range", search.Query{From: date("2019-05-14T00:00:00Z"), To: date("2019-05-14T23:59:59Z")}, []string{"bg1", "uk1"}},
		{"open end", search.Query{From: date("2019-06-01T00:00:00Z")}, []string{"en1", "en2"}},
		{"open start", search.Query{To: date("2019-05-14T09:00:00Z")}, []string{"uk1"}},
		{"story", search.Query{StoryIDs: []string{"bg1"}}, []string{"bg1", "ru1"}},
		{"story and lang", search.Query{Text: "*", StoryIDs: []string{"bg1", "en2"}, Langs: []string{"ru", "en"}}, []string{"en2", "ru1"}},
	}
	out := make([]Case, len(tests))
	for i, tt := range tests {
		out[i] = Case{Name: tt.name, Query: tt.q, Want: tt.want}
	}
	return out
}

func testFilters(t *testing.T, o Opener) {
	idx := open(t, o, Fixtures()...)
	for _, tt := range FilterCases() {
		t.Run(tt.Name, func(t *testing.T) {
			res := mustSearch(t, idx, tt.Query)
			if got := sorted(ids(res)); !reflect.DeepEqual(got, tt.Want) {
				t.Errorf("search %+v = %v, want %v", tt.Query, got, tt.Want)
			}
		})
	}
}

func testSortAndPages(t *testing.T, o Opener) {
	idx := open(t, o, Fixtures()...)
	// bg2 and de1 have no published_at and were ingested at the same
	// time: their order is the backend's.
	byDate := []string{"en2", "en1", "ru1", "bg1", "uk1", "bg2", "de1"}
	res := mustSearch(t, idx, search.Query{Text: "*", Sort: search.SortDate, Limit: 10})
	if got := ids(res); !reflect.DeepEqual(got[:5], byDate[:5]) || !reflect.DeepEqual(sorted(got[5:]), byDate[5:]) {
		t.Errorf("sort by date = %v, want %v", got, byDate)
	}
	// Without words to score, relevance order is date order.
	res = mustSearch(t, idx, search.Query{Text: "*", Limit: 5})
	if got := ids(res); !reflect.DeepEqual(got, byDate[:5]) {
		t.Errorf("relevance order of * = %v, want %v", got, byDate[:5])
	}
	res = mustSearch(t, idx, search.Query{Text: "*", Sort: search.SortDate, Limit: 2, Offset: 2})
	if got := ids(res); !reflect.DeepEqual(got, byDate[2:4]) || res.Total != 7 {
		t.Errorf("page 2 = %v (total %d), want %v (total 7)", got, res.Total, byDate[2:4])
	}
	res = mustSearch(t, idx, search.Query{Text: "*", Sort: search.SortDate, Limit: 10, Offset: 5})
	if got := ids(res); !reflect.DeepEqual(sorted(got), byDate[5:]) {
		t.Errorf("last page = %v, want %v", got, byDate[5:])
	}
	res = mustSearch(t, idx, search.Query{Text: "*", Offset: 100})
	if len(res.Hits) != 0 || res.Total != 7 {
		t.Errorf("past the end: %d hits, total %d; want 0 and 7", len(res.Hits), res.Total)
	}
	// Relevance: the article naming the word in its title and body ranks
	// above the one naming it once in the body.
	if err := idx.Upsert(context.Background(), []*article.Article{
		{ID: "r1", Source: "s", Lang: "en", Revision: 1, Title: "Budget", CleanBody: "Unrelated text about budget talks and the budget vote."},
		{ID: "r2", Source: "s", Lang: "en", Revision: 1, Title: "Weather", CleanBody: "Rain, and a word on the budget."},
	}); err != nil {
		t.Fatal(err)
	}
	res = mustSearch(t, idx, search.Query{Text: "budget"})
	if got := ids(res); len(got) != 2 || got[0] != "r1" {
		t.Errorf("relevance order = %v, want r1 first", got)
	}
	if len(res.Hits) == 2 && !(res.Hits[0].Score > res.Hits[1].Score) {
		t.Errorf("scores %v, %v not descending", res.Hits[0].Score, res.Hits[1].Score)
	}
}

func testFacets(t *testing.T, o Opener) {
	idx := open(t, o, Fixtures()...)
	res := mustSearch(t, idx, search.Query{Text: "*"})
	want := map[string]map[string]int{
		search.FacetLang:   {"bg": 2, "ru": 1, "en": 2, "de": 1, "uk": 1},
		search.FacetSource: {"actualno": 1, "dnevnik": 1, "tass": 1, "bbc": 2, "derstandard": 1, "pravda": 1},
		search.FacetEntities: {"Сергей Лавров": 2, "Майк Помпео": 1, "Сочи": 1, "Путин": 1, "Тръмп": 1,
			"Россия": 1, "Venezuela": 1, "central bank": 1},
	}
	if !reflect.DeepEqual(res.Facets, want) {
		t.Errorf("facets = %v\nwant     %v", res.Facets, want)
	}
	res = mustSearch(t, idx, search.Query{Text: "Лавров"})
	if got := res.Facets[search.FacetLang]; !reflect.DeepEqual(got, map[string]int{"bg": 1, "ru": 1}) {
		t.Errorf("lang facet of Лавров = %v", got)
	}
	res = mustSearch(t, idx, search.Query{Text: "несъществуващадума"})
	if !reflect.DeepEqual(res.Facets, search.EmptyFacets()) {
		t.Errorf("facets without hits = %v, want every facet empty", res.Facets)
	}
}

func testSnippets(t *testing.T, o Opener) {
	idx := open(t, o, Fixtures()...)
	tests := []struct {
		q, id    string
		contains []string
	}{
		{"Лавров", "bg1", []string{"Сергей <mark>Лавров</mark>"}},
		{"rates", "en2", []string{"&lt;b&gt;cut&lt;/b&gt; <mark>rates</mark> &amp; more"}},
		{`"Сергей Лавров"`, "ru1", []string{"<mark>Сергей</mark> <mark>Лавров</mark> заявил"}},
		{"lang:de", "de1", []string{"Neue Häuser werden gebaut."}},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			res := mustSearch(t, idx, search.Query{Text: tt.q, Limit: 50})
			for _, h := range res.Hits {
				if h.ID != tt.id {
					continue
				}
				for _, c := range tt.contains {
					if !strings.Contains(h.Snippet, c) {
						t.Errorf("snippet %q does not contain %q", h.Snippet, c)
					}
				}
				if h.Title == "" || h.Source == "" || h.Lang == "" {
					t.Errorf("hit %+v lacks title, source or lang", h)
				}
				return
			}
			t.Errorf("no hit %s for %q in %v", tt.id, tt.q, ids(res))
		})
	}
	res := mustSearch(t, idx, search.Query{Text: "id:bg1"})
	if len(res.Hits) != 1 || res.Hits[0].PublishedAt == nil || !res.Hits[0].PublishedAt.Equal(date("2019-05-14T10:00:00Z")) {
		t.Errorf("hit published_at = %+v, want 2019-05-14T10:00:00Z", res.Hits)
	}
}

func testGet(t *testing.T, o Opener) {
	fx := Fixtures()
	idx := open(t, o, fx...)
	got, err := idx.Get(context.Background(), "bg1")
	if err != nil {
		t.Fatal(err)
	}
	want := fx[0]
	if got.ID != want.ID || got.Title != want.Title || got.CleanBody != want.CleanBody ||
		!reflect.DeepEqual(got.Entities, want.Entities) || !got.PublishedAt.Equal(want.PublishedAt) || got.Revision != want.Revision {
		t.Errorf("Get(bg1) = %+v\nwant %+v", got, want)
	}
	if _, err := idx.Get(context.Background(), "missing"); !errors.Is(err, search.ErrNotFound) {
		t.Errorf("Get(missing) error = %v, want ErrNotFound", err)
	}
}

func version(id string, rev uint64, word string) *article.Article {
	return &article.Article{ID: id, Source: "s", Lang: "en", Revision: rev, Title: "version " + word, CleanBody: "text " + word}
}

func testRevisions(t *testing.T, o Opener) {
	ctx := context.Background()
	idx := open(t, o)
	upsert := func(docs ...*article.Article) {
		t.Helper()
		if err := idx.Upsert(ctx, docs); err != nil {
			t.Fatal(err)
		}
	}
	title := func() string {
		t.Helper()
		a, err := idx.Get(ctx, "x")
		if err != nil {
			t.Fatal(err)
		}
		return a.Title
	}
	total := func(q string) uint64 {
		t.Helper()
		return mustSearch(t, idx, search.Query{Text: q}).Total
	}
	t.Run("older does not overwrite newer", func(t *testing.T) {
		upsert(version("x", 5, "five"))
		upsert(version("x", 3, "three"))
		if got := title(); got != "version five" {
			t.Errorf("title = %q, want version five", got)
		}
		if n := total("three"); n != 0 {
			t.Errorf("the older version is searchable: %d hits", n)
		}
	})
	t.Run("replay makes no second hit", func(t *testing.T) {
		upsert(version("x", 5, "five"))
		upsert(version("x", 5, "five"), version("x", 5, "five"))
		if n := total("five"); n != 1 {
			t.Errorf("five: %d hits, want 1", n)
		}
	})
	t.Run("highest of one batch wins", func(t *testing.T) {
		upsert(version("x", 7, "seven"), version("x", 6, "six"))
		if got := title(); got != "version seven" {
			t.Errorf("title = %q, want version seven", got)
		}
		if n := total("six"); n != 0 {
			t.Errorf("six: %d hits, want 0", n)
		}
	})
	t.Run("same revision replaces", func(t *testing.T) {
		upsert(version("x", 7, "again"))
		if got := title(); got != "version again" {
			t.Errorf("title = %q, want version again", got)
		}
		if n := total("seven"); n != 0 {
			t.Errorf("seven: %d hits after replacement, want 0", n)
		}
		if n := total("*"); n != 1 {
			t.Errorf("%d articles, want 1", n)
		}
	})
}

func testConcurrentWriters(t *testing.T, o Opener) {
	ctx := context.Background()
	idx := open(t, o)
	const writers, revs = 4, 12
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each writer sends every revision, in its own order.
			for i := range revs {
				r := uint64((i*(w+1))%revs + 1)
				batch := []*article.Article{version("c", r, fmt.Sprintf("r%d", r)), version(fmt.Sprintf("w%d-%d", w, i), 1, "other")}
				if err := idx.Upsert(ctx, batch); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	a, err := idx.Get(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	if a.Revision != revs {
		t.Errorf("revision %d won, want %d", a.Revision, revs)
	}
	if n := mustSearch(t, idx, search.Query{Text: "*"}).Total; n != 1+writers*revs {
		t.Errorf("%d articles, want %d", n, 1+writers*revs)
	}
}

func testInvalid(t *testing.T, o Opener) {
	idx := open(t, o, Fixtures()...)
	for _, q := range []search.Query{
		{Text: `"open phrase`},
		{Text: "a OR"},
		{Text: "nofield:x"},
		{Text: "*", Sort: "random"},
		{Text: "*", Offset: search.MaxOffset + 1},
	} {
		t.Run(q.Text+" "+q.Sort, func(t *testing.T) {
			_, err := idx.Search(context.Background(), q)
			if !errors.Is(err, search.ErrInvalidQuery) {
				t.Errorf("search %+v: error %v, want ErrInvalidQuery", q, err)
			}
		})
	}
}

// Clone copies the fixtures so that a test may change them.
func Clone(docs []*article.Article) []*article.Article {
	out := make([]*article.Article, len(docs))
	for i, d := range docs {
		out[i] = clone(d)
	}
	return out
}

// HistogramCase is a histogram over the Fixtures: the bucket counts from
// the first bucket (starting at First), and per series key its total.
type HistogramCase struct {
	Name   string
	Query  search.HistogramQuery
	First  string
	Counts []int
	Series []string
	Totals []int
}

// HistogramCases are the histogram cases of the suite.
func HistogramCases() []HistogramCase {
	return []HistogramCase{
		{Name: "days in a range", Query: search.HistogramQuery{Query: search.Query{Text: "*", Langs: []string{"bg", "ru", "uk"},
			From: date("2019-05-14T00:00:00Z"), To: date("2019-05-15T23:59:59Z")}, Interval: search.IntervalDay},
			First: "2019-05-14T00:00:00Z", Counts: []int{2, 1}},
		{Name: "hours", Query: search.HistogramQuery{Query: search.Query{Text: "Лавров"}, Interval: search.IntervalHour},
			First: "2019-05-14T10:00:00Z", Counts: append(append([]int{1}, make([]int, 22)...), 1)},
		{Name: "weeks over everything, dates default to ingested_at", Query: search.HistogramQuery{Query: search.Query{Text: "*"}, Interval: search.IntervalWeek},
			First: "2018-12-31T00:00:00Z", Counts: weeks(map[int]int{0: 2, 19: 3, 21: 1, 53: 1}, 54)},
		{Name: "by lang", Query: search.HistogramQuery{Query: search.Query{Text: "*", From: date("2019-05-13T00:00:00Z"), To: date("2019-06-09T23:59:59Z")},
			Interval: search.IntervalWeek, By: search.ByLang},
			First: "2019-05-13T00:00:00Z", Counts: []int{3, 0, 1, 0}, Series: []string{"bg", "en", "ru", "uk"}, Totals: []int{1, 1, 1, 1}},
		{Name: "by entity", Query: search.HistogramQuery{Query: search.Query{Text: "*", From: date("2019-05-01T00:00:00Z"), To: date("2019-05-31T00:00:00Z")},
			Interval: search.IntervalDay, By: search.ByEntity},
			First: "2019-05-01T00:00:00Z", Counts: days(map[int]int{13: 2, 14: 1}, 31),
			Series: []string{"Сергей Лавров", "Майк Помпео", "Россия", "Сочи"}, Totals: []int{2, 1, 1, 1}},
		{Name: "by source with a filter", Query: search.HistogramQuery{Query: search.Query{Text: "*", Sources: []string{"bbc", "tass"}},
			Interval: search.IntervalWeek, By: search.BySource},
			First: "2019-05-13T00:00:00Z", Counts: weeks(map[int]int{0: 1, 2: 1, 34: 1}, 35), Series: []string{"bbc", "tass"}, Totals: []int{2, 1}},
		{Name: "no match", Query: search.HistogramQuery{Query: search.Query{Text: "nothingmatchesthis"}, Interval: search.IntervalDay, By: search.ByLang},
			Counts: []int{}},
	}
}

func weeks(at map[int]int, n int) []int {
	out := make([]int, n)
	for i, c := range at {
		out[i] = c
	}
	return out
}

func days(at map[int]int, n int) []int { return weeks(at, n) }

// testHistogram runs the histogram cases against a backend that
// implements search.Histogrammer (both do).
func testHistogram(t *testing.T, o Opener) {
	idx := open(t, o, Fixtures()...)
	h, ok := idx.(search.Histogrammer)
	if !ok {
		t.Fatalf("%T does not implement search.Histogrammer", idx)
	}
	for _, c := range HistogramCases() {
		t.Run(c.Name, func(t *testing.T) {
			res, err := h.Histogram(context.Background(), c.Query)
			if err != nil {
				t.Fatalf("histogram: %v", err)
			}
			var got []int
			for _, b := range res.Buckets {
				got = append(got, b.Count)
			}
			if got == nil {
				got = []int{}
			}
			if !reflect.DeepEqual(got, c.Counts) {
				t.Fatalf("counts = %v, want %v", got, c.Counts)
			}
			if len(res.Buckets) > 0 && res.Buckets[0].Start.Format(time.RFC3339) != c.First {
				t.Errorf("first bucket %s, want %s", res.Buckets[0].Start.Format(time.RFC3339), c.First)
			}
			var keys []string
			var totals []int
			for _, s := range res.Series {
				keys = append(keys, s.Key)
				totals = append(totals, s.Total)
				if len(s.Buckets) != len(res.Buckets) {
					t.Errorf("series %s has %d buckets, the histogram %d", s.Key, len(s.Buckets), len(res.Buckets))
				}
			}
			if !reflect.DeepEqual(keys, c.Series) || !reflect.DeepEqual(totals, c.Totals) {
				t.Errorf("series %v %v, want %v %v", keys, totals, c.Series, c.Totals)
			}
		})
	}
	for _, c := range []struct {
		name  string
		q     search.HistogramQuery
		field string
	}{
		{"bad interval", search.HistogramQuery{Query: search.Query{Text: "*"}, Interval: "month"}, "interval"},
		{"bad by", search.HistogramQuery{Query: search.Query{Text: "*"}, Interval: "day", By: "author"}, "by"},
		{"too many buckets", search.HistogramQuery{Query: search.Query{Text: "*", From: date("2000-01-01T00:00:00Z"), To: date("2020-01-01T00:00:00Z")}, Interval: "hour"}, "interval"},
		{"too many buckets without from and to", search.HistogramQuery{Query: search.Query{Text: "*"}, Interval: "hour"}, "interval"},
		{"bad query", search.HistogramQuery{Query: search.Query{Text: "title:("}, Interval: "day"}, "q"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := h.Histogram(context.Background(), c.q)
			var fe interface{ Field() string }
			if !errors.Is(err, search.ErrInvalidQuery) || !errors.As(err, &fe) || fe.Field() != c.field {
				t.Fatalf("err = %v, want an invalid query naming %s", err, c.field)
			}
		})
	}
}

// testCollapse checks collapse=story: one hit per story (bg1 and ru1 are
// one), the first in the sort order, totals counting stories, pages over
// stories, and a bad value's error.
func testCollapse(t *testing.T, o Opener) {
	idx := open(t, o, Fixtures()...)
	all := mustSearch(t, idx, search.Query{Text: "*", Sort: search.SortDate, Collapse: search.CollapseStory})
	if all.Total != 6 {
		t.Errorf("total %d, want 6 stories of 7 articles", all.Total)
	}
	got := ids(all)
	if len(got) < 4 || !reflect.DeepEqual(got[:4], []string{"en2", "en1", "ru1", "uk1"}) {
		t.Errorf("hits %v, want en2 en1 ru1 uk1 first (bg1 folded into ru1's story)", got)
	}
	if !reflect.DeepEqual(sorted(got), []string{"bg2", "de1", "en1", "en2", "ru1", "uk1"}) {
		t.Errorf("hits %v, want one per story", got)
	}
	if all.Facets[search.FacetLang]["bg"] != 2 {
		t.Errorf("facets %v: facets count articles (bg 2)", all.Facets[search.FacetLang])
	}
	page := mustSearch(t, idx, search.Query{Text: "*", Sort: search.SortDate, Collapse: search.CollapseStory, Limit: 2, Offset: 2})
	if !reflect.DeepEqual(ids(page), []string{"ru1", "uk1"}) {
		t.Errorf("page 2 = %v, want ru1 uk1", ids(page))
	}
	lavrov := mustSearch(t, idx, search.Query{Text: "Лавров", Collapse: search.CollapseStory})
	if lavrov.Total != 1 || len(lavrov.Hits) != 1 {
		t.Errorf("Лавров collapsed: total %d, %d hits, want 1 story", lavrov.Total, len(lavrov.Hits))
	}
	_, err := idx.Search(context.Background(), search.Query{Text: "*", Collapse: "source"})
	var fe interface{ Field() string }
	if !errors.Is(err, search.ErrInvalidQuery) || !errors.As(err, &fe) || fe.Field() != "collapse" {
		t.Errorf("collapse=source: err %v, want an invalid query naming collapse", err)
	}
}

// testEntityFacetByID: the entity facet groups an entity's names in every
// language under its id (each article counted once per id), most articles
// first and ties by id, named by the name most matching articles use
// (ties by language, then name).
func testEntityFacetByID(t *testing.T, o Opener) {
	at := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	trump := func(text string) article.Entity {
		return article.Entity{ID: "per:trmp", Text: text, Type: article.EntityPerson, Count: 1}
	}
	putin := article.Entity{ID: "per:ptn", Text: "Путин", Type: article.EntityPerson, Count: 1}
	idx := open(t, o,
		&article.Article{ID: "bg1", Source: "s", Lang: "bg", Revision: 1, IngestedAt: at, Title: "Тръмп", Body: "Тръмп и Путин, Тръмп.",
			Entities: []article.Entity{trump("Тръмп"), putin, trump("Тръмп")}},
		&article.Article{ID: "bg2", Source: "s", Lang: "bg", Revision: 1, IngestedAt: at, Title: "Доналд Тръмп", Body: "Доналд Тръмп.",
			Entities: []article.Entity{trump("Доналд Тръмп"), {ID: "", Text: "Доналд", Type: article.EntityPerson, Count: 1}}},
		&article.Article{ID: "en1", Source: "s", Lang: "en", Revision: 1, IngestedAt: at, Title: "Trump", Body: "Trump said.",
			Entities: []article.Entity{trump("Trump"), trump("Donald Trump")}},
		&article.Article{ID: "en2", Source: "t", Lang: "en", Revision: 1, IngestedAt: at, Title: "Trump", Body: "Trump again.",
			Entities: []article.Entity{trump("Trump")}},
		&article.Article{ID: "en3", Source: "t", Lang: "en", Revision: 1, IngestedAt: at, Title: "Weather", Body: "Rain."},
	)
	for _, c := range []struct {
		name string
		q    search.Query
		want []search.EntityCount
	}{
		{"every language", search.Query{Text: "*"},
			[]search.EntityCount{{ID: "per:trmp", Name: "Trump", Count: 4}, {ID: "per:ptn", Name: "Путин", Count: 1}}},
		{"bg", search.Query{Text: "*", Langs: []string{"bg"}},
			[]search.EntityCount{{ID: "per:trmp", Name: "Доналд Тръмп", Count: 2}, {ID: "per:ptn", Name: "Путин", Count: 1}}},
		{"en", search.Query{Text: "*", Langs: []string{"en"}},
			[]search.EntityCount{{ID: "per:trmp", Name: "Trump", Count: 2}}},
		{"source", search.Query{Text: "*", Sources: []string{"t"}},
			[]search.EntityCount{{ID: "per:trmp", Name: "Trump", Count: 1}}},
		{"ties by id", search.Query{Text: "*", EntityIDs: []string{"per:ptn"}},
			[]search.EntityCount{{ID: "per:ptn", Name: "Путин", Count: 1}, {ID: "per:trmp", Name: "Тръмп", Count: 1}}},
		{"words", search.Query{Text: "trump"},
			[]search.EntityCount{{ID: "per:trmp", Name: "Trump", Count: 2}}},
		{"collapsed", search.Query{Text: "*", Collapse: search.CollapseStory},
			[]search.EntityCount{{ID: "per:trmp", Name: "Trump", Count: 4}, {ID: "per:ptn", Name: "Путин", Count: 1}}},
		{"no entities", search.Query{Text: "rain"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := mustSearch(t, idx, c.q)
			if !reflect.DeepEqual(res.EntityFacet, c.want) {
				t.Errorf("entity facet = %+v, want %+v", res.EntityFacet, c.want)
			}
		})
	}
}
