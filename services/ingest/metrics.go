package ingest

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsflow/newsflow/pkg/article"
)

// Paths an article enters ingest by, the values of the path label.
const (
	PathAPI  = "api"
	PathNATS = "nats"
)

// Metrics counts articles (not messages: an NDJSON batch or a feed is one
// message and many articles) by path, format and outcome, and rejections by
// field and code.
type Metrics struct {
	articles *prometheus.CounterVec
	rejected *prometheus.CounterVec
}

// NewMetrics registers the ingest metrics on reg; a nil reg keeps them
// unregistered (tests, tools).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		articles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_ingest_articles_total",
			Help: "Articles submitted to ingest, by path (api, nats), format and outcome (accepted, duplicate, rejected, unavailable; aborted counts uploads cut short, once per request).",
		}, []string{"path", "format", "outcome"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_ingest_rejected_total",
			Help: "Articles rejected by ingest, by the field at fault and the error code.",
		}, []string{"field", "code"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.articles, m.rejected} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("register ingest metrics: %w", err)
			}
		}
	}
	return m, nil
}

func (m *Metrics) outcome(path, format, outcome string) {
	if m != nil {
		m.articles.WithLabelValues(path, format, outcome).Inc()
	}
}

func (m *Metrics) reject(path, format string, err error) {
	if m == nil {
		return
	}
	m.articles.WithLabelValues(path, format, StatusRejected).Inc()
	field, code := "", "other"
	var fe *article.FieldError
	if errors.As(err, &fe) {
		field, code = fe.Field, fe.Code
	}
	if field == "" {
		field = "document"
	}
	m.rejected.WithLabelValues(field, code).Inc()
}
