package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/envflag"
	"github.com/newsflow/newsflow/pkg/natsbus"
)

// defaultNATSURL is where `newsflow up` accepts NATS clients.
const defaultNATSURL = "nats://127.0.0.1:4222"

// natsFlags are the connection flags of the commands that talk to NATS:
// --nats for the URL and the credential and TLS flags every binary has.
type natsFlags struct {
	cfg natsbus.ConnConfig
}

// register adds the flags to fs. Defaults come from NEWSFLOW_NATS_URL and
// the NEWSFLOW_NATS_* variables of the worker binaries.
func (n *natsFlags) register(fs *flag.FlagSet) {
	n.cfg.URL = defaultNATSURL
	if v, ok := os.LookupEnv("NEWSFLOW_NATS_URL"); ok {
		n.cfg.URL = v
	}
	fs.StringVar(&n.cfg.URL, "nats", n.cfg.URL, "NATS server URL(s), comma-separated (env NEWSFLOW_NATS_URL)")
	n.registerCreds(fs)
}

// registerCreds adds the credential and TLS flags only, for commands
// whose --nats is optional.
func (n *natsFlags) registerCreds(fs *flag.FlagSet) {
	env := func(name string, dst *string) {
		if v, ok := os.LookupEnv(envflag.EnvName(name)); ok {
			*dst = v
		}
	}
	env("nats-creds", &n.cfg.CredsFile)
	env("nats-nkey", &n.cfg.NKeyFile)
	env("nats-user", &n.cfg.User)
	env("nats-password", &n.cfg.Password)
	env("nats-token", &n.cfg.Token)
	env("nats-tls-ca", &n.cfg.TLSCA)
	env("nats-tls-cert", &n.cfg.TLSCert)
	env("nats-tls-key", &n.cfg.TLSKey)
	fs.StringVar(&n.cfg.CredsFile, "nats-creds", n.cfg.CredsFile, "NATS .creds file (env NEWSFLOW_NATS_CREDS)")
	fs.StringVar(&n.cfg.NKeyFile, "nats-nkey", n.cfg.NKeyFile, "NATS NKey seed file (env NEWSFLOW_NATS_NKEY)")
	fs.StringVar(&n.cfg.User, "nats-user", n.cfg.User, "NATS user (env NEWSFLOW_NATS_USER)")
	fs.StringVar(&n.cfg.Password, "nats-password", n.cfg.Password, "NATS password (env NEWSFLOW_NATS_PASSWORD)")
	fs.StringVar(&n.cfg.Token, "nats-token", n.cfg.Token, "NATS token (env NEWSFLOW_NATS_TOKEN)")
	fs.StringVar(&n.cfg.TLSCA, "nats-tls-ca", n.cfg.TLSCA, "CA certificate to verify the NATS server (env NEWSFLOW_NATS_TLS_CA)")
	fs.StringVar(&n.cfg.TLSCert, "nats-tls-cert", n.cfg.TLSCert, "client certificate for mutual TLS (env NEWSFLOW_NATS_TLS_CERT)")
	fs.StringVar(&n.cfg.TLSKey, "nats-tls-key", n.cfg.TLSKey, "client key for mutual TLS (env NEWSFLOW_NATS_TLS_KEY)")
	env("nats-inbox-prefix", &n.cfg.InboxPrefix)
	fs.StringVar(&n.cfg.InboxPrefix, "nats-inbox-prefix", n.cfg.InboxPrefix, "inbox prefix for replies (env NEWSFLOW_NATS_INBOX_PREFIX)")
}

// connect connects for a command: it fails at once when the server cannot
// be reached, instead of waiting for it as the workers do.
func (n *natsFlags) connect(name string) (*nats.Conn, jetstream.JetStream, error) {
	cfg := n.cfg
	cfg.Name = "newsflow-" + name
	nc, err := natsbus.Connect(cfg, zap.NewNop(), nats.RetryOnFailedConnect(false), nats.Timeout(5*time.Second), nats.MaxReconnects(10))
	if err != nil {
		return nil, nil, fmt.Errorf("%w (is newsflow running? start it with 'make run')", err)
	}
	js, err := natsbus.NewJetStream(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return nc, js, nil
}

// closeConn flushes and closes nc.
func closeConn(nc *nats.Conn) {
	_ = nc.FlushTimeout(5 * time.Second)
	nc.Close()
}
