package watch

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Delivery outcomes (newsflow_watch_deliveries_total{outcome}).
const (
	OutcomeDelivered  = "delivered"
	OutcomeRetry      = "retry"
	OutcomeDeadLetter = "dlq"
	OutcomeSkipped    = "skipped" // the watch is gone or has no webhook
)

// Metrics are the watch worker's own metrics.
type Metrics struct {
	Matches    *prometheus.CounterVec
	Deliveries *prometheus.CounterVec
	// Delivery is the time from an article's indexing to its alert's
	// successful webhook delivery, retries included.
	Delivery prometheus.Histogram
	// Alert is the time from an article's indexing to its alert's
	// publication on alerts.<watch>.
	Alert   prometheus.Histogram
	Watches prometheus.GaugeFunc
}

// NewMetrics registers the metrics on reg; watches reports the number of
// watches.
func NewMetrics(reg prometheus.Registerer, watches func() float64) (*Metrics, error) {
	m := &Metrics{
		Matches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_watch_matches_total",
			Help: "Articles a watch matched (one alert each).",
		}, []string{"watch"}),
		Deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_watch_deliveries_total",
			Help: "Webhook delivery attempts by outcome: delivered, retry, dlq, skipped.",
		}, []string{"outcome"}),
		Delivery: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "newsflow_watch_delivery_seconds",
			Help:    "Time from an article's indexing to the successful webhook delivery of its alert, retries included.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600},
		}),
		Alert: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "newsflow_watch_alert_seconds",
			Help:    "Time from an article's indexing to the publication of its alerts.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
		Watches: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "newsflow_watches",
			Help: "Watches (saved searches) the worker matches.",
		}, watches),
	}
	for _, c := range []prometheus.Collector{m.Matches, m.Deliveries, m.Delivery, m.Alert, m.Watches} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	for _, o := range []string{OutcomeDelivered, OutcomeRetry, OutcomeDeadLetter, OutcomeSkipped} {
		m.Deliveries.WithLabelValues(o)
	}
	return m, nil
}
