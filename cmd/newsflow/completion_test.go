package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompletionScripts: 'newsflow completion SHELL' prints a script for
// bash, zsh and fish; bash loads its own and registers it for newsflow,
// and the binary's answers complete subcommands and flags.
func TestCompletionScripts(t *testing.T) {
	for shell, want := range map[string]string{"bash": "complete -o default -F __start_newsflow newsflow", "zsh": "#compdef newsflow", "fish": "complete -c newsflow"} {
		code, out := cli(t, "completion", shell)
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("completion %s = %d, lacks %q:\n%.300s", shell, code, want, out)
		}
	}
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "se"}, []string{"search", "setup"}},
		{[]string{"__complete", "dlq", ""}, []string{"list", "show", "replay", "purge"}},
		{[]string{"__complete", "search", "--ent"}, []string{"--entity", "--entity-id"}},
		{[]string{"__complete", "up", "--nats-t"}, []string{"--nats-token", "--nats-tls-ca"}},
	} {
		code, out := cli(t, tt.args...)
		for _, w := range tt.want {
			if code != 0 || !strings.Contains(out, w+"\t") && !strings.Contains(out, w+"\n") {
				t.Errorf("newsflow %v = %d, lacks %q:\n%s", tt.args, code, w, out)
			}
		}
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	_, script := cli(t, "completion", "bash")
	file := filepath.Join(t.TempDir(), "newsflow.bash")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(context.Background(), bash, "--norc", "--noprofile", "-c", `source "$1" && complete -p newsflow`, "bash", file).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "__start_newsflow") {
		t.Errorf("bash could not load the script: %v\n%s", err, out)
	}
}
