// Package service runs a newsflow worker as a process: flags and NEWSFLOW_*
// variables, logger, metrics registry, HTTP server, NATS connection and
// streams, then the worker until SIGINT or SIGTERM.
package service

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/newsflow/newsflow/pkg/dashboard"
	"github.com/newsflow/newsflow/pkg/envflag"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natsmon"
	"github.com/newsflow/newsflow/pkg/storage"
	"github.com/newsflow/newsflow/pkg/telemetry"
	"github.com/newsflow/newsflow/pkg/version"
)

// Common is the configuration every worker binary shares.
type Common struct {
	NATS     natsbus.ConnConfig
	Topology natsbus.TopologyConfig
	HTTPAddr string
	// HTTP bounds every request of the process's HTTP server.
	HTTP      telemetry.HTTPConfig
	LogLevel  string
	LogFormat string
	// Pprof serves /debug/pprof/ on the HTTP listener.
	Pprof bool
	// NATSMonitorURL lists the NATS servers' monitoring endpoints
	// (comma-separated http://host:8222, dns+http://name:8222); when set,
	// the process exports their health under prometheus-nats-exporter's
	// names. One process per NATS cluster should; `newsflow nats-monitor`
	// is that process in the shipped deployments.
	NATSMonitorURL string
	// Dashboard configures the live page at /dashboard.
	Dashboard DashboardConfig
}

// DashboardConfig configures the live dashboard (GET /dashboard) of a
// process.
type DashboardConfig struct {
	// Interval between samples; the last hour is kept.
	Interval time.Duration
	// PrometheusURL, when set, makes the dashboard read a Prometheus
	// server's HTTP API (every replica of every stage) instead of this
	// process's own metrics.
	PrometheusURL string
	// PrometheusSelector narrows its queries, e.g. namespace="newsflow".
	PrometheusSelector string
}

// RegisterFlags adds the dashboard's flags to fs.
func (c *DashboardConfig) RegisterFlags(fs *flag.FlagSet) {
	fs.DurationVar(&c.Interval, "dashboard-interval", c.Interval, "how often /dashboard samples the metrics (the last hour is kept in memory)")
	fs.StringVar(&c.PrometheusURL, "prometheus-url", c.PrometheusURL, "Prometheus server whose HTTP API /dashboard reads, to show every process of the pipeline (empty: this process's own metrics)")
	fs.StringVar(&c.PrometheusSelector, "prometheus-selector", c.PrometheusSelector, `label matchers added to the dashboard's Prometheus queries, e.g. namespace="newsflow"`)
}

// Validate checks the dashboard's settings.
func (c DashboardConfig) Validate() error {
	if c.Interval < 100*time.Millisecond {
		return fmt.Errorf("dashboard interval %s: want at least 100ms (--dashboard-interval)", c.Interval)
	}
	if c.PrometheusURL != "" {
		if _, err := dashboard.NewPrometheusSource(c.PrometheusURL, c.PrometheusSelector, nil); err != nil {
			return fmt.Errorf("--prometheus-url: %w", err)
		}
	}
	return nil
}

// Sampler returns the dashboard's sampler: over the Prometheus server when
// one is configured, else over reg, named name.
func (c DashboardConfig) Sampler(reg prometheus.Gatherer, name string, log *zap.Logger) (*dashboard.Sampler, error) {
	var src dashboard.Source = dashboard.NewRegistrySource(reg, name)
	if c.PrometheusURL != "" {
		ps, err := dashboard.NewPrometheusSource(c.PrometheusURL, c.PrometheusSelector, nil)
		if err != nil {
			return nil, fmt.Errorf("--prometheus-url: %w", err)
		}
		src = ps
	}
	return dashboard.NewSampler(src, dashboard.Options{Interval: c.Interval, Log: log}), nil
}

