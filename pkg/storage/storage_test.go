package storage_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/newsflow/newsflow/pkg/storage"
)

func TestGuardAndHealth(t *testing.T) {
	dir := t.TempDir()
	if err := storage.NewGuard(0, map[string]string{"nats": dir}).Check(1); err != nil {
		t.Fatalf("no reserve: %v", err)
	}
	pend := storage.NewGuard(0, map[string]string{"nats": dir})
	pend.SetPending(1 << 62)
	if err := pend.Check(1); !errors.Is(err, storage.ErrLowSpace) || !strings.Contains(err.Error(), "still in the pipeline") {
		t.Fatalf("backlog over the disk's size: %v, want ErrLowSpace naming the pipeline", err)
	}
	huge := storage.NewGuard(1<<62, map[string]string{"nats": dir})
	err := huge.Check(1)
	if !errors.Is(err, storage.ErrLowSpace) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("reserve over the disk's size: %v, want ErrLowSpace naming %s", err, dir)
	}

	h := storage.NewHealth(huge)
	h.AddCheck("index", func(context.Context) error { return nil })
	h.AddCheck("nats", func(context.Context) error { return errors.New("jetstream stopped") })
	err = h.Check(context.Background())
	if !errors.Is(err, storage.ErrLowSpace) || !strings.Contains(err.Error(), "nats: jetstream stopped") {
		t.Errorf("health check = %v, want the low space and the failing store", err)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(h)
	want := `
# HELP newsflow_storage_writable 1 when a store (nats, index) can take writes, 0 when it cannot: a full disk, a JetStream that stopped on a write error, an index that failed to write.
# TYPE newsflow_storage_writable gauge
newsflow_storage_writable{store="index"} 1
newsflow_storage_writable{store="nats"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "newsflow_storage_writable"); err != nil {
		t.Error(err)
	}
	if n, err := testutil.GatherAndCount(reg, "newsflow_storage_free_bytes"); err != nil || n != 1 {
		t.Errorf("free bytes series = %d (%v), want 1", n, err)
	}
	var nilHealth *storage.Health
	if err := nilHealth.Check(context.Background()); err != nil || nilHealth.Reserve() != storage.DefaultReserve {
		t.Errorf("nil health: check %v, reserve %d", err, nilHealth.Reserve())
	}
}
