package envflag

import (
	"flag"
	"strings"
	"testing"
)

// TestSchemeAndDeprecatedNames: NEWSFLOW_<FLAG> and NEWSFLOW_NATS_URL for
// --nats; an old flag name is an alias of the new flag and an old variable
// is read under the new one, each reported by Deprecated.
func TestSchemeAndDeprecatedNames(t *testing.T) {
	for name, want := range map[string]string{"log-level": "NEWSFLOW_LOG_LEVEL", "nats": "NEWSFLOW_NATS_URL", "http": "NEWSFLOW_HTTP", "nats-tls-ca": "NEWSFLOW_NATS_TLS_CA"} {
		if got := EnvName(name); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", name, got, want)
		}
	}
	parse := func(args ...string) (http, nats string, deprecated []string) {
		fs := flag.NewFlagSet("worker", flag.ContinueOnError)
		fs.StringVar(&http, "http", ":8080", "listener")
		Alias(fs, "http-addr")
		fs.StringVar(&nats, "nats", "nats://127.0.0.1:4222", "server")
		Alias(fs, "nats-url")
		if err := Parse(fs, args); err != nil {
			t.Fatal(err)
		}
		return http, nats, Deprecated(fs)
	}
	t.Setenv("NEWSFLOW_HTTP_ADDR", ":9000")
	t.Setenv("NEWSFLOW_NATS_URL", "nats://a:4222")
	h, n, d := parse()
	if h != ":9000" || n != "nats://a:4222" || len(d) != 1 || !strings.Contains(d[0], "NEWSFLOW_HTTP_ADDR is deprecated: use NEWSFLOW_HTTP") {
		t.Errorf("old variable: %q %q %q", h, n, d)
	}
	t.Setenv("NEWSFLOW_HTTP", ":9001")
	if h, _, d := parse(); h != ":9001" || len(d) != 0 {
		t.Errorf("new variable beside the old: %q %q", h, d)
	}
	h, n, d = parse("--http-addr", ":9002", "--nats-url", "b:4222")
	if h != ":9002" || n != "b:4222" || len(d) != 2 || !strings.Contains(strings.Join(d, "\n"), "flag --nats-url is deprecated: use --nats") {
		t.Errorf("old flags: %q %q %q", h, n, d)
	}
}

func TestGNUArgs(t *testing.T) {
	got := strings.Join(GNUArgs([]string{"-limit", "5", "-json", "-h", "-", "--lang=bg", "-x=1", "-create-streams=false", "-1", "--", "-q"}), " ")
	if want := "--limit 5 --json -h - --lang=bg -x=1 --create-streams=false -1 -- -q"; got != want {
		t.Errorf("GNUArgs = %q, want %q", got, want)
	}
}
