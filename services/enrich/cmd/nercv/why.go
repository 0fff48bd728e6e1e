package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/newsflow/newsflow/services/enrich/quality"
)

// bsnlpType maps the annotations' types to the article's, the others
// (PRO, EVT) kept as they are.
var bsnlpType = map[string]string{"PER": "PERSON", "LOC": "LOCATION", "ORG": "ORGANIZATION"}

// whyWrong names the kind of error a wrong predicted name (typ, name) of
// d is: the form of a gold name of another type, a gold name of the same
// type with words added, a part of a gold name of the same type, a word of
// a gold name of another type, or none of these.
func whyWrong(d quality.NERDoc, typ, name string) string {
	n := quality.NormName(name)
	nw := strings.Fields(n)
	type form struct {
		words []string
		s     string
		typ   string
	}
	var forms []form
	for _, e := range d.Entities {
		t := bsnlpType[e.Type]
		if t == "" {
			t = e.Type
		}
		for _, f := range []string{e.Mention, e.Base} {
			if f = quality.NormName(f); f != "" {
				forms = append(forms, form{strings.Fields(f), f, t})
			}
		}
	}
	for _, f := range forms {
		if f.s == n && f.typ != typ {
			return "the form of a gold " + f.typ
		}
	}
	for _, f := range forms {
		if f.typ == typ && len(nw) > len(f.words) && strings.Contains(" "+n+" ", " "+f.s+" ") {
			return "a gold name of its type with words added"
		}
	}
	for _, f := range forms {
		if f.typ == typ && len(nw) < len(f.words) && strings.Contains(" "+f.s+" ", " "+n+" ") {
			return "part of a gold name of its type"
		}
	}
	for _, f := range forms {
		if f.typ != typ && slices.ContainsFunc(nw, func(w string) bool { return slices.Contains(f.words, w) }) {
			return "shares a word with a gold " + f.typ
		}
	}
	for _, f := range forms {
		if f.typ == typ && len(nw) == len(f.words) && slices.ContainsFunc(nw, func(w string) bool { return slices.Contains(f.words, w) }) {
			return "another form of a gold name of its type"
		}
	}
	return "none of these"
}

// printWhy prints the counts of whyWrong per language and predicted type.
func printWhy(counts map[string]int) {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := strings.SplitN(keys[i], "\t", 3), strings.SplitN(keys[j], "\t", 3)
		if a[0] != b[0] || a[1] != b[1] {
			return keys[i] < keys[j]
		}
		return counts[keys[i]] > counts[keys[j]]
	})
	for _, k := range keys {
		p := strings.SplitN(k, "\t", 3)
		fmt.Printf("%s %s wrong: %d %s\n", p[0], p[1], counts[k], p[2])
	}
}
