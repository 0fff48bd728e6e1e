package enrich

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natstest"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/pkg/story"
	"github.com/newsflow/newsflow/pkg/telemetry"
)

// TestStoriesStep enriches a report, its republished copy and an
// unrelated article: the copy joins the report's story (a near-duplicate
// is the special case of a story), the other starts its own; with the
// step disabled no story_id is given.
func TestStoriesStep(t *testing.T) {
	body := strings.Repeat("Върховният съд на Пакистан оправда християнката Азия Биби, осъдена на смърт за богохулство, "+
		"а ислямистите протестират в Лахор и Карачи срещу решението на съдиите. ", 4)
	mk := func(id, source, title, body string) *article.Article {
		return &article.Article{ID: id, Source: source, Title: title, Body: body, Lang: "bg",
			PublishedAt: time.Date(2018, 10, 31, 0, 0, 0, 0, time.UTC)}
	}
	report := mk("report", "bta", "Съдът оправда Азия Биби", body)
	copied := mk("copy", "dnevnik", "Оправдаха Азия Биби", body+" Снимка: БГНЕС")
	other := mk("other", "sport", "Левски би ЦСКА", strings.Repeat("Левски победи ЦСКА с два гола на стадион Васил Левски в София в неделя вечерта. ", 5))
	e := NewEnricher(Steps(), time.Now)
	for _, a := range []*article.Article{report, copied, other} {
		e.Enrich(context.Background(), a)
		if len(a.EnrichErrors) > 0 {
			t.Fatalf("%s: enrich errors %v", a.ID, a.EnrichErrors)
		}
	}
	if report.StoryID != "report" || copied.StoryID != "report" {
		t.Errorf("story ids %q, %q, want report for both (copy of: %q)", report.StoryID, copied.StoryID, copied.NearDuplicateOf)
	}
	if other.StoryID != "other" {
		t.Errorf("unrelated article's story %q, want its own", other.StoryID)
	}
	off := mk("off", "bta", "Съдът оправда Азия Биби", body)
	NewEnricher(Steps(StepStories), time.Now).Enrich(context.Background(), off)
	if off.StoryID != "" {
		t.Errorf("story %q with the step disabled, want none", off.StoryID)
	}
}

