// Package standalone runs the whole newsflow pipeline in one process: an
// embedded NATS server with JetStream, the three stages and the poller
// (each with its own connection, talking only through subjects), the embedded search index and
// one HTTP listener for the API, the page and the metrics.
package standalone

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/newsflow/newsflow/pkg/dashboard"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natsembed"
	"github.com/newsflow/newsflow/pkg/natsmon"
	"github.com/newsflow/newsflow/pkg/pipeline"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/pkg/storage"
	"github.com/newsflow/newsflow/pkg/telemetry"
	"github.com/newsflow/newsflow/services/enrich"
	"github.com/newsflow/newsflow/services/index"
	"github.com/newsflow/newsflow/services/ingest"
	"github.com/newsflow/newsflow/services/poller"
	"github.com/newsflow/newsflow/services/watch"
)

// Config configures the single-process pipeline.
type Config struct {
	// DataDir holds the NATS store (nats/) and the index (index/).
	DataDir string
	// HTTPAddr is the API, page and metrics listener.
	HTTPAddr string
	// NATSAddr is where the embedded server accepts outside clients.
	NATSAddr string
	// NATSToken, when set, is required from every NATS client of the
	// embedded server (outside producers and the stages alike), and
	// replaces the generated users (see CredentialsDir): every client
	// with the token may then do anything.
	NATSToken string
	// NATSTLSCert and NATSTLSKey, when set (both or neither), are the
	// server certificate and key: the embedded server then accepts outside
	// clients over TLS only.
	NATSTLSCert string
	NATSTLSKey  string
	// NATSTLSCA, when set, makes it mutual TLS: outside clients must
	// present a certificate signed by this CA. It needs NATSTLSCert and
	// NATSTLSKey.
	NATSTLSCA string
	// NATSMonitorAddr, when set, serves the NATS monitoring endpoints.
	NATSMonitorAddr string
	// StorageReserve is the free space (bytes) under which the data
	// directory takes no new articles (503) and index writes wait; JetStream
	// is restarted after a write failure once this much is free again.
	StorageReserve uint64
	// APIToken, when set, is required by POST /v1/articles.
	APIToken string
	// ReadToken, when set, is required by the read API (GET /v1/search,
	// GET /v1/articles/{id}); the page asks for it.
	ReadToken string
	// HTTP bounds every request of the HTTP listener.
	HTTP telemetry.HTTPConfig
	// Passthrough replaces the three stages' handlers by ones that forward
	// each message unchanged (same bus adapter, middleware and acks), to
	// measure newsflow's own cost. Nothing is indexed.
	Passthrough bool
	// NATSLogs writes the embedded NATS server's own log to stderr.
	NATSLogs bool
	// Pprof serves net/http/pprof under /debug/pprof/ on the HTTP listener.
	Pprof bool
	// DashboardInterval is how often /dashboard samples the process's
	// metrics (dashboard.DefaultInterval when 0).
	DashboardInterval time.Duration

	// StreamLimits bounds ARTICLES_RAW and ARTICLES (its RawMax* and
	// ArticlesMax* fields only, but ArticlesMaxAge; 0: no bound), with
	// discard: new.
	StreamLimits natsbus.TopologyConfig

	Ingest ingest.Config
	Enrich enrich.Config
	Index  index.Config
	// Watch is the watch worker (saved searches, alerts, webhooks); it
	// runs beside the three stages, but not with Passthrough.
	Watch watch.Config
	// Poller polls the sources of `newsflow sources` (services/poller).
	Poller poller.Config
}

// CredentialsDir is the directory under the data directory that holds the
// NKey seeds of the embedded server's users (natsembed.Users), made on
// first start: admin.nk for the newsflow command, producer.nk for
// producers, one per stage.
const CredentialsDir = "credentials"

// DefaultHTTPAddr is where `newsflow up` serves HTTP unless told
// otherwise: this machine only. `--http :8080` opens it to every
// interface, on purpose.
const DefaultHTTPAddr = "127.0.0.1:8080"

