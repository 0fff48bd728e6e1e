package main

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/pkg/envflag"
	"github.com/newsflow/newsflow/pkg/version"
)

// TestCLIConventions: --version and version, help <cmd> equal to
// <cmd> --help, and exit status 2 for usage errors, bad flag values
// among them.
func TestCLIConventions(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		code, out := cli(t, args...)
		if code != 0 || !strings.Contains(out, "newsflow "+version.Version()) {
			t.Errorf("newsflow %s = %d %q, want 0 and the version", args[0], code, out)
		}
	}
	if code, out := cli(t, "version", "--json"); code != 0 || !strings.Contains(out, `"version": "`+version.Version()+`"`) {
		t.Errorf("newsflow version --json = %d %q", code, out)
	}
	if code, out := cli(t, "dlq", "show", "--stage", "ingest", "1"); code != 2 || !strings.Contains(out, "unknown flag: --stage") {
		t.Errorf("dlq show --stage (a flag of list, not show) = %d %q, want 2", code, out)
	}
	for _, cmd := range [][]string{{"search"}, {"publish"}, {"up"}, {"dlq", "purge"}, {"bench"}, {"status"}} {
		code, viaHelp := cli(t, append([]string{"help"}, cmd...)...)
		code2, direct := cli(t, append(cmd, "--help")...)
		if code != 0 || code2 != 0 || viaHelp != direct || !strings.Contains(direct, "newsflow "+cmd[0]) || !strings.Contains(direct, "\n      --") || strings.Contains(direct, "\n  -n") {
			t.Errorf("help %v = %d %q\n%v --help = %d %q", cmd, code, viaHelp, cmd, code2, direct)
		}
	}
	for _, args := range [][]string{
		{"search", "--limit", "ten", "x"},
		{"search", "--no-such-flag", "x"},
		{"up", "--batch-size", "many"},
		{"up", "--nats", "http://127.0.0.1:4222"},
		{"up", "unexpected"},
		{"nope"},
		{},
	} {
		if code, out := cli(t, args...); code != 2 {
			t.Errorf("newsflow %v = %d %q, want 2", args, code, out)
		}
	}
}

func TestListenAddr(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:4222": "127.0.0.1:4222", "nats://127.0.0.1:4222": "127.0.0.1:4222", ":4222": ":4222", "nats://0.0.0.0:-1": "0.0.0.0:-1",
	} {
		if got, err := listenAddr(in); err != nil || got != want {
			t.Errorf("listenAddr(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"tls://h:1", "nats://a:1,nats://b:2", "nats://u:p@h:1"} {
		if _, err := listenAddr(in); err == nil {
			t.Errorf("listenAddr(%q): no error", in)
		}
	}
}

// TestNATSURLFromEnvironment: NATS_URL is the default, as for the NATS
// tools; NEWSFLOW_NATS_URL and the flag win over it.
func TestNATSURLFromEnvironment(t *testing.T) {
	parse := func(args ...string) string {
		var n natsFlags
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		n.register(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return n.cfg.URL
	}
	t.Setenv("NEWSFLOW_NATS_URL", "")
	os.Unsetenv("NEWSFLOW_NATS_URL")
	t.Setenv("NATS_URL", "nats://from-nats-url:4222")
	if got := parse(); got != "nats://from-nats-url:4222" {
		t.Errorf("with NATS_URL: %q", got)
	}
	t.Setenv("NEWSFLOW_NATS_URL", "newsflow-env:4222")
	if got := parse(); got != "newsflow-env:4222" {
		t.Errorf("with NEWSFLOW_NATS_URL too: %q", got)
	}
	if got := parse("--nats", "flag:4222"); got != "flag:4222" {
		t.Errorf("with --nats: %q", got)
	}
}

// TestUpHints: on non-default addresses up prints the commands that reach
// it; on the defaults nothing.
func TestUpHints(t *testing.T) {
	if got := upHints("newsflow", "127.0.0.1:8080", defaultNATSURL, "data"); got != "" {
		t.Errorf("defaults: %q", got)
	}
	got := upHints("bin/newsflow", "[::]:9090", "nats://127.0.0.1:4223", "/tmp/d")
	for _, want := range []string{
		"bin/newsflow publish --url http://127.0.0.1:9090 FILE...\n",
		"bin/newsflow search --url http://127.0.0.1:9090 QUERY\n",
		"bin/newsflow status --nats nats://127.0.0.1:4223 --data /tmp/d\n",
		"export NEWSFLOW_URL=http://127.0.0.1:9090 NATS_URL=nats://127.0.0.1:4223\n",
		"  export NEWSFLOW_DATA=/tmp/d\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("hints %q lack %q", got, want)
		}
	}
}

// TestUpEnvAliases: up's --http and --nats read NEWSFLOW_HTTP and
// NEWSFLOW_NATS_URL, the workers' names; the old NEWSFLOW_HTTP_ADDR and
// NEWSFLOW_NATS still work, under the new names, with a warning; the
// flags win over all.
func TestUpEnvAliases(t *testing.T) {
	parse := func(args ...string) (string, string) {
		fs := flag.NewFlagSet("up", flag.ContinueOnError)
		h := fs.String("http", "127.0.0.1:8080", "")
		n := fs.String("nats", "127.0.0.1:4222", "")
		if err := envflag.Parse(fs, args); err != nil {
			t.Fatal(err)
		}
		return *h, *n
	}
	t.Setenv("NEWSFLOW_HTTP_ADDR", "127.0.0.1:9090")
	t.Setenv("NEWSFLOW_NATS", "127.0.0.1:4224")
	if h, n := parse(); h != "127.0.0.1:9090" || n != "127.0.0.1:4224" {
		t.Errorf("old names: %q %q", h, n)
	}
	code, out := cli(t, "up", "--nats", "http://127.0.0.1:1") // a usage error: up stops before it starts
	for _, w := range []string{"NEWSFLOW_HTTP_ADDR is deprecated: use NEWSFLOW_HTTP", "NEWSFLOW_NATS is deprecated: use NEWSFLOW_NATS_URL"} {
		if code == 0 || !strings.Contains(out, w) {
			t.Errorf("up with old variables = %d, no %q:\n%s", code, w, out)
		}
	}
	t.Setenv("NEWSFLOW_NATS_URL", "nats://127.0.0.1:4223")
	t.Setenv("NEWSFLOW_HTTP", "127.0.0.1:9191")
	if h, n := parse(); h != "127.0.0.1:9191" || n != "nats://127.0.0.1:4223" {
		t.Errorf("new names under the old: %q %q", h, n)
	}
	if h, _ := parse("--http", "127.0.0.1:9292"); h != "127.0.0.1:9292" {
		t.Errorf("--http under the environment: %q", h)
	}
}