// TestStoriesSharedBetweenReplicas runs two enrich services on one
// embedded NATS server, each reading one source (its own durable), and
// feeds them in turn: unrelated news, a report on replica a, another telling of the same
// event on replica b, an unrelated article on b, a third telling on a.
// Both tellings join the first article's story although no replica saw
// them all; the unrelated one starts its own; the bucket holds two
// stories; a replica started afterwards (a restart) knows them.
func TestStoriesSharedBetweenReplicas(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	start := func(name, source string) {
		_, rjs := natstest.Connect(t, srv)
		reg := prometheus.NewRegistry()
		tm, err := telemetry.NewMetrics(reg)
		if err != nil {
			t.Fatal(err)
		}
		cfg := DefaultConfig()
		cfg.Stage.Name = name
		cfg.Stage.FilterSubject = natsbus.SubjectIngested + "." + source
		s, err := New(ctx, cfg, service.Deps{Log: zaptest.NewLogger(t).Named(name), Metrics: tm, Registry: reg, JS: rjs, Topology: natsbus.DefaultTopology()})
		if err != nil {
			t.Fatalf("replica %s: %v", name, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Run(ctx); err != nil {
				t.Errorf("replica %s: %v", name, err)
			}
		}()
	}
	start("enrich-a", "alpha")
	start("enrich-b", "beta")
	enriched, err := js.OrderedConsumer(ctx, natsbus.StreamArticles, jetstream.OrderedConsumerConfig{FilterSubjects: []string{natsbus.SubjectEnriched + ".>"}})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2018, 10, 31, 9, 0, 0, 0, time.UTC)
	feed := func(id, source, title, body string) *article.Article {
		t.Helper()
		a := &article.Article{ID: id, Source: source, Title: title, Body: body, Lang: "bg", PublishedAt: at, IngestedAt: at}
		data, err := article.Encode(a)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := js.Publish(ctx, natsbus.SubjectIngested+"."+source, data); err != nil {
			t.Fatal(err)
		}
		mctx, mcancel := context.WithTimeout(ctx, 30*time.Second)
		defer mcancel()
		msg, err := enriched.Next(jetstream.FetchContext(mctx))
		if err != nil {
			t.Fatalf("%s not enriched: %v", id, err)
		}
		got, err := article.Decode(msg.Data())
		if err != nil || got.ID != id {
			t.Fatalf("enriched %v, %v; want %s", got, err, id)
		}
		return got
	}
	// The rarity of what articles share is learned from the stream: some
	// unrelated news first, on both replicas.
	for i, f := range [][2]string{
		{"Правителството прие бюджета", "Правителството одобри бюджета за следващата година след дълъг дебат в парламента. Финансовият министър защити дефицита."},
		{"Сняг затвори прохода Шипка", "Обилен сняг затвори прохода Шипка и пътя между Габрово и Казанлък. Снегорини работят от сутринта."},
		{"Нов трамвай във Варна", "Община Варна пусна нови трамваи по крайбрежната линия. Возилата ще се движат на всеки шест минути."},
		{"Цените на горивата растат", "Цените на бензина и дизела на бензиностанциите в страната растат за трета поредна седмица според браншовата асоциация."},
	} {
		id := fmt.Sprintf("filler%d", i)
		if got := feed(id, []string{"alpha", "beta"}[i%2], f[0], f[1]); got.StoryID != id {
			t.Errorf("unrelated %s: story %q, want its own", id, got.StoryID)
		}
	}
	a1 := feed("a1", "alpha", "Върховният съд на Пакистан оправда Азия Биби",
		"Върховният съд на Пакистан оправда християнката Азия Биби, осъдена на смърт за богохулство през 2010 година. "+
			"Съдиите отмениха присъдата и наредиха освобождаването ѝ. Ислямистки партии обявиха протести в Лахор и Исламабад.")
	b1 := feed("b1", "beta", "Азия Биби е оправдана от Върховния съд",
		"Християнката Азия Биби, прекарала осем години в затвора с присъда за богохулство, беше оправдана от Върховния съд на Пакистан. "+
			"Присъдата ѝ е отменена. В Лахор и Карачи ислямисти излязоха на протест срещу решението.")
	b2 := feed("b2", "beta", "Левски победи ЦСКА",
		"Левски победи ЦСКА с два гола на стадион Васил Левски в София в неделя вечерта. Треньорът похвали защитата, а феновете празнуваха до късно.")
	a2 := feed("a2", "alpha", "Протести в Пакистан след оправдаването на Азия Биби",
		"Хиляди ислямисти протестираха в Лахор, Исламабад и Карачи срещу решението на Върховния съд на Пакистан да оправдае Азия Биби. "+
			"Християнката беше осъдена на смърт за богохулство.")
	for _, a := range []*article.Article{a1, b1, b2, a2} {
		if len(a.EnrichErrors) > 0 {
			t.Errorf("%s: enrich errors %v", a.ID, a.EnrichErrors)
		}
	}
	if a1.StoryID != "a1" || b1.StoryID != "a1" || a2.StoryID != "a1" {
		t.Errorf("story ids a1 %q, b1 %q, a2 %q: want a1 for all three (b1 enriched by the other replica)", a1.StoryID, b1.StoryID, a2.StoryID)
	}
	if b2.StoryID != "b2" {
		t.Errorf("unrelated article's story %q, want its own", b2.StoryID)
	}
	kv, err := js.KeyValue(ctx, StoriesBucket)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ks []string
	for k := range keys.Keys() {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	if want := []string{"s.a1", "s.b2", "s.filler0", "s.filler1", "s.filler2", "s.filler3"}; !slices.Equal(ks, want) {
		t.Errorf("bucket keys %v, want %v", ks, want)
	}
	// A replica started now loads the stories: a redelivered article keeps
	// its story, a new telling joins it.
	x, err := OpenKVStories(ctx, js, story.DefaultParams(), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := x.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}()
	if sid, err := x.Assign(ctx, "b1", story.Sign(b1)); err != nil || sid != "a1" {
		t.Errorf("redelivered b1 on a new replica: %q, %v; want a1", sid, err)
	}
	again := *a2
	again.ID = "a3"
	if sid, err := x.Assign(ctx, "a3", story.Sign(&again)); err != nil || sid != "a1" {
		t.Errorf("a third telling on a new replica: %q, %v; want a1", sid, err)
	}
}

// TestKVStoriesConcurrentJoins has two replicas add 20 articles of one
// story at once: every one joins it, and the story in the bucket counts
// them all (compare-and-set retried, no write lost).
func TestKVStoriesConcurrentJoins(t *testing.T) {
	srv := natstest.RunServer(t)
	ctx := context.Background()
	var xs []*KVStories
	for range 2 {
		_, js := natstest.Connect(t, srv)
		x, err := OpenKVStories(ctx, js, story.DefaultParams(), 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = x.Close() })
		xs = append(xs, x)
	}
	at := time.Date(2018, 8, 10, 6, 0, 0, 0, time.UTC)
	sig := func(ents ...string) story.Signature {
		s := story.Signature{Entities: map[string]int{}, At: at}
		for _, e := range ents {
			s.Entities[e] = 1
		}
		return s
	}
	for i, e := range []string{"q1", "q2", "q3", "q4"} {
		if sid, err := xs[i%2].Assign(ctx, e, sig(e)); err != nil || sid != e {
			t.Fatalf("unrelated %s: %q, %v", e, sid, err)
		}
	}
	strike := sig("org:ryanair", "iso:IE", "per:oleary")
	if sid, err := xs[0].Assign(ctx, "first", strike); err != nil || sid != "first" {
		t.Fatalf("first: %q, %v", sid, err)
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("join%d", i)
			if sid, err := xs[i%2].Assign(ctx, id, strike); err != nil || sid != "first" {
				t.Errorf("%s: %q, %v; want first", id, sid, err)
			}
		}()
	}
	wg.Wait()
	_, js := natstest.Connect(t, srv)
	kv, err := js.KeyValue(ctx, StoriesBucket)
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(ctx, "s.first")
	if err != nil {
		t.Fatal(err)
	}
	st, err := decodeStory(e.Value())
	if err != nil {
		t.Fatal(err)
	}
	if st.N != 21 || len(st.IDs) != 21 {
		t.Errorf("story first has n=%d, %d ids; want 21 (no lost write)", st.N, len(st.IDs))
	}
}

