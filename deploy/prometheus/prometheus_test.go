// Package prometheus_test checks the Prometheus configuration and the alert
// rules of deploy/prometheus with the real promtool (Debian's prometheus
// package).
package prometheus_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/newsflow/newsflow/deploy/internal/deploytest"
)

func promtool(t *testing.T, dir string, args ...string) string {
	t.Helper()
	bin := deploytest.Tool(t, "promtool", "apt-get install prometheus")
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestAlertRules(t *testing.T) {
	raw, err := os.ReadFile("alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	rules := strings.Count(string(raw), "\n      - alert: ")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"check rules", []string{"check", "rules", "alerts.yml"}, fmt.Sprintf("SUCCESS: %d rules found", rules)},
		{"unit tests", []string{"test", "rules", "alerts_test.yml"}, "SUCCESS"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if out := promtool(t, ".", c.args...); !strings.Contains(out, c.want) {
				t.Fatalf("promtool %v: want %q in:\n%s", c.args, c.want, out)
			}
		})
	}
}

// TestAlertRulesFailOnBrokenRule makes sure the check above can fail.
func TestAlertRulesFailOnBrokenRule(t *testing.T) {
	bin := deploytest.Tool(t, "promtool", "apt-get install prometheus")
	dir := t.TempDir()
	broken := "groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: sum by (stage) (rate(newsflow_stage_messages_total[5m])\n"
	if err := os.WriteFile(filepath.Join(dir, "broken.yml"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "check", "rules", filepath.Join(dir, "broken.yml")).CombinedOutput()
	if err == nil {
		t.Fatalf("promtool accepted a rule with an unbalanced parenthesis:\n%s", out)
	}
}

// TestKubernetesConfig checks the scrape configuration for deploy/k8s.
// Debian's Prometheus is built without Kubernetes service discovery, so
// promtool cannot load it here: the test checks its structure instead.
func TestKubernetesConfig(t *testing.T) {
	raw, err := os.ReadFile("kubernetes.yml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Global        map[string]any `json:"global"`
		RuleFiles     []string       `json:"rule_files"`
		ScrapeConfigs []struct {
			JobName string `json:"job_name"`
			SD      []struct {
				Role       string `json:"role"`
				Namespaces struct {
					Names []string `json:"names"`
				} `json:"namespaces"`
			} `json:"kubernetes_sd_configs"`
			Relabel []struct {
				SourceLabels []string `json:"source_labels"`
				Regex        string   `json:"regex"`
				Action       string   `json:"action"`
				TargetLabel  string   `json:"target_label"`
				Replacement  string   `json:"replacement"`
			} `json:"relabel_configs"`
		} `json:"scrape_configs"`
	}
	if err := yaml.UnmarshalStrict(raw, &cfg); err != nil {
		t.Fatalf("kubernetes.yml: %v", err)
	}
	if len(cfg.RuleFiles) != 1 || len(cfg.ScrapeConfigs) != 1 {
		t.Fatalf("want one rule file and one scrape config, got %+v", cfg)
	}
	sc := cfg.ScrapeConfigs[0]
	if len(sc.SD) != 1 || sc.SD[0].Role != "pod" || fmt.Sprint(sc.SD[0].Namespaces.Names) != "[newsflow]" {
		t.Errorf("service discovery %+v: want the pods of namespace newsflow", sc.SD)
	}
	jobFromStage := false
	for _, r := range sc.Relabel {
		if r.TargetLabel == "job" && fmt.Sprint(r.SourceLabels) == "[__meta_kubernetes_pod_label_app_kubernetes_io_name]" {
			jobFromStage = true
		}
		if r.Regex != "" {
			if _, err := regexp.Compile("^(?:" + r.Regex + ")$"); err != nil {
				t.Errorf("relabel regex %q: %v", r.Regex, err)
			}
		}
	}
	if !jobFromStage {
		t.Error("the job is not named after the stage: the dashboard and alerts count replicas per stage job")
	}
}

// TestComposeConfig checks the configuration docker-compose.yml mounts, with
// the rule file at its mounted path rewritten to the repository's.
func TestComposeConfig(t *testing.T) {
	cfg, err := os.ReadFile("prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs("alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cfg), "/etc/prometheus/alerts.yml") {
		t.Fatal("prometheus.yml does not load /etc/prometheus/alerts.yml, where compose mounts the alerts")
	}
	for _, job := range []string{"job_name: ingest", "job_name: enrich", "job_name: index"} {
		if !strings.Contains(string(cfg), job) {
			t.Errorf("prometheus.yml has no %q: the dashboard and alerts count replicas per stage job", job)
		}
	}
	local := strings.ReplaceAll(string(cfg), "/etc/prometheus/alerts.yml", abs)
	path := filepath.Join(t.TempDir(), "prometheus.yml")
	if err := os.WriteFile(path, []byte(local), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := promtool(t, ".", "check", "config", path); !strings.Contains(out, "SUCCESS") {
		t.Fatalf("promtool check config:\n%s", out)
	}
}

// Every alert links its runbook: a section of docs/operations.md that
// exists and says what to do.
func TestAlertRunbooks(t *testing.T) {
	raw, err := os.ReadFile("alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert       string            `json:"alert"`
				Expr        string            `json:"expr"`
				Annotations map[string]string `json:"annotations"`
			} `json:"rules"`
		} `json:"groups"`
	}
	if err := yaml.Unmarshal(raw, &rules); err != nil {
		t.Fatal(err)
	}
	ops, err := os.ReadFile(filepath.Join("..", "..", "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]string{}
	for _, line := range strings.Split(string(ops), "\n") {
		if h, ok := strings.CutPrefix(line, "#"); ok {
			title := strings.TrimSpace(strings.TrimLeft(h, "#"))
			anchors[githubAnchor(title)] = title
		}
	}
	const base = "https://github.com/newsflow/newsflow/blob/main/docs/operations.md#"
	n := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			n++
			u := r.Annotations["runbook_url"]
			anchor, ok := strings.CutPrefix(u, base)
			if !ok {
				t.Errorf("%s: runbook_url %q, want %s<section>", r.Alert, u, base)
				continue
			}
			if _, ok := anchors[anchor]; !ok {
				t.Errorf("%s: runbook_url points to #%s, which is no heading of docs/operations.md", r.Alert, anchor)
			}
			if strings.Contains(r.Expr, `job=~"ingest|enrich|index"`) || strings.Contains(r.Expr, `job="`) {
				t.Errorf("%s matches job names (%s): the Prometheus Operator names jobs differently", r.Alert, r.Expr)
			}
		}
	}
	if n == 0 {
		t.Fatal("no alerts read")
	}
}

// githubAnchor is the anchor GitHub gives a Markdown heading.
func githubAnchor(title string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(title) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127:
			b.WriteRune(r)
		}
	}
	return b.String()
}