// DefaultConfig returns the defaults of `newsflow up`.
func DefaultConfig() Config {
	return Config{
		DataDir:        "data",
		HTTPAddr:       DefaultHTTPAddr,
		HTTP:           telemetry.DefaultHTTPConfig(),
		NATSAddr:       "127.0.0.1:4222",
		StorageReserve: storage.DefaultReserve,
		Ingest:         ingest.DefaultConfig(),
		Enrich:         enrichDefaults(),
		Index:          indexDefaults(),
		Watch:          watch.DefaultConfig(),
		Poller:         poller.DefaultConfig(),
	}
}

// enrichDefaults are the enrich defaults (the stories step on, its
// stories in the NEWSFLOW_STORIES bucket).
func enrichDefaults() enrich.Config { return enrich.DefaultConfig() }

// ErrInvalidConfig is returned by Validate and Start for a configuration
// that cannot be used.
var ErrInvalidConfig = errors.New("invalid configuration")

// Validate checks the settings Start cannot work without. Messages name the
// flags of newsflow up.
func (c Config) Validate() error {
	switch {
	case c.DataDir == "":
		return fmt.Errorf("%w: data directory is empty (--data)", ErrInvalidConfig)
	case c.NATSTLSCert != "" && c.NATSTLSKey == "":
		return fmt.Errorf("%w: --nats-tls-cert needs --nats-tls-key (the server certificate's private key)", ErrInvalidConfig)
	case c.NATSTLSKey != "" && c.NATSTLSCert == "":
		return fmt.Errorf("%w: --nats-tls-key needs --nats-tls-cert (the server certificate)", ErrInvalidConfig)
	case c.NATSTLSCA != "" && c.NATSTLSCert == "":
		return fmt.Errorf("%w: --nats-tls-ca (mutual TLS) needs the server certificate: --nats-tls-cert and --nats-tls-key", ErrInvalidConfig)
	}
	for flag, v := range map[string]int64{"--raw-max-msgs": c.StreamLimits.RawMaxMsgs, "--raw-max-bytes": c.StreamLimits.RawMaxBytes,
		"--articles-max-msgs": c.StreamLimits.ArticlesMaxMsgs, "--articles-max-bytes": c.StreamLimits.ArticlesMaxBytes} {
		if v < 0 {
			return fmt.Errorf("%w: %s must be 0 (no bound) or positive, got %d", ErrInvalidConfig, flag, v)
		}
	}
	if c.Enrich.Stage.Concurrency < 1 {
		return fmt.Errorf("%w: --enrich-concurrency must be at least 1, got %d", ErrInvalidConfig, c.Enrich.Stage.Concurrency)
	}
	if c.Ingest.MaxBacklog < 0 {
		return fmt.Errorf("%w: --max-backlog must be 0 (no limit) or positive, got %d", ErrInvalidConfig, c.Ingest.MaxBacklog)
	}
	if err := c.Index.ValidateBatches(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if err := c.Index.Search.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if err := c.Poller.Validate(); err != nil {
		return fmt.Errorf("%w: %w (--poll-* flags)", ErrInvalidConfig, err)
	}
	return nil
}

// natsTLS returns the embedded server's TLS settings for outside clients
// (none without --nats-tls-cert), made by nats-server's own GenTLSConfig. The stages connect in process and are
// not asked for TLS or a client certificate.
func (c Config) natsTLS() (func(*server.Options), error) {
	if c.NATSTLSCert == "" {
		return func(*server.Options) {}, nil
	}
	verify := c.NATSTLSCA != ""
	tc, err := server.GenTLSConfig(&server.TLSConfigOpts{
		CertFile: c.NATSTLSCert, KeyFile: c.NATSTLSKey, CaFile: c.NATSTLSCA, Verify: verify,
	})
	if err != nil {
		return nil, fmt.Errorf("nats tls (--nats-tls-cert %s, --nats-tls-key %s, --nats-tls-ca %q): %w",
			c.NATSTLSCert, c.NATSTLSKey, c.NATSTLSCA, err)
	}
	return func(o *server.Options) {
		o.TLS = true
		o.TLSVerify = verify
		o.TLSConfig = tc
		// The monitoring endpoints, when on, go over the same TLS:
		// /connz and /jsz name clients, streams and consumers.
		// (nats-server asks monitoring clients for no certificate.)
		if o.HTTPPort != 0 {
			o.HTTPSPort, o.HTTPPort = o.HTTPPort, 0
		}
	}, nil
}

// Pipeline is a started single-process pipeline.
type Pipeline struct {
	cfg    Config
	log    *zap.Logger
	srv    *server.Server
	http   *telemetry.Server
	reg    *prometheus.Registry
	g      *errgroup.Group
	conns  []*nats.Conn
	creds  *natsembed.Credentials
	cancel context.CancelFunc
	done   chan error
	// watch restarts JetStream after a write failure once there is room.
	watch *natsembed.StorageWatch
}

// Start starts the pipeline; it runs until ctx is cancelled or Stop.
func Start(ctx context.Context, cfg Config, log *zap.Logger) (*Pipeline, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	withTLS, err := cfg.natsTLS()
	if err != nil {
		return nil, err
	}
	// Owner only when up makes it: the stream store and the index hold
	// every article, and the credentials live below it too.
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	var creds *natsembed.Credentials
	var users []*server.NkeyUser
	if cfg.NATSToken == "" {
		if creds, err = natsembed.LoadOrCreateCredentials(filepath.Join(cfg.DataDir, CredentialsDir)); err != nil {
			return nil, err
		}
		if users, err = creds.NkeyUsers(); err != nil {
			return nil, err
		}
	}
	natsCfg := natsembed.Config{
		Addr:        cfg.NATSAddr,
		MonitorAddr: cfg.NATSMonitorAddr,
		StoreDir:    filepath.Join(cfg.DataDir, "nats"),
		ServerName:  "newsflow",
		Logs:        cfg.NATSLogs,
		Options: func(o *server.Options) {
			if cfg.NATSToken != "" {
				o.Authorization = cfg.NATSToken
			} else {
				o.Nkeys = users
			}
			withTLS(o)
		},
	}
	srv, err := natsembed.Start(natsCfg)
	if err != nil {
		return nil, err
	}
	p := &Pipeline{cfg: cfg, log: log, srv: srv, creds: creds, done: make(chan error, 1),
		watch: natsembed.WatchStorage(srv, natsCfg, cfg.StorageReserve, log.With(zap.String("service", "nats")))}
	if err := p.start(ctx); err != nil {
		p.closeConns()
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, err
	}
	return p, nil
}

// connect connects a stage in process, as its own user (name is one of
// natsembed.Users): the connection bypasses the client listener, so it
// needs its key (or the token) but neither TLS nor a client certificate
// when those are required of outside clients.
func (p *Pipeline) connect(name string) (*nats.Conn, error) {
	opts := []nats.Option{nats.InProcessServer(p.srv), nats.Name("newsflow-" + name), nats.MaxReconnects(-1)}
	if p.cfg.NATSToken != "" {
		opts = append(opts, nats.Token(p.cfg.NATSToken))
	} else {
		auth, err := p.creds.ConnectOptions(name)
		if err != nil {
			return nil, err
		}
		opts = append(opts, auth...)
	}
	nc, err := nats.Connect("", opts...)
	if err != nil {
		return nil, fmt.Errorf("connect %s to the embedded nats server: %w", name, err)
	}
	p.conns = append(p.conns, nc)
	return nc, nil
}

func (p *Pipeline) start(parent context.Context) error {
	cfg := p.cfg
	p.reg = prometheus.NewRegistry()
	metrics, err := telemetry.NewMetrics(p.reg)
	if err != nil {
		return err
	}
	p.reg.MustRegister(natsmon.NewCollector(natsmon.DefaultTimeout, natsembed.NewMonitorSource(p.srv)))
	p.http = telemetry.NewServer(cfg.HTTPAddr, p.reg, p.log, telemetry.WithHTTPConfig(cfg.HTTP))
	if err := p.http.Listen(); err != nil {
		return err
	}
	dash := dashboard.NewSampler(dashboard.NewRegistrySource(p.reg, "newsflow up"),
		dashboard.Options{Interval: cfg.DashboardInterval, Log: p.log.Named("dashboard")})
	dash.Register(p.http)
	topo := natsbus.DefaultTopology()
	topo.RawMaxMsgs, topo.RawMaxBytes = cfg.StreamLimits.RawMaxMsgs, cfg.StreamLimits.RawMaxBytes
	topo.RawMaxAge = cfg.StreamLimits.RawMaxAge
	topo.ArticlesMaxMsgs, topo.ArticlesMaxBytes = cfg.StreamLimits.ArticlesMaxMsgs, cfg.StreamLimits.ArticlesMaxBytes

	type stage struct {
		name  string
		build func(ctx context.Context, d service.Deps) (service.Component, error)
	}
	cfg.Ingest.APIToken = cfg.APIToken
	cfg.Index.ReadToken = cfg.ReadToken
	cfg.Watch.ReadToken, cfg.Watch.WriteToken = cfg.ReadToken, cfg.APIToken
	if cfg.Index.Index == "" {
		cfg.Index.Index = filepath.Join(cfg.DataDir, "index")
	}
	// The stores' health: free space of the data directory (the index's
	// own directory is the index stage's to guard), JetStream's state, the
	// index's; the HTTP API refuses articles while it fails.
	guard := storage.NewGuard(cfg.StorageReserve, map[string]string{"nats": filepath.Join(cfg.DataDir, "nats")})
	health := storage.NewHealth(guard)
	health.AddCheck("nats", p.watch.Check)
	p.reg.MustRegister(health, prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "newsflow_jetstream_restarts_total",
		Help: "Times newsflow up restarted its embedded JetStream after a write failure (a full disk), once there was room again.",
	}, func() float64 { return float64(p.watch.Restarts()) }))
	p.http.AddCheck("storage", health.Check)
	stages := []stage{
		{natsbus.StageIngest, func(ctx context.Context, d service.Deps) (service.Component, error) {
			return ingest.New(ctx, cfg.Ingest, d)
		}},
		{natsbus.StageEnrich, func(ctx context.Context, d service.Deps) (service.Component, error) {
			return enrich.New(ctx, cfg.Enrich, d)
		}},
		{natsbus.StageIndex, func(ctx context.Context, d service.Deps) (service.Component, error) {
			return index.New(ctx, cfg.Index, d)
		}},
		{natsembed.UserWatch, func(ctx context.Context, d service.Deps) (service.Component, error) {
			return watch.New(ctx, cfg.Watch, d)
		}},
	}
	if cfg.Passthrough {
		stages = []stage{
			{natsbus.StageIngest, passthrough(cfg.Ingest.Stage)},
			{natsbus.StageEnrich, passthrough(cfg.Enrich.Stage)},
			{natsbus.StageIndex, passthrough(cfg.Index.Stage)},
		}
	}
	// The poller runs in both modes: it only publishes onto the raw
	// subjects, as its own user.
	stages = append(stages, stage{natsembed.UserPoller, func(ctx context.Context, d service.Deps) (service.Component, error) {
		return poller.New(ctx, cfg.Poller, d)
	}})
	if cfg.Pprof {
		p.http.EnablePprof()
	}
	ctx, cancel := context.WithCancel(parent)
	p.cancel = cancel
	setupCtx, setupCancel := context.WithTimeout(ctx, 30*time.Second)
	defer setupCancel()

	// The admin creates the streams and checks them for /readyz; each
	// stage runs as its own least-privilege user.
	adminNC, err := p.connect(natsembed.UserAdmin)
	if err != nil {
		cancel()
		return err
	}
	adminJS, err := natsbus.NewJetStream(adminNC)
	if err != nil {
		cancel()
		return err
	}
	if err := natsbus.EnsureStreams(setupCtx, adminJS, topo); err != nil {
		cancel()
		return err
	}
	p.http.AddCheck("nats", natsbus.Ready(adminNC, adminJS))

	var comps []service.Component
	for _, st := range stages {
		nc, err := p.connect(st.name)
		if err != nil {
			cancel()
			return err
		}
		js, err := natsbus.NewJetStream(nc)
		if err != nil {
			cancel()
			return err
		}
		comp, err := st.build(setupCtx, service.Deps{
			Log: p.log.With(zap.String("service", st.name)), Metrics: metrics, Registry: p.reg, NC: nc, JS: js, HTTP: p.http, Topology: topo,
			Storage: health,
		})
		if err != nil {
			cancel()
			return fmt.Errorf("start %s: %w", st.name, err)
		}
		comps = append(comps, comp)
	}

	g, gctx := errgroup.WithContext(ctx)
	p.g = g
	g.Go(func() error { return p.http.Run(gctx) })
	g.Go(func() error { return dash.Run(gctx) })
	g.Go(func() error {
		trackBacklog(gctx, adminJS, guard, p.log)
		return nil
	})
	p.watch.OnRestart = func() {
		for _, nc := range p.conns {
			if err := nc.ForceReconnect(); err != nil {
				p.log.Warn("reconnect after the jetstream restart", zap.Error(err))
			}
		}
	}
	g.Go(func() error {
		p.watch.Run(gctx)
		return nil
	})
	for _, c := range comps {
		g.Go(func() error { return c.Run(gctx) })
	}
	go func() {
		err := g.Wait()
		p.closeConns()
		p.srv.Shutdown()
		p.srv.WaitForShutdown()
		p.done <- err
	}()
	p.log.Info("newsflow is up", zap.String("http_addr", p.http.Addr()), zap.String("nats_url", p.srv.ClientURL()),
		zap.String("data_dir", cfg.DataDir))
	return nil
}

