package watch

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/pipeline"
	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/analysis"
)

// benchArticles reads up to n corpus articles of each language file,
// with the entities the BSNLP annotation gives the bg, ru and uk ones
// (their base forms and cross-language ids), as the enrich stage would
// attach its own.
func benchArticles(b testing.TB, n int) []*article.Article {
	b.Helper()
	ents := benchEntities(b)
	var out []*article.Article
	for _, f := range []string{"bg.jsonl", "ru.jsonl", "en.jsonl", "de.jsonl", "uk.jsonl"} {
		fh, err := os.Open(corpus.Path(b, f))
		if err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for i := 0; i < n && sc.Scan(); i++ {
			var a article.Article
			if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
				b.Fatal(err)
			}
			a.CleanBody, a.Revision = a.Body, 1
			a.Entities = ents[a.ID]
			out = append(out, &a)
		}
		_ = fh.Close()
	}
	return out
}

// benchEntities reads the BSNLP entity annotation: article id to its
// entities (distinct base forms, with their ids).
func benchEntities(b testing.TB) map[string][]article.Entity {
	b.Helper()
	fh, err := os.Open(corpus.Path(b, "ner", "bsnlp-entities.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = fh.Close() }()
	out := map[string][]article.Entity{}
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var doc struct {
			ID       string `json:"id"`
			Entities []struct {
				Base, Type, Entity string
			} `json:"entities"`
		}
		if err := json.Unmarshal(sc.Bytes(), &doc); err != nil {
			b.Fatal(err)
		}
		seen := map[string]bool{}
		for _, e := range doc.Entities {
			if e.Base == "" || seen[e.Base] {
				continue
			}
			seen[e.Base] = true
			out[doc.ID] = append(out[doc.ID], article.Entity{ID: e.Entity, Text: e.Base, Type: e.Type, Count: 1})
		}
	}
	return out
}

// benchWatches makes n watches a monitoring desk might keep: names and
// words from the corpus titles, alone, as phrases, two together, with a
// language, an alternative, a negation or a prefix.
func benchWatches(arts []*article.Article, n int, seed uint64) []*Watch {
	r := rand.New(rand.NewPCG(seed, 1))
	var words []string
	for _, a := range arts {
		for _, w := range strings.Fields(a.Title) {
			w = strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
			if strings.ContainsFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
				continue
			}
			if len([]rune(w)) >= 5 {
				words = append(words, w)
			}
		}
	}
	pick := func() string { return words[r.IntN(len(words))] }
	out := make([]*Watch, n)
	for i := range out {
		var q string
		switch i % 8 {
		case 0, 1:
			q = pick()
		case 2:
			q = fmt.Sprintf("%q", pick()+" "+pick())
		case 3:
			q = pick() + " " + pick()
		case 4:
			q = pick() + " lang:" + []string{"bg", "ru", "en", "de", "uk"}[r.IntN(5)]
		case 5:
			q = pick() + " OR " + pick()
		case 6:
			q = pick() + " -" + pick()
		case 7:
			w := []rune(pick())
			q = string(w[:min(len(w), 5)]) + "*"
		}
		out[i] = &Watch{Name: fmt.Sprintf("w%05d", i), Query: q}
	}
	return out
}

