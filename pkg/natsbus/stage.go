package natsbus

import (
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/pipeline"
)

// StageMetrics is what a wired stage reports to: handler timings, the
// outcome of every message, its consumer's state and, for the last stage,
// the end-to-end latency. telemetry.StageMetrics implements it.
type StageMetrics interface {
	pipeline.Observer
	Recorder
	EndToEnd(d time.Duration)
}

// StageOption changes how NewStage wires a stage.
type StageOption func(*stageOptions)

type stageOptions struct {
	endToEnd bool
	now      func() time.Time
}

// WithEndToEnd records, for every message the handler finishes without an
// error, the time since its raw publish: the last stage's end-to-end
// latency. now is the clock (time.Now when nil).
func WithEndToEnd(now func() time.Time) StageOption {
	return func(o *stageOptions) {
		o.endToEnd = true
		if now != nil {
			o.now = now
		}
	}
}

// NewStage wires h as one replica of the stage cfg, the same way for every
// service, newsflow up and the tests: handler timings and the in-flight
// count (pipeline.Observe, outermost), panic recovery (pipeline.Recover),
// the end-to-end latency when asked (WithEndToEnd), a handler timeout of
// cfg.HandlerTimeout or else cfg.AckWait (pipeline.Timeout), and the Worker that consumes, acks,
// retries and dead-letters, reporting to m.
func NewStage(js jetstream.JetStream, cfg StageConfig, h pipeline.Handler, log *zap.Logger, m StageMetrics, opts ...StageOption) (*Worker, error) {
	o := stageOptions{now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	mws := []pipeline.Middleware{pipeline.Observe(m), pipeline.Recover()}
	if o.endToEnd {
		mws = append(mws, pipeline.EndToEnd(m.EndToEnd, o.now))
	}
	timeout := cfg.HandlerTimeout
	if timeout <= 0 {
		timeout = cfg.AckWait
	}
	mws = append(mws, pipeline.Timeout(timeout))
	return NewWorker(js, cfg, pipeline.Chain(h, mws...), log, m)
}