func (p *Pipeline) closeConns() {
	for _, nc := range p.conns {
		if err := service.Drain(nc, 10*time.Second); err != nil {
			p.log.Warn("drain nats connection", zap.Error(err))
		}
	}
	p.conns = nil
}

// HTTPAddr is the bound HTTP address.
func (p *Pipeline) HTTPAddr() string { return p.http.Addr() }

// NATSURL is the URL outside clients connect to.
func (p *Pipeline) NATSURL() string { return p.srv.ClientURL() }

// NATSMonitorURL returns the base URL of the embedded server's monitoring
// endpoints, https:// when the server has TLS; empty when they are off.
func (p *Pipeline) NATSMonitorURL() string {
	addr := p.srv.MonitorAddr()
	if addr == nil {
		return ""
	}
	scheme := "http"
	if p.cfg.NATSTLSCert != "" {
		scheme = "https"
	}
	return scheme + "://" + addr.String()
}

// CredentialsDir is the directory of the NKey seeds of the embedded
// server's users (natsembed.SeedFile names each), or "" when --nats-token
// replaces them.
func (p *Pipeline) CredentialsDir() string {
	if p.creds == nil {
		return ""
	}
	return p.creds.Dir
}

// Registry is the process's metrics registry.
func (p *Pipeline) Registry() *prometheus.Registry { return p.reg }

