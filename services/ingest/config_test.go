package ingest

import (
	"flag"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/pkg/envflag"
)

// TestConfigIntakeFlags: --max-html-bytes and --require-url come from
// flags or NEWSFLOW_* variables, and bad values are refused naming the
// flag.
func TestConfigIntakeFlags(t *testing.T) {
	t.Setenv("NEWSFLOW_MAX_HTML_BYTES", "33554432")
	t.Setenv("NEWSFLOW_REQUIRE_URL", "www.Dnevnik.bg, novini")
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	if err := envflag.Parse(fs, nil); err != nil {
		t.Fatal(err)
	}
	if cfg.MaxHTMLBytes != 32<<20 {
		t.Errorf("max html bytes %d, want 32 MiB from the environment", cfg.MaxHTMLBytes)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	req, err := ParseRequireURL(cfg.RequireURL)
	if err != nil || !req("dnevnik-bg") || !req("novini") || req("other") {
		t.Errorf("require-url %q: %v", cfg.RequireURL, err)
	}
	for _, tt := range []struct {
		mod  func(*Config)
		want string
	}{
		{func(c *Config) { c.MaxHTMLBytes = 10 }, "--max-html-bytes"},
		{func(c *Config) { c.RequireURL = "a,,b" }, "--require-url"},
	} {
		c := DefaultConfig()
		tt.mod(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("error %v, want one naming %s", err, tt.want)
		}
	}
}
