package index

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
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

// TestChartBrushInChromium checks the chart above the results: one bar per
// day from the first match to the last, and dragging across the first
// three bars sets from and to, which narrows the results and the chart
// (to hours: three days are drawn by the hour).
func TestChartBrushInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	pagetest.Executable(t)
	e := newStageEnv(t)
	_, h := e.start(t, filepath.Join(t.TempDir(), "index"), e.reg)
	for i, day := range []int{1, 3, 5} {
		a := enriched(fmt.Sprintf("day-%d", day), 1, fmt.Sprintf("Брексит, ден %d", day))
		a.PublishedAt = time.Date(2019, 3, day, 12, 0, 0, 0, time.UTC)
		a.ContentHash = fmt.Sprintf("c%d", i)
		e.publishEnriched(t, a)
	}
	e.waitEvents(t, natsbus.SubjectIndexed+".>", 3)
	srv := httptest.NewServer(h)
	defer srv.Close()

	b := pagetest.Start(t, 60*time.Second)
	b.Search(srv.URL, "Брексит", "day-5")
	b.Do("wait for the chart", chromedp.WaitVisible(chromedp.CSS(`#chart[data-state="done"] rect.bar`)))
	counts, err := chromedp.Run(b.Context(), chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('#chart rect.bar')].map(r => r.dataset.start.slice(0, 10) + '=' + r.dataset.count)`))
	if err != nil {
		b.Fail("read the bars", err)
	}
	want := []string{"2019-03-01=1", "2019-03-02=0", "2019-03-03=1", "2019-03-04=0", "2019-03-05=1"}
	if !slices.Equal(counts, want) {
		t.Fatalf("bars %q, want %q", counts, want)
	}
	b.Shot("chart.png")
	// Drag from the middle of the first bar's slot to the third's, at the
	// chart's vertical middle.
	pos, err := chromedp.Run(b.Context(), chromedp.Evaluate[[]float64](`(() => {
		const r = document.querySelector('#chart-svg').getBoundingClientRect();
		const slot = r.width / 5;
		return [r.left + slot / 2, r.left + 2.5 * slot, r.top + r.height / 2];
	})()`))
	if err != nil || len(pos) != 3 {
		b.Fail("locate the chart", err)
	}
	b.Do("brush the first three days",
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, pos[0], pos[2], chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, (pos[0]+pos[1])/2, pos[2], chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, pos[1], pos[2], chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, pos[1], pos[2], chromedp.ButtonLeft),
	)
	loc, err := chromedp.Run(b.Context(), chromedp.Poll[string](
		`document.querySelector('#results').dataset.state === 'done' && location.search.includes('from=') && location.search`,
		chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		b.Fail("wait for the brushed search", err)
	}
	if !strings.Contains(loc, "from=2019-03-01") || !strings.Contains(loc, "to=2019-03-03") {
		t.Errorf("location %q, want from=2019-03-01 and to=2019-03-03", loc)
	}
	b.Do("wait for the narrowed results", chromedp.WaitVisible(chromedp.CSS(`#results[data-state="done"] `+pagetest.HitSelector("day-3"))))
	from, err := chromedp.Run(b.Context(), chromedp.Value(chromedp.CSS(`#from`)))
	if err != nil {
		b.Fail("read from", err)
	}
	status, err := chromedp.Run(b.Context(), chromedp.Text(chromedp.CSS(`#status`)))
	if err != nil {
		b.Fail("read the status", err)
	}
	// Three days are drawn by the hour.
	b.Do("wait for the narrowed chart", chromedp.WaitVisible(chromedp.CSS(`#chart[data-state="done"][data-interval="hour"] rect.bar`)))
	bars, err := chromedp.Run(b.Context(), chromedp.Evaluate[int](`document.querySelectorAll('#chart rect.bar').length`))
	if err != nil {
		b.Fail("count the bars", err)
	}
	b.Shot("brushed.png")
	if from != "2019-03-01" {
		t.Errorf("from input %q, want 2019-03-01", from)
	}
	if !strings.HasPrefix(status, "1–2 of 2 article") {
		t.Errorf("status %q, want 1–2 of 2 articles", status)
	}
	if bars != 72 {
		t.Errorf("%d bars after brushing, want 72 (the hours of 2019-03-01..03)", bars)
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("the page reported problems: %q", p)
	}
}

