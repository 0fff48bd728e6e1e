package enrich

import (
	"strings"
	"testing"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/entities"
)

// TestKeywordNames: the names the keyword step gets drop the nouns the
// tagger took into a German name and map a person named without a given
// name to the one person of the text with that surname. The text is
// written for this test.
func TestKeywordNames(t *testing.T) {
	const text = "Gegen den Spanier Andujar gewann Thiem. Der Brasilianer Joao Souza verlor gegen Pablo Andujar. Being Julia läuft."
	mention := func(surface, entity, typ string) entities.Mention {
		i := strings.Index(text, surface)
		return entities.Mention{Start: i, End: i + len(surface), Entity: entity, Type: typ}
	}
	ms := []entities.Mention{
		mention("Spanier Andujar", "Spanier Andujar", article.EntityPerson),
		mention("Brasilianer Joao Souza", "Brasilianer Joao Souza", article.EntityOther),
		mention("Pablo Andujar", "Pablo Andujar", article.EntityPerson),
		mention("Being Julia", "Being Julia", article.EntityPerson),
	}
	given := func(w string) bool { return w == "Joao" || w == "Pablo" || w == "Julia" }
	names, descriptors := keywordNames("de", text, ms, given)
	want := []struct{ surface, name string }{
		{"Andujar", "Pablo Andujar"},
		{"Joao Souza", "Joao Souza"},
		{"Pablo Andujar", "Pablo Andujar"},
		{"Being Julia", "Being Julia"}, // no surname after the given name: kept
	}
	if len(names) != len(want) {
		t.Fatalf("keywordNames = %v, want %d names", names, len(want))
	}
	for i, w := range want {
		if got := text[names[i].Start:names[i].End]; got != w.surface || names[i].Text != w.name {
			t.Errorf("name %d = %q over %q, want %q over %q", i, names[i].Text, got, w.name, w.surface)
		}
	}
	for _, d := range []string{"spanier", "brasilianer"} {
		if !descriptors[d] {
			t.Errorf("descriptors %v lack %q", descriptors, d)
		}
	}
	if descriptors["being"] {
		t.Errorf("descriptors %v hold being", descriptors)
	}
	// Outside German, a given name inside a name cuts nothing.
	if names, _ := keywordNames("en", text, ms[1:2], given); names[0].Text != "Brasilianer Joao Souza" {
		t.Errorf("en: %v", names)
	}
}
