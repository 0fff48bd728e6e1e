package index

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/services/index/pagetest"
)

const seedName = "000_cc3d19f12a0924a9"

// seedArticle is the corpus seed article as the enrich stage should emit
// it: the text from the corpus, and the entities, quotes and related links
// from its hand-made gold file (the enrich stage's own extraction is
// another issue's work; the page must show whatever the article carries).
func seedArticle(t *testing.T) *article.Article {
	t.Helper()
	text, err := os.ReadFile(corpus.Path(t, "seed", seedName+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(corpus.Path(t, "seed", seedName+".gold.json"))
	if err != nil {
		t.Fatal(err)
	}
	var gold struct {
		Source       string              `json:"source"`
		Lang         string              `json:"lang"`
		Boilerplate  []string            `json:"boilerplate_lines"`
		RelatedLinks []string            `json:"related_links"`
		Entities     map[string][]string `json:"entities"`
		Quotes       []struct {
			StartsWith string `json:"starts_with"`
			Speaker    string `json:"speaker"`
		} `json:"quotes"`
	}
	if err := json.Unmarshal(raw, &gold); err != nil {
		t.Fatal(err)
	}
	var body []string
	for _, line := range strings.Split(string(text), "\n") {
		keep := strings.TrimSpace(line) != ""
		for _, b := range gold.Boilerplate {
			if strings.TrimSpace(line) == b {
				keep = false
			}
		}
		if keep {
			body = append(body, line)
		}
	}
	a := &article.Article{
		ID: "seed-000", Source: gold.Source, Lang: gold.Lang, Revision: 1,
		Title:        "Лавров и Помпео в Сочи",
		CleanBody:    strings.Join(body, "\n\n"),
		RelatedLinks: gold.RelatedLinks,
		PublishedAt:  time.Date(2019, 5, 14, 0, 0, 0, 0, time.UTC),
		EnrichedAt:   time.Now().UTC(),
		WordCount:    250, ReadingTimeSeconds: 75,
		Summary: strings.SplitAfter(body[0], ".")[0],
	}
	for _, typ := range []string{article.EntityPerson, article.EntityLocation, article.EntityOrganization} {
		for _, name := range gold.Entities[typ] {
			a.Entities = append(a.Entities, article.Entity{Text: name, Type: typ, Count: 1})
		}
	}
	for _, q := range gold.Quotes {
		a.Quotes = append(a.Quotes, article.Quote{Text: q.StartsWith + " …", Speaker: q.Speaker})
	}
	return a
}

// TestPageInChromium drives the search page in headless Chromium against
// a running index stage: search "Лавров", see the seed article, open it,
// see its entities. Screenshots go to the test's temporary directory.
func TestPageInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	pagetest.Executable(t)
	seed := seedArticle(t)
	e := newStageEnv(t)
	_, h := e.start(t, filepath.Join(t.TempDir(), "index"), e.reg)
	e.publishEnriched(t, seed)
	other := enriched("other-1", 1, "Друга новина")
	other.Source, other.Lang, other.CleanBody = "dnevnik", "bg", "Текст без министъра."
	e.publishEnriched(t, other)
	e.waitEvents(t, natsbus.SubjectIndexed+".>", 2)
	srv := httptest.NewServer(h)
	defer srv.Close()

	b := pagetest.Start(t, 60*time.Second)
	hit := pagetest.HitSelector("seed-000")
	b.Search(srv.URL, "Лавров", "seed-000")
	status, err := chromedp.Run(b.Context(), chromedp.Text(chromedp.CSS(`#status`)))
	if err != nil {
		b.Fail("read the status", err)
	}
	hitTitle, err := chromedp.Run(b.Context(), chromedp.Text(chromedp.CSS(hit+` a.title`)))
	if err != nil {
		b.Fail("read the hit", err)
	}
	snippet, err := chromedp.Run(b.Context(), chromedp.InnerHTML(chromedp.CSS(hit+` .snippet`)))
	if err != nil {
		b.Fail("read the snippet", err)
	}
	b.Shot("results.png")
	b.Open("seed-000")
	names := b.Entities()
	quotes := b.Quotes()
	b.Shot("article.png")
	if !strings.HasPrefix(status, "1–1 of 1 article") {
		t.Errorf("status %q, want 1–1 of 1 article", status)
	}
	if hitTitle != seed.Title {
		t.Errorf("hit title %q, want %q", hitTitle, seed.Title)
	}
	if !strings.Contains(snippet, "<mark>Лавров</mark>") {
		t.Errorf("snippet %q does not mark Лавров", snippet)
	}
	for _, want := range []string{"Сергей Лавров", "Майк Помпео", "Сочи", "ТАСС"} {
		if !slices.Contains(names, want) {
			t.Errorf("entity %q not shown; the page shows %q", want, names)
		}
	}
	if quotes != len(seed.Quotes) {
		t.Errorf("%d quotes shown, want %d", quotes, len(seed.Quotes))
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("the page reported problems: %q", p)
	}
}