// TestStoryInChromium opens an article of a story told in three languages
// by three sources and checks the story section lists them all, by
// language and source, and that its link searches the story.
func TestStoryInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	pagetest.Executable(t)
	e := newStageEnv(t)
	_, h := e.start(t, filepath.Join(t.TempDir(), "index"), e.reg)
	for i, m := range []struct{ id, source, lang string }{{"s-ru", "tass", "ru"}, {"s-bg", "bta", "bg"}, {"s-cs", "idnes", "cs"}, {"alone", "bta", "bg"}} {
		a := enriched(m.id, 1, "Азия Биби "+m.id)
		a.Source, a.Lang, a.ContentHash = m.source, m.lang, fmt.Sprintf("s%d", i)
		a.StoryID = "s-ru"
		if m.id == "alone" {
			a.StoryID = "alone"
		}
		e.publishEnriched(t, a)
	}
	e.waitEvents(t, natsbus.SubjectIndexed+".>", 4)
	srv := httptest.NewServer(h)
	defer srv.Close()

	b := pagetest.Start(t, 60*time.Second)
	b.Do("open an article of the story",
		chromedp.Navigate(srv.URL+"/?id=s-bg"),
		chromedp.WaitVisible(chromedp.CSS(`#story[data-state="done"] table.story-articles`)),
	)
	rows, err := chromedp.Run(b.Context(), chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('#story tr')].map(r => r.dataset.id + ' ' + r.querySelector('.lang').textContent + ' ' + r.querySelector('.source').textContent)`))
	if err != nil {
		b.Fail("read the story", err)
	}
	b.Shot("story.png")
	want := []string{"s-bg bg bta", "s-cs cs idnes", "s-ru ru tass"}
	if !slices.Equal(rows, want) {
		t.Errorf("story rows %q, want %q", rows, want)
	}
	b.Do("search the story",
		chromedp.Click(chromedp.CSS(`#story p.meta a.search-story`)),
		chromedp.WaitVisible(chromedp.CSS(`#results[data-state="done"] `+pagetest.HitSelector("s-cs"))),
	)
	status, err := chromedp.Run(b.Context(), chromedp.Text(chromedp.CSS(`#status`)))
	if err != nil {
		b.Fail("read the status", err)
	}
	if !strings.HasPrefix(status, "1–3 of 3 article") {
		t.Errorf("status %q, want the 3 articles of the story", status)
	}
	// One hit per story: the three articles of s-ru's story and the one
	// alone are two stories.
	b.Search(srv.URL, "Биби", "alone")
	b.Do("collapse the stories",
		chromedp.Click(chromedp.CSS(`#collapse`)),
		chromedp.WaitVisible(chromedp.CSS(`#results[data-state="done"] #hits li.hit`)),
	)
	collapsed, err := chromedp.Run(b.Context(), chromedp.Poll[string](
		`location.search.includes('collapse=story') && document.querySelector('#results').dataset.state === 'done' && document.querySelector('#status').textContent`,
		chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		b.Fail("wait for the collapsed results", err)
	}
	hits, err := chromedp.Run(b.Context(), chromedp.Evaluate[int](`document.querySelectorAll('#hits li.hit').length`))
	if err != nil {
		b.Fail("count the hits", err)
	}
	if !strings.HasPrefix(collapsed, "1–2 of 2 stories") || hits != 2 {
		t.Errorf("collapsed: status %q and %d hits, want 2 stories", collapsed, hits)
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("the page reported problems: %q", p)
	}
}

