// Command index runs the index stage of newsflow and its search API.
package main

import (
	"context"
	"flag"
	"os"

	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/services/index"
)

func main() {
	cfg := index.DefaultConfig()
	os.Exit(service.Main("index", os.Args[1:],
		func(fs *flag.FlagSet) service.Config {
			cfg.RegisterFlags(fs)
			return &cfg
		},
		func(ctx context.Context, d service.Deps) (service.Component, error) {
			return index.New(ctx, cfg, d)
		}))
}
