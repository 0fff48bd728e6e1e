package dashboard

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsflow/newsflow/pkg/pipeline"
	"github.com/newsflow/newsflow/pkg/telemetry"
)

func TestQuantile(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		name string
		h    Histogram
		q    float64
		want float64
	}{
		{"middle of a bucket", Histogram{[]float64{1, 2, inf}, []float64{0, 10, 10}}, .5, 1.5},
		{"first bucket from zero", Histogram{[]float64{1, 2, inf}, []float64{10, 10, 10}}, .5, .5},
		{"+Inf bucket gives the largest bound", Histogram{[]float64{1, 2, inf}, []float64{0, 0, 10}}, .99, 2},
		{"no observations", Histogram{[]float64{1, inf}, []float64{0, 0}}, .5, math.NaN()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.h.Quantile(tc.q)
			if math.IsNaN(tc.want) != math.IsNaN(got) || !math.IsNaN(got) && math.Abs(got-tc.want) > 1e-9 {
				t.Fatalf("Quantile(%v) = %v, want %v", tc.q, got, tc.want)
			}
		})
	}
}

// clock is a settable time for the sources.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func f(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

func newMetrics(t *testing.T, reg *prometheus.Registry) *telemetry.Metrics {
	t.Helper()
	m, err := telemetry.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The sampler reads the contract metrics off a registry and turns them
// into rates, gauges and quantiles.
func TestSamplerOverRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := newMetrics(t, reg)
	ingest, index := m.Stage("ingest"), m.Stage("index")
	src := NewRegistrySource(reg, "newsflow up")
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	src.now = c.now
	s := NewSampler(src, Options{Interval: 5 * time.Second, Window: time.Minute})
	ctx := context.Background()

	s.SampleOnce(ctx)
	for range 50 {
		ingest.Outcome(pipeline.OutcomeOK)
		index.Outcome(pipeline.OutcomeOK)
		index.EndToEnd(300 * time.Millisecond)
	}
	ingest.Outcome(pipeline.OutcomeDLQ)
	ingest.ConsumerInfo(120, 7, 1)
	ingest.DeadLetters(1)
	c.t = c.t.Add(5 * time.Second)
	s.SampleOnce(ctx)

	v := s.View()
	if got, want := strings.Join(v.Stages, ","), "ingest,index"; got != want {
		t.Fatalf("stages %s, want %s", got, want)
	}
	if len(v.T) != 2 {
		t.Fatalf("%d points, want 2", len(v.T))
	}
	if v.Rate["ingest"]["ok"][0] != nil {
		t.Errorf("a rate at the first point: %v", f(v.Rate["ingest"]["ok"][0]))
	}
	if got := f(v.Rate["ingest"]["ok"][1]); got != 10 {
		t.Errorf("ingest ok rate %v/s, want 10", got)
	}
	if got := f(v.Rate["ingest"]["dlq"][1]); got != 0.2 {
		t.Errorf("ingest dlq rate %v/s, want 0.2", got)
	}
	if got := v.Total["index"]["ok"]; got != 50 {
		t.Errorf("index ok total %v, want 50", got)
	}
	if got := f(v.Pending["ingest"][1]); got != 120 {
		t.Errorf("pending %v, want 120", got)
	}
	if got := f(v.AckPending["ingest"][1]); got != 7 {
		t.Errorf("ack pending %v, want 7", got)
	}
	if got := f(v.DeadLetters["ingest"][1]); got != 1 {
		t.Errorf("dead letters %v, want 1", got)
	}
	// 50 observations of 0.3 s fall in the (0.25, 0.5] bucket.
	if p50 := f(v.EndToEnd["p50"][1]); p50 <= .25 || p50 > .5 {
		t.Errorf("p50 %v, want within (0.25, 0.5]", p50)
	}
	if v.Observed != 50 {
		t.Errorf("quantiles over %v articles, want 50", v.Observed)
	}
	if got := f(v.RSS["newsflow up"][1]); got <= 0 {
		t.Errorf("RSS %v, want > 0", got)
	}
	if v.CPU["newsflow up"] == nil || v.Heap["newsflow up"] == nil {
		t.Errorf("no CPU or heap series: %v %v", v.CPU, v.Heap)
	}
}

// The ring buffer keeps Window/Interval points, the newest.
func TestSamplerRingIsBounded(t *testing.T) {
	reg := prometheus.NewRegistry()
	newMetrics(t, reg).Stage("enrich")
	src := NewRegistrySource(reg, "enrich")
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	src.now = c.now
	s := NewSampler(src, Options{Interval: time.Second, Window: 10 * time.Second})
	for range 25 {
		s.SampleOnce(context.Background())
		c.t = c.t.Add(time.Second)
	}
	v := s.View()
	if len(v.T) != 10 {
		t.Fatalf("%d points kept, want 10", len(v.T))
	}
	for i := 1; i < len(v.T); i++ {
		if v.T[i]-v.T[i-1] != 1000 {
			t.Fatalf("points out of order: %v", v.T)
		}
	}
	if last := time.UnixMilli(v.T[9]); !last.Equal(c.t.Add(-time.Second)) {
		t.Fatalf("newest point %v, want %v", last, c.t.Add(-time.Second))
	}
}