// TestStoryViewInChromium: a story told by four articles in three
// languages and four sources opens on its own page (?story=), grouped by
// language (most articles first) and source; with "one per story" a hit
// links to its story; a browser preferring Bulgarian gets the story page,
// the chart and the watch button in Bulgarian.
func TestStoryViewInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	pagetest.Executable(t)
	e := newStageEnv(t)
	_, h := e.start(t, filepath.Join(t.TempDir(), "index"), e.reg)
	for i, m := range []struct{ id, source, lang string }{
		{"v-ru", "tass", "ru"}, {"v-bg", "bta", "bg"}, {"v-bg2", "dnevnik", "bg"}, {"v-cs", "idnes", "cs"}, {"lone", "bta", "bg"},
	} {
		a := enriched(m.id, 1, "Азия Биби "+m.id)
		a.Source, a.Lang, a.ContentHash = m.source, m.lang, fmt.Sprintf("v%d", i)
		a.PublishedAt = time.Date(2018, 10, 31+i, 9, 0, 0, 0, time.UTC)
		a.StoryID = "v-ru"
		if m.id == "lone" {
			a.StoryID = "lone"
		}
		e.publishEnriched(t, a)
	}
	e.waitEvents(t, natsbus.SubjectIndexed+".>", 5)
	srv := httptest.NewServer(h)
	defer srv.Close()

	b := pagetest.Start(t, 90*time.Second)
	// From a collapsed search, a hit's "whole story" link.
	b.Do("search one per story",
		chromedp.Navigate(srv.URL+"/?q=%D0%91%D0%B8%D0%B1%D0%B8&collapse=story"),
		chromedp.WaitVisible(chromedp.CSS(`#results[data-state="done"] `+pagetest.HitSelector("lone"))),
	)
	links, err := chromedp.Run(b.Context(), chromedp.Evaluate[int](`document.querySelectorAll('#hits li.hit a.story-link').length`))
	if err != nil {
		b.Fail("count the story links", err)
	}
	if links != 2 {
		t.Errorf("%d hits link to their story, want 2 (one per story)", links)
	}
	b.Do("open the story of the first hit",
		chromedp.Click(chromedp.CSS(`#hits li.hit a.story-link[href="?story=v-ru"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#article[data-state="done"] section.story-lang`)),
	)
	type group struct {
		Lang    string   `json:"lang"`
		Sources []string `json:"sources"`
		IDs     []string `json:"ids"`
	}
	read := func() ([]group, string, string) {
		t.Helper()
		got, err := chromedp.Run(b.Context(), chromedp.Evaluate[[]group](
			`[...document.querySelectorAll('#article section.story-lang')].map(s => ({lang: s.dataset.lang,
			  sources: [...s.querySelectorAll('.story-source')].map(x => x.dataset.source),
			  ids: [...s.querySelectorAll('li')].map(x => x.dataset.id)}))`))
		if err != nil {
			b.Fail("read the story page", err)
		}
		meta, err := chromedp.Run(b.Context(), chromedp.Text(chromedp.CSS(`#article > p.meta`)))
		if err != nil {
			b.Fail("read the story meta", err)
		}
		heading, err := chromedp.Run(b.Context(), chromedp.Text(chromedp.CSS(`#article section.story-lang h2`)))
		if err != nil {
			b.Fail("read the story heading", err)
		}
		return got, meta, heading
	}
	got, meta, heading := read()
	b.Shot("story-view.png")
	want := []group{
		{Lang: "bg", Sources: []string{"bta", "dnevnik"}, IDs: []string{"v-bg", "v-bg2"}},
		{Lang: "cs", Sources: []string{"idnes"}, IDs: []string{"v-cs"}},
		{Lang: "ru", Sources: []string{"tass"}, IDs: []string{"v-ru"}},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("story page groups %+v, want %+v", got, want)
	}
	if !strings.HasPrefix(meta, "4 articles from 4 sources in 3 languages") {
		t.Errorf("story meta %q", meta)
	}
	if !strings.HasPrefix(strings.ToLower(heading), "bulgarian") { // shown in capitals
		t.Errorf("first language heading %q, want Bulgarian", heading)
	}
	loc, err := chromedp.Run(b.Context(), chromedp.Evaluate[string](`location.search`))
	if err != nil || loc != "?story=v-ru" {
		t.Errorf("story page at %q (%v), want ?story=v-ru", loc, err)
	}
	// From an article, the story panel opens the same page.
	b.Do("open an article and its story",
		chromedp.Navigate(srv.URL+"/?id=v-cs"),
		chromedp.WaitVisible(chromedp.CSS(`#story[data-state="done"] a.open-story`)),
		chromedp.Click(chromedp.CSS(`#story a.open-story`)),
		chromedp.WaitVisible(chromedp.CSS(`#article[data-state="done"] section.story-lang[data-lang="ru"]`)),
	)
	// In Bulgarian.
	b.Do("prefer Bulgarian", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
			UserAgent: "Mozilla/5.0 (X11; Linux x86_64) newsflow-test", AcceptLanguage: "bg-BG,bg;q=0.9,en;q=0.5"})
		return err
	}))
	b.Do("open the story in Bulgarian",
		chromedp.Navigate(srv.URL+"/?story=v-ru"),
		chromedp.WaitVisible(chromedp.CSS(`#article[data-state="done"] section.story-lang`)),
	)
	_, meta, heading = read()
	b.Shot("story-view-bg.png")
	if !strings.HasPrefix(meta, "4 статии от 4 източника на 3 езика") || !strings.HasPrefix(strings.ToLower(heading), "български") {
		t.Errorf("Bulgarian story page: meta %q, heading %q", meta, heading)
	}
	b.Do("search in Bulgarian",
		chromedp.Navigate(srv.URL+"/?q=*"),
		chromedp.WaitVisible(chromedp.CSS(`#results[data-state="done"] #chart[data-state="done"]`)),
	)
	ui, err := chromedp.Run(b.Context(), chromedp.Evaluate[[]string](
		`[document.querySelector('#chart-caption').textContent, document.querySelector('#chart .hint').textContent,
		  document.querySelector('#chart-svg').getAttribute('aria-label'), document.querySelector('#watch-btn').title]`))
	if err != nil {
		b.Fail("read the Bulgarian chart and watch button", err)
	}
	if want := []string{"5 статии на ден", "Плъзнете по стълбовете, за да изберете дати.", "Статии във времето",
		"Запазва търсенето: всяка нова статия, която отговаря на него, дава известие"}; !slices.Equal(ui, want) {
		t.Errorf("Bulgarian chart and watch strings %q, want %q", ui, want)
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("the page reported problems: %q", p)
	}
}

