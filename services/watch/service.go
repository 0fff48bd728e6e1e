package watch

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/search/analysis"
	"github.com/newsflow/newsflow/pkg/service"
)

// Stage names: the matching stage and the webhook deliverer.
const (
	StageWatch   = "watch"
	StageWebhook = "webhook"
)

// Config configures the watch worker.
type Config struct {
	// Match consumes articles.indexed.> and publishes alerts.<watch>.
	Match natsbus.StageConfig
	// Webhook consumes alerts.> and POSTs to the watches' webhooks.
	Webhook natsbus.StageConfig
	// WebhookTimeout bounds one POST.
	WebhookTimeout time.Duration
	// ReadToken and WriteToken, when set, are required as bearer tokens
	// by GET and by POST/PUT/DELETE of /v1/watches.
	ReadToken, WriteToken string
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	m := natsbus.DefaultStageConfig(StageWatch, natsbus.StreamArticles, natsbus.SubjectIndexed+".>", natsbus.SubjectAlerts)
	m.DeliverPolicy = jetstream.DeliverNewPolicy
	wh := natsbus.DefaultStageConfig(StageWebhook, natsbus.StreamAlerts, natsbus.SubjectAlerts+".>", "")
	wh.Concurrency, wh.MaxAckPending = 64, 1024
	wh.MaxDeliver = 10
	wh.BackoffBase, wh.BackoffMax = 2*time.Second, 5*time.Minute
	return Config{Match: m, Webhook: wh, WebhookTimeout: 10 * time.Second}
}

// RegisterFlags adds the watch worker's flags to fs.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	c.Match.RegisterFlags(fs)
	fs.DurationVar(&c.WebhookTimeout, "webhook-timeout", c.WebhookTimeout, "longest wait for a webhook to answer one POST")
	fs.IntVar(&c.Webhook.MaxDeliver, "webhook-max-deliver", c.Webhook.MaxDeliver, "webhook delivery attempts before an alert is dead-lettered (articles.dlq.webhook)")
	fs.DurationVar(&c.Webhook.BackoffBase, "webhook-backoff-base", c.Webhook.BackoffBase, "first webhook retry delay, doubled per attempt")
	fs.DurationVar(&c.Webhook.BackoffMax, "webhook-backoff-max", c.Webhook.BackoffMax, "largest webhook retry delay")
	fs.IntVar(&c.Webhook.Concurrency, "webhook-concurrency", c.Webhook.Concurrency, "webhook POSTs in flight at once in this replica")
	fs.StringVar(&c.ReadToken, "read-token", c.ReadToken, "bearer token required to read /v1/watches (empty: open)")
	fs.StringVar(&c.WriteToken, "api-token", c.WriteToken, "bearer token required to change /v1/watches (empty: open)")
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if err := c.Match.Validate(); err != nil {
		return err
	}
	c.Webhook.MaxAckPending = max(c.Webhook.MaxAckPending, c.Webhook.Concurrency)
	if err := c.Webhook.Validate(); err != nil {
		return err
	}
	if c.WebhookTimeout <= 0 || c.WebhookTimeout >= c.Webhook.AckWait {
		return fmt.Errorf("--webhook-timeout must be positive and below the webhook ack wait (%s), got %s", c.Webhook.AckWait, c.WebhookTimeout)
	}
	return nil
}

// Redacted returns c with the tokens masked.
func (c Config) Redacted() any {
	for _, t := range []*string{&c.ReadToken, &c.WriteToken} {
		if *t != "" {
			*t = "REDACTED"
		}
	}
	return c
}

// Service is a running watch worker: the matching stage, the webhook
// stage and the watcher of the NEWSFLOW_WATCHES bucket.
type Service struct {
	match, webhook *natsbus.Worker
	store          *Store
	set            *Set
	kv             jetstream.KeyValue
	log            *zap.Logger
	loaded         chan struct{}
	metrics        *Metrics
}

// New builds the worker on d: creates the ALERTS stream and the bucket
// (unless d.Topology.VerifyStreams), loads the watches and mounts
// /v1/watches on d.HTTP when set.
func New(ctx context.Context, cfg Config, d service.Deps) (*Service, error) {
	cfg.Webhook.MaxAckPending = max(cfg.Webhook.MaxAckPending, cfg.Webhook.Concurrency)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := ensureAlerts(ctx, d.JS, d.Topology); err != nil {
		return nil, err
	}
	store, err := OpenStore(ctx, d.JS, d.Topology.Replicas)
	if err != nil {
		return nil, err
	}
	an := analysis.NewSet()
	set := NewSet(an)
	m, err := NewMetrics(d.Registry, func() float64 { return float64(set.Len()) })
	if err != nil {
		return nil, err
	}
	s := &Service{store: store, set: set, kv: store.kv, log: d.Log, loaded: make(chan struct{}), metrics: m}
	match, err := natsbus.NewStage(d.JS, cfg.Match, NewMatcher(set, an, NewStreamReader(d.JS), m, time.Now), d.Log, d.Metrics.Stage(StageWatch))
	if err != nil {
		return nil, err
	}
	webhook, err := natsbus.NewStage(d.JS, cfg.Webhook, NewDeliverer(set, cfg.WebhookTimeout, cfg.Webhook.MaxDeliver, m, time.Now), d.Log, d.Metrics.Stage(StageWebhook))
	if err != nil {
		return nil, err
	}
	s.match, s.webhook = match, webhook
	if d.HTTP != nil {
		NewAPI(store, an, APIConfig{ReadToken: cfg.ReadToken, WriteToken: cfg.WriteToken}).Routes(d.HTTP)
	}
	return s, nil
}

