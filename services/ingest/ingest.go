// Package ingest is the first stage of newsflow: it accepts submissions
// (HTTP API and articles.raw.<source>), validates and normalises them, gives
// each a stable id, drops exact resubmissions and publishes the canonical
// article on articles.ingested.<source>.
package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/intake"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/pipeline"
	"github.com/newsflow/newsflow/pkg/service"
)

// TitleAffixTTL is how long what was learned of a source's titles is kept
// once its titles stop coming (TitleAffixBucket).
const TitleAffixTTL = 90 * 24 * time.Hour

// Config configures the ingest stage and its HTTP API.
type Config struct {
	Stage natsbus.StageConfig
	// MaxBodyBytes bounds an article's body.
	MaxBodyBytes int
	// MaxHTMLBytes bounds an HTML page (a text/html submission or an
	// article's html field) before scripts and styles are stripped. Over
	// HTTP, MaxRequestBytes bounds it too (the smaller one applies).
	MaxHTMLBytes int
	// MaxRequestBytes bounds one HTTP request body.
	MaxRequestBytes int64
	// SeenTTL is how long an ingested version is remembered for
	// duplicate detection.
	SeenTTL time.Duration
	// APIToken, when set, is required as a bearer token by POST /v1/articles.
	APIToken string
	// RequireURL lists the sources (article.SourceToken form, comma
	// separated, "*" for all) whose articles must have a usable url; the
	// others' articles with an unusable url are accepted without it, with
	// a warning.
	RequireURL string
	// AllowIDTakeover lets a source submit a new version of an article id
	// that another source owns (the source of its first version, kept in
	// the seen-set); by default that is refused (code "conflict").
	AllowIDTakeover bool
	// MaxBacklog is how many raw submissions may wait for the ingest
	// consumer (unread plus unacknowledged) before POST /v1/articles
	// answers 429 with Retry-After; 0 never refuses.
	MaxBacklog int
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Stage:           natsbus.DefaultStageConfig(natsbus.StageIngest, natsbus.StreamRaw, natsbus.SubjectRaw+".>", natsbus.SubjectIngested),
		MaxBodyBytes:    article.DefaultMaxBodyBytes,
		MaxHTMLBytes:    article.DefaultMaxHTMLBytes,
		MaxRequestBytes: 64 << 20,
		SeenTTL:         30 * 24 * time.Hour,
		MaxBacklog:      DefaultMaxBacklog,
	}
}

// RegisterFlags adds the ingest flags to fs.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	c.Stage.RegisterFlags(fs)
	fs.IntVar(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "largest article body accepted")
	fs.Int64Var(&c.MaxRequestBytes, "max-request-bytes", c.MaxRequestBytes, "largest HTTP request body accepted")
	fs.DurationVar(&c.SeenTTL, "dedupe-ttl", c.SeenTTL, "how long an ingested article version is remembered as seen")
	fs.StringVar(&c.APIToken, "api-token", c.APIToken, "bearer token required by POST /v1/articles (empty: none)")
	c.RegisterTakeoverFlag(fs)
	c.RegisterIntakeFlags(fs)
	c.RegisterBacklogFlag(fs)
}

// RegisterBacklogFlag adds --max-backlog to fs.
func (c *Config) RegisterBacklogFlag(fs *flag.FlagSet) {
	fs.IntVar(&c.MaxBacklog, "max-backlog", c.MaxBacklog, "raw submissions waiting for ingest (unread plus unacknowledged) above which POST /v1/articles answers 429 with Retry-After (0: never)")
}

// RegisterIntakeFlags adds --max-html-bytes and --require-url to fs.
func (c *Config) RegisterIntakeFlags(fs *flag.FlagSet) {
	fs.IntVar(&c.MaxHTMLBytes, "max-html-bytes", c.MaxHTMLBytes, "largest HTML page accepted (a text/html submission or an article's html field), before scripts and styles are stripped")
	fs.StringVar(&c.RequireURL, "require-url", c.RequireURL, `sources whose articles must have a usable url, comma separated, "*" for all (others are accepted without an unusable url, with a warning)`)
}