// DefaultCommon returns the defaults.
func DefaultCommon() Common {
	return Common{
		NATS:      natsbus.ConnConfig{URL: nats.DefaultURL},
		Topology:  natsbus.DefaultTopology(),
		HTTPAddr:  ":8080",
		HTTP:      telemetry.DefaultHTTPConfig(),
		LogLevel:  "info",
		LogFormat: "json",
		Dashboard: DashboardConfig{Interval: dashboard.DefaultInterval},
	}
}

// RegisterFlags adds the common flags to fs.
func (c *Common) RegisterFlags(fs *flag.FlagSet) {
	c.NATS.RegisterFlags(fs)
	c.Topology.RegisterFlags(fs)
	fs.StringVar(&c.HTTPAddr, "http", c.HTTPAddr, "address of the HTTP server (API, /metrics, /healthz, /readyz)")
	envflag.Alias(fs, "http-addr")
	c.HTTP.RegisterFlags(fs)
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn, error")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: json or console")
	fs.BoolVar(&c.Pprof, "pprof", c.Pprof, "serve /debug/pprof/ on the HTTP listener (keep it off where untrusted clients reach it)")
	fs.StringVar(&c.NATSMonitorURL, "nats-monitor-url", c.NATSMonitorURL, "NATS monitoring endpoints to export as prometheus-nats-exporter's gnatsd_*/jetstream_* metrics, comma-separated http://host:8222 or dns+http://name:8222 (empty: none; set it on one process only, or run newsflow nats-monitor)")
	c.Dashboard.RegisterFlags(fs)
}

// Validate checks the common configuration.
func (c Common) Validate() error {
	if err := c.NATS.Validate(); err != nil {
		return err
	}
	if err := c.Topology.Validate(); err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		return fmt.Errorf("--http %q: want host:port or :port", c.HTTPAddr)
	}
	if _, err := natsmon.NewHTTPSources(c.NATSMonitorURL, nil); err != nil {
		return fmt.Errorf("--nats-monitor-url: %w", err)
	}
	if err := c.HTTP.Validate(); err != nil {
		return err
	}
	return c.Dashboard.Validate()
}

// Config is a service's own configuration.
type Config interface {
	// Validate returns an error a person can act on.
	Validate() error
	// Redacted returns the configuration with secrets masked, for the
	// start-up log line.
	Redacted() any
}

// Deps is what a service is built from.
type Deps struct {
	Log     *zap.Logger
	Metrics *telemetry.Metrics
	NC      *nats.Conn
	JS      jetstream.JetStream
	HTTP    *telemetry.Server
	// Topology is how the streams are sized; buckets a service creates
	// follow its replica count.
	Topology natsbus.TopologyConfig
	// Registry takes a service's own metrics besides the contract's.
	Registry prometheus.Registerer
	// Storage gathers the checks of the stores the process writes (a
	// service adds its own, as the index does); the HTTP API refuses new
	// articles while it fails. May be nil.
	Storage *storage.Health
}

// Component is a running part of a process.
type Component interface {
	// Run works until ctx is cancelled, then shuts down gracefully.
	Run(ctx context.Context) error
}

// Main runs the worker binary name with args (without the program name):
// register adds the service's flags and returns its configuration, build
// makes the worker. It returns the process exit status.
//
// "name healthcheck" asks the running process's /healthz, for container
// health checks in images without a shell.
func Main(name string, args []string, register func(fs *flag.FlagSet) Config, build func(ctx context.Context, d Deps) (Component, error)) int {
	common := DefaultCommon()
	fs, cfg := newFlagSet(name, &common, register)
	healthcheck := len(args) > 0 && args[0] == "healthcheck"
	if healthcheck {
		args = args[1:]
	}
	deprecated, err := parseFlags(name, fs, args)
	if err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 2
	}
	if healthcheck {
		return Healthcheck(common.HTTPAddr, os.Stderr)
	}
	if err := common.Validate(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 2
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 2
	}
	log, err := telemetry.NewLogger(common.LogLevel, common.LogFormat)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 2
	}
	log = log.With(zap.String("service", name))
	defer func() { _ = log.Sync() }()
	for _, d := range deprecated {
		log.Warn("deprecated name", zap.String("detail", d))
	}
	if soft, c := telemetry.FitMemoryToContainer(); soft > 0 {
		log.Info("memory limit", zap.Int64("soft_limit_bytes", soft), zap.Int64("container_limit_bytes", c))
	}
	log.Info("starting", zap.String("version", version.Version()), zap.String("revision", version.Revision()),
		zap.Any("nats", common.NATS.Redacted()), zap.Any("topology", common.Topology),
		zap.String("http_addr", common.HTTPAddr), zap.Any("config", cfg.Redacted()))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, name, common, log, build); err != nil {
		log.Error("exiting", zap.Error(err))
		return 1
	}
	log.Info("stopped")
	return 0
}

