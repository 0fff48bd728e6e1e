package enrich

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/pkg/natstest"
	"github.com/newsflow/newsflow/pkg/simhash"
	"github.com/newsflow/newsflow/pkg/textclean"
)

// seedGold is the part of the seed article's expectations the text steps
// meet.
type seedGold struct {
	Source           string   `json:"source"`
	Lang             string   `json:"lang"`
	BoilerplateLines []string `json:"boilerplate_lines"`
	RelatedLinks     []string `json:"related_links"`
}

func seedArticle(t *testing.T) (*article.Article, seedGold) {
	t.Helper()
	body, err := os.ReadFile(corpus.Path(t, "seed", "000_cc3d19f12a0924a9.txt"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(corpus.Path(t, "seed", "000_cc3d19f12a0924a9.gold.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g seedGold
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	return &article.Article{ID: "seed-000", Source: g.Source, Body: string(body)}, g
}

func TestSeedArticleText(t *testing.T) {
	a, g := seedArticle(t)
	NewEnricher(Steps(), time.Now).Enrich(context.Background(), a)
	if len(a.EnrichErrors) > 0 {
		t.Fatalf("enrich errors: %v", a.EnrichErrors)
	}
	if a.Lang != g.Lang || a.LangConfidence < 0.9 {
		t.Errorf("lang %s (%.3f), want %s with confidence >= 0.9", a.Lang, a.LangConfidence, g.Lang)
	}
	if !slices.Equal(a.RelatedLinks, g.RelatedLinks) {
		t.Errorf("related links\n got %q\nwant %q", a.RelatedLinks, g.RelatedLinks)
	}
	for _, l := range g.BoilerplateLines {
		if strings.Contains(a.CleanBody, l) {
			t.Errorf("boilerplate line left in the clean body: %q", l)
		}
	}
	for _, keep := range []string{"Министърът на външните работи на Русия Сергей Лавров", "„Имаме разногласия за Венецуела.", "на форума на Г-20 в Осака, ако има такова."} {
		if !strings.Contains(a.CleanBody, keep) {
			t.Errorf("article text lost from the clean body: %q", keep)
		}
	}
	if strings.Contains(a.CleanBody, "Starlink") {
		t.Error("the clean body still holds a teaser (Starlink)")
	}
	terms := map[string]bool{}
	for _, k := range a.Keywords {
		terms[k.Term] = true
	}
	// Lavrov and Maduro are keywords, by their full names (a phrase is the
	// unit), and neither name alone is.
	if !terms["Сергей Лавров"] || !terms["Николас Мадуро"] || terms["Лавров"] || terms["Мадуро"] || len(a.Keywords) > maxKeywords {
		t.Errorf("keywords %v: want Сергей Лавров and Николас Мадуро among at most %d", a.Keywords, maxKeywords)
	}
	if a.Summary == "" || !strings.Contains(a.CleanBody, strings.SplitN(a.Summary, ". ", 2)[0]) || strings.Contains(a.Summary, "Още:") {
		t.Errorf("summary %q is not made of clean body sentences", a.Summary)
	}
	// 254: the seed file without its teaser and promo lines, counted by wc -w.
	if a.WordCount != 254 || a.ReadingTimeSeconds != (a.WordCount*60+wordsPerMinute-1)/wordsPerMinute {
		t.Errorf("word count %d, reading time %d s", a.WordCount, a.ReadingTimeSeconds)
	}
	if a.PipelineVersion == "" || a.EnrichedAt.IsZero() {
		t.Errorf("pipeline version %q, enriched at %v: want both set", a.PipelineVersion, a.EnrichedAt)
	}
}

func TestDisabledStepsDoNotRun(t *testing.T) {
	a, _ := seedArticle(t)
	NewEnricher(Steps(StepClean, StepLang), time.Now).Enrich(context.Background(), a)
	if a.CleanBody != "" || a.Lang != "" {
		t.Errorf("disabled steps ran: clean body %d bytes, lang %q", len(a.CleanBody), a.Lang)
	}
	if a.WordCount == 0 {
		t.Error("the stats step did not run")
	}
}

func TestFailingStepIsRecordedAndOthersRun(t *testing.T) {
	a, _ := seedArticle(t)
	steps := Steps()
	steps = append([]Step{{Name: "broken", Run: func(context.Context, *article.Article) error { panic("boom") }}}, steps...)
	NewEnricher(steps, time.Now).Enrich(context.Background(), a)
	if !strings.Contains(a.EnrichErrors["broken"], "boom") {
		t.Errorf("enrich errors %v, want the broken step's panic", a.EnrichErrors)
	}
	if a.Lang != "bg" || a.CleanBody == "" {
		t.Errorf("other steps did not run after a failing one: lang %q", a.Lang)
	}
}

func TestKVLearnerSharedBetweenReplicas(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js1 := natstest.Connect(t, srv)
	_, js2 := natstest.Connect(t, srv)
	ctx := context.Background()
	r1, err := OpenKVLearner(ctx, js1, time.Hour, 1)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := OpenKVLearner(ctx, js2, time.Hour, 1)
	if err != nil {
		t.Fatal(err)
	}
	box := "Следете ни навсякъде с мобилното приложение на сайта"
	// Two replicas see the line in different articles, concurrently.
	var wg sync.WaitGroup
	for i, r := range []*KVLearner{r1, r2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := r.Observe(ctx, "vesti-bg", []string{"a1", "a2"}[i], []string{box}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, err := r1.Observe(ctx, "vesti-bg", "a2", []string{box})
	if err != nil {
		t.Fatal(err)
	}
	if got[box] {
		t.Fatalf("boilerplate after %d articles, want %d", 2, textclean.MinArticles)
	}
	got, err = r2.Observe(ctx, "vesti-bg", "a3", []string{box})
	if err != nil {
		t.Fatal(err)
	}
	if !got[box] {
		t.Fatal("line carried by three articles across two replicas is not boilerplate")
	}
	// A fresh replica (a restart) knows it from the bucket.
	_, js3 := natstest.Connect(t, srv)
	r3, err := OpenKVLearner(ctx, js3, time.Hour, 1)
	if err != nil {
		t.Fatal(err)
	}
	got, err = r3.Observe(ctx, "vesti-bg", "a9", []string{box, "Съвсем друг ред от статията"})
	if err != nil {
		t.Fatal(err)
	}
	if !got[box] || len(got) != 1 {
		t.Errorf("after restart: %v, want only the learned line", got)
	}
}

func TestKVIndexSharedBetweenReplicas(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js1 := natstest.Connect(t, srv)
	_, js2 := natstest.Connect(t, srv)
	ctx := context.Background()
	x1, err := OpenKVIndex(ctx, js1, time.Hour, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	x2, err := OpenKVIndex(ctx, js2, time.Hour, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := seedArticle(t)
	NewEnricher(Steps(), time.Now).Enrich(ctx, a)
	orig := a.CleanBody
	copyText := strings.Replace(orig, "Освен това Лавров", "Лавров", 1)
	other := strings.Repeat("Правителството одобри бюджета за следващата година след дълъг дебат в парламента. ", 8)
	steps := []struct {
		x        *KVIndex
		id, text string
		want     string
	}{
		{x1, "orig", orig, ""},
		{x2, "other", other, ""},
		{x2, "copy", copyText, "orig"},
		{x1, "copy", copyText, "orig"}, // redelivered: the same answer
	}
	for _, s := range steps {
		fp, ok := Sign(s.text)
		if !ok {
			t.Fatalf("%s: too short to fingerprint", s.id)
		}
		if s.want != "" {
			waitFiled(t, s.x, s.want, fp)
		}
		got, err := s.x.Add(ctx, s.id, fp)
		if err != nil {
			t.Fatal(err)
		}
		if got != s.want {
			t.Errorf("Add(%s) = %q, want %q", s.id, got, s.want)
		}
	}
	// A new replica after a restart still knows the original.
	_, js3 := natstest.Connect(t, srv)
	x3, err := OpenKVIndex(ctx, js3, time.Hour, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	fp, _ := Sign(copyText)
	if got := x3.local.Match("copy-again", fp); got != "orig" {
		t.Errorf("a new replica does not load the bucket: %q, want orig", got)
	}
	if got, err := x3.Add(ctx, "copy-again", fp); err != nil || got != "orig" {
		t.Errorf("after restart: %q, %v; want orig", got, err)
	}
	for _, x := range []*KVIndex{x1, x2, x3} {
		if err := x.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}
}

func TestNearDuplicateStep(t *testing.T) {
	ctx := context.Background()
	e := NewEnricher(Steps(), time.Now)
	a, _ := seedArticle(t)
	e.Enrich(ctx, a)
	if len(a.Simhash) != 16 || a.NearDuplicateOf != "" {
		t.Fatalf("first article: simhash %q, near duplicate of %q", a.Simhash, a.NearDuplicateOf)
	}
	b, _ := seedArticle(t)
	b.ID, b.Source = "seed-copy", "other-outlet"
	b.Body = strings.Replace(b.Body, "Това предава ТАСС, цитирана от \"Фокус\".", "", 1)
	e.Enrich(ctx, b)
	if b.NearDuplicateOf != "seed-000" {
		t.Errorf("a lightly edited copy from another outlet: near_duplicate_of %q, want seed-000", b.NearDuplicateOf)
	}
	// A shortened copy (the first half), which SimHash alone misses.
	h, _ := seedArticle(t)
	h.ID, h.Source = "seed-half", "third-outlet"
	h.Body = h.Body[:len(h.Body)/2]
	e.Enrich(ctx, h)
	if h.NearDuplicateOf != "seed-000" || h.WordCount < minFingerprintWords {
		t.Errorf("the first half of the article (%d words): near_duplicate_of %q, want seed-000", h.WordCount, h.NearDuplicateOf)
	}
	c := &article.Article{ID: "short", Source: "x", Body: "Кратко съобщение."}
	e.Enrich(ctx, c)
	if c.NearDuplicateOf != "" || c.Simhash == "" {
		t.Errorf("short article: simhash %q, near duplicate of %q", c.Simhash, c.NearDuplicateOf)
	}
}

// waitFiled waits until x has received the entry of want from the bucket
// (replicas see each other's articles through a watch, a few milliseconds
// late).
func waitFiled(t *testing.T, x *KVIndex, want string, fp simhash.Signature) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for x.local.Match("probe", fp) != want {
		if time.Now().After(deadline) {
			t.Fatalf("replica never received %s", want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestKVIndexValues(t *testing.T) {
	sig := simhash.Sign(strings.Repeat("Правителството одобри бюджета за следващата година след дълъг дебат. ", 3))
	got, root, err := parseValue(string(formatValue(sig, "orig")))
	if err != nil || root != "orig" || got.FP != sig.FP || !slices.Equal(got.Sketch, sig.Sketch) || got.Sketch == nil {
		t.Errorf("round trip: %v %q %v", got, root, err)
	}
	// The value written before sketches: a fingerprint and an original.
	got, root, err = parseValue("3c05a296952bb45a orig")
	if err != nil || root != "orig" || got.FP != 0x3c05a296952bb45a || got.Sketch != nil {
		t.Errorf("value without a sketch: %v %q %v", got, root, err)
	}
	for _, bad := range []string{"", "3c05a296952bb45a", "zz orig", "3c05:!! orig", "3c05:AAAA orig"} {
		if _, _, err := parseValue(bad); err == nil {
			t.Errorf("parseValue(%q) accepted", bad)
		}
	}
}

// TestKVIndexReadsEntriesWithoutSketch: a replica started on a bucket
// written before sketches finds copies of its articles by SimHash.
func TestKVIndexReadsEntriesWithoutSketch(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js1 := natstest.Connect(t, srv)
	ctx := context.Background()
	x1, err := OpenKVIndex(ctx, js1, time.Hour, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := seedArticle(t)
	NewEnricher(Steps(), time.Now).Enrich(ctx, a)
	orig := a.CleanBody
	copyText := strings.Replace(orig, "Освен това Лавров", "Лавров", 1)
	fp := simhash.Fingerprint(orig)
	if _, err := x1.kv.Put(ctx, "a.old", []byte(strconv.FormatUint(fp, 16)+" old")); err != nil {
		t.Fatal(err)
	}
	_, js2 := natstest.Connect(t, srv)
	x2, err := OpenKVIndex(ctx, js2, time.Hour, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := Sign(copyText)
	if got, err := x2.Add(ctx, "copy", sig); err != nil || got != "old" {
		t.Errorf("copy of an entry without a sketch: %q, %v; want old", got, err)
	}
	// The copy's entry, with its sketch, reaches the first replica.
	waitFiled(t, x1, "old", sig)
	for _, x := range []*KVIndex{x1, x2} {
		if err := x.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}
}

// TestKVLearnerStaleCache: a replica's remembered entry of a line goes
// stale when another replica adds an article to it; the next article
// still counts every article (the stale update is refused and read
// again), and a redelivered article is read from the bucket.
func TestKVLearnerStaleCache(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js1 := natstest.Connect(t, srv)
	_, js2 := natstest.Connect(t, srv)
	ctx := context.Background()
	r1, err := OpenKVLearner(ctx, js1, time.Hour, 1)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := OpenKVLearner(ctx, js2, time.Hour, 1)
	if err != nil {
		t.Fatal(err)
	}
	line := "Follow us on every network with the mobile application"
	for _, step := range []struct {
		r    *KVLearner
		id   string
		want bool
	}{
		{r1, "a1", false}, // created by r1, remembered
		{r2, "a2", false}, // r1's entry is now stale
		{r1, "a2", false}, // a redelivery to r1: read, still two articles
		{r1, "a3", true},  // three articles: boilerplate
		{r2, "a4", true},
	} {
		got, err := step.r.Observe(ctx, "src", step.id, []string{line})
		if err != nil {
			t.Fatal(err)
		}
		if got[line] != step.want {
			t.Fatalf("article %s: boilerplate %v, want %v", step.id, got[line], step.want)
		}
	}
	kv, err := js1.KeyValue(ctx, BoilerplateBucket)
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(ctx, textclean.LineKey("src", line))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(e.Value()); got != "a1 a2 a3" {
		t.Errorf("bucket entry %q, want the three articles a1 a2 a3", got)
	}
}

// TestKVIndexCoalesces checks that signatures filed at once share bucket
// entries, and that another replica files every one of them.
func TestKVIndexCoalesces(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js1 := natstest.Connect(t, srv)
	_, js2 := natstest.Connect(t, srv)
	ctx := context.Background()
	x1, err := OpenKVIndex(ctx, js1, time.Hour, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = x1.Close() }()
	const n = 200
	sigs := make([]simhash.Signature, n)
	for i := range sigs {
		// 60 made-up words of 3-8 letters, different for each i.
		var b strings.Builder
		r := uint32(i*2654435761 + 1)
		for range 60 {
			for range 3 + r%6 {
				r = r*1664525 + 1013904223
				b.WriteRune('а' + rune(r>>24)%30)
			}
			b.WriteByte(' ')
		}
		sigs[i] = simhash.Sign(b.String())
	}
	var wg sync.WaitGroup
	for i := range sigs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := x1.Add(ctx, "art-"+strconv.Itoa(i), sigs[i]); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	st, err := x1.kv.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Values() == 0 || st.Values() >= n {
		t.Errorf("%d bucket entries for %d signatures filed at once, want fewer (and some)", st.Values(), n)
	}
	x2, err := OpenKVIndex(ctx, js2, time.Hour, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = x2.Close() }()
	self := 0
	for i, sig := range sigs {
		want := x1.local.Match("probe", sig)
		if got := x2.local.Match("probe", sig); got != want {
			t.Errorf("signature %d: replica 2 matches %q, replica 1 %q", i, got, want)
		}
		if want == "art-"+strconv.Itoa(i) {
			self++
		}
	}
	if self < n*9/10 {
		t.Errorf("%d of %d signatures match their own article, want most", self, n)
	}
}