// TestEntityFacetByIDInChromium: articles naming one entity in two
// languages (Тръмп, Trump: one id) show it once in the entities facet,
// and choosing it filters on the id, which finds both.
func TestEntityFacetByIDInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	pagetest.Executable(t)
	e := newStageEnv(t)
	_, h := e.start(t, filepath.Join(t.TempDir(), "index"), e.reg)
	bg := enriched("bg-trump", 1, "Тръмп в Сочи")
	bg.Source, bg.Lang = "dnevnik", "bg"
	bg.Entities = []article.Entity{{ID: "per:trmp", Text: "Тръмп", Type: article.EntityPerson, Count: 1}}
	en := enriched("en-trump", 1, "Trump in Sochi")
	en.Source, en.Lang = "bbc", "en"
	en.Entities = []article.Entity{{ID: "per:trmp", Text: "Trump", Type: article.EntityPerson, Count: 1}}
	e.publishEnriched(t, bg)
	e.publishEnriched(t, en)
	e.waitEvents(t, natsbus.SubjectIndexed+".>", 2)
	srv := httptest.NewServer(h)
	defer srv.Close()

	b := pagetest.Start(t, 60*time.Second)
	b.Search(srv.URL, "Лавров", "en-trump")
	entries, err := chromedp.Run(b.Context(), chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('#facets ul[data-facet="entities"] button')].map(b => b.dataset.entityId + ' ' + b.textContent)`))
	if err != nil {
		b.Fail("read the entities facet", err)
	}
	if len(entries) != 1 || !strings.HasPrefix(entries[0], "per:trmp ") || !strings.HasSuffix(entries[0], "2") {
		t.Errorf("entities facet %q, want one entry for per:trmp with 2 articles", entries)
	}
	b.Do("choose the entity",
		chromedp.Click(chromedp.CSS(`#facets button[data-entity-id="per:trmp"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#facets button[data-entity-id="per:trmp"][aria-pressed="true"]`)),
	)
	url, err := chromedp.Run(b.Context(), chromedp.Location())
	if err != nil {
		b.Fail("read the location", err)
	}
	if !strings.Contains(url, "entity_id=per%3Atrmp") {
		t.Errorf("location %q does not filter on entity_id=per:trmp", url)
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("the page reported problems: %q", p)
	}
}
