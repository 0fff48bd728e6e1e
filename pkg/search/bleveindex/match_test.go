package bleveindex

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/analysis"
)

// corpusArticles reads the first n articles of each of the corpus files.
func corpusArticles(t *testing.T, n int, files ...string) []*article.Article {
	t.Helper()
	var out []*article.Article
	for _, f := range files {
		fh, err := os.Open(corpus.Path(t, f))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for i := 0; i < n && sc.Scan(); i++ {
			var a article.Article
			if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
				t.Fatalf("%s line %d: %v", f, i+1, err)
			}
			a.CleanBody = a.Body
			a.WordCount = len(strings.Fields(a.Body))
			a.Revision = 1
			out = append(out, &a)
		}
		if err := fh.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestMatchAgreesWithSearchOnCorpus: every query of the list selects the
// same corpus articles when each article is matched in memory
// (search.Compile, the watch worker's matching) as the index's own Search.
func TestMatchAgreesWithSearchOnCorpus(t *testing.T) {
	docs := corpusArticles(t, 120, "bg.jsonl", "ru.jsonl", "en.jsonl", "de.jsonl", "uk.jsonl")
	idx, err := Open(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = idx.Close() }()
	ctx := context.Background()
	if err := idx.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	set := analysis.NewSet()
	mdocs := make([]*search.Doc, len(docs))
	for i, a := range docs {
		mdocs[i] = search.NewDoc(set, a)
	}
	queries := []search.Query{
		{Text: "Асия Биби"}, {Text: `"Асия Биби"`}, {Text: "Биби OR Франция"}, {Text: "пакистан*"},
		{Text: "Биби -Франция"}, {Text: "lang:bg Франция"}, {Text: "published:2018"}, {Text: "published:2015-07..2016"},
		{Text: "words:>400"}, {Text: "title:Биби"}, {Text: "body:суд"}, {Text: "election OR elections"},
		{Text: "dollar euro"}, {Text: `"the dollar"`}, {Text: "Greenspan"}, {Text: "Merkel OR Меркель"},
		{Text: "Україна"}, {Text: "(Биби OR Bibi) NOT lang:ru"}, {Text: "-Биби lang:bg"}, {Text: "source:bbc-co-uk growth"},
		{Text: "и"}, {Text: "Путин и Тръмп"}, {Text: "gov*"}, {Text: "Regierung"},
		{Text: "*", Langs: []string{"de"}}, {Text: "суд", Langs: []string{"ru"}}, {Text: "Биби", Sources: []string{"regions-ru"}},
	}
	for _, q := range queries {
		c, err := search.Compile(set, q)
		if err != nil {
			t.Fatalf("compile %+v: %v", q, err)
		}
		want := []string{}
		for off := 0; ; off += search.MaxLimit {
			qq := q
			qq.Limit, qq.Offset = search.MaxLimit, off
			res, err := idx.Search(ctx, qq)
			if err != nil {
				t.Fatalf("search %+v: %v", q, err)
			}
			for _, h := range res.Hits {
				want = append(want, h.ID)
			}
			if len(res.Hits) < search.MaxLimit {
				break
			}
		}
		got := []string{}
		for _, d := range mdocs {
			if c.Match(d) {
				got = append(got, d.Article.ID)
			}
		}
		sort.Strings(want)
		sort.Strings(got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("query %+v: in memory %d articles, search %d; differ: %v", q, len(got), len(want), diff(got, want))
		}
		if len(want) == 0 && q.Text != "и" {
			t.Logf("query %q matches nothing in the sample", q.Text)
		}
	}
}

func diff(a, b []string) []string {
	in := map[string]int{}
	for _, x := range a {
		in[x]++
	}
	for _, x := range b {
		in[x]--
	}
	var out []string
	for k, v := range in {
		if v != 0 {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	if len(out) > 5 {
		out = out[:5]
	}
	return out
}
