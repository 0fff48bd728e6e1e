package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/cmd/newsflow/internal/standalone"
	"github.com/newsflow/newsflow/pkg/dashboard"
	"github.com/newsflow/newsflow/pkg/envflag"
	"github.com/newsflow/newsflow/pkg/natsembed"
	"github.com/newsflow/newsflow/pkg/telemetry"
)

func upFlags(fs *flag.FlagSet) runFunc {
	cfg := standalone.DefaultConfig()
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory (NATS store and index)")
	fs.StringVar(&cfg.HTTPAddr, "http", cfg.HTTPAddr, "HTTP listener: API, search page, /dashboard, /metrics (127.0.0.1 only by default; :8080 for every interface)")
	fs.StringVar(&cfg.NATSAddr, "nats", cfg.NATSAddr, "address where the embedded NATS server accepts clients: host:port or nats://host:port (env NEWSFLOW_NATS_URL, not NATS_URL: that often names a remote server, where up cannot listen)")
	fs.StringVar(&cfg.NATSToken, "nats-token", cfg.NATSToken, "token every NATS client must present, instead of the generated users of DATA/credentials (any client with it may then do anything)")
	fs.StringVar(&cfg.NATSTLSCert, "nats-tls-cert", cfg.NATSTLSCert, "server certificate (PEM) of the embedded NATS server: outside clients must then use TLS (with --nats-tls-key)")
	fs.StringVar(&cfg.NATSTLSKey, "nats-tls-key", cfg.NATSTLSKey, "private key (PEM) of --nats-tls-cert")
	fs.StringVar(&cfg.NATSTLSCA, "nats-tls-ca", cfg.NATSTLSCA, "CA certificate (PEM): outside NATS clients must present a certificate it signed (mutual TLS; needs --nats-tls-cert)")
	fs.StringVar(&cfg.NATSMonitorAddr, "nats-monitor", cfg.NATSMonitorAddr, "address of the NATS monitoring endpoints (empty: off); HTTPS with --nats-tls-cert (no client certificate asked for, even with --nats-tls-ca)")
	fs.StringVar(&cfg.APIToken, "api-token", cfg.APIToken, "bearer token required by POST /v1/articles")
	fs.StringVar(&cfg.ReadToken, "read-token", cfg.ReadToken, "bearer token required by GET /v1/search and /v1/articles/{id} (the page asks for it; empty: open)")
	fs.StringVar(&cfg.Index.Index, "index", cfg.Index.Index, "search index: a directory or a postgres:// URL (default DATA/index)")
	cfg.Index.RegisterBleveFlag(fs)
	fs.IntVar(&cfg.Index.BatchSize, "batch-size", cfg.Index.BatchSize, "most articles in an index batch")
	fs.IntVar(&cfg.Index.BatchBytes, "batch-bytes", cfg.Index.BatchBytes, "most bytes of article text in an index batch (0: no bound)")
	fs.DurationVar(&cfg.Index.BatchWait, "batch-wait", cfg.Index.BatchWait, "longest wait to fill an index batch (while another is written, it keeps filling)")
	fs.IntVar(&cfg.Index.BatchWriters, "batch-writers", cfg.Index.BatchWriters, "index batches written at once when they fill up (each on its own core)")
	fs.IntVar(&cfg.Enrich.Stage.Concurrency, "enrich-concurrency", cfg.Enrich.Stage.Concurrency, "articles the enrich stage works on at once (its steps are CPU-bound; fewer finish each article sooner but, with a backlog, hand the index smaller batches, which cost more CPU: see docs/benchmarks.md)")
	fs.BoolVar(&cfg.Passthrough, "passthrough", cfg.Passthrough, "stages forward articles unchanged (measures newsflow's own cost; nothing is indexed)")
	fs.BoolVar(&cfg.NATSLogs, "nats-logs", cfg.NATSLogs, "write the embedded NATS server's own log to stderr")
	fs.BoolVar(&cfg.Pprof, "pprof", cfg.Pprof, "serve /debug/pprof/ on the HTTP listener")
	cfg.Ingest.RegisterTakeoverFlag(fs)
	cfg.Ingest.RegisterIntakeFlags(fs)
	cfg.Ingest.RegisterBacklogFlag(fs)
	cfg.StreamLimits.RegisterLimitFlags(fs)
	fs.DurationVar(&cfg.StreamLimits.RawMaxAge, "raw-max-age", 0, "how long raw submissions are kept for reprocessing (0: no limit; set it with --raw-max-msgs or --raw-max-bytes)")
	fs.DurationVar(&cfg.DashboardInterval, "dashboard-interval", dashboard.DefaultInterval, "how often /dashboard samples the metrics (the last hour is kept in memory)")
	cfg.HTTP.RegisterFlags(fs)
	cfg.Index.Search.RegisterFlags(fs)
	cfg.Poller.RegisterFlags(fs, "poll-")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	logFormat := fs.String("log-format", "console", "log format: console or json")
	reserve := fs.String("storage-reserve", fmt.Sprintf("%dMiB", cfg.StorageReserve>>20), "free disk space to keep in the data directory: under it new articles get 503 and index writes wait, e.g. 64MiB or 1GiB")
	memLimit := fs.String("memory-limit", "800MiB", "soft limit on the Go heap, e.g. 800MiB or 2GiB: the garbage collector works harder near it (0: none; GOMEMLIMIT, when set, wins; left at the default, at most 3/4 of the container's memory limit)")
	envErr := envflag.Apply(fs)
	return func(ctx context.Context, _ []string, _, stderr io.Writer) error {
		if envErr != nil {
			return envErr
		}
		addr, err := listenAddr(cfg.NATSAddr)
		if err != nil {
			return usageError{fmt.Errorf("--nats: %w", err)}
		}
		cfg.NATSAddr = addr
		n, err := telemetry.ParseBytes(*reserve)
		if err != nil {
			return fmt.Errorf("--storage-reserve: %w", err)
		}
		cfg.StorageReserve = uint64(n)
		if err := cfg.HTTP.Validate(); err != nil {
			return err
		}
		if cfg.DashboardInterval < 100*time.Millisecond {
			return fmt.Errorf("--dashboard-interval %s: want at least 100ms", cfg.DashboardInterval)
		}
		cfg.Index.FitConcurrency()
		cfg.Enrich.Stage.MaxAckPending = max(cfg.Enrich.Stage.MaxAckPending, cfg.Enrich.Stage.Concurrency)
		if err := cfg.Validate(); err != nil {
			return err
		}
		if err := telemetry.SetMemoryLimit(*memLimit, !flagChosen(ctx, fs, "memory-limit")); err != nil {
			return err
		}
		log, err := telemetry.NewLogger(*logLevel, *logFormat)
		if err != nil {
			return err
		}
		defer func() { _ = log.Sync() }()
		logMemoryLimit(log)
		p, err := standalone.Start(ctx, cfg, log)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "newsflow is up: http://%s  (NATS %s, data in %s). Ctrl-C stops it.\n", p.HTTPAddr(), p.NATSURL(), cfg.DataDir)
		if dir := p.CredentialsDir(); dir != "" {
			fmt.Fprintf(stderr, "NATS needs credentials: newsflow commands run with --data %s find them; other clients use an NKey seed from %s\n"+
				"  (admin.nk: everything; producer.nk: publish to articles.raw.>), e.g. nats --server %s --nkey %s stream ls\n",
				cfg.DataDir, dir, p.NATSURL(), natsembed.SeedFile(dir, natsembed.UserAdmin))
		}
		fmt.Fprint(stderr, upHints(os.Args[0], p.HTTPAddr(), p.NATSURL(), cfg.DataDir))
		<-ctx.Done()
		log.Info("shutting down")
		if err := p.Stop(); err != nil {
			log.Error("shutdown", zap.Error(err))
			return err
		}
		return nil
	}
}