// deskWatches makes n watches as a monitoring desk keeps them: each
// names something that few articles mention (an entity of the annotation
// in at most 1% of the articles, or words in at most 0.5% of them):
// entity names as phrases, entity ids as filters, the issue's
// entity:"..." lang:xx, two words, a word from one source, a phrase of
// the text, an alternative in one language, a word without another, and
// a prefix (one in twenty). Every watch is taken from an article, so each
// matches something; an article matches few (4.5 of 1,000 watches).
func deskWatches(arts []*article.Article, n int, seed uint64) []*Watch {
	r := rand.New(rand.NewPCG(seed, 2))
	an := analysis.NewSet()
	isWord := func(w string) bool {
		return len([]rune(w)) >= 5 && !strings.ContainsFunc(w, func(r rune) bool { return !unicode.IsLetter(r) })
	}
	clean := func(s string) string {
		return strings.ToLower(strings.TrimFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }))
	}
	type occ struct {
		words []string // distinct words of the article, in text order
		terms map[string]string
		art   *article.Article
	}
	var occs []occ
	// The document frequency of the terms the index makes of the words
	// (a word is rare when its stem is).
	df := map[string]int{}
	entDF, nameDF := map[string]int{}, map[string]int{}
	for _, a := range arts {
		for _, t := range search.NewDoc(an, a).Terms() {
			df[t]++
		}
		seen := map[string]bool{}
		o := occ{terms: map[string]string{}, art: a}
		for _, w := range strings.Fields(a.Title + " " + a.Body) {
			w = clean(w)
			if isWord(w) && !seen[w] {
				seen[w] = true
				an.For(a.Lang).Tokens(w, func(t analysis.Token) { o.terms[w] = t.Term })
				if o.terms[w] != "" {
					o.words = append(o.words, w)
				}
			}
		}
		occs = append(occs, o)
		for _, e := range a.Entities {
			entDF[e.ID]++
			nameDF[e.Text]++
		}
	}
	var o occ
	rare := func(w string) bool { t := o.terms[w]; return df[t] >= 2 && df[t] <= max(3, len(arts)/200) }
	// An article with two rare words at least, and two of them.
	pickArt := func() (occ, []string) {
		for {
			o = occs[r.IntN(len(occs))]
			var rs []string
			for _, w := range o.words {
				if rare(w) {
					rs = append(rs, w)
				}
			}
			if len(rs) >= 2 {
				return o, rs
			}
		}
	}
	two := func(rs []string) (string, string) {
		i := r.IntN(len(rs))
		j := (i + 1 + r.IntN(len(rs)-1)) % len(rs)
		return rs[i], rs[j]
	}
	var ents []article.Entity
	for _, a := range arts {
		for _, e := range a.Entities {
			if e.ID != "" && entDF[e.ID] <= max(2, len(arts)/100) && nameDF[e.Text] <= max(2, len(arts)/100) && !strings.ContainsFunc(e.Text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != ' ' && r != '-' }) {
				ents = append(ents, e)
			}
		}
	}
	out := make([]*Watch, n)
	for i := range out {
		w := &Watch{Name: fmt.Sprintf("w%05d", i)}
		o, rs := pickArt()
		a, b := two(rs)
		switch k := i % 20; {
		case k < 4 && len(ents) > 0:
			w.Query = fmt.Sprintf("%q", ents[r.IntN(len(ents))].Text)
		case k < 6 && len(ents) > 0:
			w.Query, w.EntityIDs = "*", []string{ents[r.IntN(len(ents))].ID}
		case k < 8 && len(ents) > 0:
			e := ents[r.IntN(len(ents))]
			w.Query = fmt.Sprintf("entity:%q", e.Text)
			for _, x := range arts {
				if slices.Contains(x.Entities, e) {
					w.Langs = []string{x.Lang}
					break
				}
			}
		case k < 11:
			w.Query = a + " " + b
			if r.IntN(2) == 0 {
				w.Langs = []string{o.art.Lang}
			}
		case k < 13:
			w.Query, w.Sources = a, []string{o.art.Source}
		case k < 15:
			// a and the word after it in the text.
			fs := strings.Fields(o.art.Title + " " + o.art.Body)
			for j := 0; j+1 < len(fs); j++ {
				if next := clean(fs[j+1]); clean(fs[j]) == a && next != "" && !strings.ContainsFunc(next, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
					b = next
					break
				}
			}
			w.Query = fmt.Sprintf("%q", a+" "+b)
		case k < 17:
			_, c := pickArt()
			w.Query, w.Langs = a+" OR "+c[0], []string{o.art.Lang}
		case k < 19:
			w.Query, w.Langs = a+" -"+b, []string{o.art.Lang}
		default:
			// A stem a person would write: the first 8 letters of a long
			// rare word (or the word).
			w.Query = a
			if rs := []rune(a); len(rs) >= 10 {
				w.Query = string(rs[:8]) + "*"
			}
		}
		out[i] = w
	}
	return out
}

