package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/cmd/newsflow/internal/standalone"
	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natsembed"
	"github.com/newsflow/newsflow/pkg/natstest"
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

	code, out := cli(t, "bench", "--nats", p.NATSURL(), "--data", filepath.Dir(p.CredentialsDir()), "--metrics-url", "http://"+p.HTTPAddr()+"/metrics",
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
	// Memory: resident, and resident without mapped files (Linux).
	rss, _ := rep["peak_rss_bytes"].(float64)
	anon, _ := rep["peak_anon_bytes"].(float64)
	if rss < 1<<20 || (runtime.GOOS == "linux" && (anon < 1<<20 || anon > rss*1.1)) {
		t.Errorf("peak_rss_bytes=%v peak_anon_bytes=%v: want both at least 1 MiB, anonymous at most the RSS", rss, anon)
	}
}

// TestBenchNATSCredentials: bench opens every connection (its own and the
// baseline's, one per hop) with the shared --nats-* flags. The server
// demands a user and password; a stand-in for the pipeline, connected as
// that user too, answers each raw article with its indexed event.
func TestBenchNATSCredentials(t *testing.T) {
	srv := natstest.RunServerWith(t, natsembed.Config{Options: func(o *server.Options) {
		o.Users = []*server.User{{Username: "bench", Password: "pw-bench"}}
	}})
	url := srv.ClientURL()
	nc, js := natstest.Connect(t, srv, nats.UserInfo("bench", "pw-bench"))
	natstest.Topology(t, js)
	if _, err := nc.Subscribe(natsbus.SubjectRaw+".>", func(m *nats.Msg) {
		var a struct {
			ID     string `json:"id"`
			Source string `json:"source"`
		}
		if json.Unmarshal(m.Data, &a) == nil {
			ev, _ := json.Marshal(map[string]string{"id": a.ID})
			_ = nc.Publish(natsbus.SubjectIndexed+"."+a.Source, ev)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "a.jsonl")
	if err := os.WriteFile(file, []byte(`{"source":"bench","body":"One."}`+"\n"+`{"source":"bench","body":"Two."}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"bench", "--nats", url, "--corpus", file, "--articles", "20", "--metrics-url", "none", "--json", "--idle-timeout", "10s"}

	t.Run("with the user and password", func(t *testing.T) {
		code, out := cli(t, append(base, "--nats-user", "bench", "--nats-password", "pw-bench")...)
		if code != 0 {
			t.Fatalf("bench: exit %d: %s", code, out)
		}
		var rep struct {
			Indexed      int     `json:"indexed"`
			Lost         int     `json:"lost"`
			BaselinePerS float64 `json:"baseline_per_s"`
			BaselineLost int     `json:"baseline_lost"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("bench --json: %v\n%s", err, out)
		}
		if rep.Indexed != 20 || rep.Lost != 0 || rep.BaselinePerS <= 0 || rep.BaselineLost != 0 {
			t.Errorf("indexed=%d lost=%d baseline_per_s=%v baseline_lost=%d, want 20, 0, > 0, 0", rep.Indexed, rep.Lost, rep.BaselinePerS, rep.BaselineLost)
		}
	})
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"without credentials", nil},
		{"with a wrong password", []string{"--nats-user", "bench", "--nats-password", "wrong"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := cli(t, append(append(base, "--baseline=false"), tc.args...)...)
			if code != 1 || !strings.Contains(strings.ToLower(out), "authorization violation") {
				t.Errorf("bench %s: exit %d: %s; want exit 1 naming the authorization violation", tc.name, code, out)
			}
		})
	}
}

// TestBenchStages: --stages splits each article's latency into parts that
// add up to it, read back from the streams of a full pipeline.
func TestBenchStages(t *testing.T) {
	file := corpus.Path(t, "en.jsonl")
	p := startPipeline(t, t.TempDir())

	code, out := cli(t, "bench", "--nats", p.NATSURL(), "--data", filepath.Dir(p.CredentialsDir()), "--metrics-url", "none",
		"--articles", "150", "--corpus", file, "--json", "--baseline=false", "--stages", "--idle-timeout", "60s")
	if code != 0 {
		t.Fatalf("bench: exit %d: %s", code, out)
	}
	var rep struct {
		Indexed int `json:"indexed"`
		Lost    int `json:"lost"`
		Stages  *struct {
			Articles   int     `json:"articles"`
			TailMeanMs float64 `json:"tail_mean_ms"`
			Parts      []struct {
				Name       string  `json:"name"`
				TailMeanMs float64 `json:"tail_mean_ms"`
				Ms         struct {
					P50 float64 `json:"p50"`
					Max float64 `json:"max"`
				} `json:"ms"`
			} `json:"parts"`
		} `json:"stages"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("bench --json: %v\n%s", err, out)
	}
	if rep.Indexed != 150 || rep.Lost != 0 || rep.Stages == nil {
		t.Fatalf("indexed %d, lost %d, stages %v: want 150, 0 and a split\n%s", rep.Indexed, rep.Lost, rep.Stages, out)
	}
	st := rep.Stages
	if st.Articles != 150 || len(st.Parts) != 6 {
		t.Fatalf("split %d articles into %d parts, want 150 into 6\n%s", st.Articles, len(st.Parts), out)
	}
	sum := 0.0
	for _, part := range st.Parts {
		sum += part.TailMeanMs
		if part.Ms.P50 < 0 {
			t.Errorf("part %q: p50 %.2f ms, want >= 0", part.Name, part.Ms.P50)
		}
	}
	if d := sum - st.TailMeanMs; d < -0.1 || d > 0.1 || st.TailMeanMs <= 0 {
		t.Errorf("the slowest 1%%'s parts add to %.2f ms, their latency is %.2f ms", sum, st.TailMeanMs)
	}
}
