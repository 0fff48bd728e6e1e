package quality

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/newsflow/newsflow/pkg/article"
)

// ScoredTypes are the entity types the gold set annotates; OTHER is not
// annotated and not scored.
var ScoredTypes = []string{article.EntityPerson, article.EntityLocation, article.EntityOrganization}

// goldItem is a gold article with its enriched form.
type goldItem struct {
	g Gold
	a *article.Article
}

// enrichedGold enriches every gold article and the seed article.
func enrichedGold(ctx context.Context, env *Env) ([]goldItem, error) {
	gold, err := env.GoldSet()
	if err != nil {
		return nil, err
	}
	var out []goldItem
	for _, g := range gold {
		a, err := env.Article(g.CorpusFile, g.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, goldItem{g: g, a: env.Enriched(ctx, a)})
	}
	if a, g, err := env.Seed(); err == nil {
		if g.Lang == "" {
			g.Lang = "bg"
		}
		out = append(out, goldItem{g: g, a: env.Enriched(ctx, a)})
	}
	return out, nil
}

// NormName is the form entity names and speakers are compared in: lower
// case, "ё" as "е", single spaces, no surrounding punctuation.
func NormName(s string) string {
	s = strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(s, "ё", "е"), "Ё", "Е"))
	s = strings.Join(strings.Fields(s), " ")
	return strings.Trim(s, " .,:;\"'«»„“”")
}

// EntityKeys returns the scored entities of a as TYPE\tname keys.
func EntityKeys(a *article.Article) map[string]bool {
	out := map[string]bool{}
	for _, e := range a.Entities {
		for _, t := range ScoredTypes {
			if e.Type == t {
				out[t+"\t"+NormName(e.Text)] = true
			}
		}
	}
	return out
}

// GoldEntityKeys returns the annotated entities of g as TYPE\tname keys.
func GoldEntityKeys(g Gold) map[string]bool {
	out := map[string]bool{}
	for _, t := range ScoredTypes {
		for _, n := range g.Entities[t] {
			out[t+"\t"+NormName(n)] = true
		}
	}
	return out
}

// EntityErrors lists, for one enriched gold article, the entities found
// but not annotated (fp) and annotated but not found (fn).
func EntityErrors(g Gold, a *article.Article) (fp, fn []string) {
	got, want := EntityKeys(a), GoldEntityKeys(g)
	for k := range got {
		if !want[k] {
			fp = append(fp, k)
		}
	}
	for k := range want {
		if !got[k] {
			fn = append(fn, k)
		}
	}
	sort.Strings(fp)
	sort.Strings(fn)
	return fp, fn
}

// Entities measures named entities on the gold set and the seed article:
// micro precision, recall and F1 over (type, name) pairs per language and
// per type, and names of not_entities that were reported anyway.
func Entities(ctx context.Context, env *Env) (string, error) {
	sc, err := ScoreEntities(ctx, env)
	if err != nil {
		return "", err
	}
	return sc.markdown(), nil
}

// EntityScores are the entity figures of the gold set.
type EntityScores struct {
	// ByLang and ByLangType ("bg\tPERSON") count (type, name) pairs.
	ByLang, ByLangType map[string]*PRF
	All                PRF
	Articles           map[string]int
	// NotEntities counts annotated non-entities that were reported, of
	// NotEntitiesTotal.
	NotEntities, NotEntitiesTotal int
}

// ScoreEntities enriches the gold set and the seed article and scores
// their entities.
func ScoreEntities(ctx context.Context, env *Env) (*EntityScores, error) {
	items, err := enrichedGold(ctx, env)
	if err != nil {
		return nil, err
	}
	byLang := map[string]*PRF{}
	byLangType := map[string]*PRF{}
	var all PRF
	articles := map[string]int{}
	notEnt, notEntTotal := 0, 0
	for _, it := range items {
		lang := it.g.Lang
		articles[lang]++
		got, want := EntityKeys(it.a), GoldEntityKeys(it.g)
		p := Compare(got, want)
		if byLang[lang] == nil {
			byLang[lang] = &PRF{}
		}
		byLang[lang].Add(p)
		all.Add(p)
		for _, t := range ScoredTypes {
			k := lang + "\t" + t
			if byLangType[k] == nil {
				byLangType[k] = &PRF{}
			}
			byLangType[k].Add(Compare(filterType(got, t), filterType(want, t)))
		}
		names := map[string]bool{}
		for _, e := range it.a.Entities {
			names[NormName(e.Text)] = true
		}
		for _, n := range it.g.NotEntities {
			notEntTotal++
			if names[NormName(n)] {
				notEnt++
			}
		}
	}
	return &EntityScores{ByLang: byLang, ByLangType: byLangType, All: all, Articles: articles, NotEntities: notEnt, NotEntitiesTotal: notEntTotal}, nil
}

