// Package index is the last stage of newsflow: it writes enriched articles
// into the search index, announces each on articles.indexed.<source>, and
// serves the search API and page.
package index

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/pipeline"
	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/bleveindex"
	"github.com/newsflow/newsflow/pkg/search/pgindex"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/pkg/storage"
)

// Config configures the index stage and the search API.
type Config struct {
	Stage natsbus.StageConfig
	// Index is a directory for the embedded Bleve index, or a postgres://
	// URL for the PostgreSQL index (any number of replicas may share it).
	Index string
	// BatchSize, BatchBytes and BatchWait bound an index batch: articles,
	// bytes of text, and the longest wait for it to fill.
	BatchSize  int
	BatchBytes int
	BatchWait  time.Duration
	// BatchWriters is how many batches may be written at once; the
	// embedded index builds each batch on its own core.
	BatchWriters int
	// ReadToken, when set, is required as a bearer token by the search API.
	ReadToken string
	// Search bounds what the searches of the API may cost.
	Search search.Budget
	// BleveConfig is Bleve's runtime configuration for the embedded index,
	// a JSON object (--bleve-config, NEWSFLOW_BLEVE_CONFIG; see
	// docs/search.md); empty keeps newsflow's defaults.
	BleveConfig string
}

// DefaultBatchWait is the longest wait to fill an index batch. At a
// steady rate below capacity it sets the batch size (rate times wait), and
// with the embedded index every batch is a segment that Bleve's background
// merges rewrite: at 50 ms, batches of about 5 articles at 53/s, the
// merges took a third of the pipeline's CPU. 150 ms halves the batches
// and took 10% off the CPU per article at that rate; with less CPU to
// share, the end-to-end p99 was lower in 4 of 5 paired runs
// (docs/benchmarks.md, "Where the tail comes from").
const DefaultBatchWait = 150 * time.Millisecond

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	cfg := Config{
		Stage:        natsbus.DefaultStageConfig(natsbus.StageIndex, natsbus.StreamArticles, natsbus.SubjectEnriched+".>", natsbus.SubjectIndexed),
		Index:        "data/index",
		BatchSize:    1024,
		BatchBytes:   8 << 20,
		BatchWait:    DefaultBatchWait,
		BatchWriters: 2,
		Search:       search.DefaultBudget(),
	}
	// Handlers wait for their batch, sending heartbeats; on a starved
	// machine a batch can take longer than AckWait to write.
	cfg.Stage.HandlerTimeout = 10 * time.Minute
	cfg.FitConcurrency()
	return cfg
}

// FitConcurrency sets the stage's concurrency to BatchSize times
// BatchWriters (and MaxAckPending to at least that). Handlers only wait
// for their batch: let enough of them wait to fill a batch for every
// writer (larger batches make fewer segments to merge), so that the next
// batch fills while one is written.
func (c *Config) FitConcurrency() {
	c.Stage.Concurrency = c.BatchSize * c.BatchWriters
	c.Stage.MaxAckPending = max(c.Stage.MaxAckPending, c.Stage.Concurrency)
}

// RegisterFlags adds the index flags to fs.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	c.Stage.RegisterFlags(fs)
	fs.StringVar(&c.Index, "index", c.Index, "index location: a directory for the embedded index, or a postgres:// URL")
	fs.IntVar(&c.BatchSize, "batch-size", c.BatchSize, "most articles in an index batch")
	fs.IntVar(&c.BatchBytes, "batch-bytes", c.BatchBytes, "most bytes of article text in an index batch")
	fs.DurationVar(&c.BatchWait, "batch-wait", c.BatchWait, "longest wait to fill an index batch")
	fs.IntVar(&c.BatchWriters, "batch-writers", c.BatchWriters, "index batches written at once (each on its own core); set --concurrency to batch-size times this")
	fs.StringVar(&c.ReadToken, "read-token", c.ReadToken, "bearer token required by the search API (empty: open)")
	c.Search.RegisterFlags(fs)
	c.RegisterBleveFlag(fs)
}

