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
	"regexp"
	"strings"
	"syscall"

	"github.com/newsflow/newsflow/pkg/version"
)

// exitError carries an exit status; the message, if any, was printed.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// usageError is a wrong use of the command line (an unknown flag, a bad
// flag value, a missing argument): exit status 2, as the docs promise.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// flagPackageErrors start the errors of flag.FlagSet.Parse, which has
// printed them with the command's usage already.
var flagPackageErrors = []string{
	"flag provided but not defined: ", "invalid value ", "invalid boolean value ",
	"invalid boolean flag ", "flag needs an argument: ", "bad flag syntax: ",
}

// isUsage reports whether err is a usage error, and whether it was
// printed already (by the flag package).
func isUsage(err error) (usage, printed bool) {
	var ue usageError
	if errors.As(err, &ue) {
		return true, false
	}
	msg := err.Error()
	for _, p := range flagPackageErrors {
		if strings.HasPrefix(msg, p) {
			return true, true
		}
	}
	return strings.HasPrefix(msg, "unexpected argument"), false
}

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
		{"version", "print the version (also newsflow --version)", printVersion},
		{"help", "help on a command: newsflow help <command> is newsflow <command> --help", nil},
	}
}

func printVersion(_ context.Context, _ []string, stdout, _ io.Writer) error {
	_, err := fmt.Fprintf(stdout, "newsflow %s (%s)\n", version.Version(), version.Revision())
	return err
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "newsflow - an event-driven article processing pipeline\n\nUsage: newsflow <command> [flags] [args]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'newsflow help <command>' (or 'newsflow <command> --help') for a command's flags.\n"+
		"Environment: NEWSFLOW_URL (the HTTP API of --url), NATS_URL and NEWSFLOW_NATS_URL (the NATS server of --nats;\n"+
		"host:port or nats://host:port), NO_COLOR (no colour in logs). Exit status: 0 ok, 1 failure, 2 usage error.\n")
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0:
		usage(stderr)
		return 2
	case args[0] == "-h" || args[0] == "--help" || (args[0] == "help" && len(args) == 1):
		usage(stdout)
		return 0
	case args[0] == "--version" || args[0] == "-version" || args[0] == "-V":
		_ = printVersion(ctx, nil, stdout, stderr)
		return 0
	case args[0] == "help":
		// help <command> [<sub>] is <command> [<sub>] --help.
		return run(ctx, append(append([]string(nil), args[1:]...), "--help"), stdout, stderr)
	}
	for _, c := range commands() {
		if c.name != args[0] || c.run == nil {
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
		if usage, printed := isUsage(err); usage {
			if !printed {
				fmt.Fprintf(stderr, "newsflow %s: %v\nRun 'newsflow help %s' for usage.\n", c.name, err, c.name)
			}
			return 2
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

// flagLine is the start of a flag's line in flag.PrintDefaults.
var flagLine = regexp.MustCompile(`(?m)^  -`)

// printDefaults is fs.PrintDefaults with the flags written --flag, as the
// docs and the NATS CLI write them (either form is accepted).
func printDefaults(fs *flag.FlagSet) {
	var b strings.Builder
	out := fs.Output()
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(out)
	fmt.Fprint(out, flagLine.ReplaceAllString(b.String(), "  --"))
}