// RegisterTakeoverFlag adds --allow-id-takeover to fs.
func (c *Config) RegisterTakeoverFlag(fs *flag.FlagSet) {
	fs.BoolVar(&c.AllowIDTakeover, "allow-id-takeover", c.AllowIDTakeover, "let a source submit new versions of an article id that another source submitted first (default: refused as a conflict)")
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if err := c.Stage.Validate(); err != nil {
		return err
	}
	if c.MaxBodyBytes < 1024 {
		return fmt.Errorf("--max-body-bytes must be at least 1024, got %d", c.MaxBodyBytes)
	}
	if c.MaxHTMLBytes < 1024 {
		return fmt.Errorf("--max-html-bytes must be at least 1024, got %d", c.MaxHTMLBytes)
	}
	if c.MaxRequestBytes < int64(c.MaxBodyBytes) {
		return fmt.Errorf("--max-request-bytes (%d) must be at least --max-body-bytes (%d)", c.MaxRequestBytes, c.MaxBodyBytes)
	}
	if _, err := ParseRequireURL(c.RequireURL); err != nil {
		return err
	}
	if c.MaxBacklog < 0 {
		return fmt.Errorf("--max-backlog must be 0 (no limit) or positive, got %d", c.MaxBacklog)
	}
	if c.SeenTTL < time.Minute {
		return fmt.Errorf("--dedupe-ttl must be at least 1m, got %s", c.SeenTTL)
	}
	return nil
}

// ParseRequireURL reads --require-url: a comma-separated list of sources,
// or "*" for every source. It returns nil for an empty list.
func ParseRequireURL(s string) (func(source string) bool, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	set := map[string]bool{}
	for _, v := range strings.Split(s, ",") {
		v = strings.TrimSpace(v)
		if v == "*" {
			return func(string) bool { return true }, nil
		}
		tok := article.SourceToken(v)
		if tok == "" {
			return nil, fmt.Errorf("--require-url: %q is not a source name (a list of sources, comma separated, or \"*\")", v)
		}
		set[tok] = true
	}
	return func(source string) bool { return set[source] }, nil
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
	seen, err := OpenSeenSet(ctx, d.JS, cfg.SeenTTL, d.Topology.Replicas)
	if err != nil {
		return nil, err
	}
	m, err := NewMetrics(d.Registry)
	if err != nil {
		return nil, err
	}
	requireURL, err := ParseRequireURL(cfg.RequireURL)
	if err != nil {
		return nil, err
	}
	lim := article.Limits{MaxBodyBytes: cfg.MaxBodyBytes, MaxHTMLBytes: cfg.MaxHTMLBytes, MaxMessageBytes: int(d.NC.MaxPayload()), RequireURL: requireURL}
	stage := d.Metrics.Stage(cfg.Stage.Name)
	titleStore, err := OpenKVTitleStore(ctx, d.JS, TitleAffixTTL, d.Topology.Replicas)
	if err != nil {
		return nil, err
	}
	titles := intake.NewTitleAffixesWith(titleStore)
	titles.OnError = func(err error) {
		d.Log.Warn("title affixes not recorded", zap.Error(err))
	}
	h := NewHandler(seen, lim, time.Now, HandlerOptions{Metrics: m, AllowIDTakeover: cfg.AllowIDTakeover, Titles: titles})
	w, err := natsbus.NewStage(d.JS, cfg.Stage, h, d.Log, stage)
	if err != nil {
		return nil, err
	}
	if d.HTTP != nil {
		api := NewAPI(d.JS, seen, APIConfig{DuplicateWindow: d.Topology.DuplicateWindow, Limits: lim, MaxRequestBytes: cfg.MaxRequestBytes, Token: cfg.APIToken, Metrics: m, AllowIDTakeover: cfg.AllowIDTakeover, Writable: d.Storage.Check, Titles: titles,
			Backlog: NewBacklog(d.JS, cfg.Stage.Stream, cfg.Stage.Name, cfg.MaxBacklog).
				Also(natsbus.StreamArticles, natsbus.StageEnrich).Also(natsbus.StreamArticles, natsbus.StageIndex)}, d.Log)
		api.Routes(d.HTTP)
	}
	return &Service{worker: w}, nil
}

// Run consumes until ctx is cancelled.
func (s *Service) Run(ctx context.Context) error { return s.worker.Run(ctx) }

// Seen is the part of the seen-set the handler uses (SeenSet).
type Seen interface {
	Record(ctx context.Context, v SeenVersion) (bool, error)
	Check(ctx context.Context, v SeenVersion) error
	Claimed(ctx context.Context, v SeenVersion) (bool, error)
}

// HandlerOptions are the handler's optional collaborators.
type HandlerOptions struct {
	// Metrics counts articles; may be nil.
	Metrics *Metrics
	// ItemConcurrency bounds the seen-set round trips in flight for the
	// items of one multi-article message; 0 means 32.
	ItemConcurrency int
	// AllowIDTakeover: see Config.
	AllowIDTakeover bool
	// Titles learns the site names each source puts around its titles
	// and removes them; nil for none.
	Titles *intake.TitleAffixes
}