// newFlagSet returns the flag set of worker binary name: the common flags
// into common, then those register adds; and the configuration register
// returns. A nil register adds none.
func newFlagSet(name string, common *Common, register func(fs *flag.FlagSet) Config) (*flag.FlagSet, Config) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	common.RegisterFlags(fs)
	var cfg Config
	if register != nil {
		cfg = register(fs)
	}
	return fs, cfg
}

// UsageLine is the synopsis of worker binary name.
func UsageLine(name string) string { return name + " [healthcheck] [flags]" }

// Flags returns the flags of worker binary name as Main parses them and
// its --help lists them: the common flags, then those register adds (none
// for a nil register), each naming the variable it reads, the deprecated
// names hidden. Defaults come from the environment as in Main. The
// workers' reference (docs/cli.md) is generated from it.
func Flags(name string, register func(fs *flag.FlagSet) Config) (*pflag.FlagSet, error) {
	common := DefaultCommon()
	fs, _ := newFlagSet(name, &common, register)
	return workerFlags(name, fs)
}

// workerFlags reads the environment into fs (envflag: NEWSFLOW_<FLAG>),
// then returns fs taken over by a GNU-style parser (pflag) with the
// deprecated names hidden and the worker's --help.
func workerFlags(name string, fs *flag.FlagSet) (*pflag.FlagSet, error) {
	if err := envflag.Apply(fs); err != nil {
		return nil, err
	}
	pfs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	pfs.SortFlags = true
	pfs.AddGoFlagSet(fs)
	for old, repl := range envflag.DeprecatedFlags {
		if f := pfs.Lookup(old); f != nil {
			f.Hidden = true
			f.Usage = "deprecated: use --" + repl
		}
	}
	pfs.Usage = func() {
		fmt.Fprintf(os.Stderr, "Usage: %s\n\nFlags:\n%s", UsageLine(name), pfs.FlagUsages())
	}
	return pfs, nil
}

// parseFlags parses args GNU style (--flag value, --flag=value; -flag as
// the flag package took it still works) into fs, the environment first
// (envflag: NEWSFLOW_<FLAG>), as newsflow's own commands do. It returns
// the deprecated names in use, for a warning once there is a logger.
func parseFlags(name string, fs *flag.FlagSet, args []string) ([]string, error) {
	pfs, err := workerFlags(name, fs)
	if err != nil {
		return nil, err
	}
	if err := pfs.Parse(envflag.GNUArgs(args)); err != nil {
		return nil, err
	}
	if pfs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", pfs.Args())
	}
	deprecated := envflag.Deprecated(fs)
	for old, repl := range envflag.DeprecatedFlags {
		if pfs.Changed(old) {
			deprecated = append(deprecated, fmt.Sprintf("flag --%s is deprecated: use --%s", old, repl))
		}
	}
	sort.Strings(deprecated)
	return deprecated, nil
}

