package search

import (
	"html"
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/search/analysis"
)

// excerptWhole is Excerpt as it was, normalising the whole text.
func excerptWhole(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= SnippetRunes {
		return s
	}
	r := []rune(s)
	cut := SnippetRunes
	for i := SnippetRunes; i > SnippetRunes-40; i-- {
		if r[i] == ' ' {
			cut = i
			break
		}
	}
	return string(r[:cut]) + "…"
}

func TestExcerptReadsOnlyTheStart(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	words := []string{"a", "word", "слово", "längeres", "x\u00a0y", strings.Repeat("z", 45), strings.Repeat("я", 239), "日本語"}
	spaces := []string{" ", "  ", "\n\n", "\t", "\u2003", " \u00a0 "}
	for i := range 3000 {
		var b strings.Builder
		for range r.Intn(120) {
			if r.Intn(4) == 0 {
				b.WriteString(spaces[r.Intn(len(spaces))])
			}
			b.WriteString(words[r.Intn(len(words))])
			b.WriteString(spaces[r.Intn(len(spaces))])
		}
		body := b.String()
		if got, want := Excerpt(&article.Article{CleanBody: body}), excerptWhole(body); got != want {
			t.Fatalf("case %d: Excerpt(%q)\n= %q\nwant %q", i, body, got, want)
		}
	}
}

// TestDocSnippetByPositions: the snippet made from the positions of the
// matcher's terms (Doc.bodyTokensOf) is the one made by trying every
// token of the body, for random sets of the body's terms, stop words and
// terms the body lacks, in several languages.
func TestDocSnippetByPositions(t *testing.T) {
	set := analysis.NewSet()
	rng := rand.New(rand.NewSource(3))
	texts := map[string]string{
		"en": "The dollar has hit its highest level against the euro in almost three months after the Federal Reserve head said the US trade deficit is set to stabilise. And Alan Greenspan highlighted the US government's willingness to curb spending and rising household savings as factors which may help to reduce it. In late trading in New York, the dollar reached $1.2871 against the euro.",
		"ru": "Президент России Владимир Путин провёл переговоры в Москве. Переговоры   длились три часа,\nа после переговоров президент  ответил на вопросы журналистов о ёлках и ценах.",
		"de": "Die Bundesregierung & der Bundestag <streiten> über den Haushalt. Der Haushalt für 2027 soll kleiner werden; die Regierung will sparen.",
	}
	checked := 0
	for lang, body := range texts {
		for _, long := range []bool{false, true} {
			text := body
			if long {
				text = strings.Repeat(body+"\n\n", 12)
			}
			a := &article.Article{ID: "a", Lang: lang, Title: "t", Body: text, CleanBody: text}
			d := NewDoc(set, a)
			terms := append(d.Terms(), "nothere", "the", "и")
			for range 300 {
				var m analysis.Matcher
				for range 1 + rng.Intn(4) {
					m.AddTerm(terms[rng.Intn(len(terms))])
				}
				want, ok := analysis.SnippetOf(d.bodyText, d.bodyTokens, &m, SnippetRunes)
				if !ok {
					want = html.EscapeString(Excerpt(a))
				}
				if got := d.Snippet(&m); got != want {
					t.Fatalf("%s: snippet by positions\n%q\nby scan\n%q", lang, got, want)
				}
				checked++
			}
		}
	}
	if checked != 1800 {
		t.Fatalf("checked %d snippets", checked)
	}
}
