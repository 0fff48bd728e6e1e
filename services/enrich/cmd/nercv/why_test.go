package main

import (
	"testing"

	"github.com/newsflow/newsflow/services/enrich/quality"
)

// TestWhyWrong checks the kinds of wrong names on an invented article.
func TestWhyWrong(t *testing.T) {
	d := quality.NERDoc{ID: "x", Lang: "pl", Entities: []quality.NEREntity{
		{Mention: "Zorlinie", Base: "Zorlin", Type: "LOC", Entity: "GPE-Zorlin"},
		{Mention: "Jana Kowalika", Base: "Jan Kowalik", Type: "PER", Entity: "PER-Jan-Kowalik"},
		{Mention: "Izba Zorlińska", Base: "Izba Zorlińska", Type: "ORG", Entity: "ORG-Izba"},
	}}
	for _, c := range []struct{ typ, name, want string }{
		{"PERSON", "Zorlin", "the form of a gold LOCATION"},
		{"PERSON", "Zdaniem Jana Kowalika", "a gold name of its type with words added"},
		{"PERSON", "Jana", "part of a gold name of its type"},
		{"PERSON", "Izba", "shares a word with a gold ORGANIZATION"},
		{"PERSON", "Jan Kowalika", "another form of a gold name of its type"},
		{"PERSON", "Dopiero", "none of these"},
	} {
		if got := whyWrong(d, c.typ, c.name); got != c.want {
			t.Errorf("whyWrong(%s %q) = %q, want %q", c.typ, c.name, got, c.want)
		}
	}
}