// BenchmarkMatch: the cost of matching one article against every watch,
// for 10 to 10,000 watches of a monitoring desk (deskWatches) and 1,000
// broad ones (benchWatches), through the Set's index and, for comparison,
// by trying every watch ("scan", BENCH_SCAN=1). "analyse" is the
// article's own analysis, paid once whatever the number of watches
// (docs/benchmarks.md).
func BenchmarkMatch(b *testing.B) {
	arts := benchArticles(b, 200)
	an := analysis.NewSet()
	docs := make([]*search.Doc, len(arts))
	for i, a := range arts {
		docs[i] = search.NewDoc(an, a)
	}
	b.Run("analyse", func(b *testing.B) {
		cpu := cpuTime()
		for i := range b.N {
			search.NewDoc(an, arts[i%len(arts)])
		}
		b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
	})
	type run struct {
		set string
		n   int
		ws  func([]*article.Article, int, uint64) []*Watch
	}
	runs := []run{{"desk", 10, deskWatches}, {"desk", 100, deskWatches}, {"desk", 1000, deskWatches}, {"desk", 10000, deskWatches}, {"broad", 1000, benchWatches}}
	for _, rn := range runs {
		set := NewSet(an)
		for name, err := range set.PutAll(rn.ws(arts, rn.n, 7)) {
			b.Fatalf("watch %s: %v", name, err)
		}
		b.Run(fmt.Sprintf("set=%s/watches=%d", rn.set, rn.n), func(b *testing.B) {
			matches, tried := 0, 0
			cpu := cpuTime()
			for i := range b.N {
				m, n := set.match(docs[i%len(docs)])
				matches += len(m)
				tried += n
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(matches)/float64(b.N), "matches/article")
			b.ReportMetric(float64(tried)/float64(b.N), "tried/article")
		})
		if os.Getenv("BENCH_SCAN") == "" {
			continue
		}
		// Without the index: every watch's query on every article.
		b.Run(fmt.Sprintf("set=%s/watches=%d/scan", rn.set, rn.n), func(b *testing.B) {
			t := set.cur.Load()
			cpu := cpuTime()
			for i := range b.N {
				d := docs[i%len(docs)]
				for _, c := range t.byName {
					c.q.Match(d)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkIndexedToAlert: articles announced as indexed at a steady rate
// (BENCH_RATE, default 500/s) for BENCH_SECONDS (default 10) with
// BENCH_WATCHES (default 1,000) watches of the set BENCH_WATCHSET (desk,
// the default, or broad) and one worker replica; the time from each
// article's indexed_at to the arrival of its alerts on alerts.> (a core
// subscription), as p50, p99 and max. First, in the same run, the same
// events at the same rate go to a stage of the same configuration whose
// handler does nothing ("floor", before the watch worker starts): what
// the bus and this machine take at this moment. The ratio p99/floor_p99
// is comparable between runs on a loaded machine, the milliseconds are
// not. BENCH_CONCURRENCY sets the stages' --concurrency. Run with
// -benchtime=1x.
func BenchmarkIndexedToAlert(b *testing.B) {
	rate, secs, nw := envInt("BENCH_RATE", 500), envInt("BENCH_SECONDS", 10), envInt("BENCH_WATCHES", 1000)
	arts := benchArticles(b, 200)
	ws := deskWatches(arts, nw, 7)
	if os.Getenv("BENCH_WATCHSET") == "broad" {
		ws = benchWatches(arts, nw, 7)
	}
	e := newEnv(b)
	cfg := DefaultConfig()
	cfg.Match.Concurrency = envInt("BENCH_CONCURRENCY", cfg.Match.Concurrency)
	js, err := jetstream.New(e.nc)
	if err != nil {
		b.Fatal(err)
	}
	// The enriched articles first (the index stage's input, read back by
	// sequence).
	total := rate * secs
	seqs := make([]uint64, total)
	ids := make([]string, total)
	for i := range total {
		a := *arts[i%len(arts)]
		a.ID = fmt.Sprintf("%s-%d", a.ID, i)
		data, _ := json.Marshal(&a)
		ack, err := js.Publish(context.Background(), natsbus.SubjectEnriched+".bench", data)
		if err != nil {
			b.Fatal(err)
		}
		seqs[i], ids[i] = ack.Sequence, a.ID
	}
	// announce publishes the indexed events at the rate (core publishes:
	// the stream stores them, no PubAck to wait for) and waits until the
	// consumer has acknowledged them all.
	announce := func(consumer string) time.Duration {
		start := time.Now()
		for i := range total {
			if d := time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))); d > 0 {
				time.Sleep(d)
			}
			ev, _ := json.Marshal(article.Indexed{ID: ids[i], Source: "bench", Revision: 1, IndexedAt: time.Now(), EnrichedSeq: seqs[i]})
			if err := e.nc.Publish(natsbus.SubjectIndexed+".bench", ev); err != nil {
				b.Fatal(err)
			}
		}
		published := time.Since(start)
		c, err := js.Consumer(context.Background(), natsbus.StreamArticles, consumer)
		if err != nil {
			b.Fatal(err)
		}
		for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
			info, err := c.Info(context.Background())
			if err == nil && info.NumPending == 0 && info.NumAckPending == 0 {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("consumer %s: articles not handled after 5 minutes: %+v", consumer, info)
			}
		}
		time.Sleep(200 * time.Millisecond)
		return published
	}
	load0 := loadAverage()
	b.ResetTimer()

	// The floor.
	floorLat := make(chan time.Duration, 1<<20)
	fcfg := cfg.Match
	fcfg.Name, fcfg.Output = "bench_floor", ""
	floor, err := natsbus.NewWorker(js, fcfg, pipeline.HandlerFunc(func(_ context.Context, in *pipeline.Message) ([]*pipeline.Message, error) {
		var ev article.Indexed
		if json.Unmarshal(in.Data, &ev) == nil {
			floorLat <- time.Since(ev.IndexedAt)
		}
		return nil, nil
	}), zap.NewNop(), nil)
	if err != nil {
		b.Fatal(err)
	}
	fctx, stopFloor := context.WithCancel(context.Background())
	floorDone := make(chan error, 1)
	go func() { floorDone <- floor.Run(fctx) }()
	waitFor(b, "the floor consumer", func() bool {
		_, err := js.Consumer(context.Background(), natsbus.StreamArticles, fcfg.Name)
		return err == nil
	})
	announce(fcfg.Name)
	stopFloor()
	<-floorDone
	if err := js.DeleteConsumer(context.Background(), natsbus.StreamArticles, fcfg.Name); err != nil {
		b.Fatal(err)
	}

	// The watch worker: its consumer starts at new messages.
	r := e.start(b, cfg)
	for _, w := range ws {
		if err := r.svc.Store().Put(context.Background(), w); err != nil {
			b.Fatal(err)
		}
	}
	waitFor(b, "the watches loaded", func() bool { return r.svc.Set().Len() == nw })
	lat := make(chan time.Duration, 1<<20)
	sub, err := e.nc.Subscribe(natsbus.SubjectAlerts+".>", func(m *nats.Msg) {
		var al Alert
		if json.Unmarshal(m.Data, &al) == nil {
			lat <- time.Since(al.IndexedAt)
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	cpu0 := cpuTime()
	published := announce(StageWatch)
	cpu := cpuTime() - cpu0
	b.StopTimer()
	load1 := loadAverage()
	drain := func(ch chan time.Duration) []float64 {
		var ds []float64
		for len(ch) > 0 {
			ds = append(ds, (<-ch).Seconds()*1000)
		}
		sort.Float64s(ds)
		return ds
	}
	ds, fs := drain(lat), drain(floorLat)
	if len(ds) == 0 || len(fs) == 0 {
		b.Fatalf("%d alerts, %d floor events", len(ds), len(fs))
	}
	q := func(ds []float64, p float64) float64 { return ds[min(len(ds)-1, int(p*float64(len(ds))))] }
	b.ReportMetric(float64(total)/published.Seconds(), "articles/s")
	b.ReportMetric(float64(len(ds))/float64(total), "alerts/article")
	b.ReportMetric(float64(e.alertCount(b)), "stored_alerts")
	b.ReportMetric(q(ds, 0.5), "p50_ms")
	b.ReportMetric(q(ds, 0.99), "p99_ms")
	b.ReportMetric(ds[len(ds)-1], "max_ms")
	b.ReportMetric(q(fs, 0.5), "floor_p50_ms")
	b.ReportMetric(q(fs, 0.99), "floor_p99_ms")
	b.ReportMetric(q(ds, 0.99)/q(fs, 0.99), "p99/floor_p99")
	b.ReportMetric(float64(cpu)/1e6/float64(total), "cpu_ms/article")
	b.ReportMetric(load0, "load1_start")
	b.ReportMetric(load1, "load1_end")
}

// loadAverage is the machine's 1-minute load average (0 when unknown).
func loadAverage() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	var l float64
	_, _ = fmt.Sscan(string(data), &l)
	return l
}

// cpuTime is the CPU time (user and system) this process has used, in
// nanoseconds: on a loaded machine it varies less than the wall clock.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func envInt(name string, def int) int {
	var v int
	if _, err := fmt.Sscan(os.Getenv(name), &v); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkAlerts: matching one article against 1,000 watches and
// building the alert of every match (snippet, matched entities).
func BenchmarkAlerts(b *testing.B) {
	arts := benchArticles(b, 200)
	an := analysis.NewSet()
	set := NewSet(an)
	for _, w := range benchWatches(arts, 1000, 7) {
		if err := set.Put(w); err != nil {
			b.Fatal(err)
		}
	}
	docs := make([]*search.Doc, len(arts))
	for i, a := range arts {
		docs[i] = search.NewDoc(an, a)
	}
	now := time.Now()
	alerts := 0
	b.ResetTimer()
	cpu := cpuTime()
	for i := range b.N {
		d := docs[i%len(docs)]
		ms := set.Match(d)
		// As the handler does: the entities' names analysed once per
		// article.
		ents := newArticleEntities(an, d)
		for _, m := range ms {
			newAlert(ents, d, m, now, now)
			alerts++
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(alerts)/float64(b.N), "alerts/article")
}

// bytesReader is an ArticleReader over enriched articles encoded as the
// ARTICLES stream holds them: what StreamReader does after GetMsg.
type bytesReader map[uint64][]byte

func (r bytesReader) Article(_ context.Context, ev *article.Indexed) (*article.Article, error) {
	return decodeEnriched(r[ev.EnrichedSeq], ev)
}

// BenchmarkProcess: the watch stage's handler on one indexed event,
// 1,000 desk watches (BENCH_WATCHES), without the bus: decoding the event and the
// enriched article, analysing it, matching, building and encoding the
// alerts.
func BenchmarkProcess(b *testing.B) {
	arts := benchArticles(b, 200)
	an := analysis.NewSet()
	set := NewSet(an)
	for name, err := range set.PutAll(deskWatches(arts, envInt("BENCH_WATCHES", 1000), 7)) {
		b.Fatalf("watch %s: %v", name, err)
	}
	m, err := NewMetrics(prometheus.NewRegistry(), func() float64 { return 0 })
	if err != nil {
		b.Fatal(err)
	}
	r := bytesReader{}
	events := make([]*pipeline.Message, len(arts))
	now := time.Now()
	for i, a := range arts {
		data, err := article.Encode(a)
		if err != nil {
			b.Fatal(err)
		}
		r[uint64(i+1)] = data
		ev, _ := json.Marshal(article.Indexed{ID: a.ID, Source: a.Source, Revision: a.Revision, IndexedAt: now, EnrichedSeq: uint64(i + 1)})
		events[i] = &pipeline.Message{Data: ev}
	}
	h := NewMatcher(set, an, r, m, time.Now)
	ctx := context.Background()
	// The steady state: the analyzers' caches of the corpus's words
	// filled, and the setup's garbage collected.
	for _, ev := range events {
		if _, err := h.Process(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	alerts := 0
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := range b.N {
		out, err := h.Process(ctx, events[i%len(events)])
		if err != nil {
			b.Fatal(err)
		}
		alerts += len(out)
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(alerts)/float64(b.N), "alerts/article")
}
