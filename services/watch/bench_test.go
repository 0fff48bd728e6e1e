package watch

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/analysis"
)

// benchArticles reads up to n corpus articles of each language file.
func benchArticles(b *testing.B, n int) []*article.Article {
	b.Helper()
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
			out = append(out, &a)
		}
		_ = fh.Close()
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

// BenchmarkMatch: the cost of matching one article against every watch,
// for 10, 100 and 1,000 watches (docs/benchmarks.md). "analyse" is the
// article's own analysis, paid once whatever the number of watches.
func BenchmarkMatch(b *testing.B) {
	arts := benchArticles(b, 200)
	an := analysis.NewSet()
	docs := make([]*search.Doc, len(arts))
	for i, a := range arts {
		docs[i] = search.NewDoc(an, a)
	}
	b.Run("analyse", func(b *testing.B) {
		for i := range b.N {
			search.NewDoc(an, arts[i%len(arts)])
		}
	})
	for _, n := range []int{10, 100, 1000} {
		set := NewSet(an)
		for _, w := range benchWatches(arts, n, 7) {
			if err := set.Put(w); err != nil {
				b.Fatalf("watch %q: %v", w.Query, err)
			}
		}
		b.Run(fmt.Sprintf("watches=%d", n), func(b *testing.B) {
			matches := 0
			for i := range b.N {
				matches += len(set.Match(docs[i%len(docs)]))
			}
			b.ReportMetric(float64(matches)/float64(b.N), "matches/article")
		})
		// Without the anchor index: every watch's query on every article.
		b.Run(fmt.Sprintf("watches=%d/scan", n), func(b *testing.B) {
			t := set.cur.Load()
			for i := range b.N {
				d := docs[i%len(docs)]
				for _, c := range t.byName {
					c.q.Match(d)
				}
			}
		})
	}
}

// BenchmarkIndexedToAlert: articles announced as indexed at a steady rate
// (BENCH_RATE, default 500/s) for BENCH_SECONDS (default 10) with
// BENCH_WATCHES (default 1,000) watches and one worker replica; the time
// from each article's indexed_at to the arrival of its alerts on alerts.>
// (a core subscription), as p50, p99 and max. Run with -benchtime=1x.
func BenchmarkIndexedToAlert(b *testing.B) {
	rate, secs, nw := envInt("BENCH_RATE", 500), envInt("BENCH_SECONDS", 10), envInt("BENCH_WATCHES", 1000)
	arts := benchArticles(b, 200)
	e := newEnv(b)
	cfg := DefaultConfig()
	r := e.start(b, cfg)
	for _, w := range benchWatches(arts, nw, 7) {
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
	js, err := jetstream.New(e.nc)
	if err != nil {
		b.Fatal(err)
	}
	// The enriched articles first (the index stage's input, read back by
	// sequence), then their indexed events at the rate.
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
	b.ResetTimer()
	start := time.Now()
	for i := range total {
		if d := time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))); d > 0 {
			time.Sleep(d)
		}
		ev, _ := json.Marshal(article.Indexed{ID: ids[i], Source: "bench", Revision: 1, IndexedAt: time.Now(), EnrichedSeq: seqs[i]})
		// A core publish: the stream stores it; no PubAck to wait for.
		if err := e.nc.Publish(natsbus.SubjectIndexed+".bench", ev); err != nil {
			b.Fatal(err)
		}
	}
	published := time.Since(start)
	c, err := js.Consumer(context.Background(), natsbus.StreamArticles, StageWatch)
	if err != nil {
		b.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		info, err := c.Info(context.Background())
		if err == nil && info.NumPending == 0 && info.NumAckPending == 0 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("articles not matched after 5 minutes: %+v", info)
		}
	}
	time.Sleep(200 * time.Millisecond)
	b.StopTimer()
	var ds []float64
	for len(lat) > 0 {
		ds = append(ds, (<-lat).Seconds()*1000)
	}
	if len(ds) == 0 {
		b.Fatal("no alerts")
	}
	sort.Float64s(ds)
	q := func(p float64) float64 { return ds[min(len(ds)-1, int(p*float64(len(ds))))] }
	b.ReportMetric(float64(total)/published.Seconds(), "articles/s")
	b.ReportMetric(float64(len(ds)), "alerts")
	b.ReportMetric(float64(e.alertCount(b)), "stored_alerts")
	b.ReportMetric(q(0.5), "p50_ms")
	b.ReportMetric(q(0.99), "p99_ms")
	b.ReportMetric(ds[len(ds)-1], "max_ms")
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
	for i := range b.N {
		d := docs[i%len(docs)]
		for _, m := range set.Match(d) {
			NewAlert(an, d, m, now, now)
			alerts++
		}
	}
	b.ReportMetric(float64(alerts)/float64(b.N), "alerts/article")
}
