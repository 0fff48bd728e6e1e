// Package dashboard is newsflow's built-in live view of the pipeline: a
// small sampler reads the process's own Prometheus registry (or a
// Prometheus server's HTTP API, when the stages run as separate processes)
// every few seconds, keeps the last hour in a bounded ring buffer, and
// serves a page (GET /dashboard, plain HTML, JavaScript and SVG embedded in
// the binary) that charts it: throughput and outcomes per stage, consumer
// lag, end-to-end latency, dead letters, memory and CPU.
package dashboard

import (
	"context"
	"math"
	"sort"
	"time"
)

// Point is one reading of the pipeline's metrics at T: counters as they
// are (cumulative), gauges as read.
type Point struct {
	T time.Time
	// Messages is newsflow_stage_messages_total by stage, then outcome.
	Messages map[string]map[string]float64
	// Pending, AckPending and DeadLetters are the consumer gauges and
	// newsflow_dlq_messages, by stage.
	Pending, AckPending, DeadLetters map[string]float64
	// EndToEnd is newsflow_end_to_end_seconds.
	EndToEnd Histogram
	// RSS, Heap and CPU are process_resident_memory_bytes,
	// go_memstats_heap_inuse_bytes and process_cpu_seconds_total (a
	// counter) by process (this process's name, or the Prometheus job).
	RSS, Heap, CPU map[string]float64
}

// Histogram is a cumulative Prometheus histogram: Counts[i] observations
// were at most Bounds[i]; the last bound is +Inf.
type Histogram struct {
	Bounds []float64
	Counts []float64
}

// Source reads one Point.
type Source interface {
	// Describe names where the figures come from, for the page.
	Describe() string
	Sample(ctx context.Context) (Point, error)
}

func newPoint(t time.Time) Point {
	return Point{
		T:           t,
		Messages:    map[string]map[string]float64{},
		Pending:     map[string]float64{},
		AckPending:  map[string]float64{},
		DeadLetters: map[string]float64{},
		RSS:         map[string]float64{},
		Heap:        map[string]float64{},
		CPU:         map[string]float64{},
	}
}

func (p Point) addMessages(stage, outcome string, v float64) {
	m := p.Messages[stage]
	if m == nil {
		m = map[string]float64{}
		p.Messages[stage] = m
	}
	m[outcome] += v
}

// sub returns the observations of h that are not in old (h minus old),
// or false when the bounds differ or a counter went back (a restart).
func (h Histogram) sub(old Histogram) (Histogram, bool) {
	if len(h.Bounds) != len(old.Bounds) {
		return Histogram{}, false
	}
	out := Histogram{Bounds: h.Bounds, Counts: make([]float64, len(h.Counts))}
	for i := range h.Counts {
		if h.Bounds[i] != old.Bounds[i] || h.Counts[i] < old.Counts[i] {
			return Histogram{}, false
		}
		out.Counts[i] = h.Counts[i] - old.Counts[i]
	}
	return out, true
}

// total is the number of observations.
func (h Histogram) total() float64 {
	if len(h.Counts) == 0 {
		return 0
	}
	return h.Counts[len(h.Counts)-1]
}

// Quantile estimates the q-quantile as Prometheus's histogram_quantile
// does: linear within the bucket, the largest finite bound for the +Inf
// bucket. It is NaN without observations.
func (h Histogram) Quantile(q float64) float64 {
	n := h.total()
	if n <= 0 || len(h.Bounds) == 0 {
		return math.NaN()
	}
	rank := q * n
	i := sort.Search(len(h.Counts), func(i int) bool { return h.Counts[i] >= rank })
	if i >= len(h.Counts) {
		i = len(h.Counts) - 1
	}
	if math.IsInf(h.Bounds[i], 1) {
		if i == 0 {
			return math.NaN()
		}
		return h.Bounds[i-1]
	}
	lower, below := 0.0, 0.0
	if i > 0 {
		lower, below = h.Bounds[i-1], h.Counts[i-1]
	}
	in := h.Counts[i] - below
	if in <= 0 {
		return h.Bounds[i]
	}
	return lower + (h.Bounds[i]-lower)*(rank-below)/in
}

// normalize sorts the buckets by bound.
func (h *Histogram) normalize() {
	idx := make([]int, len(h.Bounds))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return h.Bounds[idx[a]] < h.Bounds[idx[b]] })
	b := make([]float64, len(idx))
	c := make([]float64, len(idx))
	for i, j := range idx {
		b[i], c[i] = h.Bounds[j], h.Counts[j]
	}
	h.Bounds, h.Counts = b, c
}
