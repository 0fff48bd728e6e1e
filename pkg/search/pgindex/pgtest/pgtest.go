// Package pgtest gives tests a fresh PostgreSQL database on the server
// named by NEWSFLOW_TEST_POSTGRES (.ci/postgres.sh starts one and prints
// the URL). Without it tests skip, except under CI=true, where they fail.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// EnvVar names the URL of a database whose role may create databases.
const EnvVar = "NEWSFLOW_TEST_POSTGRES"

// URL returns the server URL, or ends the test: Skip normally, Fatal under
// CI=true.
func URL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(EnvVar)
	if u != "" {
		return u
	}
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%s is not set: CI must start PostgreSQL (.ci/postgres.sh) and export it", EnvVar)
	}
	tb.Skipf("%s is not set; skipping the PostgreSQL tests (run .ci/postgres.sh and export its URL)", EnvVar)
	return ""
}

// FreshDatabase creates an empty database for this test, dropped when the
// test ends, and returns its URL.
func FreshDatabase(tb testing.TB) string {
	tb.Helper()
	base := URL(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("connect to %s: %v", EnvVar, err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "newsflow_t_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			tb.Errorf("connect to drop %s: %v", name, err)
			return
		}
		defer func() { _ = c.Close(context.Background()) }()
		if err := dropDatabase(ctx, c, name); err != nil {
			tb.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("parse %s: %v", EnvVar, err)
	}
	u.Path = "/" + name
	return u.String()
}

// dropDatabase drops name, terminating the test's own connections. An
// autovacuum worker on it (tests that write many rows wake one) makes
// DROP ... WITH (FORCE) fail with 42501 for a role that is not a
// superuser; a plain DROP DATABASE asks autovacuum to stop and waits for
// it, so that is tried next, until ctx ends.
func dropDatabase(ctx context.Context, c *pgx.Conn, name string) error {
	for {
		_, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		var pe *pgconn.PgError
		if err == nil || !errors.As(err, &pe) || pe.Code != "42501" {
			return err
		}
		if _, err2 := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name); err2 == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(500 * time.Millisecond):
		}
	}
}
