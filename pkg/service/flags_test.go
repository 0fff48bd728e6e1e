package service

import (
	"flag"
	"strings"
	"testing"
)

// TestParseFlags: the workers' flags are GNU style like newsflow's, -flag
// still works, the old names are read with a warning, and a stray
// argument is an error (exit 2 in Main).
func TestParseFlags(t *testing.T) {
	parse := func(args ...string) (Common, []string, error) {
		c := DefaultCommon()
		fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
		c.RegisterFlags(fs)
		d, err := parseFlags("ingest", fs, args)
		return c, d, err
	}
	t.Setenv("NEWSFLOW_LOG_LEVEL", "warn")
	c, d, err := parse("--nats=nats://a:4222", "--http", ":9000", "-log-format", "console", "--create-streams=false")
	if err != nil || c.NATS.URL != "nats://a:4222" || c.HTTPAddr != ":9000" || c.LogFormat != "console" || c.LogLevel != "warn" || c.Topology.VerifyStreams != true || len(d) != 0 {
		t.Errorf("GNU flags: %+v %q %v", c, d, err)
	}
	c, d, err = parse("--nats-url", "b:4222", "-http-addr", ":9001")
	if err != nil || c.NATS.URL != "b:4222" || c.HTTPAddr != ":9001" || strings.Join(d, "\n") != "flag --http-addr is deprecated: use --http\nflag --nats-url is deprecated: use --nats" {
		t.Errorf("old flags: %s %s %q %v", c.NATS.URL, c.HTTPAddr, d, err)
	}
	if _, _, err := parse("extra"); err == nil || !strings.Contains(err.Error(), "unexpected arguments") {
		t.Errorf("a stray argument: %v", err)
	}
	if _, _, err := parse("--no-such-flag"); err == nil {
		t.Error("an unknown flag: no error")
	}
}

type testConfig struct{ Size int }

func (testConfig) Validate() error { return nil }
func (c testConfig) Redacted() any { return c }

// TestFlags: the flag set the reference (docs/cli.md) is generated from is
// the one Main parses: the common flags and the worker's own, each naming
// its variable, defaults from the environment, the old names hidden.
func TestFlags(t *testing.T) {
	t.Setenv("NEWSFLOW_LOG_LEVEL", "warn")
	register := func(fs *flag.FlagSet) Config {
		c := &testConfig{Size: 3}
		fs.IntVar(&c.Size, "size", c.Size, "how many")
		return c
	}
	pfs, err := Flags("ingest", register)
	if err != nil {
		t.Fatal(err)
	}
	help := pfs.FlagUsages()
	for _, want := range []string{"--size int", "how many (env NEWSFLOW_SIZE) (default 3)", "--nats string", "(env NEWSFLOW_NATS_URL", "--http string", `(env NEWSFLOW_LOG_LEVEL) (default "warn")`} {
		if !strings.Contains(help, want) {
			t.Errorf("the flags lack %q:\n%s", want, help)
		}
	}
	for _, old := range []string{"--nats-url", "--http-addr"} {
		if strings.Contains(help, old) {
			t.Errorf("the deprecated %s is listed:\n%s", old, help)
		}
	}
	common, err := Flags("ingest", nil)
	if err != nil {
		t.Fatal(err)
	}
	if common.Lookup("size") != nil || common.Lookup("nats") == nil || common.NFlag() != 0 {
		t.Errorf("the common flags: size %v, nats %v", common.Lookup("size"), common.Lookup("nats"))
	}
	t.Setenv("NEWSFLOW_SIZE", "many")
	if _, err := Flags("ingest", register); err == nil || !strings.Contains(err.Error(), "NEWSFLOW_SIZE") {
		t.Errorf("a bad value in the environment: %v", err)
	}
	if got := UsageLine("enrich"); got != "enrich [healthcheck] [flags]" {
		t.Errorf("UsageLine: %q", got)
	}
}
