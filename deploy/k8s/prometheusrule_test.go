package k8s_test

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite components/prometheus-operator/prometheusrule.yaml from deploy/prometheus/alerts.yml")

const ruleHeader = `# Generated from deploy/prometheus/alerts.yml by
#   go test ./deploy/k8s -run TestPrometheusRuleMatchesAlerts -update
# Do not edit: edit alerts.yml (and its promtool tests), then regenerate.
`

// The Operator component's PrometheusRule holds exactly the groups of
// deploy/prometheus/alerts.yml.
func TestPrometheusRuleMatchesAlerts(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "prometheus", "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var alerts map[string]any
	if err := yaml.Unmarshal(raw, &alerts); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("components", "prometheus-operator", "prometheusrule.yaml")
	if *update {
		rule := map[string]any{
			"apiVersion": "monitoring.coreos.com/v1",
			"kind":       "PrometheusRule",
			"metadata":   map[string]any{"name": "newsflow", "labels": map[string]any{"app.kubernetes.io/name": "newsflow"}},
			"spec":       alerts,
		}
		out, err := yaml.Marshal(rule)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append([]byte(ruleHeader), out...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rule struct {
		Kind string         `json:"kind"`
		Spec map[string]any `json:"spec"`
	}
	if err := yaml.Unmarshal(got, &rule); err != nil {
		t.Fatal(err)
	}
	if rule.Kind != "PrometheusRule" || !reflect.DeepEqual(rule.Spec, alerts) {
		t.Fatalf("%s differs from deploy/prometheus/alerts.yml: run go test ./deploy/k8s -run TestPrometheusRuleMatchesAlerts -update", path)
	}
}
