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
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/newsflow/newsflow/pkg/envflag"
	"github.com/newsflow/newsflow/pkg/telemetry"
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

// runFunc runs a command on its positional arguments once its flags are
// parsed.
type runFunc func(ctx context.Context, args []string, stdout, stderr io.Writer) error

type cmdlineKey struct{}

// onCommandLine reports whether flag name was given on the command line
// of the command running with ctx (not from the environment or default).
func onCommandLine(ctx context.Context, name string) bool {
	set, _ := ctx.Value(cmdlineKey{}).(map[string]bool)
	return set[name]
}

// leaf is a command whose flags are declared on a standard library
// flag.FlagSet by declare - the declarations pkg/natsbus, pkg/service and
// the workers share - and parsed GNU style by pflag. declare returns what
// runs the command.
func leaf(use, short string, args cobra.PositionalArgs, declare func(fs *flag.FlagSet) runFunc) *cobra.Command {
	fs := flag.NewFlagSet(use, flag.ContinueOnError)
	run := declare(fs)
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  usageArgs(args),
		RunE: func(c *cobra.Command, pos []string) error {
			for _, d := range envflag.Deprecated(fs) {
				fmt.Fprintf(c.ErrOrStderr(), "%s: warning: %s\n", c.CommandPath(), d)
			}
			set := map[string]bool{}
			c.Flags().Visit(func(f *pflag.Flag) { set[f.Name] = true })
			ctx := context.WithValue(c.Context(), cmdlineKey{}, set)
			return run(ctx, pos, c.OutOrStdout(), c.ErrOrStderr())
		},
	}
	cmd.Flags().AddGoFlagSet(fs)
	for old, repl := range envflag.DeprecatedFlags {
		if cmd.Flags().Lookup(old) != nil {
			_ = cmd.Flags().MarkDeprecated(old, "use --"+repl)
		}
	}
	return cmd
}

// subFlags returns, for a subcommand sub of a group whose subcommands share
// one declaring function, what to declare a flag on: fs when the flag is
// one of subs's, else a flag set nobody parses, so that sub's help and
// completions list only its own flags.
func subFlags(sub string, fs *flag.FlagSet) func(subs ...string) *flag.FlagSet {
	return func(subs ...string) *flag.FlagSet {
		if slices.Contains(subs, sub) {
			return fs
		}
		return flag.NewFlagSet(sub, flag.ContinueOnError)
	}
}

// group is a command that only holds subcommands (dlq, sources, watch).
func group(use, short string, subs ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short, Args: usageArgs(cobra.NoArgs), RunE: func(c *cobra.Command, _ []string) error {
		_ = c.Usage()
		return exitError{2}
	}}
	cmd.AddCommand(subs...)
	return cmd
}

