package dashboard

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Defaults of the sampler.
const (
	DefaultInterval = 5 * time.Second
	DefaultWindow   = time.Hour
	// latencyWindow is how far back the end-to-end quantiles of a point
	// look, as rate(...[1m]) would.
	latencyWindow = time.Minute
	// rateWindow is how far back a rate looks (at least one interval), so
	// that short sampling intervals do not make the charts jump.
	rateWindow = 5 * time.Second
)

// Options configure a Sampler.
type Options struct {
	// Interval between samples (DefaultInterval when 0).
	Interval time.Duration
	// Window is how much history is kept (DefaultWindow when 0).
	Window time.Duration
	// Log reports failed samples (none when nil).
	Log *zap.Logger
}

// Sampler reads a Source every Interval and keeps the last Window of
// points in a ring buffer of Window/Interval points.
type Sampler struct {
	src      Source
	interval time.Duration
	log      *zap.Logger

	mu      sync.Mutex
	ring    []Point
	next    int
	full    bool
	lastErr string
}

// NewSampler returns a sampler over src; call Run to start it.
func NewSampler(src Source, opts Options) *Sampler {
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.Window <= 0 {
		opts.Window = DefaultWindow
	}
	if opts.Log == nil {
		opts.Log = zap.NewNop()
	}
	n := max(int(opts.Window/opts.Interval), 2)
	return &Sampler{src: src, interval: opts.Interval, log: opts.Log, ring: make([]Point, n)}
}

