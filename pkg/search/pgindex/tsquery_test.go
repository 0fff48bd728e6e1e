package pgindex

import (
	"context"
	"reflect"
	"testing"

	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/searchtest"
)

// TestOneTSQuery checks that boolean word queries sent as one tsquery
// answer exactly what a condition per word answers: total, facets, order,
// scores and snippets.
func TestOneTSQuery(t *testing.T) {
	ctx := context.Background()
	idx := openFresh(t)
	docs := searchtest.Fixtures()
	var mix []search.Query
	if !testing.Short() {
		arts := searchtest.LoadCorpus(t)
		docs = append(docs, arts[:min(len(arts), 1500)]...)
		for _, k := range searchtest.QueryKinds(arts[:min(len(arts), 1500)], 25) {
			mix = append(mix, k.Queries...)
		}
	}
	if err := idx.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	texts := []string{
		"Лавров OR elections", "Лавров -Помпео", "Лавров NOT Помпео", "(Лавров OR Häuser) -Помпео",
		"-Лавров", "-(Лавров OR Путин)", "Путин и Тръмп", `"Путин и Тръмп" OR Häuser`, "про -Лавров",
		"войн* OR markets", "title:Помпео OR body:Венецуела", "title:Венецуела -body:Помпео",
		"entity:Помпео OR Häuser", "Лавров OR lang:en", "Лавров -(Помпео OR Сочи)",
		"(markets OR rally) (bank OR rates) -elections", "Лавров OR (Венецуела -Сочи)",
		"Лавров OR -Помпео", "и OR Häuser", "Сергей Лавров -Россия", `"Сергей Лавров" -"Майк Помпео"`,
		"Haus -(Wien -Häuser)", "Лавров OR несъществуващадума", "несъществуващадума -Лавров",
	}
	queries := mix
	for _, s := range texts {
		queries = append(queries, search.Query{Text: s, Limit: 50},
			search.Query{Text: s, Sort: search.SortDate, Langs: []string{"bg", "ru"}})
	}
	for _, q := range queries {
		idx.noOneTSQuery = false
		one, err := idx.Search(ctx, q)
		if err != nil {
			t.Fatalf("%q: %v", q.Text, err)
		}
		idx.noOneTSQuery = true
		each, err := idx.Search(ctx, q)
		idx.noOneTSQuery = false
		if err != nil {
			t.Fatalf("%q (a condition per word): %v", q.Text, err)
		}
		if !reflect.DeepEqual(one, each) {
			t.Errorf("%q %v: one tsquery: total %d, hits %v, facets %v\na condition per word: total %d, hits %v, facets %v",
				q.Text, q.Langs, one.Total, hitIDs(one), one.Facets, each.Total, hitIDs(each), each.Facets)
		}
	}
}
