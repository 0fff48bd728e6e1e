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