// Run samples until ctx is done. It returns nil.
func (s *Sampler) Run(ctx context.Context) error {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		s.SampleOnce(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// SampleOnce reads the source once and keeps the point.
func (s *Sampler) SampleOnce(ctx context.Context) {
	sctx, cancel := context.WithTimeout(ctx, max(s.interval, 2*time.Second))
	p, err := s.src.Sample(sctx)
	cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil {
			if s.lastErr != err.Error() {
				s.log.Warn("dashboard sample failed", zap.Error(err))
			}
			s.lastErr = err.Error()
		}
		return
	}
	s.lastErr = ""
	s.ring[s.next] = p
	s.next = (s.next + 1) % len(s.ring)
	if s.next == 0 {
		s.full = true
	}
}

// points returns the kept points, oldest first.
func (s *Sampler) points() ([]Point, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.full {
		return slices.Clone(s.ring[:s.next]), s.lastErr
	}
	return append(slices.Clone(s.ring[s.next:]), s.ring[:s.next]...), s.lastErr
}

// View is what the page draws, as GET /dashboard/data serves it. Every
// series has one value per element of T (null where there is none: a
// rate at the first point, a latency without observations).
type View struct {
	Source          string   `json:"source"`
	Error           string   `json:"error,omitempty"`
	IntervalSeconds float64  `json:"interval_seconds"`
	T               []int64  `json:"t"` // Unix milliseconds
	Stages          []string `json:"stages"`
	// Rate is messages per second by stage, then outcome.
	Rate map[string]map[string][]*float64 `json:"rate"`
	// Total is the latest cumulative count by stage, then outcome.
	Total       map[string]map[string]float64 `json:"total"`
	Pending     map[string][]*float64         `json:"pending"`
	AckPending  map[string][]*float64         `json:"ack_pending"`
	DeadLetters map[string][]*float64         `json:"dead_letters"`
	// EndToEnd is the end-to-end latency in seconds over the minute
	// before each point: p50, p95, p99.
	EndToEnd map[string][]*float64 `json:"end_to_end"`
	// Observed is the number of articles the latest quantiles rest on.
	Observed float64               `json:"end_to_end_observed"`
	RSS      map[string][]*float64 `json:"rss"`
	Heap     map[string][]*float64 `json:"heap"`
	// CPU is cores used (CPU seconds per second) by process.
	CPU map[string][]*float64 `json:"cpu"`
}

// View computes the charts' series from the kept points.
func (s *Sampler) View() View {
	pts, lastErr := s.points()
	v := View{
		Source: s.src.Describe(), Error: lastErr, IntervalSeconds: s.interval.Seconds(),
		T: make([]int64, len(pts)), Rate: map[string]map[string][]*float64{}, Total: map[string]map[string]float64{},
		Pending: map[string][]*float64{}, AckPending: map[string][]*float64{}, DeadLetters: map[string][]*float64{},
		EndToEnd: map[string][]*float64{}, RSS: map[string][]*float64{}, Heap: map[string][]*float64{}, CPU: map[string][]*float64{},
	}
	stages := map[string]bool{}
	for i, p := range pts {
		v.T[i] = p.T.UnixMilli()
		for st := range p.Messages {
			stages[st] = true
		}
		for st := range p.Pending {
			stages[st] = true
		}
	}
	delete(stages, "")
	v.Stages = stageOrder(stages)
	n := len(pts)
	for _, st := range v.Stages {
		v.Rate[st] = map[string][]*float64{}
		outcomes := map[string]bool{}
		for _, p := range pts {
			for o := range p.Messages[st] {
				outcomes[o] = true
			}
		}
		for o := range outcomes {
			v.Rate[st][o] = rates(pts, func(p Point) (float64, bool) { c, ok := p.Messages[st][o]; return c, ok })
		}
		if n > 0 {
			v.Total[st] = map[string]float64{}
			for o, c := range pts[n-1].Messages[st] {
				v.Total[st][o] = c
			}
		}
		v.Pending[st] = values(pts, func(p Point) (float64, bool) { x, ok := p.Pending[st]; return x, ok })
		v.AckPending[st] = values(pts, func(p Point) (float64, bool) { x, ok := p.AckPending[st]; return x, ok })
		v.DeadLetters[st] = values(pts, func(p Point) (float64, bool) { x, ok := p.DeadLetters[st]; return x, ok })
	}
	for _, q := range []struct {
		name string
		q    float64
	}{{"p50", .5}, {"p95", .95}, {"p99", .99}} {
		v.EndToEnd[q.name] = make([]*float64, n)
	}
	j := 0
	for i, p := range pts {
		// The baseline is the last point at least latencyWindow older,
		// or the oldest kept.
		for j+1 < i && !pts[j+1].T.After(p.T.Add(-latencyWindow)) {
			j++
		}
		if j == i {
			continue
		}
		d, ok := p.EndToEnd.sub(pts[j].EndToEnd)
		if !ok {
			continue
		}
		if i == n-1 {
			v.Observed = d.total()
		}
		v.EndToEnd["p50"][i] = num(d.Quantile(.5))
		v.EndToEnd["p95"][i] = num(d.Quantile(.95))
		v.EndToEnd["p99"][i] = num(d.Quantile(.99))
	}
	for _, proc := range keys(pts, func(p Point) map[string]float64 { return p.RSS }) {
		v.RSS[proc] = values(pts, func(p Point) (float64, bool) { x, ok := p.RSS[proc]; return x, ok })
	}
	for _, proc := range keys(pts, func(p Point) map[string]float64 { return p.Heap }) {
		v.Heap[proc] = values(pts, func(p Point) (float64, bool) { x, ok := p.Heap[proc]; return x, ok })
	}
	for _, proc := range keys(pts, func(p Point) map[string]float64 { return p.CPU }) {
		v.CPU[proc] = rates(pts, func(p Point) (float64, bool) { x, ok := p.CPU[proc]; return x, ok })
	}
	return v
}

// stageOrder puts the pipeline's stages in pipeline order, others after.
func stageOrder(set map[string]bool) []string {
	var out []string
	for _, st := range []string{"ingest", "enrich", "index"} {
		if set[st] {
			out = append(out, st)
			delete(set, st)
		}
	}
	var rest []string
	for st := range set {
		rest = append(rest, st)
	}
	sort.Strings(rest)
	return append(out, rest...)
}

func keys(pts []Point, m func(Point) map[string]float64) []string {
	set := map[string]bool{}
	for _, p := range pts {
		for k := range m(p) {
			set[k] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func num(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

func values(pts []Point, get func(Point) (float64, bool)) []*float64 {
	out := make([]*float64, len(pts))
	for i, p := range pts {
		if x, ok := get(p); ok {
			out[i] = num(x)
		}
	}
	return out
}

// rates turns a counter into per-second rates over the rateWindow before
// each point (or the interval between points, if longer), as rate() would;
// a counter that went back (a restart) counts from zero.
func rates(pts []Point, get func(Point) (float64, bool)) []*float64 {
	out := make([]*float64, len(pts))
	// cum[k] is the counter's reset-corrected increase up to point k.
	cum := make([]float64, len(pts))
	for k := 1; k < len(pts); k++ {
		cur, ok1 := get(pts[k])
		prev, ok2 := get(pts[k-1])
		d := 0.0
		switch {
		case ok1 && ok2 && cur >= prev:
			d = cur - prev
		case ok1:
			d = cur
		}
		cum[k] = cum[k-1] + d
	}
	j := 0
	for i := 1; i < len(pts); i++ {
		if _, ok := get(pts[i]); !ok {
			continue
		}
		// The baseline: the last point at least rateWindow older, or the
		// oldest kept while there is less history.
		for j+1 < i && !pts[j+1].T.After(pts[i].T.Add(-rateWindow)) {
			j++
		}
		dt := pts[i].T.Sub(pts[j].T).Seconds()
		if dt <= 0 {
			continue
		}
		out[i] = num((cum[i] - cum[j]) / dt)
	}
	return out
}

// String describes the sampler for logs.
func (s *Sampler) String() string {
	return fmt.Sprintf("dashboard sampler (%s every %s, %d points)", s.src.Describe(), s.interval, len(s.ring))
}
