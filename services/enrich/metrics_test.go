package enrich

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/natstest"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

// TestFailedKVWriteIsReported stops the NATS server under the learned
// boilerplate and the fingerprints: the article goes on, and its failed
// writes are in enrich_errors, in the log with the article id and in the
// step error counter.
func TestFailedKVWriteIsReported(t *testing.T) {
	srv := natstest.RunServer(t)
	nc, js := natstest.Connect(t, srv)
	ctx := context.Background()
	learner, err := OpenKVLearner(ctx, js, time.Hour, 1)
	if err != nil {
		t.Fatal(err)
	}
	index, err := OpenKVIndex(ctx, js, time.Hour, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		nc.Close() // first: the watch has no server to say goodbye to
		_ = index.Close()
	}()
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zap.WarnLevel)
	e := NewEnricher(StepsWith(Stores{Boilerplate: learner, NearDup: index}, StepEntities, StepQuotes), time.Now)
	e.log, e.metrics = zap.New(core), m

	srv.Shutdown()
	srv.WaitForShutdown()
	a, _ := seedArticle(t)
	a.ID = "kv-down"
	data, err := article.Encode(a)
	if err != nil {
		t.Fatal(err)
	}
	tctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	out, err := e.Process(tctx, &pipeline.Message{Data: data})
	if err != nil || len(out) != 1 {
		t.Fatalf("Process = %d messages, %v; want the article", len(out), err)
	}
	got, err := article.Decode(out[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []string{StepClean, StepNearDup} {
		if got.EnrichErrors[step] == "" {
			t.Errorf("enrich_errors %v lack the %s step's failed write", got.EnrichErrors, step)
		}
		if n := testutil.ToFloat64(m.stepErrors.WithLabelValues(step)); n != 1 {
			t.Errorf("newsflow_enrich_step_errors_total{step=%q} = %v, want 1", step, n)
		}
		found := false
		for _, l := range logs.FilterField(zap.String("step", step)).All() {
			found = found || l.ContextMap()["article_id"] == "kv-down"
		}
		if !found {
			t.Errorf("no warning for step %s of article kv-down in %v", step, logs.All())
		}
	}
	if got.Lang != "bg" || got.CleanBody == "" || got.Simhash == "" {
		t.Errorf("the article did not go on: lang %q, clean body %d bytes, simhash %q", got.Lang, len(got.CleanBody), got.Simhash)
	}
}
