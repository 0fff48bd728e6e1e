package search

import (
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/article"
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