// Handler is the ingest stage's pipeline handler.
type Handler struct {
	seen Seen
	lim  article.Limits
	now  func() time.Time
	opt  HandlerOptions
}

// NewHandler returns the handler. now is the clock.
func NewHandler(seen Seen, lim article.Limits, now func() time.Time, opt HandlerOptions) *Handler {
	if opt.ItemConcurrency <= 0 {
		opt.ItemConcurrency = 32
	}
	return &Handler{seen: seen, lim: lim, now: now, opt: opt}
}

// Process decodes one raw submission, prepares its articles, drops exact
// resubmissions and returns the canonical articles.
//
// A single-article message that is invalid fails with a permanent error
// (the bus dead-letters it) and an exact resubmission with
// pipeline.ErrDuplicate. In a multi-article message (NDJSON batch, feed)
// the bad items are returned as a pipeline.BatchError beside the good
// items' outputs: the bus dead-letters each on its own, with its own bytes
// and reason and a Newsflow-Item header. Duplicates among the good items
// are dropped.
func (h *Handler) Process(ctx context.Context, in *pipeline.Message) ([]*pipeline.Message, error) {
	items, format, err := DecodeRaw(in, h.lim, h.opt.Titles)
	if err != nil {
		h.opt.Metrics.reject(PathNATS, string(format), err)
		return nil, pipeline.Permanent(err)
	}
	if !format.Multi() {
		it := items[0]
		if it.Err != nil {
			h.opt.Metrics.reject(PathNATS, string(format), it.Err)
			return nil, pipeline.Permanent(it.Err)
		}
		dup, err := h.record(ctx, in, it.Article)
		if fe := conflict(err); fe != nil {
			h.opt.Metrics.reject(PathNATS, string(format), fe)
			return nil, pipeline.Permanent(fe)
		}
		if err != nil {
			return nil, pipeline.Retry(err, 0)
		}
		if dup {
			h.opt.Metrics.outcome(PathNATS, string(format), StatusDuplicate)
			return nil, fmt.Errorf("article %s version %s: %w", it.Article.ID, it.Article.ContentHash, pipeline.ErrDuplicate)
		}
		out, err := h.output(it.Article, revision(in))
		if err != nil {
			return nil, err
		}
		h.opt.Metrics.outcome(PathNATS, string(format), StatusAccepted)
		return []*pipeline.Message{out}, nil
	}
	return h.processBatch(ctx, in, format, items)
}

