package poller

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Fetch outcomes (newsflow_source_fetches_total's outcome label).
const (
	OutcomeOK          = "ok"
	OutcomeNotModified = "not_modified"
	OutcomeError       = "error"
	OutcomeDisallowed  = "disallowed"
)

type metrics struct {
	fetches     *prometheus.CounterVec
	items       *prometheus.CounterVec
	lastSuccess *prometheus.GaugeVec
	failures    *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_source_fetches_total",
			Help: "Polls of a source by outcome: ok, not_modified (304), error, disallowed (robots.txt).",
		}, []string{"source", "outcome"}),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_source_items_published_total",
			Help: "New items of a source published onto articles.raw.<source>.",
		}, []string{"source"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "newsflow_source_last_success_timestamp_seconds",
			Help: "When a poll of the source last succeeded (when it was added, before any success), from its bucket entry.",
		}, []string{"source"}),
		failures: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "newsflow_source_consecutive_failures",
			Help: "Failed polls of the source in a row, from its bucket entry.",
		}, []string{"source"}),
	}
	for _, c := range []prometheus.Collector{m.fetches, m.items, m.lastSuccess, m.failures} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register poller metrics: %w", err)
		}
	}
	return m, nil
}

// observe sets the gauges of src from its bucket entry (every replica
// exports every source, so any one of them can be scraped).
func (m *metrics) observe(src Source) {
	t := src.State.LastSuccess
	if t.IsZero() {
		t = src.AddedAt
	}
	m.lastSuccess.WithLabelValues(src.Name).Set(float64(t.UnixMilli()) / 1000)
	m.failures.WithLabelValues(src.Name).Set(float64(src.State.Failures))
}

func (m *metrics) forget(name string) {
	m.lastSuccess.DeleteLabelValues(name)
	m.failures.DeleteLabelValues(name)
}