// Stop shuts the pipeline down gracefully and waits for it.
func (p *Pipeline) Stop() error {
	p.cancel()
	return p.Wait()
}

// Wait waits until the pipeline has stopped.
func (p *Pipeline) Wait() error {
	err := <-p.done
	p.done <- err
	return err
}

// passthrough builds a stage whose handler forwards every message unchanged,
// with the same worker, middleware and ack policy as the real stage.
func passthrough(sc natsbus.StageConfig) func(ctx context.Context, d service.Deps) (service.Component, error) {
	return func(_ context.Context, d service.Deps) (service.Component, error) {
		h := pipeline.HandlerFunc(func(_ context.Context, in *pipeline.Message) ([]*pipeline.Message, error) {
			return []*pipeline.Message{{ID: strconv.FormatUint(in.Seq, 10), Source: in.Source, Data: in.Data}}, nil
		})
		return natsbus.NewStage(d.JS, sc, h, d.Log, d.Metrics.Stage(sc.Name))
	}
}

// indexDefaults are the index stage's defaults with the index under the
// data directory (an empty location) unless --index names one.
func indexDefaults() index.Config {
	c := index.DefaultConfig()
	c.Index = ""
	return c
}

// trackBacklog keeps the guard's pending bytes at the pipeline's backlog
// (natsbus.BacklogBytes) until ctx ends, so that the API stops taking
// articles while what it already took still needs the space.
func trackBacklog(ctx context.Context, js jetstream.JetStream, guard *storage.Guard, log *zap.Logger) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		bctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		n, err := natsbus.BacklogBytes(bctx, js)
		cancel()
		if err == nil {
			guard.SetPending(n)
		} else if ctx.Err() == nil {
			log.Debug("estimate the pipeline's backlog", zap.Error(err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Routes lists the patterns of every HTTP route (for tests that check
// each is described in the OpenAPI description).
func (p *Pipeline) Routes() []string { return p.http.Routes() }
