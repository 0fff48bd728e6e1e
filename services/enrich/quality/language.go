package quality

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/newsflow/newsflow/pkg/langdetect"
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
	if env.LangTrainDir != "" {
		cv, err := crossValidate(env)
		if err != nil {
			return "", err
		}
		b.WriteString("\nThe shipped profiles are trained on this same corpus. Two-fold cross-validation (trained on\n")
		b.WriteString("every other article plus `pkg/langdetect/train`, tested on the rest, both ways round) shows\n")
		b.WriteString("what to expect on unseen articles:\n\n")
		b.WriteString(cv)
	}
	return b.String(), nil
}

// crossValidate trains on half the corpus and tests on the other half.
func crossValidate(env *Env) (string, error) {
	type art struct{ lang, title, body string }
	var all []art
	for _, file := range CorpusFiles {
		as, err := env.Articles(file)
		if err != nil {
			return "", err
		}
		for _, a := range as {
			all = append(all, art{a.Lang, a.Title, a.Body})
		}
	}
	extra, err := trainTexts(env.LangTrainDir)
	if err != nil {
		return "", err
	}
	var full, title, nFull, nTitle int
	for fold := 0; fold < 2; fold++ {
		samples := append([]langdetect.Sample(nil), extra...)
		for i, a := range all {
			if i%2 != fold {
				continue
			}
			t := a.title + "\n" + a.body
			samples = append(samples, langdetect.Sample{Lang: a.lang, Text: t})
			if a.lang == "hr" {
				samples = append(samples, langdetect.Sample{Lang: "sr", Text: langdetect.SerbianCyrillic(t)})
			}
		}
		d, err := langdetect.Train(samples, langdetect.TrainOptions{})
		if err != nil {
			return "", err
		}
		for i, a := range all {
			if i%2 == fold {
				continue
			}
			nFull++
			if d.Detect(a.title+"\n"+a.body).Lang == a.lang {
				full++
			}
			if strings.TrimSpace(a.title) != "" {
				nTitle++
				if d.Detect(a.title).Lang == a.lang {
					title++
				}
			}
		}
	}
	return Table([]string{"held out", "title + body", "title alone"}, [][]string{{
		fmt.Sprintf("%d articles", nFull),
		fmt.Sprintf("%s (%d/%d)", Pct(float64(full)/float64(nFull)), full, nFull),
		fmt.Sprintf("%s (%d/%d)", Pct(float64(title)/float64(nTitle)), title, nTitle),
	}}), nil
}

func trainTexts(dir string) ([]langdetect.Sample, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(paths) == 0 {
		return nil, fmt.Errorf("language training texts in %s: %w", dir, ErrNoData)
	}
	sort.Strings(paths)
	var out []langdetect.Sample
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read training text: %w", err)
		}
		out = append(out, langdetect.Sample{Lang: strings.TrimSuffix(filepath.Base(p), ".txt"), Text: string(data)})
	}
	return out, nil
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
