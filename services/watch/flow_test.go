package watch

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/natsbus"
)

// publishMany stores and announces n articles from first, concurrently;
// word(i) is a word of article i's body.
func (e *env) publishMany(t *testing.T, first, n int, word func(i int) string) {
	t.Helper()
	if err := e.publishManyErr(first, n, word); err != nil {
		t.Fatal(err)
	}
}

// publishManyErr is publishMany for goroutines.
func (e *env) publishManyErr(first, n int, word func(i int) string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	js, err := jetstream.New(e.nc, jetstream.WithPublishAsyncMaxPending(512))
	if err != nil {
		return err
	}
	type pending struct {
		a *article.Article
		f jetstream.PubAckFuture
	}
	var ps []pending
	for i := first; i < first+n; i++ {
		a := &article.Article{ID: fmt.Sprintf("n%05d", i), Source: "wire", Lang: "en", Revision: 1,
			Title: "Report " + word(i), CleanBody: "Markets and " + word(i) + " in the news today."}
		data, err := json.Marshal(a)
		if err != nil {
			return err
		}
		f, err := js.PublishAsync(natsbus.SubjectEnriched+".wire", data, jetstream.WithStallWait(30*time.Second))
		if err != nil {
			return err
		}
		ps = append(ps, pending{a, f})
	}
	var evs []jetstream.PubAckFuture
	for _, p := range ps {
		select {
		case ack := <-p.f.Ok():
			ev, _ := json.Marshal(article.Indexed{ID: p.a.ID, Source: "wire", Revision: 1, IndexedAt: time.Now().UTC(), EnrichedSeq: ack.Sequence})
			f, err := js.PublishAsync(natsbus.SubjectIndexed+".wire", ev, jetstream.WithMsgID("indexed:"+p.a.ID), jetstream.WithStallWait(30*time.Second))
			if err != nil {
				return err
			}
			evs = append(evs, f)
		case err := <-p.f.Err():
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for _, f := range evs {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// checkAlerts asserts that the ALERTS stream holds exactly want (watch ->
// article ids), each once.
func checkAlerts(t *testing.T, got []Alert, want map[string]map[string]bool) {
	t.Helper()
	seen := map[string]int{}
	for _, al := range got {
		seen[al.ID()]++
		if !want[al.Watch][al.ArticleID] {
			t.Errorf("unexpected alert %s", al.ID())
		}
	}
	missing, dup := 0, 0
	for w, ids := range want {
		for id := range ids {
			switch seen[w+":"+id+":1"] {
			case 0:
				missing++
			case 1:
			default:
				dup++
			}
		}
	}
	if missing > 0 || dup > 0 {
		t.Errorf("%d alerts missing, %d duplicated (of %d)", missing, dup, len(got))
	}
}

func colour(i int) string {
	return []string{"red", "green", "blue", "amber"}[i%4]
}

// Ten thousand articles, three watches: every match is one alert, none
// missing, none twice, with two replicas sharing the consumers.
func TestTenThousandArticlesNoDuplicateNoMissingAlert(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 2000
	}
	e := newEnv(t)
	r1 := e.start(t, testConfig())
	r2 := e.start(t, testConfig())
	for _, w := range []*Watch{{Name: "red", Query: "red"}, {Name: "not-blue", Query: "-blue lang:en"}, {Name: "green-or-amber", Query: "title:green OR amber"}} {
		e.putWatch(t, r1, w)
		waitFor(t, "replica 2 loading "+w.Name, func() bool { _, ok := r2.svc.Set().Get(w.Name); return ok })
	}
	want := map[string]map[string]bool{"red": {}, "not-blue": {}, "green-or-amber": {}}
	total := 0
	for i := range n {
		id := fmt.Sprintf("n%05d", i)
		c := colour(i)
		if c == "red" {
			want["red"][id] = true
		}
		if c != "blue" {
			want["not-blue"][id] = true
		}
		if c == "green" || c == "amber" {
			want["green-or-amber"][id] = true
		}
	}
	for _, ids := range want {
		total += len(ids)
	}
	start := time.Now()
	e.publishMany(t, 0, n, colour)
	waitFor(t, fmt.Sprintf("%d alerts", total), func() bool { return e.alertCount(t) >= uint64(total) })
	t.Logf("%d articles, %d alerts in %s", n, total, time.Since(start).Round(time.Millisecond))
	checkAlerts(t, e.alerts(t), want)
}

// A watch edited while articles flow applies from the next articles:
// none after the edit (once loaded) matches the old query, and every one
// after it that matches the new query has its alert.
func TestWatchEditedWhileArticlesFlow(t *testing.T) {
	e := newEnv(t)
	r := e.start(t, testConfig())
	w := &Watch{Name: "colour", Query: "red"}
	e.putWatch(t, r, w)
	errc := make(chan error, 1)
	go func() { errc <- e.publishManyErr(0, 500, colour) }() // before and during the edit
	w2 := &Watch{Name: "colour", Query: "green"}
	e.putWatch(t, r, w2)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	// After the edit is loaded: only green.
	e.publishMany(t, 500, 400, colour)
	waitFor(t, "the last articles handled", func() bool {
		c, err := e.js.Consumer(context.Background(), natsbus.StreamArticles, StageWatch)
		if err != nil {
			return false
		}
		info, err := c.Info(context.Background())
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0
	})
	greenAfter, redAfter := 0, 0
	for _, al := range e.alerts(t) {
		var i int
		if _, err := fmt.Sscanf(al.ArticleID, "n%05d", &i); err != nil {
			t.Fatal(err)
		}
		if i >= 500 {
			switch colour(i) {
			case "green":
				greenAfter++
			default:
				redAfter++
			}
		}
	}
	if greenAfter != 100 || redAfter != 0 {
		t.Errorf("after the edit: %d green alerts (want 100), %d others (want 0)", greenAfter, redAfter)
	}
}
