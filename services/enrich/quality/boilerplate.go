package quality

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/newsflow/newsflow/pkg/article"
)

// SeedArticle is the sample article the project started from, with its
// hand-made expectations, under the corpus directory.
const (
	SeedText = "seed/000_cc3d19f12a0924a9.txt"
	SeedGold = "seed/000_cc3d19f12a0924a9.gold.json"
)

// Seed returns the seed article and its expectations as a gold entry.
func (e *Env) Seed() (*article.Article, Gold, error) {
	body, err := os.ReadFile(filepath.Join(e.CorpusDir, SeedText))
	if err != nil {
		return nil, Gold{}, fmt.Errorf("read seed article: %w", err)
	}
	data, err := os.ReadFile(filepath.Join(e.CorpusDir, SeedGold))
	if err != nil {
		return nil, Gold{}, fmt.Errorf("read seed expectations: %w", err)
	}
	var g struct {
		Gold
		Source string `json:"source"`
	}
	if err := decodeJSON(data, &g); err != nil {
		return nil, Gold{}, fmt.Errorf("decode seed expectations: %w", err)
	}
	g.ID = "seed-000"
	g.CorpusFile = SeedText
	a := &article.Article{ID: g.ID, Source: g.Source, Body: string(body)}
	return a, g.Gold, nil
}

// Boilerplate measures boilerplate removal on the gold set and the seed
// article: whole lines (exact match with the annotated lines) and fragments
// inside lines (a removed fragment matches an annotated one when either
// contains the other). Env.Clean is the cleaner.
func Boilerplate(_ context.Context, env *Env) (string, error) {
	gold, err := env.GoldSet()
	if err != nil {
		return "", err
	}
	type item struct {
		a *article.Article
		g Gold
	}
	var items []item
	for _, g := range gold {
		a, err := env.Article(g.CorpusFile, g.ID)
		if err != nil {
			return "", err
		}
		items = append(items, item{a, g})
	}
	if a, g, err := env.Seed(); err == nil {
		items = append(items, item{a, g})
	}
	lines, spans := map[string]*PRF{}, map[string]*PRF{}
	articles := map[string]int{}
	var allLines, allSpans PRF
	for _, it := range items {
		gotLines, gotSpans := env.Clean(it.a)
		l := Compare(set(gotLines), set(it.g.BoilerplateLines))
		s := compareSpans(gotSpans, it.g.BoilerplateSpans)
		lang := it.g.Lang
		if lines[lang] == nil {
			lines[lang], spans[lang] = &PRF{}, &PRF{}
		}
		articles[lang]++
		lines[lang].Add(l)
		spans[lang].Add(s)
		allLines.Add(l)
		allSpans.Add(s)
		if env.Log != nil && (l.FP+l.FN+s.FP+s.FN) > 0 {
			logMisses(env, it.g.ID, gotLines, it.g.BoilerplateLines, "line")
			logMisses(env, it.g.ID, gotSpans, it.g.BoilerplateSpans, "span")
		}
	}
	langs := make([]string, 0, len(lines))
	for l := range lines {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	var lrows, srows [][]string
	for _, l := range langs {
		lrows = append(lrows, PRFRow(fmt.Sprintf("%s (%d articles)", l, articles[l]), *lines[l]))
		srows = append(srows, PRFRow(l, *spans[l]))
	}
	lrows = append(lrows, PRFRow(fmt.Sprintf("**all** (%d articles)", len(items)), allLines))
	srows = append(srows, PRFRow("**all**", allSpans))
	var b strings.Builder
	b.WriteString("Boilerplate removed by the `clean` step against the gold set's annotations plus the seed\n")
	b.WriteString("article (target: precision and recall of lines at least 0.95). A line counts when the\n")
	b.WriteString("cleaner drops or moves exactly that (trimmed) line.\n\n")
	b.WriteString(Table(PRFHeader("lines"), lrows))
	b.WriteString("\nFragments inside a line that stays (share-button text in one-line bodies, an inline photo\n")
	b.WriteString("credit); a removed fragment matches an annotated one when either contains the other.\n\n")
	b.WriteString(Table(PRFHeader("fragments"), srows))
	n, nl, nf, err := removedInCorpus(env)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "\nAcross the whole corpus (%d articles of the corpus files, gold set or not) the cleaner\n", n)
	fmt.Fprintf(&b, "removes %d lines and cuts %d fragments: a guard against rules that take article text\n", nl, nf)
	b.WriteString("(`quality -only Boilerplate -removed FILE` lists them, to compare two runs).\n")
	return b.String(), nil
}

// removedInCorpus cleans every article of the corpus files and counts the
// articles, the lines removed and the fragments cut, writing each to
// env.Removed when set.
func removedInCorpus(env *Env) (articles, lines, frags int, err error) {
	for _, f := range CorpusFiles {
		as, err := env.Articles(f)
		if err != nil {
			return 0, 0, 0, err
		}
		for _, a := range as {
			gotLines, gotSpans := env.Clean(a)
			articles++
			lines += len(gotLines)
			frags += len(gotSpans)
			if env.Removed == nil {
				continue
			}
			for _, l := range gotLines {
				fmt.Fprintf(env.Removed, "%s\tline\t%s\n", a.ID, l)
			}
			for _, s := range gotSpans {
				fmt.Fprintf(env.Removed, "%s\tcut\t%s\n", a.ID, s)
			}
		}
	}
	return articles, lines, frags, nil
}

func set(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		if x = strings.TrimSpace(x); x != "" {
			m[x] = true
		}
	}
	return m
}

func compareSpans(got, want []string) PRF {
	var p PRF
	match := func(a, b string) bool { return strings.Contains(a, b) || strings.Contains(b, a) }
	for _, g := range got {
		found := false
		for _, w := range want {
			if match(g, w) {
				found = true
				break
			}
		}
		if found {
			p.TP++
		} else {
			p.FP++
		}
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			if match(g, w) {
				found = true
				break
			}
		}
		if !found {
			p.FN++
		}
	}
	return p
}

func logMisses(env *Env, id string, got, want []string, what string) {
	w, g := set(want), set(got)
	for x := range g {
		if !w[x] && what == "line" {
			fmt.Fprintf(env.Log, "boilerplate %s: extra %s %q\n", id, what, clip(x, 100))
		}
	}
	for x := range w {
		if !g[x] && what == "line" {
			fmt.Fprintf(env.Log, "boilerplate %s: missed %s %q\n", id, what, clip(x, 100))
		}
	}
	if what == "span" {
		for _, x := range got {
			fmt.Fprintf(env.Log, "boilerplate %s: removed span %q\n", id, clip(x, 100))
		}
		for _, x := range want {
			fmt.Fprintf(env.Log, "boilerplate %s: gold span %q\n", id, clip(x, 100))
		}
	}
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
