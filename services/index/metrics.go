package index

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Search outcomes, the values of the outcome label.
const (
	OutcomeOK      = "ok"
	OutcomeInvalid = "invalid"
	OutcomeError   = "error"
	// OutcomeBusy is a search refused 429: the budget's slots were full.
	OutcomeBusy = "busy"
	// OutcomeTimeout is a search cancelled past its time limit (503).
	OutcomeTimeout = "timeout"
)

// Metrics are the index stage's own metrics: index batches and searches.
type Metrics struct {
	batchArticles prometheus.Histogram
	batchSeconds  prometheus.Histogram
	batchErrors   prometheus.Counter
	panics        prometheus.Counter
	searches      *prometheus.CounterVec
	searchSeconds prometheus.Histogram
}

// NewMetrics registers the index metrics on reg; a nil reg keeps them
// unregistered.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		batchArticles: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "newsflow_index_batch_articles",
			Help:    "Articles per index batch write.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 12),
		}),
		batchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "newsflow_index_batch_seconds",
			Help:    "Time to write one index batch.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}),
		batchErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "newsflow_index_batch_errors_total",
			Help: "Index batch writes that failed (their articles are retried).",
		}),
		panics: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "newsflow_index_panics_total",
			Help: "Panics of the index library recovered while writing a batch (the batch's articles are retried; the log names them).",
		}),
		searches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_search_requests_total",
			Help: "Search requests by outcome: ok, invalid (400, also queries over the search budget), busy (429), timeout (503), error (500).",
		}, []string{"outcome"}),
		searchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "newsflow_search_duration_seconds",
			Help:    "Time to answer a search request.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
	}
	for _, o := range []string{OutcomeOK, OutcomeInvalid, OutcomeBusy, OutcomeTimeout, OutcomeError} {
		m.searches.WithLabelValues(o)
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.batchArticles, m.batchSeconds, m.batchErrors, m.panics, m.searches, m.searchSeconds} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("register index metrics: %w", err)
			}
		}
	}
	return m, nil
}

// Batch records one batch write.
func (m *Metrics) Batch(n int, d time.Duration, err error) {
	if m == nil {
		return
	}
	m.batchArticles.Observe(float64(n))
	m.batchSeconds.Observe(d.Seconds())
	if err != nil {
		m.batchErrors.Inc()
	}
}

// Panic counts one recovered panic of the index library.
func (m *Metrics) Panic() {
	if m != nil {
		m.panics.Inc()
	}
}

// Search records one search request.
func (m *Metrics) Search(outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.searches.WithLabelValues(outcome).Inc()
	m.searchSeconds.Observe(d.Seconds())
}
