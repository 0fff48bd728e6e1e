package main

import (
	"context"
	"encoding/json"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/cmd/newsflow/internal/standalone"
	"github.com/newsflow/newsflow/pkg/corpus"
)

func TestBenchPassthroughJSON(t *testing.T) {
	file := corpus.Path(t, "en.jsonl")
	cfg := standalone.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.NATSAddr = "127.0.0.1:-1"
	cfg.Passthrough = true
	p, err := standalone.Start(context.Background(), cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop() })

	code, out := cli(t, "bench", "--nats", p.NATSURL(), "--metrics-url", "http://"+p.HTTPAddr()+"/metrics",
		"--articles", "1200", "--corpus", file, "--json", "--idle-timeout", "20s")
	if code != 0 {
		t.Fatalf("bench: exit %d: %s", code, out)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("bench --json output is not one JSON object: %v\n%s", err, out)
	}
	for _, k := range []string{"articles", "published_per_s", "indexed_per_s", "e2e_ms", "baseline_per_s", "ratio", "lost"} {
		if _, ok := rep[k]; !ok {
			t.Errorf("bench JSON lacks %q", k)
		}
	}
	if rep["articles"].(float64) != 1200 || rep["lost"].(float64) != 0 || rep["indexed"].(float64) != 1200 {
		t.Errorf("articles=%v indexed=%v lost=%v, want 1200, 1200, 0", rep["articles"], rep["indexed"], rep["lost"])
	}
	if rep["baseline_lost"].(float64) != 0 || rep["baseline_per_s"].(float64) <= 0 || rep["ratio"].(float64) <= 0 {
		t.Errorf("baseline_per_s=%v baseline_lost=%v ratio=%v", rep["baseline_per_s"], rep["baseline_lost"], rep["ratio"])
	}
	e2e := rep["e2e_ms"].(map[string]any)
	if !(e2e["p50"].(float64) <= e2e["p95"].(float64) && e2e["p95"].(float64) <= e2e["p99"].(float64) && e2e["p99"].(float64) <= e2e["max"].(float64)) || e2e["max"].(float64) <= 0 {
		t.Errorf("e2e percentiles not ordered: %v", e2e)
	}
	stages, _ := rep["stages_per_s"].(map[string]any)
	for _, s := range []string{"ingest", "enrich", "index"} {
		if v, _ := stages[s].(float64); v <= 0 {
			t.Errorf("stage %s rate %v, want > 0", s, stages[s])
		}
	}
}
