package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"golang.org/x/sync/errgroup"
)

// The metric names the dashboard reads.
const (
	metricMessages    = "newsflow_stage_messages_total"
	metricPending     = "newsflow_consumer_pending"
	metricAckPending  = "newsflow_consumer_ack_pending"
	metricDeadLetters = "newsflow_dlq_messages"
	metricEndToEnd    = "newsflow_end_to_end_seconds"
	metricRSS         = "process_resident_memory_bytes"
	metricHeap        = "go_memstats_heap_inuse_bytes"
	metricCPU         = "process_cpu_seconds_total"
)

// RegistrySource reads a process's own registry, as a scrape of its
// /metrics would.
type RegistrySource struct {
	g    prometheus.Gatherer
	name string
	now  func() time.Time
}

// NewRegistrySource returns a source over g; name is the process in the
// memory and CPU charts ("newsflow up", "ingest", ...).
func NewRegistrySource(g prometheus.Gatherer, name string) *RegistrySource {
	return &RegistrySource{g: g, name: name, now: time.Now}
}

// Describe names the process.
func (s *RegistrySource) Describe() string { return "this process (" + s.name + ")" }

// Sample gathers the registry once.
func (s *RegistrySource) Sample(context.Context) (Point, error) {
	p := newPoint(s.now())
	mfs, err := s.g.Gather()
	if err != nil && len(mfs) == 0 {
		return p, fmt.Errorf("gather metrics: %w", err)
	}
	for _, mf := range mfs {
		switch mf.GetName() {
		case metricMessages:
			for _, m := range mf.GetMetric() {
				p.addMessages(label(m, "stage"), label(m, "outcome"), m.GetCounter().GetValue())
			}
		case metricPending:
			gauges(mf, p.Pending)
		case metricAckPending:
			gauges(mf, p.AckPending)
		case metricDeadLetters:
			gauges(mf, p.DeadLetters)
		case metricEndToEnd:
			for _, m := range mf.GetMetric() {
				h := m.GetHistogram()
				for _, b := range h.GetBucket() {
					p.EndToEnd.Bounds = append(p.EndToEnd.Bounds, b.GetUpperBound())
					p.EndToEnd.Counts = append(p.EndToEnd.Counts, float64(b.GetCumulativeCount()))
				}
				p.EndToEnd.Bounds = append(p.EndToEnd.Bounds, math.Inf(1))
				p.EndToEnd.Counts = append(p.EndToEnd.Counts, float64(h.GetSampleCount()))
			}
		case metricRSS:
			p.RSS[s.name] = first(mf)
		case metricHeap:
			p.Heap[s.name] = first(mf)
		case metricCPU:
			p.CPU[s.name] = first(mf)
		}
	}
	return p, nil
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func gauges(mf *dto.MetricFamily, into map[string]float64) {
	for _, m := range mf.GetMetric() {
		into[label(m, "stage")] = m.GetGauge().GetValue()
	}
}

func first(mf *dto.MetricFamily) float64 {
	for _, m := range mf.GetMetric() {
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Untyped != nil:
			return m.GetUntyped().GetValue()
		}
	}
	return 0
}

// ErrInvalidPrometheusURL is returned by NewPrometheusSource for a URL it
// cannot use.
var ErrInvalidPrometheusURL = errors.New("invalid Prometheus URL")

// PrometheusSource reads the pipeline's metrics from a Prometheus server's
// HTTP API (instant queries), for stages that run as separate processes:
// counters are summed over replicas, consumer gauges (which every replica
// of a stage reads from the same consumer) take the largest.
type PrometheusSource struct {
	base     *url.URL
	client   *http.Client
	selector string
	now      func() time.Time
}

// NewPrometheusSource returns a source for the Prometheus server at rawURL
// (http://prometheus:9090). selector, when not empty, is added to every
// query's series selector (e.g. `namespace="newsflow"`). client may be nil.
//
// It returns ErrInvalidPrometheusURL when rawURL is not an http(s) URL.
func NewPrometheusSource(rawURL, selector string, client *http.Client) (*PrometheusSource, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", ErrInvalidPrometheusURL, rawURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w %q: want http://host:port of a Prometheus server (its HTTP API)", ErrInvalidPrometheusURL, rawURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return &PrometheusSource{base: u, client: client, selector: strings.TrimSpace(selector), now: time.Now}, nil
}

// Describe names the server.
func (s *PrometheusSource) Describe() string { return "Prometheus at " + s.base.Redacted() }

// Sample runs the instant queries concurrently.
func (s *PrometheusSource) Sample(ctx context.Context) (Point, error) {
	at := s.now()
	p := newPoint(at)
	sel := func(metric string) string {
		if s.selector == "" {
			return metric
		}
		return metric + "{" + s.selector + "}"
	}
	type query struct {
		q    string
		into func(labels map[string]string, v float64)
	}
	var e2e Histogram
	queries := []query{
		{"sum by (stage, outcome) (" + sel(metricMessages) + ")", func(l map[string]string, v float64) { p.addMessages(l["stage"], l["outcome"], v) }},
		{"max by (stage) (" + sel(metricPending) + ")", func(l map[string]string, v float64) { p.Pending[l["stage"]] = v }},
		{"max by (stage) (" + sel(metricAckPending) + ")", func(l map[string]string, v float64) { p.AckPending[l["stage"]] = v }},
		{"max by (stage) (" + sel(metricDeadLetters) + ")", func(l map[string]string, v float64) { p.DeadLetters[l["stage"]] = v }},
		{"sum by (le) (" + sel(metricEndToEnd+"_bucket") + ")", func(l map[string]string, v float64) {
			b, err := strconv.ParseFloat(l["le"], 64)
			if err != nil {
				return
			}
			e2e.Bounds = append(e2e.Bounds, b)
			e2e.Counts = append(e2e.Counts, v)
		}},
		{"sum by (job) (" + sel(metricRSS) + ")", func(l map[string]string, v float64) { p.RSS[l["job"]] = v }},
		{"sum by (job) (" + sel(metricHeap) + ")", func(l map[string]string, v float64) { p.Heap[l["job"]] = v }},
		{"sum by (job) (" + sel(metricCPU) + ")", func(l map[string]string, v float64) { p.CPU[l["job"]] = v }},
	}
	results := make([][]promSample, len(queries))
	g, gctx := errgroup.WithContext(ctx)
	for i, q := range queries {
		g.Go(func() error {
			r, err := s.query(gctx, q.q, at)
			results[i] = r
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return p, err
	}
	for i, q := range queries {
		for _, r := range results[i] {
			q.into(r.labels, r.value)
		}
	}
	e2e.normalize()
	p.EndToEnd = e2e
	return p, nil
}

type promSample struct {
	labels map[string]string
	value  float64
}

func (s *PrometheusSource) query(ctx context.Context, q string, at time.Time) ([]promSample, error) {
	u := *s.base
	u.Path += "/api/v1/query"
	u.RawQuery = url.Values{"query": {q}, "time": {strconv.FormatFloat(float64(at.UnixMilli())/1000, 'f', 3, 64)}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", q, err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("query prometheus: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&body); err != nil {
		return nil, fmt.Errorf("query %s: %s: decode answer: %w", q, resp.Status, err)
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("query %s: %s: %s", q, resp.Status, body.Error)
	}
	out := make([]promSample, 0, len(body.Data.Result))
	for _, r := range body.Data.Result {
		str, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(str, 64)
		if err != nil {
			continue
		}
		out = append(out, promSample{labels: r.Metric, value: v})
	}
	return out, nil
}
