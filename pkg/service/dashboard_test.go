package service

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/dashboard"
)

func TestDashboardConfigValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  DashboardConfig
		want string
	}{
		{"defaults", DefaultCommon().Dashboard, ""},
		{"too often", DashboardConfig{Interval: time.Millisecond}, "--dashboard-interval"},
		{"prometheus", DashboardConfig{Interval: time.Second, PrometheusURL: "http://prometheus:9090"}, ""},
		{"no scheme", DashboardConfig{Interval: time.Second, PrometheusURL: "prometheus:9090"}, "--prometheus-url"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.cfg.Validate()
			if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
				t.Fatalf("Validate() = %v, want %q", err, c.want)
			}
		})
	}
	if err := (DashboardConfig{Interval: time.Second, PrometheusURL: "ftp://x"}).Validate(); !errors.Is(err, dashboard.ErrInvalidPrometheusURL) {
		t.Errorf("err %v, want ErrInvalidPrometheusURL", err)
	}
}

// A worker's dashboard reads its own registry, or Prometheus when
// --prometheus-url is set.
func TestDashboardConfigSampler(t *testing.T) {
	reg := prometheus.NewRegistry()
	own, err := DashboardConfig{Interval: time.Second}.Sampler(reg, "enrich", zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	if got := own.View().Source; got != "this process (enrich)" {
		t.Errorf("source %q", got)
	}
	prom, err := DashboardConfig{Interval: time.Second, PrometheusURL: "http://prometheus:9090"}.Sampler(reg, "enrich", zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	if got := prom.View().Source; !strings.Contains(got, "prometheus:9090") {
		t.Errorf("source %q", got)
	}
	mux := http.NewServeMux()
	own.Register(mux)
	own.SampleOnce(context.Background())
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/dashboard", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("/dashboard: %d", rec.Code)
	}
}
