// Package enrich is the second stage of newsflow: it cleans the article
// body, detects the language and extracts what a reader or a program wants
// to know about the article, then publishes it on articles.enriched.<source>.
package enrich

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/pipeline"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/pkg/story"
	"github.com/newsflow/newsflow/pkg/textseg"
	"github.com/newsflow/newsflow/pkg/version"
)

// Config configures the enrich stage.
type Config struct {
	Stage natsbus.StageConfig
	// Disabled names steps to skip.
	Disabled []string
	// BoilerplateTTL is how long a line learned from a source is kept
	// without being seen again.
	BoilerplateTTL time.Duration
	// SimhashTTL is how long the fingerprints of a band are kept without a
	// new article filed in it.
	SimhashTTL time.Duration
	// Stories runs the stories step, with the recent stories in the
	// NEWSFLOW_STORIES bucket shared by the replicas (docs/architecture.md).
	Stories bool
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Stage:          natsbus.DefaultStageConfig(natsbus.StageEnrich, natsbus.StreamArticles, natsbus.SubjectIngested+".>", natsbus.SubjectEnriched),
		BoilerplateTTL: 90 * 24 * time.Hour,
		SimhashTTL:     7 * 24 * time.Hour,
		Stories:        true,
	}
}

// RegisterFlags adds the enrich flags to fs.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	c.Stage.RegisterFlags(fs)
	fs.DurationVar(&c.SimhashTTL, "simhash-ttl", c.SimhashTTL, "how long recent fingerprints are kept for near-duplicate search")
	fs.DurationVar(&c.BoilerplateTTL, "boilerplate-ttl", c.BoilerplateTTL, "how long a learned boilerplate line is kept without being seen again")
	fs.BoolVar(&c.Stories, "stories", c.Stories, "group articles into stories (story_id), shared by the replicas through the "+StoriesBucket+" bucket")
	fs.Func("disable", "comma-separated enrichment steps to skip ("+strings.Join(StepNames(), ", ")+")", func(s string) error {
		c.Disabled = nil
		for _, n := range strings.Split(s, ",") {
			if n = strings.TrimSpace(n); n != "" {
				c.Disabled = append(c.Disabled, n)
			}
		}
		return nil
	})
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if err := c.Stage.Validate(); err != nil {
		return err
	}
	if c.BoilerplateTTL < time.Hour {
		return fmt.Errorf("--boilerplate-ttl %s is too short to learn anything; use at least 1h", c.BoilerplateTTL)
	}
	if c.SimhashTTL < time.Hour {
		return fmt.Errorf("--simhash-ttl %s is too short to find copies; use at least 1h", c.SimhashTTL)
	}
	names := StepNames()
	for _, d := range c.Disabled {
		if !slices.Contains(names, d) {
			return fmt.Errorf("unknown enrichment step %q in --disable; the steps are %s", d, strings.Join(names, ", "))
		}
	}
	return nil
}

// Redacted returns c; it holds no secrets.
func (c Config) Redacted() any { return c }

// Service is a running enrich stage.
type Service struct {
	worker  *natsbus.Worker
	index   *KVIndex
	stories *KVStories // nil without the stories step
}

// New builds the enrich stage on d.
func New(ctx context.Context, cfg Config, d service.Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	stage := d.Metrics.Stage(cfg.Stage.Name)
	learner, err := OpenKVLearner(ctx, d.JS, cfg.BoilerplateTTL, d.Topology.Replicas)
	if err != nil {
		return nil, err
	}
	index, err := OpenKVIndex(ctx, d.JS, cfg.SimhashTTL, d.Topology.Replicas, d.Log)
	if err != nil {
		return nil, err
	}
	s := &Service{index: index}
	fail := func(err error) (*Service, error) {
		_ = s.close() // the error that matters is err
		return nil, err
	}
	disabled := cfg.Disabled
	stores := Stores{Boilerplate: learner, NearDup: index}
	if !cfg.Stories || slices.Contains(disabled, StepStories) {
		disabled = append(slices.Clone(disabled), StepStories)
	} else {
		if s.stories, err = OpenKVStories(ctx, d.JS, story.DefaultParams(), d.Topology.Replicas, d.Log); err != nil {
			return fail(err)
		}
		stores.Stories = s.stories
	}
	metrics, err := NewMetrics(d.Registry)
	if err != nil {
		return fail(err)
	}
	e := NewEnricher(StepsWith(stores, disabled...), time.Now)
	e.log, e.metrics = d.Log, metrics
	if s.worker, err = natsbus.NewStage(d.JS, cfg.Stage, e, d.Log, stage); err != nil {
		return fail(err)
	}
	return s, nil
}

