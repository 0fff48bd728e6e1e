package telemetry

import (
	"runtime"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestParseRssAnon(t *testing.T) {
	status := "Name:\tx\nVmRSS:\t  885348 kB\nRssAnon:\t  814764 kB\nRssFile:\t   70584 kB\n"
	if v, ok := parseRssAnon([]byte(status)); !ok || v != 814764*1024 {
		t.Errorf("parseRssAnon = %v, %v; want %d, true", v, ok, 814764*1024)
	}
	for _, bad := range []string{"VmRSS:\t1 kB\n", "RssAnon:\t12 MB\n", "RssAnon:\tlots kB\n", ""} {
		if v, ok := parseRssAnon([]byte(bad)); ok {
			t.Errorf("parseRssAnon(%q) = %v, true; want false", bad, v)
		}
	}
}

func TestResidentAnonymousMetric(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("RssAnon is read from /proc, Linux only")
	}
	reg := prometheus.NewRegistry()
	NewMetrics(reg)
	n, err := testutil.GatherAndCount(reg, "newsflow_process_resident_anonymous_bytes")
	if err != nil || n != 1 {
		t.Fatalf("newsflow_process_resident_anonymous_bytes: %d series, %v; want 1", n, err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var anon, rss float64
	for _, mf := range mfs {
		switch mf.GetName() {
		case "newsflow_process_resident_anonymous_bytes":
			anon = mf.GetMetric()[0].GetGauge().GetValue()
		case "process_resident_memory_bytes":
			rss = mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	// A Go test binary holds at least a few MiB of heap and stacks, and
	// anonymous memory is part of the resident set (read a moment apart,
	// so allow a little growth).
	if anon < 1<<20 || anon > rss*1.5 {
		t.Errorf("anonymous resident %v bytes against resident %v: want at least 1 MiB and about at most the RSS", anon, rss)
	}
}
