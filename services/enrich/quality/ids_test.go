package quality

import (
	"slices"
	"testing"

	"github.com/newsflow/newsflow/pkg/article"
)

// TestNamedGold: a predicted name counts for the gold entities it names
// (by mention or base form, same type), once per distinct name; names of
// other types, unknown names and gold entities without a cross-lingual id
// give nothing.
func TestNamedGold(t *testing.T) {
	d := NERDoc{Entities: []NEREntity{
		{Mention: "Тръмп", Base: "Доналд Тръмп", Type: "PER", Entity: "PER-Donald-Trump"},
		{Mention: "Лондон", Base: "Лондон", Type: "LOC", Entity: "GPE-London"},
		{Mention: "Брекзит", Base: "Брекзит", Type: "EVT", Entity: "EVT-Brexit"},
		{Mention: "Мей", Base: "Мей", Type: "PER"}, // no cross-lingual id
	}}
	pred := []article.Entity{
		{Text: "Доналд Тръмп", Type: article.EntityPerson, ID: "per:trmp"},
		{Text: "тръмп", Type: article.EntityPerson, ID: "per:trmp2"},
		{Text: "Тръмп", Type: article.EntityPerson, ID: "per:again"},       // the same name again: once
		{Text: "Лондон", Type: article.EntityOrganization, ID: "org:lndn"}, // wrong type
		{Text: "Брекзит", Type: article.EntityOther, ID: "oth:brkzt"},      // not a scored type
		{Text: "Мей", Type: article.EntityPerson, ID: "per:m"},
	}
	gold, ids := NamedGold(d, pred)
	if want := []string{"PER-Donald-Trump", "PER-Donald-Trump"}; !slices.Equal(gold, want) {
		t.Errorf("gold %q, want %q", gold, want)
	}
	if want := []string{"per:trmp", "per:trmp2"}; !slices.Equal(ids, want) {
		t.Errorf("ids %q, want %q", ids, want)
	}
}

// TestCountIDs counts pairs across languages only, and a mention without
// a predicted id in no same-id pair.
func TestCountIDs(t *testing.T) {
	m := func(gold, pred, lang string) IDMention {
		return IDMention{Type: article.EntityPerson, Gold: "f\x02" + gold, Pred: "f\x02" + pred, Lang: "f\x02" + lang}
	}
	sc := CountIDs([]IDMention{
		m("A", "a", "bg"),
		m("A", "a", "ru"), // same gold, same id, other language: a right pair
		m("A", "b", "uk"), // same gold, other id: two missed pairs
		m("A", "a", "bg"), // same language as the first: no pair with it
		m("B", "a", "pl"), // other gold, same id: wrong pairs
		m("A", "", "cs"),  // no id: in no same-id pair
	}, []string{article.EntityPerson})
	// Same gold A across languages: bg x2, ru, uk, cs = 5 mentions, 10
	// pairs less 1 within bg = 9.
	if sc.SameGold != 9 {
		t.Errorf("same gold %d, want 9", sc.SameGold)
	}
	// Same id a: bg x2, ru, pl = 4 mentions, 6 pairs less 1 within bg = 5.
	if sc.SameID != 5 {
		t.Errorf("same id %d, want 5", sc.SameID)
	}
	// Both (A, a): bg x2, ru = 3 mentions, 3 pairs less 1 = 2.
	if sc.Both != 2 || sc.ByType[article.EntityPerson].Both != 2 {
		t.Errorf("both %d (by type %d), want 2", sc.Both, sc.ByType[article.EntityPerson].Both)
	}
}