// usageArgs makes the errors of an argument check usage errors.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	if check == nil {
		check = cobra.NoArgs
	}
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// newRoot builds the command tree. Help, completion and --version come
// from cobra; 'newsflow help <command>' prints what 'newsflow <command>
// --help' prints.
func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "newsflow",
		Short: "an event-driven article processing pipeline",
		Long: "newsflow - an event-driven article processing pipeline\n\n" +
			"Environment: NEWSFLOW_<FLAG> sets a flag where its help says so (NEWSFLOW_URL for --url);\n" +
			"--nats takes host:port or nats://host:port, from NEWSFLOW_NATS_URL, else NATS_URL as the NATS tools read it;\n" +
			"NO_COLOR turns colour off in logs. Exit status: 0 ok, 1 failure, 2 usage error.",
		Version:           version.Version() + " (" + version.Revision() + ")",
		Args:              usageArgs(cobra.NoArgs),
		SilenceErrors:     true,
		SilenceUsage:      true,
		DisableAutoGenTag: true,
		RunE: func(c *cobra.Command, _ []string) error {
			c.SetOut(c.ErrOrStderr())
			_ = c.Usage()
			return exitError{2}
		},
	}
	root.SetVersionTemplate("newsflow {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		leaf("up", "run the whole pipeline in this process", nil, upFlags),
		long(leaf("publish [flags] PATH|GLOB|- ...", "publish articles from files, folders or stdin", cobra.MinimumNArgs(1), publishFlags), publishHelp),
		leaf("search [flags] QUERY", "search the archive", cobra.MinimumNArgs(1), searchFlags),
		leaf("get [flags] ID", "print one enriched article as JSON", cobra.ExactArgs(1), getFlags),
		watchCommand(),
		leaf("bench", "measure a running pipeline end to end against raw JetStream", nil, benchFlags),
		dlqCommand(),
		sourcesCommand(),
		leaf("dashboard", "serve the live dashboard of separate processes from Prometheus", nil, dashboardFlags),
		leaf("nats-monitor", "export NATS server and JetStream metrics (prometheus-nats-exporter's names), one per cluster", nil, natsMonitorFlags),
		leaf("status", "streams, consumers, pending and redelivered counts per stage", nil, statusFlags),
		long(leaf("reprocess", "run the stages again over raw submissions kept in ARTICLES_RAW", nil, reprocessFlags), reprocessHelp),
		long(leaf("setup", "create or update the streams (for least-privilege workers)", nil, setupFlags), setupHelp),
		indexCommand(),
		versionCommand(),
		docsCommand(),
	)
	return root
}

// addCobraCommands adds cobra's help and completion commands to root, in
// the words of the others. The completion scripts go to root's output as
// it is now: call it after SetOut.
func addCobraCommands(root *cobra.Command) {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		switch c.Name() {
		case "help":
			c.Short = "help on a command: newsflow help <command> is newsflow <command> --help"
		case "completion":
			c.Short = "print the completion script of bash, zsh, fish or powershell"
			for _, sh := range c.Commands() {
				sh.Short = "print the completion script of " + sh.Name()
			}
		}
	}
}

func versionCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{Use: "version", Short: "print the version (also newsflow --version)", Args: usageArgs(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if asJSON {
				return writeJSON(c.OutOrStdout(), map[string]string{"version": version.Version(), "revision": version.Revision()})
			}
			return printVersion(c.OutOrStdout())
		}}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON: version and revision")
	return cmd
}

func printVersion(stdout io.Writer) error {
	_, err := fmt.Fprintf(stdout, "newsflow %s (%s)\n", version.Version(), version.Revision())
	return err
}

func main() {
	// In a container, 3/4 of its memory limit for the heap (up then sets
	// its own from --memory-limit).
	telemetry.FitMemoryToContainer()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// execute runs the command line args and returns the command's error.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) (*cobra.Command, error) {
	if stdout == nil {
		stdout = io.Discard
	}
	root := newRoot()
	root.SetArgs(gnuArgs(args))
	root.SetOut(stdout)
	root.SetErr(stderr)
	addCobraCommands(root)
	return root.ExecuteContextC(ctx)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd, err := execute(ctx, args, stdout, stderr)
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	}
	name := "newsflow"
	if cmd != nil {
		name = cmd.CommandPath()
	}
	var ue usageError
	if errors.As(err, &ue) || strings.HasPrefix(err.Error(), "unknown command ") {
		fmt.Fprintf(stderr, "%s: %v\nRun '%s --help' for usage.\n", name, err, name)
		return 2
	}
	fmt.Fprintf(stderr, "%s: %v\n", name, err)
	return 1
}

// gnuArgs is envflag.GNUArgs (-flag read as --flag), with -V for
// --version.
func gnuArgs(args []string) []string {
	out := envflag.GNUArgs(args)
	for i, a := range out {
		if a == "--" {
			break
		}
		if a == "-V" {
			out[i] = "--version"
		}
	}
	return out
}

// long sets the help text of cmd.
func long(cmd *cobra.Command, text string) *cobra.Command {
	cmd.Long = cmd.Short + "\n\n" + text
	return cmd
}
