package enrich

import (
	"fmt"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/article"
)

// Metrics counts the enrichment steps that failed on an article (the
// article goes on without what the step adds; enrich_errors says why).
type Metrics struct {
	stepErrors *prometheus.CounterVec
}

// NewMetrics registers the enrich metrics on reg; a nil reg keeps them
// unregistered (tests, tools).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		stepErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_enrich_step_errors_total",
			Help: "Enrichment steps that failed on an article, by step (the article carries the error in enrich_errors).",
		}, []string{"step"}),
	}
	if reg != nil {
		if err := reg.Register(m.stepErrors); err != nil {
			return nil, fmt.Errorf("register enrich metrics: %w", err)
		}
	}
	return m, nil
}

// report logs and counts the failed steps of a, once each: a key-value
// write that failed, for instance, is never lost silently.
func (m *Metrics) report(log *zap.Logger, a *article.Article) {
	if len(a.EnrichErrors) == 0 {
		return
	}
	steps := make([]string, 0, len(a.EnrichErrors))
	for s := range a.EnrichErrors {
		steps = append(steps, s)
	}
	slices.Sort(steps)
	for _, s := range steps {
		if m != nil {
			m.stepErrors.WithLabelValues(s).Inc()
		}
		if log != nil {
			log.Warn("enrichment step failed", zap.String("article_id", a.ID), zap.String("step", s), zap.String("error", a.EnrichErrors[s]))
		}
	}
}
