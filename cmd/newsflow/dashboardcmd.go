package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/newsflow/newsflow/pkg/dashboard"
	"github.com/newsflow/newsflow/pkg/envflag"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/pkg/telemetry"
)

// dashboardFlags declares the flags of dashboard, which serves the live dashboard of a pipeline whose stages run as
// separate processes, read from the Prometheus server that scrapes them.
func dashboardFlags(fs *flag.FlagSet) runFunc {
	cfg := service.DashboardConfig{Interval: dashboard.DefaultInterval}
	addr := fs.String("http", "127.0.0.1:8090", "HTTP listener of the dashboard")
	cfg.RegisterFlags(fs)
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	envErr := envflag.Apply(fs)
	return func(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
		if envErr != nil {
			return envErr
		}
		if cfg.PrometheusURL == "" {
			return fmt.Errorf("--prometheus-url is required (http://prometheus:9090); `newsflow up` and every worker serve /dashboard themselves")
		}
		if err := cfg.Validate(); err != nil {
			return err
		}
		log, err := telemetry.NewLogger(*logLevel, "console")
		if err != nil {
			return err
		}
		defer func() { _ = log.Sync() }()
		reg := prometheus.NewRegistry()
		srv := telemetry.NewServer(*addr, reg, log)
		dash, err := cfg.Sampler(reg, "dashboard", log)
		if err != nil {
			return err
		}
		dash.Register(srv)
		if err := srv.Listen(); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "newsflow dashboard: http://%s/dashboard (reading %s). Ctrl-C stops it.\n", srv.Addr(), cfg.PrometheusURL)
		g, gctx := errgroup.WithContext(ctx)
		g.Go(func() error { return srv.Run(gctx) })
		g.Go(func() error { return dash.Run(gctx) })
		if err := g.Wait(); err != nil {
			log.Error("dashboard", zap.Error(err))
			return err
		}
		return nil
	}
}
