package main

import (
	"flag"
	"fmt"
	"strings"
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
// natsbus.ConnConfig's --nats-* flags, as every binary has them, and --nats
// for the URL.
type natsFlags struct {
	cfg natsbus.ConnConfig
	// dataDir is --data: where a local up keeps its credentials.
	dataDir func() string
}

// register adds the flags to fs: --nats (default nats://127.0.0.1:4222,
// env NEWSFLOW_NATS_URL, else NATS_URL) and the other NEWSFLOW_NATS_*
// connection flags the workers have too.
func (n *natsFlags) register(fs *flag.FlagSet) {
	n.cfg.URL = defaultNATSURL
	n.cfg.RegisterFlags(fs)
	envDefaults(fs, "nats")
	n.dataDir = registerDataFlag(fs)
}

// registerCreds adds the flags for a command whose NATS URL is optional
// (publish: the HTTP API unless --nats is given): without a default URL,
// and with none from NEWSFLOW_NATS_URL.
func (n *natsFlags) registerCreds(fs *flag.FlagSet) {
	n.cfg.RegisterFlags(fs)
	envDefaults(fs, "nats-")
	n.dataDir = registerDataFlag(fs)
}

// config is the connection configuration: the flags, and without
// credentials among them those of a local up (see localCredentials).
func (n *natsFlags) config() natsbus.ConnConfig {
	cfg := n.cfg
	if n.dataDir != nil {
		localCredentials(&cfg, n.dataDir())
	}
	return cfg
}

// envDefaults sets the flags of fs named with prefix from their NEWSFLOW_*
// variables, and names the variable in their usage.
func envDefaults(fs *flag.FlagSet, prefix string) {
	// String flags: setting them cannot fail.
	_ = envflag.ApplyTo(fs, func(name string) bool { return strings.HasPrefix(name, prefix) })
}

// connect connects for a command: it fails at once when the server cannot
// be reached, instead of waiting for it as the workers do.
func (n *natsFlags) connect(name string) (*nats.Conn, jetstream.JetStream, error) {
	cfg := n.config()
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
