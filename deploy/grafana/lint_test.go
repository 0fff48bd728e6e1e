package grafana_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// lintDashboard is the part of the dashboard JSON the lint reads, beyond
// what loadDashboard decodes.
type lintDashboard struct {
	SchemaVersion int `json:"schemaVersion"`
	Templating    struct {
		List []struct {
			Name       string         `json:"name"`
			Type       string         `json:"type"`
			Query      any            `json:"query"`
			Datasource map[string]any `json:"datasource"`
			AllValue   string         `json:"allValue"`
		} `json:"list"`
	} `json:"templating"`
	Annotations struct {
		List []struct {
			Name       string         `json:"name"`
			Expr       string         `json:"expr"`
			Datasource map[string]any `json:"datasource"`
			BuiltIn    int            `json:"builtIn"`
		} `json:"list"`
	} `json:"annotations"`
	Panels []struct {
		ID          int            `json:"id"`
		Type        string         `json:"type"`
		Title       string         `json:"title"`
		Description string         `json:"description"`
		Datasource  map[string]any `json:"datasource"`
		GridPos     struct{ H, W, X, Y int }
		FieldConfig struct {
			Defaults struct {
				Unit string `json:"unit"`
			} `json:"defaults"`
			Overrides []struct {
				Properties []struct {
					ID    string `json:"id"`
					Value any    `json:"value"`
				} `json:"properties"`
			} `json:"overrides"`
		} `json:"fieldConfig"`
		Targets []struct {
			RefID      string         `json:"refId"`
			Expr       string         `json:"expr"`
			Datasource map[string]any `json:"datasource"`
		} `json:"targets"`
	} `json:"panels"`
}

// metricRef finds the metric selectors of a PromQL expression: a metric
// name, optionally with its matchers, that is not a function call.
var metricRef = regexp.MustCompile(`(?:^|[^\w"$.])((?:newsflow|go|process|gnatsd|jetstream)_\w+|up|ALERTS)\b(\{[^}]*\})?(\s*\()?`)

// counterLike reports whether a metric counts up: a Prometheus counter or
// histogram series, or one of the exporter's /varz and /connz totals,
// which it exports as gauges.
func counterLike(name string) bool {
	for _, suf := range []string{"_total", "_count", "_sum", "_bucket"} {
		if strings.HasSuffix(name, suf) {
			return true
		}
	}
	switch name {
	case "gnatsd_varz_in_msgs", "gnatsd_varz_out_msgs", "gnatsd_varz_in_bytes", "gnatsd_varz_out_bytes",
		"gnatsd_varz_slow_consumers", "gnatsd_varz_total_connections", "gnatsd_varz_jetstream_stats_api_total",
		"gnatsd_varz_jetstream_stats_api_errors", "gnatsd_connz_in_msgs", "gnatsd_connz_out_msgs",
		"gnatsd_connz_in_bytes", "gnatsd_connz_out_bytes", "gnatsd_connz_total":
		return true
	}
	return false
}

// enclosingCall returns the name of the function whose parentheses
// enclose position i of expr ("" at the top level).
func enclosingCall(expr string, i int) string {
	depth := 0
	for j := i - 1; j >= 0; j-- {
		switch expr[j] {
		case ')':
			depth++
		case '(':
			if depth > 0 {
				depth--
				continue
			}
			k := j
			for k > 0 && (expr[k-1] == '_' || expr[k-1] >= 'a' && expr[k-1] <= 'z' || expr[k-1] >= 'A' && expr[k-1] <= 'Z') {
				k--
			}
			return expr[k:j]
		}
	}
	return ""
}

// lintExpr returns what is wrong with one query of the dashboard.
func lintExpr(expr string) []string {
	var problems []string
	refs := metricRef.FindAllStringSubmatchIndex(expr, -1)
	if len(refs) == 0 {
		problems = append(problems, "reads no metric")
	}
	for _, m := range refs {
		if m[6] >= 0 { // a function call, not a metric
			continue
		}
		name := expr[m[2]:m[3]]
		matchers := ""
		if m[4] >= 0 {
			matchers = expr[m[4]:m[5]]
		}
		want := []string{`cluster=~"$cluster"`, `namespace=~"$namespace"`, `job=~"$job"`}
		if name == "ALERTS" {
			// Alerts keep namespace (alerts.yml aggregates by it), not job.
			want = want[1:2]
		}
		for _, v := range want {
			if !strings.Contains(matchers, v) {
				problems = append(problems, name+" without "+v)
			}
		}
		if counterLike(name) {
			switch fn := enclosingCall(expr, m[2]); fn {
			case "rate", "irate", "increase":
			default:
				problems = append(problems, name+" counts up: read it with rate() or increase(), not "+fn+"()")
			}
		}
	}
	return problems
}

