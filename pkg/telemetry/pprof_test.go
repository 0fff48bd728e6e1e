package telemetry_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/telemetry"
)

// TestPprofHidesTheCommandLine: with pprof on, the profiles are served but
// not the command line, which would show tokens given as flags.
func TestPprofHidesTheCommandLine(t *testing.T) {
	srv := telemetry.NewServer("127.0.0.1:0", prometheus.NewRegistry(), zap.NewNop())
	srv.EnablePprof()
	h := srv.Handler()
	for path, want := range map[string]int{
		"/debug/pprof/":          http.StatusOK,
		"/debug/pprof/goroutine": http.StatusOK,
		"/debug/pprof/cmdline":   http.StatusNotFound,
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != want {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, want)
		}
	}
}
