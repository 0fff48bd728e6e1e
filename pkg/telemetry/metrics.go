package telemetry

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/newsflow/newsflow/pkg/pipeline"
	"github.com/newsflow/newsflow/pkg/version"
)

var outcomes = []string{pipeline.OutcomeOK, pipeline.OutcomeDuplicate, pipeline.OutcomeRetry, pipeline.OutcomeDLQ}

// Metrics holds the contract metrics of a process. Create it once per
// registry and take a StageMetrics per stage.
type Metrics struct {
	messages    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	inflight    *prometheus.GaugeVec
	pending     *prometheus.GaugeVec
	ackPending  *prometheus.GaugeVec
	redelivered *prometheus.GaugeVec
	deadLetters *prometheus.GaugeVec
	storageWait *prometheus.CounterVec
	endToEnd    prometheus.Histogram
}

// NewMetrics registers the contract metrics, build info and the Go and
// process collectors on reg. It fails when reg already holds any of them.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_stage_messages_total",
			Help: "Messages handled by a stage, by outcome (ok, duplicate, retry, dlq).",
		}, []string{"stage", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "newsflow_stage_duration_seconds",
			Help:    "Time spent in a stage's handler per message.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"stage"}),
		inflight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "newsflow_stage_inflight",
			Help: "Messages a stage is handling right now.",
		}, []string{"stage"}),
		pending: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "newsflow_consumer_pending",
			Help: "Messages in the stream not yet delivered to the stage's consumer.",
		}, []string{"stage"}),
		ackPending: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "newsflow_consumer_ack_pending",
			Help: "Messages delivered to the stage's consumer and not yet acknowledged.",
		}, []string{"stage"}),
		redelivered: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "newsflow_consumer_redelivered",
			Help: "Messages the stage's consumer has delivered more than once and not yet acknowledged.",
		}, []string{"stage"}),
		deadLetters: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "newsflow_dlq_messages",
			Help: "Dead letters of the stage waiting in ARTICLES_DLQ, read from the stream.",
		}, []string{"stage"}),
		storageWait: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_stage_storage_waits_total",
			Help: "Times a stage held a message and waited because a store (JetStream, the index) could not take writes; such messages are retried, never dead-lettered.",
		}, []string{"stage"}),
		endToEnd: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "newsflow_end_to_end_seconds",
			Help:    "Time from the raw publish of an article to its indexing.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}),
	}
	cs := []prometheus.Collector{m.messages, m.duration, m.inflight, m.pending, m.ackPending, m.redelivered, m.deadLetters, m.storageWait, m.endToEnd, BuildInfo(),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})}
	if _, ok := residentAnonymous(); ok {
		cs = append(cs, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "newsflow_process_resident_anonymous_bytes",
			Help: "Resident anonymous memory (heap, stacks, runtime) of the process: process_resident_memory_bytes without resident pages of mapped files such as the embedded index's segments (Linux only).",
		}, func() float64 {
			v, _ := residentAnonymous()
			return v
		}))
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register stage metrics: %w", err)
		}
	}
	return m, nil
}

// Stage returns the metrics of one stage. Every outcome series is created at
// zero, so dashboards see the stage before its first message.
func (m *Metrics) Stage(name string) *StageMetrics {
	s := &StageMetrics{
		duration:    m.duration.WithLabelValues(name),
		inflight:    m.inflight.WithLabelValues(name),
		pending:     m.pending.WithLabelValues(name),
		ackPending:  m.ackPending.WithLabelValues(name),
		redelivered: m.redelivered.WithLabelValues(name),
		deadLetters: m.deadLetters.WithLabelValues(name),
		storageWait: m.storageWait.WithLabelValues(name),
		endToEnd:    m.endToEnd,
		outcomes:    make(map[string]prometheus.Counter, len(outcomes)),
	}
	for _, o := range outcomes {
		s.outcomes[o] = m.messages.WithLabelValues(name, o)
	}
	return s
}

// StageMetrics records the metrics of one stage. It implements
// pipeline.Observer and the bus's outcome and consumer-info reporting.
type StageMetrics struct {
	duration    prometheus.Observer
	inflight    prometheus.Gauge
	pending     prometheus.Gauge
	ackPending  prometheus.Gauge
	redelivered prometheus.Gauge
	deadLetters prometheus.Gauge
	storageWait prometheus.Counter
	endToEnd    prometheus.Observer
	outcomes    map[string]prometheus.Counter
}

// Started counts a handler call in flight.
func (s *StageMetrics) Started() { s.inflight.Inc() }

// Finished records a handler call's duration.
func (s *StageMetrics) Finished(d time.Duration) {
	s.inflight.Dec()
	s.duration.Observe(d.Seconds())
}

// Outcome counts one message with the given outcome.
func (s *StageMetrics) Outcome(outcome string) {
	if c, ok := s.outcomes[outcome]; ok {
		c.Inc()
	}
}

// ConsumerInfo records the stage consumer's state.
func (s *StageMetrics) ConsumerInfo(pending, ackPending, redelivered uint64) {
	s.pending.Set(float64(pending))
	s.ackPending.Set(float64(ackPending))
	s.redelivered.Set(float64(redelivered))
}

// DeadLetters records the number of the stage's dead letters in the DLQ.
func (s *StageMetrics) DeadLetters(n uint64) { s.deadLetters.Set(float64(n)) }

// StorageWait counts one wait of the stage for a store that could not
// take writes.
func (s *StageMetrics) StorageWait() { s.storageWait.Inc() }

// EndToEnd records the time from raw publish to indexing of one article.
func (s *StageMetrics) EndToEnd(d time.Duration) { s.endToEnd.Observe(d.Seconds()) }

// BuildInfo returns newsflow_build_info{version,revision} = 1, which every
// newsflow process exports (the dashboard's job list reads it).
func BuildInfo() prometheus.Collector {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "newsflow_build_info",
		Help: "Build version and revision; always 1.",
	}, []string{"version", "revision"})
	g.WithLabelValues(version.Version(), version.Revision()).Set(1)
	return g
}
