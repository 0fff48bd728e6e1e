package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
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

// TestCLIDocsWorkers: every worker binary (a main under services/*/cmd/*
// that runs service.Main) has its section in the reference, with the flags
// its service package declares and the common ones.
func TestCLIDocsWorkers(t *testing.T) {
	mains, err := filepath.Glob(filepath.Join("..", "..", "services", "*", "cmd", "*", "main.go"))
	if err != nil || len(mains) == 0 {
		t.Fatalf("no worker mains: %v", err)
	}
	known := map[string]bool{}
	for _, w := range workers {
		known[w.name] = true
	}
	found := 0
	for _, m := range mains {
		src, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		call := regexp.MustCompile(`service\.Main\("([a-z]+)"`).FindSubmatch(src)
		if call == nil {
			continue // a tool, not a worker (quality, nercv)
		}
		found++
		if name := string(call[1]); !known[name] {
			t.Errorf("%s runs worker %q, which docs/cli.md does not document: add it to workers (docs_workers.go)", m, name)
		}
	}
	if found != len(workers) {
		t.Errorf("%d worker mains, %d workers documented", found, len(workers))
	}
	var b strings.Builder
	if err := writeWorkerDocs(&b); err != nil {
		t.Fatal(err)
	}
	doc := b.String()
	for _, w := range []string{
		"### Common worker flags\n", "--nats string", "NEWSFLOW_NATS_URL, else NATS_URL", "--http string",
		"### ingest\n", "--dedupe-ttl duration", "### enrich\n", "--disable value",
		"### index\n", "--batch-writers int", "### poller\n", "--max-sitemaps int",
		"### watch\n", "--webhook-timeout duration", "ingest [healthcheck] [flags]",
	} {
		if !strings.Contains(doc, w) {
			t.Errorf("the workers' reference lacks %q", w)
		}
	}
	if strings.Contains(doc, "--nats-url") || strings.Contains(doc, "--http-addr") {
		t.Error("the workers' reference lists a deprecated flag")
	}
	// A worker's section lists its own flags, not the common ones again.
	_, ingest, _ := strings.Cut(doc, "### ingest\n")
	ingest, _, _ = strings.Cut(ingest, "### enrich\n")
	if strings.Contains(ingest, "--log-level") || !strings.Contains(ingest, "--api-token") {
		t.Errorf("the ingest section:\n%s", ingest)
	}
}
