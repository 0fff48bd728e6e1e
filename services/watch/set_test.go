package watch

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/analysis"
	"github.com/newsflow/newsflow/pkg/search/searchtest"
)

// randomWatches makes n watches from the articles' words, phrases,
// entity names and ids, languages and sources, in every form of the query
// language (fields, prefixes, negations, OR, groups, dates, word counts)
// and with random filters: for comparing the indexed matcher with the
// plain one on queries nobody chose to suit the index.
func randomWatches(arts []*article.Article, n int, seed uint64) []*Watch {
	r := rand.New(rand.NewPCG(seed, 3))
	var words, names, ids, types, langs, sources, stories, artIDs []string
	add := func(list *[]string, v string) {
		if v != "" && !slices.Contains(*list, v) {
			*list = append(*list, v)
		}
	}
	for _, a := range arts {
		for _, f := range strings.Fields(a.Title + " " + a.CleanBody) {
			f = strings.TrimFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
			if f != "" && !strings.ContainsFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
				add(&words, f)
			}
		}
		for _, e := range a.Entities {
			add(&names, e.Text)
			add(&ids, e.ID)
			add(&types, e.Type)
		}
		add(&langs, a.Lang)
		add(&sources, a.Source)
		add(&stories, a.StoryID)
		add(&artIDs, a.ID)
	}
	words = append(words, "nosuchword", "и", "the", "не")
	ids = append(ids, "no:such")
	pick := func(vs []string) string { return vs[r.IntN(len(vs))] }
	var atom func(depth int) string
	atom = func(depth int) string {
		switch r.IntN(16) {
		case 0, 1, 2:
			return pick(words)
		case 3:
			return fmt.Sprintf("%q", pick(words)+" "+pick(words))
		case 4:
			w := []rune(pick(words))
			return string(w[:max(1, min(len(w), 1+r.IntN(4)))]) + "*"
		case 5:
			return []string{"title:", "body:"}[r.IntN(2)] + pick(words)
		case 6:
			return fmt.Sprintf("entity:%q", pick(names))
		case 7:
			return "lang:" + pick(langs)
		case 8:
			return "source:" + pick(sources)
		case 9:
			return "entity_id:" + pick(ids)
		case 10:
			return "type:" + pick(types)
		case 11:
			return "id:" + pick(artIDs)
		case 12:
			return []string{"published:2019-05", "published:>=2019-06", "words:<20", "words:10..100"}[r.IntN(4)]
		case 13:
			return "-" + atom(depth+1)
		default:
			if depth > 1 {
				return pick(words)
			}
			return "(" + atom(depth+1) + " OR " + atom(depth+1) + ")"
		}
	}
	subset := func(vs []string) []string {
		if r.IntN(4) != 0 {
			return nil
		}
		return []string{pick(vs), pick(vs)}[:1+r.IntN(2)]
	}
	out := make([]*Watch, 0, n)
	for i := range n {
		parts := make([]string, 1+r.IntN(3))
		for j := range parts {
			parts[j] = atom(0)
		}
		q := strings.Join(parts, []string{" ", " ", " OR "}[r.IntN(3)])
		if r.IntN(10) == 0 {
			q = "*"
		}
		out = append(out, &Watch{Name: fmt.Sprintf("r%05d", i), Query: q,
			Langs: subset(langs), Sources: subset(sources), Entities: subset(names), EntityIDs: subset(ids)})
	}
	return out
}

// checkIndexAgrees compares Set.Match (the anchor index) with trying
// every watch's compiled query (the semantics of /v1/search, tested
// against both index backends in pkg/search) on every article.
func checkIndexAgrees(t *testing.T, an *analysis.Set, arts []*article.Article, ws []*Watch) (pairs, matches int) {
	t.Helper()
	set := NewSet(an)
	errs := set.PutAll(ws)
	var kept []*Watch
	for _, w := range ws {
		if errs[w.Name] == nil {
			kept = append(kept, w)
		}
	}
	if len(kept) < len(ws)/2 {
		t.Fatalf("only %d of %d watches compile", len(kept), len(ws))
	}
	tab := set.cur.Load()
	for _, a := range arts {
		d := search.NewDoc(an, a)
		var want []string
		for _, w := range kept {
			if tab.byName[w.Name].q.Match(d) {
				want = append(want, w.Name)
			}
		}
		var got []string
		for _, m := range set.Match(d) {
			got = append(got, m.Watch.Name)
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			for _, w := range kept {
				if slices.Contains(got, w.Name) != slices.Contains(want, w.Name) {
					t.Errorf("article %s, watch %q %+v: indexed match %v, plain match %v (anchors %q)",
						a.ID, w.Query, w, slices.Contains(got, w.Name), slices.Contains(want, w.Name), tab.byName[w.Name].q.Anchors())
				}
			}
			t.FailNow()
		}
		pairs += len(kept)
		matches += len(want)
	}
	return pairs, matches
}

