// Command watch runs the watch worker of newsflow: saved searches matched
// against every indexed article, alerts on alerts.<watch> and webhooks.
package main

import (
	"context"
	"flag"
	"os"

	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/services/watch"
)

func main() {
	cfg := watch.DefaultConfig()
	os.Exit(service.Main("watch", os.Args[1:],
		func(fs *flag.FlagSet) service.Config {
			cfg.RegisterFlags(fs)
			return &cfg
		},
		func(ctx context.Context, d service.Deps) (service.Component, error) {
			return watch.New(ctx, cfg, d)
		}))
}