// TestDashboardLint checks offline what Grafana's own dashboard guidance
// asks and a Grafana instance would not: a data source variable used
// everywhere, the cluster, namespace and job variables honoured by every
// query, counters only through rate()/increase(), one unit per panel
// (a second unit only on a second axis), annotations for deployments and
// alerts, and panels that do not overlap.
func TestDashboardLint(t *testing.T) {
	raw, err := os.ReadFile("dashboards/newsflow.json")
	if err != nil {
		t.Fatal(err)
	}
	var d lintDashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	if d.SchemaVersion < 36 {
		t.Errorf("schemaVersion %d: want 36 or later (data source references by uid)", d.SchemaVersion)
	}
	vars := map[string]bool{}
	for _, v := range d.Templating.List {
		vars[v.Name] = true
		switch {
		case v.Name == "datasource":
			if v.Type != "datasource" || v.Query != "prometheus" {
				t.Errorf("$datasource is %s %v, want a prometheus data source variable", v.Type, v.Query)
			}
		case v.Type == "query":
			if v.Datasource["uid"] != "${datasource}" {
				t.Errorf("variable $%s queries %v, want ${datasource}", v.Name, v.Datasource)
			}
			if v.AllValue != ".*" {
				t.Errorf("variable $%s: All is %q; want .* so that series without the label (plain Prometheus) still match", v.Name, v.AllValue)
			}
		}
	}
	for _, v := range []string{"datasource", "cluster", "namespace", "job"} {
		if !vars[v] {
			t.Errorf("no $%s variable", v)
		}
	}
	annotations := map[string]bool{}
	for _, a := range d.Annotations.List {
		if a.BuiltIn == 1 {
			continue
		}
		annotations[a.Name] = true
		if a.Datasource["uid"] != "${datasource}" {
			t.Errorf("annotation %q: data source %v, want ${datasource}", a.Name, a.Datasource)
		}
		for _, p := range lintExpr(a.Expr) {
			if !strings.Contains(p, "counts up") {
				t.Errorf("annotation %q: %s", a.Name, p)
			}
		}
	}
	for _, want := range []string{"Deployments", "Alerts"} {
		if !annotations[want] {
			t.Errorf("no %q annotation", want)
		}
	}
	type cell struct{ x, y int }
	taken := map[cell]string{}
	for _, p := range d.Panels {
		for x := p.GridPos.X; x < p.GridPos.X+p.GridPos.W; x++ {
			for y := p.GridPos.Y; y < p.GridPos.Y+p.GridPos.H; y++ {
				if prev, ok := taken[cell{x, y}]; ok {
					t.Errorf("panel %q overlaps %q at x %d y %d", p.Title, prev, x, y)
				}
				taken[cell{x, y}] = p.Title
			}
		}
		if p.Type == "row" {
			continue
		}
		if p.Datasource["uid"] != "${datasource}" {
			t.Errorf("panel %q: data source %v, want ${datasource}", p.Title, p.Datasource)
		}
		if p.FieldConfig.Defaults.Unit == "" {
			t.Errorf("panel %q has no unit", p.Title)
		}
		if p.Description == "" {
			t.Errorf("panel %q has no description", p.Title)
		}
		for _, o := range p.FieldConfig.Overrides {
			unit, axis := false, false
			for _, pr := range o.Properties {
				unit = unit || pr.ID == "unit"
				axis = axis || pr.ID == "custom.axisPlacement"
			}
			if unit && !axis {
				t.Errorf("panel %q: an override changes the unit on the same axis", p.Title)
			}
		}
		for _, tg := range p.Targets {
			if tg.Datasource != nil && tg.Datasource["uid"] != "${datasource}" {
				t.Errorf("panel %q query %s: data source %v", p.Title, tg.RefID, tg.Datasource)
			}
			for _, pr := range lintExpr(tg.Expr) {
				t.Errorf("panel %q query %s: %s", p.Title, tg.RefID, pr)
			}
		}
	}
}

// The lint catches what it is meant to catch.
func TestLintExprCatches(t *testing.T) {
	sel := `{cluster=~"$cluster", namespace=~"$namespace", job=~"$job"}`
	for _, c := range []struct {
		expr string
		bad  bool
	}{
		{`sum by (stage) (rate(newsflow_stage_messages_total` + sel + `[5m]))`, false},
		{`newsflow_stage_messages_total` + sel, true},
		{`sum(newsflow_stage_messages_total` + sel + `)`, true},
		{`max by (server_id) (gnatsd_varz_slow_consumers` + sel + `)`, true},
		{`histogram_quantile(0.9, sum by (le) (rate(newsflow_end_to_end_seconds_bucket` + sel + `[5m])))`, false},
		{`go_goroutines{job=~"$job"}`, true},
		{`up`, true},
		{`max by (stage) (newsflow_consumer_pending` + sel + `)`, false},
	} {
		if got := len(lintExpr(c.expr)) > 0; got != c.bad {
			t.Errorf("lintExpr(%s) = %q; want problems: %v", c.expr, lintExpr(c.expr), c.bad)
		}
	}
}