func (h *Handler) processBatch(ctx context.Context, in *pipeline.Message, format intake.Format, items []RawItem) ([]*pipeline.Message, error) {
	// Within one message, the same version twice is a duplicate too (the
	// seen-set would take the second for a redelivery of the first).
	status := make([]string, len(items))
	first := make(map[string]int, len(items))
	for i, it := range items {
		if it.Err != nil {
			status[i] = StatusRejected
			continue
		}
		key := it.Article.ID + ":" + it.Article.ContentHash
		if _, ok := first[key]; ok {
			status[i] = StatusDuplicate
			continue
		}
		first[key] = i
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(h.opt.ItemConcurrency)
	for i := range items {
		if status[i] != "" {
			continue
		}
		it := &items[i]
		g.Go(func() error {
			dup, err := h.record(gctx, in, it.Article)
			if fe := conflict(err); fe != nil {
				it.Err = fe
				status[i] = StatusRejected
				return nil
			}
			if err != nil {
				return err
			}
			status[i] = StatusAccepted
			if dup {
				status[i] = StatusDuplicate
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		// Nothing was published downstream: the whole message is tried
		// again; recorded items are then not duplicates (same sequence).
		return nil, pipeline.Retry(err, 0)
	}
	var out []*pipeline.Message
	bad := &pipeline.BatchError{}
	for i, it := range items {
		switch status[i] {
		case StatusAccepted:
			m, err := h.output(it.Article, revision(in))
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		case StatusRejected:
			if err := badItem(bad, format, &it); err != nil {
				return nil, pipeline.Retry(err, 0)
			}
			h.opt.Metrics.reject(PathNATS, string(format), it.Err)
			continue
		}
		h.opt.Metrics.outcome(PathNATS, string(format), status[i])
	}
	if len(out) == 0 && countStatus(status, StatusDuplicate) > 0 && countStatus(status, StatusRejected) == 0 {
		return nil, fmt.Errorf("all %d articles of the %s message: %w", len(items), format, pipeline.ErrDuplicate)
	}
	return out, bad.Err()
}

// record notes the article version in the seen-set and reports whether it
// is an exact resubmission. A rerun (a dead letter replayed, a
// reprocessing run, marked pipeline.HeaderRerun) is never one.
//
// An id that another source owns is refused (ErrOtherSource),
// reruns included, unless HandlerOptions.AllowIDTakeover. A version the
// HTTP edge claimed (HeaderSeen with its content hash, and the claim
// found in the seen-set) is taken as new: the edge's claim is the record.
func (h *Handler) record(ctx context.Context, in *pipeline.Message, a *article.Article) (bool, error) {
	v := SeenVersion{ID: a.ID, Hash: a.ContentHash, Source: a.Source, Seq: in.Seq, AnySource: h.opt.AllowIDTakeover}
	if in.Header.Get(pipeline.HeaderRerun) != "" {
		return false, h.seen.Check(ctx, v)
	}
	if in.Header.Get(HeaderSeen) == a.ContentHash {
		// The edge claimed this version before publishing it
		// (SeenSet.Claim). The header alone proves nothing (a producer
		// publishing to NATS may set it), so the claim is read back: one
		// lookup where recording took a create. It stands for a claim
		// only when the entry holds this version as an edge wrote it
		// (sequence 0) and the id is this source's; anything else is
		// recorded as any message is.
		claimed, err := h.seen.Claimed(ctx, v)
		if err != nil {
			return false, err
		}
		if claimed {
			return false, nil
		}
	}
	return h.seen.Record(ctx, v)
}

// conflict returns the field error of an id owned by another source, and
// nil for any other error.
func conflict(err error) *article.FieldError {
	if !errors.Is(err, ErrOtherSource) {
		return nil
	}
	return &article.FieldError{Field: "id", Code: article.CodeConflict, Message: err.Error()}
}

// revision is the article revision of a raw message: its stream sequence,
// or for a rerun the sequence of the original submission (natsbus.
// HeaderRevision), so that an old version rerun never hides a newer one.
func revision(in *pipeline.Message) uint64 {
	if in.Header.Get(pipeline.HeaderRerun) != "" {
		if r, err := strconv.ParseUint(in.Header.Get(pipeline.HeaderRevision), 10, 64); err == nil && r > 0 && r < in.Seq {
			return r
		}
	}
	return in.Seq
}

func countStatus(ss []string, want string) int {
	n := 0
	for _, s := range ss {
		if s == want {
			n++
		}
	}
	return n
}

// badItem adds one bad item of a multi-article message to bad, for the bus
// to dead-letter with its reason. Its payload is the item's own bytes (an
// NDJSON line) or, for a feed entry, the article as far as it was read, as
// JSON.
func badItem(bad *pipeline.BatchError, format intake.Format, it *RawItem) error {
	data := it.Raw
	if data == nil && it.Article != nil {
		b, err := json.Marshal(inputView(it.Article))
		if err != nil {
			return fmt.Errorf("encode dead item %d: %w", it.Index, err)
		}
		data = b
	}
	hdr := pipeline.Header{}
	hdr.Set(HeaderItem, strconv.Itoa(it.Index))
	hdr.Set(pipeline.HeaderContentType, "application/json")
	bad.Failed(it.Index, fmt.Errorf("%s item %d: %w", format, it.Index, it.Err), data, hdr)
	return nil
}

// inputView is the input form of a partly read article, for dead letters.
func inputView(a *article.Article) any {
	type view struct {
		ID          string   `json:"id,omitempty"`
		Source      string   `json:"source,omitempty"`
		URL         string   `json:"url,omitempty"`
		Title       string   `json:"title,omitempty"`
		Body        string   `json:"body,omitempty"`
		PublishedAt string   `json:"published_at,omitempty"`
		Lang        string   `json:"lang,omitempty"`
		Authors     []string `json:"authors,omitempty"`
		Tags        []string `json:"tags,omitempty"`
	}
	v := view{ID: a.ID, Source: a.Source, URL: a.URL, Title: a.Title, Body: a.Body, Lang: a.Lang, Authors: a.Authors, Tags: a.Tags}
	if !a.PublishedAt.IsZero() {
		v.PublishedAt = a.PublishedAt.Format(time.RFC3339)
	}
	return v
}

func (h *Handler) output(a *article.Article, seq uint64) (*pipeline.Message, error) {
	a.Revision = seq
	a.IngestedAt = h.now().UTC()
	data, err := article.Encode(a)
	if err != nil {
		return nil, pipeline.Permanent(err)
	}
	return &pipeline.Message{
		ID:     a.ID + ":" + a.ContentHash,
		Source: a.Source,
		Data:   data,
		Header: pipeline.Header{pipeline.HeaderArticleID: {a.ID}},
	}, nil
}

// ErrEmpty is returned for a raw message without payload.
var ErrEmpty = errors.New("empty message")