func run(ctx context.Context, name string, common Common, log *zap.Logger, build func(ctx context.Context, d Deps) (Component, error)) error {
	reg := prometheus.NewRegistry()
	metrics, err := telemetry.NewMetrics(reg)
	if err != nil {
		return err
	}
	if common.NATSMonitorURL != "" {
		client, err := MonitorClient(common.NATS)
		if err != nil {
			return fmt.Errorf("nats monitor url: %w", err)
		}
		sources, err := natsmon.NewHTTPSources(common.NATSMonitorURL, client)
		if err != nil {
			return fmt.Errorf("nats monitor url: %w", err)
		}
		if err := reg.Register(natsmon.NewListerCollector(natsmon.DefaultTimeout, sources)); err != nil {
			return fmt.Errorf("register nats monitor metrics: %w", err)
		}
	}
	srv := telemetry.NewServer(common.HTTPAddr, reg, log, telemetry.WithHTTPConfig(common.HTTP))
	if common.Pprof {
		srv.EnablePprof()
	}
	dash, err := common.Dashboard.Sampler(reg, name, log)
	if err != nil {
		return err
	}
	dash.Register(srv)
	if err := srv.Listen(); err != nil {
		return err
	}
	connCfg := common.NATS
	connCfg.Name = "newsflow-" + name
	nc, err := natsbus.Connect(connCfg, log)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := natsbus.NewJetStream(nc)
	if err != nil {
		return err
	}
	srv.AddCheck("nats", natsbus.Ready(nc, js))
	health := storage.NewHealth(nil)
	if err := reg.Register(health); err != nil {
		return fmt.Errorf("register storage health metrics: %w", err)
	}

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return srv.Run(gctx) })
	g.Go(func() error { return dash.Run(gctx) })
	g.Go(func() error {
		if err := natsbus.EnsureStreamsRetry(gctx, js, common.Topology, func(err error, wait time.Duration) {
			log.Warn("nats not ready, retrying", zap.Duration("wait", wait), zap.Error(err))
		}); err != nil {
			if gctx.Err() != nil {
				return nil
			}
			return err
		}
		comp, err := build(gctx, Deps{Log: log, Metrics: metrics, NC: nc, JS: js, HTTP: srv, Topology: common.Topology, Registry: reg, Storage: health})
		if err != nil {
			return err
		}
		return comp.Run(gctx)
	})
	err = g.Wait()
	if derr := Drain(nc, 10*time.Second); derr != nil && err == nil {
		log.Warn("drain nats connection", zap.Error(derr))
	}
	return err
}

// Drain flushes and closes nc, waiting at most timeout.
func Drain(nc *nats.Conn, timeout time.Duration) error {
	if nc.IsClosed() {
		return nil
	}
	closed := make(chan struct{})
	nc.SetClosedHandler(func(*nats.Conn) { close(closed) })
	if err := nc.Drain(); err != nil {
		nc.Close()
		return fmt.Errorf("drain: %w", err)
	}
	select {
	case <-closed:
		return nil
	case <-time.After(timeout):
		nc.Close()
		return fmt.Errorf("drain did not finish within %s", timeout)
	}
}

// Healthcheck asks http://addr/healthz and returns 0 when it answers 200.
func Healthcheck(addr string, stderr io.Writer) int {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		fmt.Fprintf(stderr, "healthcheck: address %q: %v\n", addr, err)
		return 1
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://" + net.JoinHostPort(host, port) + "/healthz")
	if err != nil {
		fmt.Fprintf(stderr, "healthcheck: %v\n", err)
		return 1
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "healthcheck: %s: %s\n", resp.Status, strings.TrimSpace(string(body)))
		return 1
	}
	return 0
}

// MonitorClient returns the HTTP client for the NATS monitoring endpoints:
// nil (natsmon's default) without NATS TLS settings, else one that trusts
// --nats-tls-ca and presents --nats-tls-cert, for https:// endpoints of
// servers that serve their monitoring over TLS.
func MonitorClient(c natsbus.ConnConfig) (*http.Client, error) {
	tc, err := c.TLSClientConfig()
	if err != nil || tc == nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tc
	return &http.Client{Transport: tr}, nil
}
