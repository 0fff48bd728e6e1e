package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/newsflow/newsflow/pkg/article"
)

func TestPercentiles(t *testing.T) {
	var ds []float64
	for i := 100; i >= 1; i-- {
		ds = append(ds, float64(i))
	}
	got := percentiles(ds)
	want := Latency{P50: 50, P95: 95, P99: 99, Max: 100}
	if got != want {
		t.Errorf("percentiles = %+v, want %+v", got, want)
	}
	if (percentiles(nil) != Latency{}) {
		t.Errorf("percentiles of nothing should be zero")
	}
}

func TestBenchIDRoundTrip(t *testing.T) {
	for _, i := range []int{0, 7, 123456} {
		if got := parseBenchID("ab12", BenchID("ab12", i)); got != i {
			t.Errorf("parse(BenchID(%d)) = %d", i, got)
		}
	}
	for _, id := range []string{"bench-other-1", "bench-ab12-", "bench-ab12-x1", "x"} {
		if got := parseBenchID("ab12", id); got != -1 {
			t.Errorf("parse(%q) = %d, want -1", id, got)
		}
	}
	if !article.ValidID(BenchID("ab12cd34", 99999999)) {
		t.Errorf("bench ids must be valid article ids")
	}
}

func TestPayloadsReidentify(t *testing.T) {
	corpus := []*article.Article{{Source: "Example.com", Body: "one"}, {Source: "", Body: "two"}}
	data, sources, err := Payloads(corpus, 5, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != 5 || sources[0] != "example-com" || sources[1] != "bench" {
		t.Fatalf("got %d payloads, sources %v", len(data), sources)
	}
	seen := map[string]bool{}
	for _, d := range data {
		a, err := article.DecodeInput(d)
		if err != nil {
			t.Fatal(err)
		}
		if seen[a.ID] {
			t.Errorf("duplicate id %s", a.ID)
		}
		seen[a.ID] = true
	}
}

// TestFloors runs the three handlers alone on a few articles: every
// article goes through all three, each floor is measured, and the bound
// is the inverse of their sum with the bus.
func TestFloors(t *testing.T) {
	var corpus []*article.Article
	for i := range 20 {
		corpus = append(corpus, &article.Article{Source: "floor.example", Title: fmt.Sprintf("Floor test %d", i),
			Body: fmt.Sprintf("Article %d of the floor test. The city council of Sofia met on Monday to discuss the budget. "+
				"Mayor Ivan Petrov said the plan would be published next week.", i)})
	}
	payloads, sources, err := Payloads(corpus, 40, "fl00r")
	if err != nil {
		t.Fatal(err)
	}
	f, err := runFloors(context.Background(), payloads, sources)
	if err != nil {
		t.Fatal(err)
	}
	if f.Articles != 40 {
		t.Errorf("%d articles went through the three handlers, want 40", f.Articles)
	}
	if f.IngestMs <= 0 || f.EnrichMs <= 0 || f.IndexMs <= 0 || f.IndexSettleMs < 0 || f.IndexSettleMs > f.IndexMs {
		t.Errorf("floors %+v: each must be measured", f)
	}
	f.complete(1000, 100) // bus 1 ms per article
	if f.BusMs != 1 || f.SumMs < 1 || f.BoundPerS <= 0 || f.OfBound != round2(100/f.BoundPerS) {
		t.Errorf("floors %+v: sum, bound or ratio wrong", f)
	}
}
