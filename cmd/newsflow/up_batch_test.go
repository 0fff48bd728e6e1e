package main

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/cmd/newsflow/internal/standalone"
)

func TestUpBatchFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--batch-size", "0"}, "--batch-size must be 1 to 10000, got 0"},
		{[]string{"--batch-size", "10001"}, "--batch-size must be 1 to 10000"},
		{[]string{"--batch-bytes", "-1"}, "--batch-bytes must be 0 (no bound) or more"},
		{[]string{"--batch-wait", "0s"}, "--batch-wait must be positive"},
		{[]string{"--batch-writers", "65"}, "--batch-writers must be 1 to 64, got 65"},
		{[]string{"--raw-max-msgs", "-1"}, "--raw-max-msgs must be 0 (no bound) or positive"},
		{[]string{"--articles-max-bytes", "-2"}, "--articles-max-bytes must be 0 (no bound) or positive"},
		{[]string{"--max-backlog", "-1"}, "--max-backlog must be 0 (no limit) or positive"},
		{[]string{"--enrich-concurrency", "0"}, "--enrich-concurrency must be at least 1, got 0"},
	} {
		args := append([]string{"up", "--data", t.TempDir(), "--http", "127.0.0.1:0", "--nats", "127.0.0.1:-1", "--memory-limit="}, tc.args...)
		code, out := cli(t, args...)
		if code == 0 || !strings.Contains(out, tc.want) {
			t.Errorf("up %v: exit %d, output %q; want a failure saying %q", tc.args, code, out, tc.want)
		}
	}
}

// metricValue reads one unlabelled sample (or one with the given labels)
// from a /metrics text.
func metricValue(t *testing.T, text, series string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(text)
	if m == nil {
		return -1
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatalf("%s: %v", series, err)
	}
	return v
}

// The single process honours the index batch settings: with batches of at
// most two articles, one writer and a long wait, six articles take at least
// three batches and none holds more than two.
func TestUpBatchSettingsReachTheIndex(t *testing.T) {
	cfg := standalone.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.NATSAddr = "127.0.0.1:-1"
	cfg.Index.BatchSize, cfg.Index.BatchWriters, cfg.Index.BatchWait = 2, 1, 2*time.Second
	cfg.Index.FitConcurrency()
	p, err := standalone.Start(context.Background(), cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop() })
	base := "http://" + p.HTTPAddr()
	var nd strings.Builder
	for i := range 6 {
		fmt.Fprintf(&nd, `{"source":"batch-src","title":"Batch check %d","body":"Article number %d of six, each different from the others: %d."}`+"\n", i, i, i*7919)
	}
	postAccepted(t, base, "application/x-ndjson", nd.String())
	waitFor(t, "six articles indexed", func() bool {
		return metricValue(t, metricsText(t, base), "newsflow_index_batch_articles_sum") == 6
	})
	m := metricsText(t, base)
	count := metricValue(t, m, "newsflow_index_batch_articles_count")
	upTo2 := metricValue(t, m, `newsflow_index_batch_articles_bucket{le="2"}`)
	if count < 3 || upTo2 != count {
		t.Errorf("%v batches, %v of them of at most 2 articles; want at least 3, all of at most 2", count, upTo2)
	}
}
