package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIDocsCurrent fails when docs/cli.md is not what 'newsflow docs'
// writes from the commands: run 'make docs' after changing a command.
func TestCLIDocsCurrent(t *testing.T) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "NEWSFLOW_") || k == "NATS_URL" {
			t.Setenv(k, "")
			_ = os.Unsetenv(k)
		}
	}
	var want bytes.Buffer
	if err := writeCLIDocs(&want, docsRoot()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "docs", "cli.md")
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("%s is stale: run 'make docs' (go run ./cmd/newsflow docs -o docs/cli.md)", path)
	}
	for _, w := range []string{"### newsflow search\n", "--entity-id string", "### newsflow dlq purge\n", "(env NEWSFLOW_URL)"} {
		if !strings.Contains(want.String(), w) {
			t.Errorf("the reference lacks %q", w)
		}
	}
}
