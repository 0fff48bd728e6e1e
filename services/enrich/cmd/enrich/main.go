// Command enrich runs the enrich stage of newsflow.
package main

import (
	"context"
	"flag"
	"os"

	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/services/enrich"
)

func main() {
	cfg := enrich.DefaultConfig()
	os.Exit(service.Main("enrich", os.Args[1:],
		func(fs *flag.FlagSet) service.Config {
			cfg.RegisterFlags(fs)
			return &cfg
		},
		func(ctx context.Context, d service.Deps) (service.Component, error) {
			return enrich.New(ctx, cfg, d)
		}))
}