func ensureAlerts(ctx context.Context, js jetstream.JetStream, topo natsbus.TopologyConfig) error {
	sc := topo.AlertsStreamConfig()
	if topo.VerifyStreams {
		if _, err := js.Stream(ctx, sc.Name); err != nil {
			return fmt.Errorf("stream %s (not created by this process: --create-streams=false): %w", sc.Name, err)
		}
		return nil
	}
	if _, err := js.CreateOrUpdateStream(ctx, sc); err != nil {
		return fmt.Errorf("create or update stream %s: %w", sc.Name, err)
	}
	return nil
}

// Set returns the watches the worker matches.
func (s *Service) Set() *Set { return s.set }

// Store returns the watches' store.
func (s *Service) Store() *Store { return s.store }

// Loaded is closed once the watches of the bucket are loaded.
func (s *Service) Loaded() <-chan struct{} { return s.loaded }

// Run loads the watches, then matches and delivers until ctx is
// cancelled. Edits of the bucket apply from the next article.
func (s *Service) Run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.watchBucket(gctx) })
	select {
	case <-s.loaded:
	case <-gctx.Done():
		return g.Wait()
	}
	g.Go(func() error { return s.match.Run(gctx) })
	g.Go(func() error { return s.webhook.Run(gctx) })
	return g.Wait()
}

// watchBucket keeps the set equal to the bucket, watching it again after
// an interruption.
func (s *Service) watchBucket(ctx context.Context) error {
	wait := 250 * time.Millisecond
	for {
		err := s.watchOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		s.log.Warn("watch the watches bucket", zap.Error(err), zap.Duration("retry_in", wait))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(wait*2, 10*time.Second)
	}
}

func (s *Service) watchOnce(ctx context.Context) error {
	kw, err := s.kv.WatchAll(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = kw.Stop() }()
	// The bucket's current watches come first, then nil: load them in one
	// rebuild; after that, apply each change as it comes.
	var initial []jetstream.KeyValueEntry
	loading := true
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case e, ok := <-kw.Updates():
			if !ok {
				return errors.New("watcher closed")
			}
			switch {
			case e == nil:
				if loading {
					s.load(initial)
					loading, initial = false, nil
				}
				select {
				case <-s.loaded:
				default:
					close(s.loaded)
					s.log.Info("watches loaded", zap.Int("watches", s.set.Len()))
				}
			case loading:
				initial = append(initial, e)
			default:
				// Apply the changes that have arrived together at once: a
				// rebuild per change would cost O(n) each, O(n²) for n
				// watches added in a burst.
				batch := []jetstream.KeyValueEntry{e}
			more:
				for len(batch) < 10_000 {
					select {
					case e, ok := <-kw.Updates():
						if !ok || e == nil {
							break more
						}
						batch = append(batch, e)
					default:
						break more
					}
				}
				s.apply(batch)
			}
		}
	}
}

// load replaces the set by the watches of entries (the bucket's state
// when the watcher started).
func (s *Service) load(entries []jetstream.KeyValueEntry) {
	keep := map[string]bool{}
	var ws []*Watch
	for _, e := range entries {
		if e.Operation() != jetstream.KeyValuePut {
			continue
		}
		w, err := decode(e)
		if err != nil {
			s.log.Warn("skip watch", zap.String("watch", e.Key()), zap.Error(err))
			continue
		}
		keep[w.Name] = true
		ws = append(ws, w)
	}
	for name, err := range s.set.PutAll(ws) {
		delete(keep, name)
		s.log.Warn("skip watch", zap.String("watch", name), zap.Error(err))
	}
	// Watches removed while the watcher was down.
	for _, name := range s.set.Names() {
		if !keep[name] {
			s.set.Remove(name)
		}
	}
}

func (s *Service) apply(batch []jetstream.KeyValueEntry) {
	// The last change of each key wins.
	last := map[string]jetstream.KeyValueEntry{}
	var order []string
	for _, e := range batch {
		if _, ok := last[e.Key()]; !ok {
			order = append(order, e.Key())
		}
		last[e.Key()] = e
	}
	var puts []*Watch
	var removed []string
	for _, k := range order {
		e := last[k]
		if e.Operation() != jetstream.KeyValuePut {
			removed = append(removed, k)
			s.log.Info("watch removed", zap.String("watch", k))
			continue
		}
		w, err := decode(e)
		if err != nil {
			removed = append(removed, k)
			s.log.Warn("skip watch", zap.String("watch", k), zap.Error(err))
			continue
		}
		puts = append(puts, w)
	}
	errs := s.set.Apply(puts, removed)
	for _, w := range puts {
		if err := errs[w.Name]; err != nil {
			// A watch written past validation (by hand): keep the others.
			s.log.Warn("skip watch", zap.String("watch", w.Name), zap.Error(err))
			continue
		}
		s.log.Info("watch loaded", zap.String("watch", w.Name), zap.Uint64("revision", w.Revision))
	}
}