func (sc *EntityScores) markdown() string {
	byLang, byLangType, all, articles := sc.ByLang, sc.ByLangType, sc.All, sc.Articles
	notEnt, notEntTotal := sc.NotEntities, sc.NotEntitiesTotal
	langs := sortedKeys(byLang)
	var rows [][]string
	for _, l := range langs {
		rows = append(rows, PRFRow(fmt.Sprintf("%s (%d articles)", l, articles[l]), *byLang[l]))
	}
	rows = append(rows, PRFRow("all", all))
	var b strings.Builder
	b.WriteString("PERSON, LOCATION and ORGANIZATION on the gold set and the seed article (pkg/entities through\n")
	b.WriteString("the enrich steps, after cleaning). An entity counts as found when its type and canonical name\n")
	b.WriteString("match an annotation (case-insensitive, `ё` as `е`); OTHER is neither annotated nor scored.\n")
	b.WriteString("Target: F1 at least 0.80 per language.\n\n")
	b.WriteString(Table(PRFHeader("language"), rows))
	rows = nil
	for _, l := range langs {
		for _, t := range ScoredTypes {
			rows = append(rows, PRFRow(l+" "+t, *byLangType[l+"\t"+t]))
		}
	}
	b.WriteString("\nBy type:\n\n")
	b.WriteString(Table(PRFHeader("language, type"), rows))
	fmt.Fprintf(&b, "\nNames annotated as not entities of their article (only in removed boilerplate, or not names)\nthat were reported anyway: %d of %d.\n", notEnt, notEntTotal)
	return b.String()
}

func filterType(m map[string]bool, t string) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		if strings.HasPrefix(k, t+"\t") {
			out[k] = true
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// QuoteResult is how one annotated quotation fared.
type QuoteResult struct {
	Gold  GoldQuote
	Found bool
	// Speaker is the speaker extracted for it ("" when none or not found).
	Speaker string
}

// Correct reports whether the quotation was found with the annotated
// speaker. Quotations annotated without a speaker are never counted.
func (q QuoteResult) Correct() bool {
	return q.Found && q.Gold.Speaker != nil && NormName(q.Speaker) == NormName(*q.Gold.Speaker)
}

// MatchQuotes pairs the annotated quotations of g with those of a.
func MatchQuotes(g Gold, a *article.Article) (res []QuoteResult, matched int) {
	used := make([]bool, len(a.Quotes))
	for _, gq := range g.Quotes {
		r := QuoteResult{Gold: gq}
		prefix := NormName(gq.StartsWith)
		for i, q := range a.Quotes {
			if strings.HasPrefix(NormName(q.Text), prefix) {
				r.Found, r.Speaker = true, q.Speaker
				if !used[i] {
					used[i] = true
					matched++
				}
				break
			}
		}
		res = append(res, r)
	}
	return res, matched
}

// Quotes measures quotations on the gold set and the seed article: how
// many annotated quotations were found, how many extracted ones were
// annotated, and speaker accuracy over the annotated quotations that have a
// named speaker (a missed quotation counts as a wrong speaker).
func Quotes(ctx context.Context, env *Env) (string, error) {
	by, total, err := ScoreQuotes(ctx, env)
	if err != nil {
		return "", err
	}
	return quotesMarkdown(by, total), nil
}

// QuoteScores counts quotations of the gold set.
type QuoteScores struct {
	// Gold annotated quotations, Found of them extracted; Extracted
	// quotations, Matched of them annotated; WithSpeaker annotated with a
	// named speaker, Correct of them extracted with that speaker.
	Gold, Found, Extracted, Matched, WithSpeaker, Correct int
}

// SpeakerAccuracy is Correct/WithSpeaker.
func (q QuoteScores) SpeakerAccuracy() float64 {
	if q.WithSpeaker == 0 {
		return 1
	}
	return float64(q.Correct) / float64(q.WithSpeaker)
}

// ScoreQuotes enriches the gold set and the seed article and scores their
// quotations per language and in total.
func ScoreQuotes(ctx context.Context, env *Env) (map[string]*QuoteScores, *QuoteScores, error) {
	items, err := enrichedGold(ctx, env)
	if err != nil {
		return nil, nil, err
	}
	type acc = QuoteScores
	by := map[string]*acc{}
	total := &acc{}
	for _, it := range items {
		res, matched := MatchQuotes(it.g, it.a)
		lang := it.g.Lang
		if by[lang] == nil {
			by[lang] = &acc{}
		}
		for _, x := range []*acc{by[lang], total} {
			x.Gold += len(res)
			x.Extracted += len(it.a.Quotes)
			x.Matched += matched
			for _, r := range res {
				if r.Found {
					x.Found++
				}
				if r.Gold.Speaker != nil {
					x.WithSpeaker++
					if r.Correct() {
						x.Correct++
					}
				}
			}
		}
	}
	return by, total, nil
}

func quotesMarkdown(by map[string]*QuoteScores, total *QuoteScores) string {
	type acc = QuoteScores
	row := func(name string, x *acc) []string {
		ratio := func(a, b int) string {
			if b == 0 {
				return "-"
			}
			return F3(float64(a) / float64(b))
		}
		return []string{name, fmt.Sprint(x.Gold), ratio(x.Found, x.Gold), fmt.Sprint(x.Extracted), ratio(x.Matched, x.Extracted), fmt.Sprint(x.WithSpeaker), ratio(x.Correct, x.WithSpeaker)}
	}
	var rows [][]string
	for _, l := range sortedKeys(by) {
		rows = append(rows, row(l, by[l]))
	}
	rows = append(rows, row("all", total))
	var b strings.Builder
	b.WriteString("Quotations on the gold set and the seed article (pkg/quotes). Recall: annotated quotations\n")
	b.WriteString("found (an extracted quotation starting with the annotated prefix); precision: extracted\n")
	b.WriteString("quotations that match an annotation; speaker accuracy: annotated quotations with a named\n")
	b.WriteString("speaker that were found with that speaker. Target: speaker accuracy at least 0.85.\n\n")
	b.WriteString(Table([]string{"language", "annotated", "recall", "extracted", "precision", "with speaker", "speaker accuracy"}, rows))
	return b.String()
}
