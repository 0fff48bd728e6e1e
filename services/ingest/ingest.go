// Package ingest is the first stage of newsflow: it accepts submissions
// (HTTP API and articles.raw.<source>), validates and normalises them, gives
// each a stable id, drops exact resubmissions and publishes the canonical
// article on articles.ingested.<source>.
package ingest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/pipeline"
	"github.com/newsflow/newsflow/pkg/service"
)

// Config configures the ingest stage and its HTTP API.
type Config struct {
	Stage natsbus.StageConfig
	// MaxBodyBytes bounds an article's body or html.
	MaxBodyBytes int
	// MaxRequestBytes bounds one HTTP request body.
	MaxRequestBytes int64
	// SeenTTL is how long an ingested version is remembered for
	// duplicate detection.
	SeenTTL time.Duration
	// APIToken, when set, is required as a bearer token by POST /v1/articles.
	APIToken string
	// StreamReplicas sizes the seen-set bucket.
	StreamReplicas int
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Stage:           natsbus.DefaultStageConfig(natsbus.StageIngest, natsbus.StreamRaw, natsbus.SubjectRaw+".>", natsbus.SubjectIngested),
		MaxBodyBytes:    article.DefaultMaxBodyBytes,
		MaxRequestBytes: 64 << 20,
		SeenTTL:         30 * 24 * time.Hour,
		StreamReplicas:  1,
	}
}

// RegisterFlags adds the ingest flags to fs.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	c.Stage.RegisterFlags(fs)
	fs.IntVar(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "largest article body or html accepted")
	fs.Int64Var(&c.MaxRequestBytes, "max-request-bytes", c.MaxRequestBytes, "largest HTTP request body accepted")
	fs.DurationVar(&c.SeenTTL, "dedupe-ttl", c.SeenTTL, "how long an ingested article version is remembered as seen")
	fs.StringVar(&c.APIToken, "api-token", c.APIToken, "bearer token required by POST /v1/articles (empty: none)")
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if err := c.Stage.Validate(); err != nil {
		return err
	}
	if c.MaxBodyBytes < 1024 {
		return fmt.Errorf("max body bytes must be at least 1024, got %d", c.MaxBodyBytes)
	}
	if c.MaxRequestBytes < int64(c.MaxBodyBytes) {
		return fmt.Errorf("max request bytes (%d) must be at least max body bytes (%d)", c.MaxRequestBytes, c.MaxBodyBytes)
	}
	if c.SeenTTL < time.Minute {
		return fmt.Errorf("dedupe ttl must be at least 1m, got %s", c.SeenTTL)
	}
	return nil
}

// Redacted returns c with the API token masked.
func (c Config) Redacted() any {
	if c.APIToken != "" {
		c.APIToken = "REDACTED"
	}
	return c
}

// Service is a running ingest stage.
type Service struct {
	worker *natsbus.Worker
}

// New builds the ingest stage on d and mounts its API on d.HTTP (when set).
func New(ctx context.Context, cfg Config, d service.Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	seen, err := natsbus.OpenSeenSet(ctx, d.JS, cfg.SeenTTL, cfg.StreamReplicas)
	if err != nil {
		return nil, err
	}
	lim := article.Limits{MaxBodyBytes: cfg.MaxBodyBytes}
	stage := d.Metrics.Stage(cfg.Stage.Name)
	h := pipeline.Chain(NewHandler(seen, lim, time.Now),
		pipeline.Observe(stage), pipeline.Recover(), pipeline.Timeout(cfg.Stage.AckWait))
	w, err := natsbus.NewWorker(d.JS, cfg.Stage, h, d.Log, stage)
	if err != nil {
		return nil, err
	}
	if d.HTTP != nil {
		api := NewAPI(d.JS, seen, APIConfig{Limits: lim, MaxRequestBytes: cfg.MaxRequestBytes, Token: cfg.APIToken}, d.Log)
		api.Routes(d.HTTP)
	}
	return &Service{worker: w}, nil
}

// Run consumes until ctx is cancelled.
func (s *Service) Run(ctx context.Context) error { return s.worker.Run(ctx) }

// Handler is the ingest stage's pipeline handler.
type Handler struct {
	seen *natsbus.SeenSet
	lim  article.Limits
	now  func() time.Time
}

// NewHandler returns the handler. now is the clock.
func NewHandler(seen *natsbus.SeenSet, lim article.Limits, now func() time.Time) *Handler {
	return &Handler{seen: seen, lim: lim, now: now}
}

// Process decodes one raw submission, prepares it, drops it when it is an
// exact resubmission, and returns the canonical article.
func (h *Handler) Process(ctx context.Context, in *pipeline.Message) ([]*pipeline.Message, error) {
	a, err := DecodeRaw(in, h.lim)
	if err != nil {
		return nil, pipeline.Permanent(err)
	}
	dup, err := h.seen.Record(ctx, a.ID, a.ContentHash, in.Seq)
	if err != nil {
		return nil, pipeline.Retry(err, 0)
	}
	if dup {
		return nil, fmt.Errorf("article %s version %s: %w", a.ID, a.ContentHash, pipeline.ErrDuplicate)
	}
	a.Revision = in.Seq
	a.IngestedAt = h.now().UTC()
	data, err := article.Encode(a)
	if err != nil {
		return nil, pipeline.Permanent(err)
	}
	out := &pipeline.Message{
		ID:     a.ID + ":" + a.ContentHash,
		Source: a.Source,
		Data:   data,
		Header: pipeline.Header{natsbus.HeaderArticleID: {a.ID}},
	}
	return []*pipeline.Message{out}, nil
}

// ErrEmpty is returned for a raw message without payload.
var ErrEmpty = errors.New("empty message")
