// Command poller runs the poller of newsflow: it polls the feeds and
// sitemaps of `newsflow sources` and publishes their new items.
package main

import (
	"context"
	"flag"
	"os"

	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/services/poller"
)

func main() {
	cfg := poller.DefaultConfig()
	os.Exit(service.Main("poller", os.Args[1:],
		func(fs *flag.FlagSet) service.Config {
			cfg.RegisterFlags(fs, "")
			return &cfg
		},
		func(ctx context.Context, d service.Deps) (service.Component, error) {
			return poller.New(ctx, cfg, d)
		}))
}