func TestIndexedMatchAgreesWithPlainMatch(t *testing.T) {
	an := analysis.NewSet()
	arts := searchtest.Fixtures()
	for seed := range uint64(5) {
		pairs, matches := checkIndexAgrees(t, an, arts, randomWatches(arts, 2000, seed))
		if matches == 0 || matches == pairs {
			t.Fatalf("seed %d: %d matches in %d pairs: the random watches do not test anything", seed, matches, pairs)
		}
		t.Logf("seed %d: %d article x watch pairs, %d matches", seed, pairs, matches)
	}
}

// The same on 1,000 corpus articles with the benchmark's watch sets and
// random ones.
func TestIndexedMatchAgreesOnCorpus(t *testing.T) {
	arts := benchArticles(t, 200)
	an := analysis.NewSet()
	for name, ws := range map[string][]*Watch{
		"desk":    deskWatches(arts, 2000, 11),
		"desk100": deskWatches(arts, 100, 12), // few prefixes: found by binary search
		"broad":   benchWatches(arts, 1000, 11),
		"random":  randomWatches(arts, 1000, 11),
	} {
		pairs, matches := checkIndexAgrees(t, an, arts, ws)
		if matches == 0 {
			t.Fatalf("%s: no match in %d pairs", name, pairs)
		}
		t.Logf("%s: %d article x watch pairs, %d matches", name, pairs, matches)
	}
}

// Apply puts and removes in one rebuild; a watch that no longer validates
// is removed rather than kept in its older version.
func TestSetApply(t *testing.T) {
	an := analysis.NewSet()
	set := NewSet(an)
	if errs := set.PutAll([]*Watch{{Name: "a", Query: "Лавров"}, {Name: "b", Query: "Путин"}, {Name: "c", Query: "Помпео"}}); len(errs) > 0 {
		t.Fatal(errs)
	}
	errs := set.Apply([]*Watch{{Name: "b", Query: `"unclosed`}, {Name: "d", Query: "Венецуела"}}, []string{"c"})
	if errs["b"] == nil || len(errs) != 1 {
		t.Fatalf("errors %v, want one for b", errs)
	}
	if got := set.Names(); !slices.Equal(got, []string{"a", "d"}) {
		t.Fatalf("names %v, want [a d]", got)
	}
	d := search.NewDoc(an, searchtest.Fixtures()[0]) // bg1: Лавров, Помпео, Венецуела
	var got []string
	for _, m := range set.Match(d) {
		got = append(got, m.Watch.Name)
	}
	if !slices.Equal(got, []string{"a", "d"}) {
		t.Fatalf("bg1 matches %v, want [a d]", got)
	}
}

// The alert names the article's entities the watch matched: through a
// word of the query, by entity id (filter or entity_id:), by name.
func TestAlertEntities(t *testing.T) {
	an := analysis.NewSet()
	d := search.NewDoc(an, searchtest.Fixtures()[0]) // bg1: Сергей Лавров, Майк Помпео, Сочи
	for _, tt := range []struct {
		w    Watch
		want []string
	}{
		{Watch{Name: "word", Query: "Помпео"}, []string{"Майк Помпео"}},
		{Watch{Name: "id", Query: "*", EntityIDs: []string{"per:lvr"}}, []string{"Сергей Лавров"}},
		{Watch{Name: "kw", Query: "entity_id:per:lvr Сочи"}, []string{"Сергей Лавров", "Сочи"}},
		{Watch{Name: "name", Query: "*", Entities: []string{"Сочи"}}, []string{"Сочи"}},
		{Watch{Name: "none", Query: "Венецуела"}, nil},
	} {
		q, err := tt.w.Validate(an)
		if err != nil {
			t.Fatalf("%s: %v", tt.w.Name, err)
		}
		if !q.Match(d) {
			t.Fatalf("%s does not match bg1", tt.w.Name)
		}
		al := NewAlert(an, d, Matched{Watch: &tt.w, Query: q}, time.Time{}, time.Time{})
		var got []string
		for _, e := range al.Entities {
			got = append(got, e.Text)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: entities %v, want %v", tt.w.Name, got, tt.want)
		}
	}
}
