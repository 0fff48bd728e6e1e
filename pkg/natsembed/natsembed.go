// Package natsembed starts a NATS server with JetStream inside the process,
// for `newsflow up` and for tests.
package natsembed

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/newsflow/newsflow/pkg/storage"
)

// DefaultMaxPayload allows a 1 MiB article body with its JSON envelope.
const DefaultMaxPayload = 8 << 20

// jetStreamMaxMemory bounds JetStream's memory storage.
const jetStreamMaxMemory = 256 << 20

// Config configures the embedded server.
type Config struct {
	// Addr is host:port for client connections; port -1 picks a free one.
	Addr string
	// MonitorAddr is host:port for the HTTP monitoring endpoints; empty
	// disables them.
	MonitorAddr string
	// StoreDir holds JetStream's file store.
	StoreDir string
	// ServerName names the server in JetStream.
	ServerName string
	// MaxPayload bounds a message; 0 means DefaultMaxPayload.
	MaxPayload int32
	// SyncInterval is how often the file store is fsynced; 0 keeps the
	// server's default (2m). "always" durability is SyncAlways.
	SyncInterval time.Duration
	SyncAlways   bool
	// Options, when set, is applied last to the server options, for
	// authorisation and TLS settings.
	Options func(*server.Options)
	// Logs enables the server's own log output on stderr.
	Logs bool
}

// Start starts the server and waits until it accepts connections.
func Start(cfg Config) (*server.Server, error) {
	host, port, err := splitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("nats address %q: %w", cfg.Addr, err)
	}
	opts := &server.Options{
		ServerName:         cfg.ServerName,
		Host:               host,
		Port:               port,
		JetStream:          true,
		StoreDir:           cfg.StoreDir,
		MaxPayload:         cfg.MaxPayload,
		NoSigs:             true,
		SyncInterval:       cfg.SyncInterval,
		SyncAlways:         cfg.SyncAlways,
		JetStreamMaxMemory: jetStreamMaxMemory,
	}
	if cfg.StoreDir != "" {
		// JetStream would otherwise cap its store at 75% of the space free
		// when it starts, and again at each restart: started (or restarted
		// after a failure) on a nearly full disk, it would refuse writes
		// long after space came back. Its cap is the file system's size;
		// newsflow's own reserve (package storage) keeps the disk from
		// filling.
		if err := os.MkdirAll(cfg.StoreDir, 0o755); err != nil {
			return nil, fmt.Errorf("create nats store directory: %w", err)
		}
		if _, total, err := storage.Free(cfg.StoreDir); err == nil && total > 0 {
			opts.JetStreamMaxStore = int64(total)
		}
	}
	if opts.MaxPayload == 0 {
		opts.MaxPayload = DefaultMaxPayload
	}
	if cfg.MonitorAddr != "" {
		mh, mp, err := splitHostPort(cfg.MonitorAddr)
		if err != nil {
			return nil, fmt.Errorf("nats monitor address %q: %w", cfg.MonitorAddr, err)
		}
		opts.HTTPHost, opts.HTTPPort = mh, mp
	}
	if cfg.Options != nil {
		cfg.Options(opts)
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("create nats server: %w", err)
	}
	if cfg.Logs {
		srv.ConfigureLogger()
	}
	go srv.Start()
	if !srv.ReadyForConnections(30 * time.Second) {
		srv.Shutdown()
		return nil, fmt.Errorf("nats server on %s not ready after 30s", cfg.Addr)
	}
	return srv, nil
}

func splitHostPort(addr string) (string, int, error) {
	if addr == "" {
		return "127.0.0.1", -1, nil
	}
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	if h == "" {
		h = "0.0.0.0"
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return "", 0, fmt.Errorf("port %q is not a number", p)
	}
	return h, port, nil
}
