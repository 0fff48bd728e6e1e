package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/pkg/search"
)

func TestSnippetText(t *testing.T) {
	got := snippetText("a &lt;b&gt; <mark>Лавров</mark> &amp; c", "[", "]")
	if want := "a <b> [Лавров] & c"; got != want {
		t.Errorf("snippetText = %q, want %q", got, want)
	}
}

func TestPrintDetails(t *testing.T) {
	var b bytes.Buffer
	res := &search.Result{Total: 1, Hits: []search.Hit{{ID: "x1", Title: "T", Snippet: "<mark>a</mark> b"}},
		Facets: map[string]map[string]int{search.FacetLang: {"bg": 2, "ru": 5}, search.FacetSource: {}, search.FacetEntities: {"Сочи": 1}}}
	if err := printDetails(&b, res); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"x1  T", "\x1b[1ma\x1b[0m b", "languages: ru 5, bg 2", "entities: Сочи 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not contain %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "sources") {
		t.Errorf("empty facet printed:\n%s", out)
	}
}

func TestDisplayTitle(t *testing.T) {
	for _, tt := range []struct {
		name string
		hit  search.Hit
		want string
	}{
		{"title", search.Hit{Title: "Заглавие"}, "Заглавие"},
		{"untitled", search.Hit{Snippet: "…Сергей <mark>Лавров</mark> заяви"}, "[Сергей Лавров заяви]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := displayTitle(tt.hit); got != tt.want {
				t.Errorf("displayTitle = %q, want %q", got, tt.want)
			}
		})
	}
}
