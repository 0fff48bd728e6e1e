package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/spf13/cobra"
)

// docsCommand writes docs/cli.md from the command tree, so the reference
// cannot drift from the code (TestCLIDocsCurrent fails when it has).
func docsCommand() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:    "docs",
		Short:  "write the command reference (docs/cli.md) from the commands themselves",
		Hidden: true,
		Args:   usageArgs(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			// The defaults shown are the built-in ones, not this
			// environment's: a fresh tree without NEWSFLOW_* and NATS_URL.
			for _, kv := range os.Environ() {
				if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "NEWSFLOW_") || k == "NATS_URL" {
					_ = os.Unsetenv(k)
				}
			}
			var b bytes.Buffer
			if err := writeCLIDocs(&b, docsRoot()); err != nil {
				return err
			}
			if out == "-" {
				_, err := c.OutOrStdout().Write(b.Bytes())
				return err
			}
			return os.WriteFile(out, b.Bytes(), 0o644)
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "-", "file to write (-: standard output)")
	return cmd
}

// docsRoot builds the command tree for the reference as on one core, so
// that defaults that scale with the cores (--search-max-concurrent, 2 per
// core) read the same on every machine.
func docsRoot() *cobra.Command {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	root := newRoot()
	addCobraCommands(root)
	return root
}

// writeCLIDocs writes the reference of root: the page's fixed introduction,
// then every visible command with its help and flags, then the workers'
// flags.
func writeCLIDocs(w io.Writer, root *cobra.Command) error {
	var b strings.Builder
	b.WriteString(cliDocsIntro)
	b.WriteString("\n## Commands\n\n")
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if !sub.IsAvailableCommand() || sub.Name() == "help" {
				continue
			}
			fmt.Fprintf(&b, "- [`%s`](#%s) - %s\n", sub.CommandPath(), anchor(sub.CommandPath()), sub.Short)
		}
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() && sub.Name() != "help" {
				walk(sub)
			}
		}
	}
	walk(root)
	var each func(c *cobra.Command)
	each = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if !sub.IsAvailableCommand() || sub.Name() == "help" {
				continue
			}
			writeCommandDoc(&b, sub)
			each(sub)
		}
	}
	each(root)
	if err := writeWorkerDocs(&b); err != nil {
		return err
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeCommandDoc(b *strings.Builder, c *cobra.Command) {
	fmt.Fprintf(b, "\n### %s\n\n", c.CommandPath())
	text := c.Long
	if text == "" {
		text = c.Short
	}
	fmt.Fprintf(b, "%s\n\n", strings.TrimSpace(text))
	fmt.Fprintf(b, "```\n%s\n```\n", c.UseLine())
	if c.HasAvailableSubCommands() {
		b.WriteString("\nSubcommands:")
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() && sub.Name() != "help" {
				fmt.Fprintf(b, " [`%s`](#%s)", sub.Name(), anchor(sub.CommandPath()))
			}
		}
		b.WriteString("\n")
	}
	if flags := c.NonInheritedFlags(); flags.HasAvailableFlags() {
		fmt.Fprintf(b, "\nFlags:\n\n```\n%s```\n", flags.FlagUsagesWrapped(100))
	}
}

// anchor is the GitHub heading anchor of a command path.
func anchor(path string) string { return strings.ReplaceAll(path, " ", "-") }