// TestKVStoriesRedeliveredOldArticle assigns an article dated weeks before
// the newest one seen (its story is out of the local index's window at
// once) and then assigns it again, as a redelivery does: the second
// assignment finds the story it started rather than retrying a Create
// that can never succeed.
func TestKVStoriesRedeliveredOldArticle(t *testing.T) {
	srv := natstest.RunServer(t)
	ctx := context.Background()
	_, js := natstest.Connect(t, srv)
	x, err := OpenKVStories(ctx, js, story.DefaultParams(), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = x.Close() })
	sig := func(at time.Time, ents ...string) story.Signature {
		s := story.Signature{Entities: map[string]int{}, At: at}
		for _, e := range ents {
			s.Entities[e] = 1
		}
		return s
	}
	now := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	if sid, err := x.Assign(ctx, "new", sig(now, "org:a")); err != nil || sid != "new" {
		t.Fatalf("new: %q, %v", sid, err)
	}
	old := sig(now.AddDate(-1, 0, 0), "org:b")
	for i := range 2 {
		if sid, err := x.Assign(ctx, "old", old); err != nil || sid != "old" {
			t.Fatalf("old, delivery %d: %q, %v; want its own story", i+1, sid, err)
		}
	}
}

// TestKVStoriesWriteFailedThenRedelivered: an assignment whose bucket
// write fails (its context ends) is filed in the replica's copy all the
// same; its redelivery writes it, so the bucket's story counts it.
func TestKVStoriesWriteFailedThenRedelivered(t *testing.T) {
	srv := natstest.RunServer(t)
	ctx := context.Background()
	_, js := natstest.Connect(t, srv)
	x, err := OpenKVStories(ctx, js, story.DefaultParams(), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = x.Close() })
	at := time.Date(2018, 8, 10, 6, 0, 0, 0, time.UTC)
	// Unrelated articles first: what the story's articles share is rare.
	for _, e := range []string{"q1", "q2", "q3", "q4"} {
		if sid, err := x.Assign(ctx, e, story.Signature{Entities: map[string]int{e: 1}, At: at}); err != nil || sid != e {
			t.Fatalf("unrelated %s: %q, %v", e, sid, err)
		}
	}
	strike := story.Signature{Entities: map[string]int{"org:ryanair": 1, "iso:IE": 1, "per:oleary": 1}, At: at}
	if sid, err := x.Assign(ctx, "first", strike); err != nil || sid != "first" {
		t.Fatalf("first: %q, %v", sid, err)
	}
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if sid, err := x.Assign(gone, "second", strike); err == nil {
		t.Fatalf("second with its context ended: %q, no error", sid)
	}
	if sid, err := x.Assign(ctx, "second", strike); err != nil || sid != "first" {
		t.Fatalf("second redelivered: %q, %v; want first", sid, err)
	}
	kv, err := js.KeyValue(ctx, StoriesBucket)
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(ctx, "s.first")
	if err != nil {
		t.Fatal(err)
	}
	st, err := decodeStory(e.Value())
	if err != nil {
		t.Fatal(err)
	}
	if st.N != 2 || !slices.Contains(st.IDs, "second") {
		t.Errorf("story first in the bucket: n=%d ids %v; want second written on its redelivery", st.N, st.IDs)
	}
}
