// Package grafana_test checks the newsflow dashboard: its shape, and, against
// a real pipeline (`newsflow up`) scraped by a real Prometheus, that every
// panel's query returns data.
package grafana_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

type dashboard struct {
	UID        string  `json:"uid"`
	Title      string  `json:"title"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name string `json:"name"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	GridPos struct {
		H, W, X, Y int
	} `json:"gridPos"`
	Targets []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
}

func loadDashboard(t *testing.T) dashboard {
	t.Helper()
	raw, err := os.ReadFile("dashboards/newsflow.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("dashboards/newsflow.json: %v", err)
	}
	return d
}

// The contract names the dashboard must cover (the list).
var mustShow = []struct{ what, metric string }{
	{"throughput and outcomes per stage", "newsflow_stage_messages_total"},
	{"dead letters", `outcome="dlq"`},
	{"stage latency", "newsflow_stage_duration_seconds_bucket"},
	{"end-to-end latency", "newsflow_end_to_end_seconds_bucket"},
	{"consumer pending", "newsflow_consumer_pending"},
	{"ack pending", "newsflow_consumer_ack_pending"},
	{"redeliveries", "newsflow_consumer_redelivered"},
	{"watch matches", "newsflow_watch_matches_total"},
	{"webhook deliveries by outcome", "newsflow_watch_deliveries_total"},
	{"webhook delivery latency", "newsflow_watch_delivery_seconds_bucket"},
	{"replicas up", "up{"},
	{"heap", "go_memstats_heap_inuse_bytes"},
	{"GC", "go_gc_duration_seconds"},
	{"goroutines", "go_goroutines"},
	{"NATS server health", "newsflow_nats_up"},
	{"JetStream health", "newsflow_jetstream_stream_replicas_current"},
	{"JetStream storage", "gnatsd_varz_jetstream_stats_storage"},
	{"NATS messages", "gnatsd_varz_in_msgs"},
	{"stream messages", "jetstream_stream_total_messages"},
}

func TestDashboardShape(t *testing.T) {
	d := loadDashboard(t)
	if d.UID != "newsflow" || d.Title == "" {
		t.Errorf("uid %q title %q: want uid newsflow and a title", d.UID, d.Title)
	}
	vars := map[string]bool{}
	for _, v := range d.Templating.List {
		vars[v.Name] = true
	}
	for _, v := range []string{"datasource", "job"} {
		if !vars[v] {
			t.Errorf("no $%s variable", v)
		}
	}
	ids := map[int]string{}
	var all strings.Builder
	varRef := regexp.MustCompile(`\$(\w+)`)
	for _, p := range d.Panels {
		if prev, dup := ids[p.ID]; dup {
			t.Errorf("panel id %d used by %q and %q", p.ID, prev, p.Title)
		}
		ids[p.ID] = p.Title
		if p.GridPos.W <= 0 || p.GridPos.X+p.GridPos.W > 24 {
			t.Errorf("panel %q: gridPos x %d w %d outside the 24 columns", p.Title, p.GridPos.X, p.GridPos.W)
		}
		if p.Type == "row" {
			continue
		}
		if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q: datasource must be ${datasource}, so any Prometheus works", p.Title)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			if strings.TrimSpace(tg.Expr) == "" {
				t.Errorf("panel %q target %s: empty expr", p.Title, tg.RefID)
			}
			for _, m := range varRef.FindAllStringSubmatch(tg.Expr, -1) {
				if !strings.HasPrefix(m[1], "__") && !vars[m[1]] {
					t.Errorf("panel %q: $%s is not a dashboard variable", p.Title, m[1])
				}
			}
			all.WriteString(tg.Expr + "\n")
		}
	}
	for _, m := range mustShow {
		if !strings.Contains(all.String(), m.metric) {
			t.Errorf("no panel shows %s (%s)", m.what, m.metric)
		}
	}
}
