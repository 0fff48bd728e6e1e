package quality

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Language measures language detection over every article of the corpus:
// on the title and body together (what the enrich step sees), on the body
// alone, and on the title alone (a short text). Env.DetectLang is the
// detector.
func Language(_ context.Context, env *Env) (string, error) {
	type counts struct{ n, full, body, nTitle, title int }
	per := map[string]*counts{}
	confusions := map[string]int{}
	for _, file := range CorpusFiles {
		as, err := env.Articles(file)
		if err != nil {
			return "", err
		}
		for _, a := range as {
			c := per[a.Lang]
			if c == nil {
				c = &counts{}
				per[a.Lang] = c
			}
			c.n++
			got := env.DetectLang(strings.TrimSpace(a.Title + "\n" + a.Body))
			if got == a.Lang {
				c.full++
			} else {
				confusions[a.Lang+" as "+orNone(got)+" (title and body)"]++
			}
			if env.DetectLang(a.Body) == a.Lang {
				c.body++
			}
			if t := strings.TrimSpace(a.Title); t != "" {
				c.nTitle++
				if g := env.DetectLang(t); g == a.Lang {
					c.title++
				} else {
					confusions[a.Lang+" as "+orNone(g)+" (title alone)"]++
				}
			}
		}
	}
	langs := make([]string, 0, len(per))
	for l := range per {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	var rows [][]string
	var tot counts
	for _, l := range langs {
		c := per[l]
		tot.n += c.n
		tot.full += c.full
		tot.body += c.body
		tot.nTitle += c.nTitle
		tot.title += c.title
		rows = append(rows, langRow(l, c.n, c.full, c.body, c.nTitle, c.title))
	}
	rows = append(rows, langRow("**all**", tot.n, tot.full, tot.body, tot.nTitle, tot.title))
	var b strings.Builder
	b.WriteString("Accuracy of `lang` against the corpus label, over every article of every corpus file\n")
	b.WriteString("(target: at least 99% over the whole corpus).\n\n")
	b.WriteString(Table([]string{"lang", "articles", "title + body", "body", "titles", "title alone"}, rows))
	if len(confusions) > 0 {
		b.WriteString("\nErrors, by kind:\n\n")
		keys := make([]string, 0, len(confusions))
		for k := range confusions {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if confusions[keys[i]] != confusions[keys[j]] {
				return confusions[keys[i]] > confusions[keys[j]]
			}
			return keys[i] < keys[j]
		})
		for _, k := range keys {
			fmt.Fprintf(&b, "- %s: %d\n", k, confusions[k])
		}
	}
	return b.String(), nil
}

func orNone(l string) string {
	if l == "" {
		return "none"
	}
	return l
}

func langRow(l string, n, full, body, nTitle, title int) []string {
	ratio := func(k, n int) string {
		if n == 0 {
			return "-"
		}
		return fmt.Sprintf("%s (%d/%d)", Pct(float64(k)/float64(n)), k, n)
	}
	return []string{l, fmt.Sprint(n), ratio(full, n), ratio(body, n), fmt.Sprint(nTitle), ratio(title, nTitle)}
}