// The Prometheus source sends the aggregations the page needs and reads
// the API's answers. (The live test in deploy/grafana runs it against a
// real Prometheus.)
func TestPrometheusSourceQueries(t *testing.T) {
	var (
		mu   sync.Mutex // Sample sends its queries at once
		seen []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query().Get("query")
		mu.Lock()
		seen = append(seen, q)
		mu.Unlock()
		res := `[]`
		switch {
		case strings.Contains(q, "newsflow_stage_messages_total"):
			res = `[{"metric":{"stage":"enrich","outcome":"ok"},"value":[1,"42"]}]`
		case strings.Contains(q, "newsflow_end_to_end_seconds_bucket"):
			res = `[{"metric":{"le":"+Inf"},"value":[1,"4"]},{"metric":{"le":"1"},"value":[1,"4"]},{"metric":{"le":"0.5"},"value":[1,"2"]}]`
		case strings.Contains(q, "process_resident_memory_bytes"):
			res = `[{"metric":{"job":"enrich"},"value":[1,"1048576"]}]`
		}
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":` + res + `}}`))
	}))
	defer srv.Close()
	src, err := NewPrometheusSource(srv.URL+"/", `namespace="newsflow"`, nil)
	if err != nil {
		t.Fatal(err)
	}
	sm, err := src.Sample(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := sm.Messages["enrich"]["ok"]; got != 42 {
		t.Errorf("enrich ok %v, want 42", got)
	}
	if got := sm.RSS["enrich"]; got != 1<<20 {
		t.Errorf("RSS %v", got)
	}
	if got := sm.EndToEnd.Quantile(.5); got != .5 {
		t.Errorf("p50 %v, want 0.5 (buckets sorted by le)", got)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, q := range seen {
		if !strings.Contains(q, `{namespace="newsflow"}`) {
			t.Errorf("query %q lacks the selector", q)
		}
	}
	if _, err := NewPrometheusSource("prometheus:9090", "", nil); err == nil {
		t.Error("a URL without a scheme was taken")
	}
}

// The page, its assets and its data are served under /dashboard.
func TestHandlers(t *testing.T) {
	reg := prometheus.NewRegistry()
	newMetrics(t, reg).Stage("ingest")
	s := NewSampler(NewRegistrySource(reg, "ingest"), Options{})
	s.SampleOnce(context.Background())
	mux := http.NewServeMux()
	s.Register(mux)
	for _, tc := range []struct{ path, ctype, contains string }{
		{"/dashboard", "text/html", `src="dashboard/app.js"`},
		{"/dashboard/app.js", "text/javascript", "dashboard/data"},
		{"/dashboard/app.css", "text/css", "#charts"},
		{"/dashboard/data", "application/json", `"stages":["ingest"]`},
	} {
		t.Run(tc.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
			if rec.Code != http.StatusOK {
				t.Fatalf("%d", rec.Code)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) {
				t.Errorf("content type %q, want %s", ct, tc.ctype)
			}
			if !strings.Contains(rec.Body.String(), tc.contains) {
				t.Errorf("body lacks %q", tc.contains)
			}
		})
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/dashboard/data", nil))
	var v View
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if v.IntervalSeconds != 5 || len(v.T) != 1 {
		t.Errorf("interval %v s, %d points", v.IntervalSeconds, len(v.T))
	}
}

// Rates look back rateWindow: a counter sampled every 0.5 s that moves in
// bursts (10, 0, 10, 0, ...) reads as its average, 10/s, not 20 and 0.
func TestRatesAreSmoothed(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	var pts []Point
	total := 0.0
	for i := range 40 {
		p := newPoint(t0.Add(time.Duration(i) * 500 * time.Millisecond))
		if i%2 == 1 {
			total += 10
		}
		p.addMessages("index", "ok", total)
		pts = append(pts, p)
	}
	r := rates(pts, func(p Point) (float64, bool) { v, ok := p.Messages["index"]["ok"]; return v, ok })
	for i := 12; i < len(r); i++ {
		if got := f(r[i]); math.Abs(got-10) > 1.01 {
			t.Errorf("rate at point %d = %v, want 10 +- 1", i, got)
		}
	}
	if r[0] != nil {
		t.Errorf("rate at the first point %v", f(r[0]))
	}
	// A restart: the counter goes back to 3, which counts as 3 new.
	pts[20].Messages["index"]["ok"] = 3
	for k := 21; k < len(pts); k++ {
		pts[k].Messages["index"]["ok"] -= 97
	}
	for i, v := range rates(pts, func(p Point) (float64, bool) { v, ok := p.Messages["index"]["ok"]; return v, ok }) {
		if v != nil && *v < 0 {
			t.Errorf("negative rate %v at %d after a restart", *v, i)
		}
	}
}
