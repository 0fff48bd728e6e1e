// Package natstest runs a real NATS server with JetStream for tests.
package natstest

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natsembed"
)

// RunServer starts a JetStream server on a free port with its store in a
// temporary directory; it is shut down when the test ends.
func RunServer(t testing.TB) *server.Server {
	t.Helper()
	return RunServerWith(t, natsembed.Config{StoreDir: t.TempDir()})
}

// RunServerWith starts a server with cfg (Addr defaults to a free port).
func RunServerWith(t testing.TB, cfg natsembed.Config) *server.Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:-1"
	}
	if cfg.StoreDir == "" {
		cfg.StoreDir = t.TempDir()
	}
	srv, err := natsembed.Start(cfg)
	if err != nil {
		t.Fatalf("start nats server: %v", err)
	}
	t.Cleanup(func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	})
	return srv
}

// Connect connects to srv; the connection is closed when the test ends.
func Connect(t testing.TB, srv *server.Server, opts ...nats.Option) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(srv.ClientURL(), opts...)
	if err != nil {
		t.Fatalf("connect to nats: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("jetstream: %v", err)
	}
	return nc, js
}

// Topology creates the contract's streams (in memory-backed test servers
// too, with file storage as in production).
func Topology(t testing.TB, js jetstream.JetStream) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := natsbus.EnsureStreams(ctx, js, natsbus.DefaultTopology()); err != nil {
		t.Fatalf("ensure streams: %v", err)
	}
}
