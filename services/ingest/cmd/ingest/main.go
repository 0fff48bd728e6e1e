// Command ingest runs the ingest stage of newsflow.
package main

import (
	"context"
	"flag"
	"os"

	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/services/ingest"
)

func main() {
	cfg := ingest.DefaultConfig()
	os.Exit(service.Main("ingest", os.Args[1:],
		func(fs *flag.FlagSet) service.Config {
			cfg.RegisterFlags(fs)
			return &cfg
		},
		func(ctx context.Context, d service.Deps) (service.Component, error) {
			return ingest.New(ctx, cfg, d)
		}))
}
