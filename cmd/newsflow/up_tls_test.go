package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/cmd/newsflow/internal/standalone"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natsembed"
	"github.com/newsflow/newsflow/pkg/natsmon"
	"github.com/newsflow/newsflow/pkg/natstest"
)

// TestUpWithNATSTLS: with --nats-tls-cert/--nats-tls-key the embedded server
// of newsflow up accepts outside clients over TLS only, with --nats-tls-ca
// only those with a client certificate signed by that CA; the stages inside
// (connected in process) keep working either way.
func TestUpWithNATSTLS(t *testing.T) {
	pki := natstest.NewPKI(t)
	for _, tc := range []struct {
		name   string
		mutual bool
	}{
		{"tls", false},
		{"mutual tls", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := standalone.DefaultConfig()
			cfg.DataDir = t.TempDir()
			cfg.HTTPAddr = "127.0.0.1:0"
			cfg.NATSAddr = "127.0.0.1:-1"
			cfg.NATSTLSCert, cfg.NATSTLSKey = pki.ServerCert, pki.ServerKey
			cfg.NATSMonitorAddr = "127.0.0.1:-1"
			if tc.mutual {
				cfg.NATSTLSCA = pki.CA
			}
			p, err := standalone.Start(context.Background(), cfg, zaptest.NewLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = p.Stop() })
			u := p.NATSURL()

			if plainConnectWorks(t, u) {
				t.Fatal("a plain-text client was let in")
			}
			refused := []struct {
				what string
				cfg  natsbus.ConnConfig
			}{
				{"without the CA", natsbus.ConnConfig{}},
				{"trusting another CA", natsbus.ConnConfig{TLSCA: pki.OtherCA}},
			}
			good := natsbus.ConnConfig{TLSCA: pki.CA}
			goodArgs := []string{"--nats-tls-ca", pki.CA}
			if tc.mutual {
				refused = append(refused, struct {
					what string
					cfg  natsbus.ConnConfig
				}{"without a client certificate", natsbus.ConnConfig{TLSCA: pki.CA}})
				good = natsbus.ConnConfig{TLSCA: pki.CA, TLSCert: pki.ClientCert, TLSKey: pki.ClientKey}
				goodArgs = append(goodArgs, "--nats-tls-cert", pki.ClientCert, "--nats-tls-key", pki.ClientKey)
			}
			// Every client holds up's admin key: those refused are refused
			// for their TLS settings alone.
			admin := natsembed.SeedFile(p.CredentialsDir(), natsembed.UserAdmin)
			good.NKeyFile = admin
			goodArgs = append(goodArgs, "--nats-nkey", admin)
			for _, r := range refused {
				r.cfg.URL, r.cfg.NKeyFile = u, admin
				if nc, err := natsbus.Connect(r.cfg, zaptest.NewLogger(t), nats.RetryOnFailedConnect(false), nats.Timeout(3*time.Second)); err == nil {
					nc.Close()
					t.Fatalf("a TLS client %s was let in", r.what)
				}
			}
			if code, out := cli(t, append([]string{"status", "--nats", u}, goodArgs...)...); code != 0 {
				t.Errorf("status with %v: exit %d: %s", goodArgs, code, out)
			}

			checkMonitorTLS(t, p.NATSMonitorURL(), good)

			good.URL = u
			nc, err := natsbus.Connect(good, zaptest.NewLogger(t), nats.RetryOnFailedConnect(false), nats.Timeout(3*time.Second))
			if err != nil {
				t.Fatalf("TLS client with %+v: %v", good, err)
			}
			defer nc.Close()
			if !nc.TLSRequired() {
				t.Errorf("the connection is not using TLS")
			}
			js, err := natsbus.NewJetStream(nc)
			if err != nil {
				t.Fatal(err)
			}
			publishRawMsg(t, js, "tls", []byte(`{"source":"tls","id":"tls-1","body":"Through a server that wants TLS."}`))
			waitFor(t, "the article indexed", func() bool {
				code, _ := cli(t, "get", "--url", "http://"+p.HTTPAddr(), "tls-1")
				return code == 0
			})
		})
	}
}

