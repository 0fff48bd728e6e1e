// Command newsflow is the command line tool of newsflow and its
// single-process deployment (newsflow up).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/newsflow/newsflow/pkg/version"
)

// exitError carries an exit status; the message, if any, was printed.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"up", "run the whole pipeline in this process", runUp},
		{"publish", "publish articles from files, folders or stdin", runPublish},
		{"search", "search the archive", runSearch},
		{"get", "print one enriched article as JSON", runGet},
		{"watch", "saved searches that alert: add, list, show, rm, test", runWatch},
		{"bench", "measure a running pipeline end to end against raw JetStream", runBench},
		{"dlq", "dead letters: list, show, replay, purge", runDLQ},
		{"sources", "feeds and sitemaps to poll: add, list, rm", runSources},
		{"dashboard", "serve the live dashboard of separate processes from Prometheus", runDashboard},
		{"nats-monitor", "export NATS server and JetStream metrics (prometheus-nats-exporter's names), one per cluster", runNATSMonitor},
		{"status", "streams, consumers, pending and redelivered counts per stage", runStatus},
		{"reprocess", "run the stages again over raw submissions kept in ARTICLES_RAW", runReprocess},
		{"setup", "create or update the streams (for least-privilege workers)", runSetup},
		{"index", "rebuild the embedded search index from the ARTICLES stream", runIndex},
		{"version", "print the version", func(_ context.Context, _ []string, stdout, _ io.Writer) error {
			_, err := fmt.Fprintf(stdout, "newsflow %s (%s)\n", version.Version(), version.Revision())
			return err
		}},
	}
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "newsflow - an event-driven article processing pipeline\n\nUsage: newsflow <command> [flags] [args]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'newsflow <command> -h' for a command's flags.\n")
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		var ee exitError
		switch {
		case err == nil:
			return 0
		case errors.As(err, &ee):
			return ee.code
		case errors.Is(err, flag.ErrHelp):
			return 0
		}
		fmt.Fprintf(stderr, "newsflow %s: %v\n", c.name, err)
		return 1
	}
	fmt.Fprintf(stderr, "newsflow: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// parseInterspersed parses flags that may come after positional arguments
// ("newsflow search Лавров --lang bg") and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
