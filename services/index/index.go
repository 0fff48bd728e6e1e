// Package index is the last stage of newsflow: it writes enriched articles
// into the search index, announces each on articles.indexed.<source>, and
// serves the search API and page.
package index

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/pipeline"
	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/bleveindex"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/pkg/telemetry"
)

// Config configures the index stage and the search API.
type Config struct {
	Stage natsbus.StageConfig
	// Index is a directory for the embedded Bleve index.
	Index string
	// BatchSize and BatchWait bound an index batch.
	BatchSize int
	BatchWait time.Duration
	// ReadToken, when set, is required as a bearer token by the search API.
	ReadToken string
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	cfg := Config{
		Stage:     natsbus.DefaultStageConfig(natsbus.StageIndex, natsbus.StreamArticles, natsbus.SubjectEnriched+".>", natsbus.SubjectIndexed),
		Index:     "data/index",
		BatchSize: 256,
		BatchWait: 50 * time.Millisecond,
	}
	return cfg
}

// RegisterFlags adds the index flags to fs.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	c.Stage.RegisterFlags(fs)
	fs.StringVar(&c.Index, "index", c.Index, "index location: a directory for the embedded index")
	fs.IntVar(&c.BatchSize, "batch-size", c.BatchSize, "largest index batch")
	fs.DurationVar(&c.BatchWait, "batch-wait", c.BatchWait, "longest wait to fill an index batch")
	fs.StringVar(&c.ReadToken, "read-token", c.ReadToken, "bearer token required by the search API (empty: open)")
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if err := c.Stage.Validate(); err != nil {
		return err
	}
	if strings.TrimSpace(c.Index) == "" {
		return fmt.Errorf("index location is empty (set --index or NEWSFLOW_INDEX)")
	}
	if strings.HasPrefix(c.Index, "postgres://") || strings.HasPrefix(c.Index, "postgresql://") {
		return fmt.Errorf("index %q: the PostgreSQL backend is not built yet; use a directory", redactURL(c.Index))
	}
	if c.BatchSize < 1 || c.BatchSize > 10000 {
		return fmt.Errorf("batch size must be 1 to 10000, got %d", c.BatchSize)
	}
	if c.BatchWait <= 0 {
		return fmt.Errorf("batch wait must be positive, got %s", c.BatchWait)
	}
	return nil
}

// Redacted returns c with secrets masked.
func (c Config) Redacted() any {
	if c.ReadToken != "" {
		c.ReadToken = "REDACTED"
	}
	c.Index = redactURL(c.Index)
	return c
}

func redactURL(s string) string {
	if at := strings.LastIndex(s, "@"); at > 0 {
		if i := strings.Index(s, "://"); i > 0 && i < at {
			return s[:i+3] + "REDACTED" + s[at:]
		}
	}
	return s
}

// OpenIndex opens the index named by location.
func OpenIndex(location string) (search.Index, error) {
	return bleveindex.Open(location)
}

// Service is a running index stage.
type Service struct {
	worker  *natsbus.Worker
	batcher *Batcher
	idx     search.Index
	log     *zap.Logger
}

// New builds the index stage on d, opening the index, and mounts the
// search API on d.HTTP (when set).
func New(_ context.Context, cfg Config, d service.Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	idx, err := OpenIndex(cfg.Index)
	if err != nil {
		return nil, err
	}
	stage := d.Metrics.Stage(cfg.Stage.Name)
	b := NewBatcher(idx, cfg.BatchSize, cfg.BatchWait, nil)
	h := pipeline.Chain(NewHandler(b, stage, time.Now), pipeline.Observe(stage), pipeline.Recover(), pipeline.Timeout(cfg.Stage.AckWait))
	w, err := natsbus.NewWorker(d.JS, cfg.Stage, h, d.Log, stage)
	if err != nil {
		_ = idx.Close()
		return nil, err
	}
	if d.HTTP != nil {
		NewAPI(idx, APIConfig{ReadToken: cfg.ReadToken}, d.Log).Routes(d.HTTP)
	}
	return &Service{worker: w, batcher: b, idx: idx, log: d.Log}, nil
}

// Index returns the search index the service writes.
func (s *Service) Index() search.Index { return s.idx }

// Run consumes until ctx is cancelled, then lets the last batch finish and
// closes the index.
func (s *Service) Run(ctx context.Context) error {
	bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.batcher.Run(bctx)
	}()
	err := s.worker.Run(ctx)
	cancel()
	wg.Wait()
	if cerr := s.idx.Close(); cerr != nil {
		s.log.Warn("close index", zap.Error(cerr))
		if err == nil {
			err = fmt.Errorf("close index: %w", cerr)
		}
	}
	return err
}

// Handler is the index stage's pipeline handler.
type Handler struct {
	b     *Batcher
	stage *telemetry.StageMetrics
	now   func() time.Time
}

// NewHandler returns the handler. stage may be nil.
func NewHandler(b *Batcher, stage *telemetry.StageMetrics, now func() time.Time) *Handler {
	return &Handler{b: b, stage: stage, now: now}
}

// Process writes one enriched article and returns its indexed event.
func (h *Handler) Process(ctx context.Context, in *pipeline.Message) ([]*pipeline.Message, error) {
	a, err := article.Decode(in.Data)
	if err != nil {
		return nil, pipeline.Permanent(fmt.Errorf("decode enriched article: %w", err))
	}
	if !article.ValidID(a.ID) {
		return nil, pipeline.Permanentf("enriched article has an invalid id %q", a.ID)
	}
	a.IndexedAt = h.now().UTC()
	if err := h.b.Add(ctx, a); err != nil {
		return nil, pipeline.Retry(fmt.Errorf("index article %s: %w", a.ID, err), 0)
	}
	if h.stage != nil {
		if t, err := time.Parse(time.RFC3339Nano, in.Header.Get(pipeline.HeaderPublishedAt)); err == nil {
			h.stage.EndToEnd(h.now().Sub(t))
		}
	}
	ev, err := encodeIndexed(a)
	if err != nil {
		return nil, pipeline.Permanent(err)
	}
	return []*pipeline.Message{{
		ID:     fmt.Sprintf("%s:%s:%d", a.ID, a.ContentHash, a.Revision),
		Source: a.Source,
		Data:   ev,
		Header: pipeline.Header{natsbus.HeaderArticleID: {a.ID}},
	}}, nil
}