// checkMonitorTLS: the monitoring endpoints at base answer over HTTPS
// only, to a client that trusts the server's CA, and natsmon reads them
// with the settings of good. (nats-server asks monitoring clients for no
// certificate, even under mutual TLS.)
func checkMonitorTLS(t *testing.T, base string, good natsbus.ConnConfig) {
	t.Helper()
	if !strings.HasPrefix(base, "https://") {
		t.Fatalf("monitor URL %q, want https://", base)
	}
	get := func(c *http.Client, u string) error {
		resp, err := c.Get(u)
		if err != nil {
			return err
		}
		defer func() { _ = resp.Body.Close() }()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %s", u, resp.Status)
		}
		return nil
	}
	plain := &http.Client{Timeout: 3 * time.Second}
	if err := get(plain, "http://"+strings.TrimPrefix(base, "https://")+"/varz"); err == nil {
		t.Error("the monitoring endpoints answer plain HTTP")
	}
	if err := get(plain, base+"/varz"); err == nil {
		t.Error("the monitoring endpoints answer a client that does not trust their CA")
	}
	tc, err := good.TLSClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	src, err := natsmon.NewHTTPSource(base, &http.Client{Transport: &http.Transport{TLSClientConfig: tc}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b, err := src.Get(ctx, natsmon.EndpointVarz)
	if err != nil {
		t.Fatalf("varz over TLS with %+v: %v", good, err)
	}
	var v struct {
		Name string `json:"server_name"`
	}
	if err := json.Unmarshal(b, &v); err != nil || v.Name != "newsflow" {
		t.Errorf("varz server name %q (%v), want newsflow", v.Name, err)
	}
}

// plainConnectWorks speaks the NATS protocol without TLS to the server at
// natsURL and reports whether it answered a PING.
func plainConnectWorks(t *testing.T, natsURL string) bool {
	t.Helper()
	pu, err := url.Parse(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", pu.Host, 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	info, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("read INFO: %v", err)
	}
	if !strings.Contains(info, `"tls_required":true`) {
		t.Errorf("INFO does not say TLS is required: %s", info)
	}
	if _, err := c.Write([]byte("CONNECT {\"verbose\":false}\r\nPING\r\n")); err != nil {
		return false
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Log("plain-text client: no answer before the deadline")
			}
			return false
		}
		if strings.HasPrefix(line, "PONG") {
			return true
		}
	}
}

// TestUpNATSTLSFlags: incomplete TLS settings for newsflow up's embedded
// server fail before anything starts, naming the flag to fix.
func TestUpNATSTLSFlags(t *testing.T) {
	pki := natstest.NewPKI(t)
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"cert without key", []string{"--nats-tls-cert", pki.ServerCert}, nil, "--nats-tls-cert needs --nats-tls-key"},
		{"key without cert", []string{"--nats-tls-key", pki.ServerKey}, nil, "--nats-tls-key needs --nats-tls-cert"},
		{"ca without cert", []string{"--nats-tls-ca", pki.CA}, nil, "--nats-tls-ca (mutual TLS) needs the server certificate"},
		{"ca from the environment", nil, map[string]string{"NEWSFLOW_NATS_TLS_CA": pki.CA}, "--nats-tls-ca (mutual TLS) needs"},
		{"unreadable key", []string{"--nats-tls-cert", pki.ServerCert, "--nats-tls-key", pki.CA + ".missing"}, nil, "--nats-tls-key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			args := append([]string{"up", "--data", t.TempDir(), "--http", "127.0.0.1:0", "--nats", "127.0.0.1:-1", "--memory-limit="}, tc.args...)
			code, out := cli(t, args...)
			if code == 0 || !strings.Contains(out, tc.want) {
				t.Errorf("up %v: exit %d, output %q; want a failure saying %q", tc.args, code, out, tc.want)
			}
		})
	}
}