// listenAddr is the host:port of a NATS address given as host:port or as
// the URL clients use (nats://host:port), so that one value fits both
// up --nats and the client commands' --nats.
func listenAddr(s string) (string, error) {
	rest, ok := strings.CutPrefix(s, "nats://")
	if !ok && strings.Contains(s, "://") {
		return "", fmt.Errorf("%q: want host:port or nats://host:port", s)
	}
	if strings.ContainsAny(rest, "/@,") {
		return "", fmt.Errorf("%q: want host:port or nats://host:port (one address, no user or path)", s)
	}
	return rest, nil
}

// upHints are the commands to use this instance with, when it is not on
// the default ports (or data directory) the other commands assume; empty
// otherwise.
func upHints(self, httpAddr, natsURL, dataDir string) string {
	apiURL := "http://" + clientAddr(httpAddr)
	defData := standalone.DefaultConfig().DataDir
	if apiURL == defaultURL && natsURL == defaultNATSURL && dataDir == defData {
		return ""
	}
	data := ""
	if dataDir != defData {
		data = " --data " + dataDir
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Not the default addresses: use this instance with\n")
	fmt.Fprintf(&b, "  %s publish --url %s FILE...\n", self, apiURL)
	fmt.Fprintf(&b, "  %s search --url %s QUERY\n", self, apiURL)
	fmt.Fprintf(&b, "  %s status --nats %s%s\n", self, natsURL, data)
	fmt.Fprintf(&b, "or set them once: export NEWSFLOW_URL=%s NATS_URL=%s\n", apiURL, natsURL)
	if data != "" {
		// The commands that use NATS find its credentials there.
		fmt.Fprintf(&b, "  export NEWSFLOW_DATA=%s\n", dataDir)
	}
	return b.String()
}

// clientAddr is the address a local client dials for a listener's
// address: an unspecified host ("", 0.0.0.0, ::) is 127.0.0.1.
func clientAddr(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// flagChosen reports whether flag name was given on the command line or
// in its environment variable (envflag sets those on fs), not left at its
// default.
func flagChosen(ctx context.Context, fs *flag.FlagSet, name string) bool {
	chosen := onCommandLine(ctx, name)
	fs.Visit(func(f *flag.Flag) { chosen = chosen || f.Name == name })
	return chosen
}

// logMemoryLimit logs the Go runtime's soft memory limit in effect and the
// cgroup's, so that a container's sizing can be read from its log.
func logMemoryLimit(log *zap.Logger) {
	fields := []zap.Field{zap.Int64("soft_limit_bytes", debug.SetMemoryLimit(-1))}
	if os.Getenv("GOMEMLIMIT") != "" {
		fields = append(fields, zap.String("from", "GOMEMLIMIT"))
	}
	if c, ok := telemetry.ContainerMemoryLimit(); ok {
		fields = append(fields, zap.Int64("container_limit_bytes", c))
	}
	log.Info("memory limit", fields...)
}