// RegisterBleveFlag adds --bleve-config to fs (the index worker and
// newsflow up); envflag gives it NEWSFLOW_BLEVE_CONFIG.
func (c *Config) RegisterBleveFlag(fs *flag.FlagSet) {
	fs.StringVar(&c.BleveConfig, "bleve-config", c.BleveConfig, "Bleve runtime configuration of the embedded index, a JSON object such as {\"scorchMergePlanOptions\":{...}} (tuning experiments)")
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if err := c.Stage.Validate(); err != nil {
		return err
	}
	if strings.TrimSpace(c.Index) == "" {
		return fmt.Errorf("index location is empty (set --index or NEWSFLOW_INDEX)")
	}
	if pgindex.IsURL(c.Index) {
		if _, err := url.Parse(c.Index); err != nil {
			return fmt.Errorf("index %q is not a valid postgres URL: %v", redactURL(c.Index), errors.Unwrap(err))
		}
	} else if strings.Contains(c.Index, "://") {
		return fmt.Errorf("index %q: use a directory or a postgres:// URL", redactURL(c.Index))
	}
	if err := c.Search.Validate(); err != nil {
		return err
	}
	return c.ValidateBatches()
}

// ValidateBatches checks the batch settings; messages name their flags
// (the same in the index worker and `newsflow up`).
func (c Config) ValidateBatches() error {
	switch {
	case c.BatchSize < 1 || c.BatchSize > 10000:
		return fmt.Errorf("--batch-size must be 1 to 10000, got %d", c.BatchSize)
	case c.BatchBytes < 0:
		return fmt.Errorf("--batch-bytes must be 0 (no bound) or more, got %d", c.BatchBytes)
	case c.BatchWait <= 0:
		return fmt.Errorf("--batch-wait must be positive, got %s", c.BatchWait)
	case c.BatchWriters < 1 || c.BatchWriters > 64:
		return fmt.Errorf("--batch-writers must be 1 to 64, got %d", c.BatchWriters)
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

// OpenIndex opens the index named by location: a postgres:// URL, or a
// directory for the embedded index, opened with Bleve's runtime
// configuration bleveConfig (see Config.BleveConfig).
func OpenIndex(ctx context.Context, location, bleveConfig string) (search.Index, error) {
	if pgindex.IsURL(location) {
		return pgindex.Open(ctx, location)
	}
	idx, err := bleveindex.OpenWith(location, bleveConfig)
	if errors.Is(err, bleveindex.ErrCorrupt) {
		return nil, fmt.Errorf("%w; rebuild it from the ARTICLES stream: newsflow index rebuild --index %s --nats URL "+
			"(for newsflow up, stopped: newsflow index rebuild --data DIR)", err, location)
	}
	if err != nil {
		return nil, err
	}
	// Only this process writes the embedded index, so answers can be
	// cached until the next write.
	return search.NewCache(idx, searchCacheEntries), nil
}

// searchCacheEntries bounds the answers cached for the embedded index.
const searchCacheEntries = 512

// Service is a running index stage.
type Service struct {
	worker  *natsbus.Worker
	batcher *Batcher
	idx     search.Index
	log     *zap.Logger
}

// New builds the index stage on d, opening the index, and mounts the
// search API on d.HTTP (when set).
func New(ctx context.Context, cfg Config, d service.Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m, err := NewMetrics(d.Registry)
	if err != nil {
		return nil, err
	}
	idx, err := OpenIndex(ctx, cfg.Index, cfg.BleveConfig)
	if err != nil {
		return nil, err
	}
	gi := &guardedIndex{Index: idx, log: d.Log, panics: m.Panic}
	if !pgindex.IsURL(cfg.Index) {
		// Half the reserve, but at least room for two batches' segments:
		// Bleve must never meet a full disk.
		floor := max(d.Storage.Reserve()/2, uint64(2*max(cfg.BatchBytes, 4<<20)))
		gi.guard = storage.NewGuard(floor, map[string]string{"index": cfg.Index})
	}
	if d.Storage != nil {
		d.Storage.AddCheck("index", gi.Writable)
	}
	if d.HTTP != nil {
		d.HTTP.AddCheck("index", gi.Writable)
	}
	stage := d.Metrics.Stage(cfg.Stage.Name)
	// A failed batch is counted here and logged once, per message with its
	// article id, by the worker that retries it.
	b := NewBatcher(gi, cfg.BatchWriters, cfg.BatchSize, cfg.BatchBytes, cfg.BatchWait, m.Batch)
	h := NewHandler(b, time.Now).BoundRevisions(RawStreamBound(d.JS))
	w, err := natsbus.NewStage(d.JS, cfg.Stage, h, d.Log, stage, natsbus.WithEndToEnd(time.Now))
	if err != nil {
		_ = idx.Close()
		return nil, err
	}
	if d.HTTP != nil {
		NewAPI(search.NewBounded(idx, cfg.Search), APIConfig{ReadToken: cfg.ReadToken, Metrics: m}, d.Log).Routes(d.HTTP)
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
	b   *Batcher
	now func() time.Time

	bound   RevisionBound
	boundMu sync.Mutex
	known   atomic.Uint64 // the bound's last answer
}

// NewHandler returns the handler. now is the clock.
func NewHandler(b *Batcher, now func() time.Time) *Handler {
	return &Handler{b: b, now: now}
}

// Process writes one enriched article and returns its indexed event.
func (h *Handler) Process(ctx context.Context, in *pipeline.Message) ([]*pipeline.Message, error) {
	a, err := article.Decode(in.Data)
	if err != nil {
		return nil, pipeline.Permanent(fmt.Errorf("decode enriched article: %w", err))
	}
	if err := article.ValidateStored(a); err != nil {
		return nil, pipeline.Permanent(fmt.Errorf("enriched article %q fails validation: %w", a.ID, err))
	}
	if err := h.checkRevision(ctx, a); err != nil {
		return nil, err
	}
	a.IndexedAt = h.now().UTC()
	if err := h.b.Add(ctx, a); err != nil {
		return nil, pipeline.Retry(fmt.Errorf("index article %s: %w", a.ID, err), 0)
	}
	ev, err := encodeIndexed(a, in.Seq)
	if err != nil {
		return nil, pipeline.Permanent(err)
	}
	return []*pipeline.Message{{
		ID:     fmt.Sprintf("%s:%s:%d", a.ID, a.ContentHash, a.Revision),
		Source: a.Source,
		Data:   ev,
		Header: pipeline.Header{pipeline.HeaderArticleID: {a.ID}},
	}}, nil
}

// RevisionBound returns the highest revision an article may carry now: a
// revision is the raw stream sequence of the submission that made it, so
// none can be above the raw stream's last sequence.
type RevisionBound func(ctx context.Context) (uint64, error)

// RawStreamBound is the RevisionBound of the raw stream on js.
func RawStreamBound(js jetstream.JetStream) RevisionBound {
	return func(ctx context.Context) (uint64, error) {
		s, err := js.Stream(ctx, natsbus.StreamRaw)
		if err != nil {
			return 0, fmt.Errorf("look up %s: %w", natsbus.StreamRaw, err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			return 0, fmt.Errorf("stream info %s: %w", natsbus.StreamRaw, err)
		}
		return info.State.LastSeq, nil
	}
}

// BoundRevisions makes h dead-letter an article whose revision is above
// bound (an article injected with revision 2^40 would otherwise hide every
// later version of it). The bound is asked again only when a revision is
// above the last answer, so at most about once per batch of new articles.
func (h *Handler) BoundRevisions(bound RevisionBound) *Handler {
	h.bound = bound
	return h
}

// checkRevision applies the bound of BoundRevisions, if any.
func (h *Handler) checkRevision(ctx context.Context, a *article.Article) error {
	if h.bound == nil || a.Revision <= h.known.Load() {
		return nil
	}
	h.boundMu.Lock()
	defer h.boundMu.Unlock()
	if a.Revision <= h.known.Load() {
		return nil
	}
	last, err := h.bound(ctx)
	if err != nil {
		return pipeline.Retry(fmt.Errorf("check the revision of article %s: %w", a.ID, err), 0)
	}
	if last > h.known.Load() {
		h.known.Store(last)
	}
	if a.Revision > last {
		return pipeline.Permanent(fmt.Errorf("enriched article %q fails validation: %w", a.ID,
			&article.FieldError{Field: "revision", Code: article.CodeInvalid,
				Message: fmt.Sprintf("revision %d is above the last raw submission (%s sequence %d)", a.Revision, natsbus.StreamRaw, last)}))
	}
	return nil
}
