package main

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/services/index/pagetest"
)

// TestPageEndToEndInChromium publishes the seed article through the whole
// pipeline (ingest, enrich, index) and drives the search page in headless
// Chromium: search "Лавров", see the article, open it, and see the entities
// and quotes that enrich extracted, as the gold file expects them.
func TestPageEndToEndInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	pagetest.Executable(t)
	seed, g := loadGold(t)
	var want struct {
		Entities map[string][]string `json:"entities"`
		Quotes   []struct {
			Speaker string `json:"speaker"`
		} `json:"quotes"`
	}
	raw, err := os.ReadFile(corpus.Path(t, "seed", seedFile+".gold.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	p := startPipeline(t, t.TempDir())
	base := "http://" + p.HTTPAddr()
	if code, out := cli(t, "publish", "--url", base, "--source", g.Source, seed); code != 0 {
		t.Fatalf("publish: exit %d: %s", code, out)
	}
	var id string
	waitFor(t, "the seed article to be searchable", func() bool {
		n, ids := searchTotal(t, base, "Лавров")
		if n == 1 {
			id = ids[0]
		}
		return n == 1
	})

	b := pagetest.Start(t, 90*time.Second)
	b.Search(base, "Лавров", id)
	b.Shot("results.png")
	b.Open(id)
	names := b.Entities()
	quotes := b.Quotes()
	b.Shot("article.png")
	for typ, list := range want.Entities {
		for _, name := range list {
			if !slices.Contains(names, name) {
				t.Errorf("%s %q not shown; the page shows %q", typ, name, names)
			}
		}
	}
	for _, n := range names {
		if strings.Contains(n, "Starlink") || n == "Мъск" || n == "Зеленски" {
			t.Errorf("entity %q comes from a teaser line and must not be shown", n)
		}
	}
	if quotes != len(want.Quotes) {
		t.Errorf("%d quotes shown, want %d", quotes, len(want.Quotes))
	}
	if pr := b.Problems(); len(pr) > 0 {
		t.Errorf("the page reported problems: %q", pr)
	}
}
