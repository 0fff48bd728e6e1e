package main

import (
	"context"
	"flag"
	"io"
	"testing"

	"github.com/spf13/cobra"

	"github.com/newsflow/newsflow/pkg/envflag"
)

// TestFlagChosen: up fits its default soft memory limit to the container
// only when --memory-limit was given neither on the command line nor in
// NEWSFLOW_MEMORY_LIMIT.
func TestFlagChosen(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  string
		want bool
	}{
		{"default", nil, "", false},
		{"command line", []string{"--memory-limit", "700MiB"}, "", true},
		{"command line, none", []string{"--memory-limit=0"}, "", true},
		{"environment", nil, "700MiB", true},
		{"another flag", []string{"--other", "x"}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env != "" {
				t.Setenv("NEWSFLOW_MEMORY_LIMIT", tt.env)
			}
			got, ran := false, false
			cmd := leaf("probe", "probe", cobra.NoArgs, func(fs *flag.FlagSet) runFunc {
				fs.String("memory-limit", "800MiB", "soft limit")
				fs.String("other", "", "another flag")
				if err := envflag.Apply(fs); err != nil {
					t.Fatal(err)
				}
				return func(ctx context.Context, _ []string, _, _ io.Writer) error {
					got, ran = flagChosen(ctx, fs, "memory-limit"), true
					return nil
				}
			})
			cmd.SetArgs(tt.args)
			if err := cmd.ExecuteContext(context.Background()); err != nil {
				t.Fatal(err)
			}
			if !ran || got != tt.want {
				t.Errorf("flagChosen = %v (ran %v), want %v", got, ran, tt.want)
			}
		})
	}
}