// close stops watching the buckets.
func (s *Service) close() error {
	var err error
	if cerr := s.index.Close(); cerr != nil && !errors.Is(cerr, nats.ErrConnectionClosed) {
		err = fmt.Errorf("stop watching %s: %w", SimhashBucket, cerr)
	}
	if s.stories != nil {
		if cerr := s.stories.Close(); cerr != nil && !errors.Is(cerr, nats.ErrConnectionClosed) {
			err = errors.Join(err, fmt.Errorf("stop watching %s: %w", StoriesBucket, cerr))
		}
	}
	return err
}

// Run consumes until ctx is cancelled.
func (s *Service) Run(ctx context.Context) error {
	err := s.worker.Run(ctx)
	if cerr := s.close(); cerr != nil && err == nil {
		err = cerr
	}
	return err
}

// Enricher runs the enrichment steps over each article. It is the stage's
// pipeline handler.
type Enricher struct {
	steps []Step
	now   func() time.Time
	// tokens holds token arrays (*[]textseg.Token) for the analyses of
	// later articles: the tokens of an article are garbage once its steps
	// have run.
	tokens sync.Pool
	// log and metrics report the steps that fail (Process); nil for none.
	log     *zap.Logger
	metrics *Metrics
}

// NewEnricher returns an enricher running steps in order.
func NewEnricher(steps []Step, now func() time.Time) *Enricher {
	return &Enricher{steps: steps, now: now}
}

// Enrich runs every step over a. A failing step records its error in
// a.EnrichErrors and the others still run. It returns the failures of
// steps that could not reach their store (natsbus.IsStorageFailure): the
// article should wait for the store rather than go on without them.
func (e *Enricher) Enrich(ctx context.Context, a *article.Article) error {
	var storageErr error
	var d analysis
	if p, ok := e.tokens.Get().(*[]textseg.Token); ok {
		d.spare = *p
	}
	defer func() {
		if d.spare != nil {
			e.tokens.Put(&d.spare)
		}
	}()
	for _, s := range e.steps {
		if err := runStep(ctx, s, a, &d); err != nil {
			if a.EnrichErrors == nil {
				a.EnrichErrors = map[string]string{}
			}
			a.EnrichErrors[s.Name] = err.Error()
			if natsbus.IsStorageFailure(err) {
				storageErr = errors.Join(storageErr, fmt.Errorf("step %s: %w", s.Name, err))
			}
		}
	}
	if a.Entities == nil {
		a.Entities = []article.Entity{}
	}
	if a.Keywords == nil {
		a.Keywords = []article.Keyword{}
	}
	if a.Quotes == nil {
		a.Quotes = []article.Quote{}
	}
	if a.RelatedLinks == nil {
		a.RelatedLinks = []string{}
	}
	a.PipelineVersion = version.Version()
	a.EnrichedAt = e.now().UTC()
	return storageErr
}

func runStep(ctx context.Context, s Step, a *article.Article, d *analysis) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("step %s panicked: %v", s.Name, r)
			*d = analysis{} // it may be half done
		}
	}()
	if s.shared != nil {
		return s.shared(ctx, a, d)
	}
	return s.Run(ctx, a)
}

// Process decodes, enriches and re-encodes one article.
func (e *Enricher) Process(ctx context.Context, in *pipeline.Message) ([]*pipeline.Message, error) {
	a, err := article.Decode(in.Data)
	if err != nil {
		return nil, pipeline.Permanent(fmt.Errorf("decode ingested article: %w", err))
	}
	if err := article.ValidateStored(a); err != nil {
		return nil, pipeline.Permanent(fmt.Errorf("ingested article %q fails validation: %w", a.ID, err))
	}
	if err := e.Enrich(ctx, a); err != nil {
		// Held by the bus until the store takes writes, then enriched
		// again in full.
		return nil, fmt.Errorf("enrich article %s: %w", a.ID, err)
	}
	e.metrics.report(e.log, a)
	data, err := article.Encode(a)
	if err != nil {
		return nil, pipeline.Permanent(err)
	}
	return []*pipeline.Message{{
		ID:     fmt.Sprintf("%s:%s:%d", a.ID, a.ContentHash, a.Revision),
		Source: a.Source,
		Data:   data,
		Header: pipeline.Header{pipeline.HeaderArticleID: {a.ID}},
	}}, nil
}
