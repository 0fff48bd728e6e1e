package quality

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
)

// KeywordJudgement is what an editor accepts as keywords of one article
// (testdata/keywords/heldout.jsonl, judged before the phrase keywords were
// written).
type KeywordJudgement struct {
	File    string   `json:"file"`
	ID      string   `json:"id"`
	Phrases []string `json:"phrases"`
}

// keywordsShown is how many keywords an article gets.
const keywordsShown = 10

// ReadKeywordJudgements reads the judgements file.
func ReadKeywordJudgements(path string) ([]KeywordJudgement, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("keyword judgements: %w", err)
	}
	defer f.Close()
	var out []KeywordJudgement
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var j KeywordJudgement
		if err := json.Unmarshal(sc.Bytes(), &j); err != nil {
			return nil, fmt.Errorf("keyword judgements line %d: %w", line, err)
		}
		if j.File == "" || j.ID == "" || len(j.Phrases) == 0 {
			return nil, fmt.Errorf("keyword judgements line %d: want file, id and phrases", line)
		}
		out = append(out, j)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("keyword judgements: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("keyword judgements in %s: %w", path, ErrNoData)
	}
	return out, nil
}

// phraseKey reduces a phrase to the words that identify it: lower case, ё
// as е, quotes and brackets dropped, each word cut to five letters (so
// that inflected forms match: "Северния поток" and "Северен поток" do not,
// "Биби" and "Биби", "ваксинацията" and "ваксинация" do).
func phraseKey(p string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(p, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("\"'«»„“”‘’()[]", r)
	}) {
		w = strings.ReplaceAll(strings.ToLower(w), "ё", "е")
		if rs := []rune(w); len(rs) > 5 {
			w = string(rs[:5])
		}
		out = append(out, w)
	}
	return out
}

// within reports whether k is a contiguous part of p, shorter than p.
func within(k, p []string) bool {
	if len(k) >= len(p) {
		return false
	}
	for i := 0; i+len(k) <= len(p); i++ {
		if strings.Join(p[i:i+len(k)], " ") == strings.Join(k, " ") {
			return true
		}
	}
	return false
}

// Keywords scores the keywords of the judged held-out articles: the share
// of the top keywords an editor accepts, the share that are a fragment of
// an accepted phrase (a bare first name or surname of a full name, one
// word of a multi-word name), and the share that are phrases. Its misses
// are never logged: the held-out half is not read to write rules.
func Keywords(ctx context.Context, env *Env) (string, error) {
	if env.KeywordJudgements == "" {
		return "", fmt.Errorf("keyword judgements: %w", ErrNoData)
	}
	tab, n, err := scoreKeywords(ctx, env, env.KeywordJudgements, nil)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "The top %d keywords of %d held-out articles (`services/enrich/testdata/keywords`: a fixed\n", keywordsShown, n)
	b.WriteString("sample of the corpus's held-out half, judged before the phrase keywords were written): the share\n")
	b.WriteString("an editor accepts, the share that are only a fragment of an accepted phrase (a bare first name\n")
	b.WriteString("or surname, one word of a name), and the share that are phrases of several words. Words match\n")
	b.WriteString("on their first five letters, so inflected forms count. The keyword rules are tuned on the\n")
	b.WriteString("tuning set (section \"Keywords (tuning)\"), never on these.\n\n")
	b.WriteString(tab)
	return b.String(), nil
}

// KeywordsTuning scores the keywords of the tuning set the same way: 32
// articles of the even half, judged before the keyword rules were run on
// them, which the rules are tuned on. Its misses go to env.Log.
func KeywordsTuning(ctx context.Context, env *Env) (string, error) {
	if env.KeywordTuning == "" {
		return "", fmt.Errorf("keyword tuning judgements: %w", ErrNoData)
	}
	tab, n, err := scoreKeywords(ctx, env, env.KeywordTuning, env.Log)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Tuning figures, not a measurement: the top %d keywords of %d articles of the even half\n", keywordsShown, n)
	b.WriteString("(`services/enrich/testdata/keywords/tuning.jsonl`, chosen and judged like the held-out sample),\n")
	b.WriteString("which the keyword rules were tuned on; scored as in \"Keywords (held out)\".\n\n")
	b.WriteString(tab)
	return b.String(), nil
}

// scoreKeywords scores the keywords of the judged articles in path and
// returns the table and the number of articles; each keyword not accepted
// goes to log when it is not nil.
func scoreKeywords(ctx context.Context, env *Env, path string, log io.Writer) (string, int, error) {
	js, err := ReadKeywordJudgements(path)
	if err != nil {
		return "", 0, err
	}
	type counts struct{ articles, shown, accepted, fragments, phrases int }
	per := map[string]*counts{}
	var langs []string
	var misses []string
	for _, j := range js {
		a, err := env.Article(j.File, j.ID)
		if err != nil {
			return "", 0, err
		}
		lang := strings.TrimSuffix(j.File, ".jsonl")
		c := per[lang]
		if c == nil {
			c = &counts{}
			per[lang] = c
			langs = append(langs, lang)
		}
		c.articles++
		accepted := map[string]bool{}
		var multi [][]string
		for _, p := range j.Phrases {
			k := phraseKey(p)
			accepted[strings.Join(k, " ")] = true
			if len(k) > 1 {
				multi = append(multi, k)
			}
		}
		e := env.Enriched(ctx, a)
		for i, kw := range e.Keywords {
			if i == keywordsShown {
				break
			}
			c.shown++
			k := phraseKey(kw.Term)
			if len(k) > 1 {
				c.phrases++
			}
			if accepted[strings.Join(k, " ")] {
				c.accepted++
				continue
			}
			kind := "other"
			for _, p := range multi {
				if within(k, p) {
					c.fragments++
					kind = "fragment"
					break
				}
			}
			misses = append(misses, fmt.Sprintf("%s %s: %q (%s)", lang, j.ID, kw.Term, kind))
		}
	}
	var rows [][]string
	var tot counts
	row := func(l string, c counts) []string {
		r := func(k int) string {
			return fmt.Sprintf("%s (%d/%d)", Pct(float64(k)/float64(max(c.shown, 1))), k, c.shown)
		}
		return []string{l, fmt.Sprint(c.articles), r(c.accepted), r(c.fragments), r(c.phrases)}
	}
	for _, l := range langs {
		c := per[l]
		tot.articles += c.articles
		tot.shown += c.shown
		tot.accepted += c.accepted
		tot.fragments += c.fragments
		tot.phrases += c.phrases
		rows = append(rows, row(l, *c))
	}
	rows = append(rows, row("**all**", tot))
	if log != nil {
		for _, m := range misses {
			fmt.Fprintln(log, "keyword not accepted:", m)
		}
	}
	return Table([]string{"lang", "articles", "accepted", "fragments", "phrases"}, rows), tot.articles, nil
}
