package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/cmd/newsflow/internal/standalone"
	"github.com/newsflow/newsflow/pkg/natsembed"
)

// TestUpListensOnLoopbackByDefault: newsflow up serves HTTP on this machine
// only unless --http says otherwise.
func TestUpListensOnLoopbackByDefault(t *testing.T) {
	host, _, err := net.SplitHostPort(standalone.DefaultConfig().HTTPAddr)
	if err != nil {
		t.Fatal(err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		t.Errorf("default --http host %q is not a loopback address", host)
	}
	var usage strings.Builder
	_ = runUp(context.Background(), []string{"-h"}, &usage, &usage)
	if !strings.Contains(usage.String(), `(default "127.0.0.1:8080")`) {
		t.Errorf("newsflow up -h does not show the loopback default:\n%s", grepLines(usage.String(), "-http"))
	}
}

// TestUpReadToken: with --read-token, newsflow up's search API answers 401
// without it, and the CLI's search and get send it (flag or
// NEWSFLOW_READ_TOKEN); writes keep their own --api-token.
func TestUpReadToken(t *testing.T) {
	cfg := standalone.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.NATSAddr = "127.0.0.1:-1"
	cfg.APIToken = "write-1"
	cfg.ReadToken = "read-1"
	p, err := standalone.Start(context.Background(), cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop() })
	base := "http://" + p.HTTPAddr()

	get := func(path, token string) int {
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		path, token string
		want        int
	}{
		{"/v1/search?q=*", "", http.StatusUnauthorized},
		{"/v1/search?q=*", "write-1", http.StatusUnauthorized},
		{"/v1/search?q=*", "read-1", http.StatusOK},
		{"/v1/articles/nope", "", http.StatusUnauthorized},
		{"/v1/articles/nope", "read-1", http.StatusNotFound},
		{"/", "", http.StatusOK}, // the page itself asks for the token
	} {
		if got := get(tc.path, tc.token); got != tc.want {
			t.Errorf("GET %s with token %q: %d, want %d", tc.path, tc.token, got, tc.want)
		}
	}

	req, _ := http.NewRequest(http.MethodPost, base+"/v1/articles", strings.NewReader(`{"source":"rt","id":"rt-1","body":"Read tokens guard the searches of this article."}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer write-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST with the api token: %s", resp.Status)
	}

	if code, out := cli(t, "get", "--url", base, "rt-1"); code == 0 || !strings.Contains(out, "401") {
		t.Errorf("get without the read token: exit %d: %s", code, out)
	}
	waitFor(t, "rt-1 indexed, read with --read-token", func() bool {
		code, _ := cli(t, "get", "--url", base, "--read-token", "read-1", "rt-1")
		return code == 0
	})
	t.Setenv("NEWSFLOW_READ_TOKEN", "read-1")
	if code, out := cli(t, "search", "--url", base, "--json", "tokens"); code != 0 || !strings.Contains(out, "rt-1") {
		t.Errorf("search with NEWSFLOW_READ_TOKEN: exit %d: %s", code, out)
	}
}

// TestEmbeddedPermissionsMatchAuthConf: the users newsflow up generates
// have exactly the permissions of deploy/nats/auth.conf, which
// TestLeastPrivilegeUsers shows are enough for each stage and no more.
func TestEmbeddedPermissionsMatchAuthConf(t *testing.T) {
	for _, u := range natsembed.Users {
		t.Setenv("NEWSFLOW_NATS_"+strings.ToUpper(u)+"_PASSWORD", "pw-"+u)
	}
	opts, err := server.ProcessConfigFile(filepath.Join(repoRoot(t), "deploy", "nats", "nats.conf"))
	if err != nil {
		t.Fatal(err)
	}
	conf := map[string]*server.Permissions{}
	for _, u := range opts.Users {
		conf[u.Username] = u.Permissions
	}
	sorted := func(sp *server.SubjectPermission) []string {
		if sp == nil {
			return []string{">"} // the admin's nil: everything
		}
		s := append([]string(nil), sp.Allow...)
		slices.Sort(s)
		return s
	}
	for _, u := range natsembed.Users {
		want, ok := conf[u]
		if !ok {
			t.Errorf("user %s is not in deploy/nats/auth.conf", u)
			continue
		}
		got := natsembed.Permissions(u)
		if got == nil {
			got = &server.Permissions{}
		}
		for _, dir := range []struct {
			name      string
			got, want *server.SubjectPermission
		}{{"publish", got.Publish, want.Publish}, {"subscribe", got.Subscribe, want.Subscribe}} {
			if g, w := sorted(dir.got), sorted(dir.want); !slices.Equal(g, w) {
				t.Errorf("%s may %s %v in natsembed.Permissions, %v in deploy/nats/auth.conf: change both", u, dir.name, g, w)
			}
		}
	}
	if len(conf) != len(natsembed.Users) {
		t.Errorf("deploy/nats/auth.conf has %d users, natsembed.Users %d", len(conf), len(natsembed.Users))
	}
}

// TestUpGeneratesCredentials: newsflow up makes one NKey seed per user
// under DATA/credentials, readable by its owner only, keeps them across
// restarts, and refuses clients without one.
func TestUpGeneratesCredentials(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	p := startPipeline(t, dir)
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("data directory made by up: %v, mode %v; want 0700", err, st.Mode().Perm())
	}
	creds := filepath.Join(dir, standalone.CredentialsDir)
	if p.CredentialsDir() != creds {
		t.Fatalf("credentials in %q, want %q", p.CredentialsDir(), creds)
	}
	if st, err := os.Stat(creds); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("credentials directory: %v, mode %v; want 0700", err, st.Mode().Perm())
	}
	seeds := map[string]string{}
	for _, u := range natsembed.Users {
		path := natsembed.SeedFile(creds, u)
		st, err := os.Stat(path)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v; want a file of mode 0600", path, err)
		}
		b, _ := os.ReadFile(path)
		seeds[u] = string(b)
	}
	if nc, err := nats.Connect(p.NATSURL(), nats.Timeout(3*time.Second)); err == nil {
		nc.Close()
		t.Fatal("a client without credentials was let in")
	}
	if code, out := cli(t, "status", "--nats", p.NATSURL(), "--data", t.TempDir()); code != 1 || !strings.Contains(strings.ToLower(out), "authorization") {
		t.Errorf("status pointed at another data directory: exit %d: %s", code, out)
	}
	if code, out := cli(t, "status", "--nats", p.NATSURL(), "--data", dir); code != 0 {
		t.Errorf("status --data %s: exit %d: %s", dir, code, out)
	}
	if code, out := cli(t, "status", "--nats", p.NATSURL(), "--nats-nkey", natsembed.SeedFile(creds, natsembed.UserAdmin)); code != 0 {
		t.Errorf("status --nats-nkey admin.nk: exit %d: %s", code, out)
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	p = startPipeline(t, dir)
	for u, seed := range seeds {
		if b, _ := os.ReadFile(natsembed.SeedFile(creds, u)); string(b) != seed {
			t.Errorf("the seed of %s changed across a restart", u)
		}
	}
	if code, out := cli(t, "status", "--nats", p.NATSURL(), "--data", dir); code != 0 {
		t.Errorf("status after a restart: exit %d: %s", code, out)
	}
	// A seed others can read is refused, as ssh refuses such a key.
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(natsembed.SeedFile(creds, natsembed.UserIngest), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := standalone.DefaultConfig()
	cfg.DataDir, cfg.HTTPAddr, cfg.NATSAddr = dir, "127.0.0.1:0", "127.0.0.1:-1"
	if p, err := standalone.Start(context.Background(), cfg, zaptest.NewLogger(t)); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		if err == nil {
			_ = p.Stop()
		}
		t.Errorf("start with a world-readable seed: %v, want an error saying chmod 600", err)
	}
}
