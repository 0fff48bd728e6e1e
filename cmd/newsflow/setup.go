package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/newsflow/newsflow/pkg/natsbus"
)

const setupHelp = `Creates the streams of newsflow, or updates them to these settings. Workers
do this themselves at start unless they run with --create-streams=false, as
the least-privilege users of deploy/nats do: then run this once as an admin.`

// setupFlags declares the flags of setup, which creates or updates the
// streams, for deployments whose workers run as least-privilege users
// (--create-streams=false).
func setupFlags(fs *flag.FlagSet) runFunc {
	var nf natsFlags
	nf.register(fs)
	topo := natsbus.DefaultTopology()
	fs.IntVar(&topo.Replicas, "stream-replicas", topo.Replicas, "replicas of every stream (3 in a cluster)")
	fs.DurationVar(&topo.RawMaxAge, "raw-max-age", topo.RawMaxAge, "how long raw submissions are kept for reprocessing (0: no limit)")
	fs.DurationVar(&topo.ArticlesMaxAge, "articles-max-age", topo.ArticlesMaxAge, "how long stage outputs are kept")
	fs.DurationVar(&topo.DuplicateWindow, "duplicate-window", topo.DuplicateWindow, "Nats-Msg-Id deduplication window")
	topo.RegisterLimitFlags(fs)
	asJSON := fs.Bool("json", false, "print the streams as JSON")
	return func(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
		if err := topo.Validate(); err != nil {
			return err
		}
		nc, js, err := nf.connect("setup")
		if err != nil {
			return err
		}
		defer closeConn(nc)
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := natsbus.EnsureStreams(sctx, js, topo); err != nil {
			return err
		}
		// The watch worker's stream, so that it too can run without stream
		// rights (--create-streams=false).
		if _, err := js.CreateOrUpdateStream(sctx, topo.AlertsStreamConfig()); err != nil {
			return fmt.Errorf("create or update stream %s: %w", natsbus.StreamAlerts, err)
		}
		streams := []setupStream{}
		for _, sc := range append(topo.StreamConfigs(), topo.AlertsStreamConfig()) {
			streams = append(streams, setupStream{sc.Name, sc.Subjects, sc.Replicas, sc.MaxAge.Seconds()})
			if !*asJSON {
				fmt.Fprintf(stdout, "stream %s: subjects %v, %d replica(s), max age %s\n", sc.Name, sc.Subjects, sc.Replicas, maxAge(sc.MaxAge))
			}
		}
		if *asJSON {
			return writeJSON(stdout, streams)
		}
		return nil
	}
}

// setupStream is one stream in setup --json.
type setupStream struct {
	Name     string   `json:"name"`
	Subjects []string `json:"subjects"`
	Replicas int      `json:"replicas"`
	// MaxAgeSeconds is 0 for no limit.
	MaxAgeSeconds float64 `json:"max_age_seconds"`
}

func maxAge(d time.Duration) string {
	if d == 0 {
		return "unlimited"
	}
	return d.String()
}
