package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/newsflow/newsflow/pkg/envflag"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natsmon"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/pkg/telemetry"
)

// natsMonitorFlags declares the flags of nats-monitor, the NATS poller role: it reads the monitoring
// endpoints of every NATS server and serves them on /metrics with the
// names of prometheus-nats-exporter. Run one per NATS cluster, not one per
// worker replica.
func natsMonitorFlags(fs *flag.FlagSet) runFunc {
	urls := fs.String("nats-monitor-url", "http://127.0.0.1:8222", "NATS monitoring endpoints, comma-separated http://host:8222; dns+http://name:8222 reads every address of a DNS name (a headless Service) at each scrape")
	addr := fs.String("http", ":7777", "HTTP listener for /metrics, /healthz, /readyz (7777 is the exporter's port)")
	var conn natsbus.ConnConfig
	fs.StringVar(&conn.TLSCA, "nats-tls-ca", "", "CA certificate (PEM) to verify https:// monitoring endpoints")
	fs.StringVar(&conn.TLSCert, "nats-tls-cert", "", "client certificate (PEM) for https:// monitoring endpoints")
	fs.StringVar(&conn.TLSKey, "nats-tls-key", "", "client key (PEM) of --nats-tls-cert")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	logFormat := fs.String("log-format", "json", "log format: json or console")
	envErr := envflag.Apply(fs)
	return func(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
		if envErr != nil {
			return envErr
		}
		client, err := service.MonitorClient(conn)
		if err != nil {
			return fmt.Errorf("nats tls: %w", err)
		}
		lister, err := natsmon.NewHTTPSources(*urls, client)
		if err != nil {
			return fmt.Errorf("--nats-monitor-url: %w", err)
		}
		log, err := telemetry.NewLogger(*logLevel, *logFormat)
		if err != nil {
			return err
		}
		defer func() { _ = log.Sync() }()
		reg := prometheus.NewRegistry()
		reg.MustRegister(natsmon.NewListerCollector(natsmon.DefaultTimeout, lister), telemetry.BuildInfo(),
			collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		srv := telemetry.NewServer(*addr, reg, log)
		if err := srv.Listen(); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "newsflow nats-monitor: http://%s/metrics (reading %s)\n", srv.Addr(), *urls)
		return srv.Run(ctx)
	}
}
