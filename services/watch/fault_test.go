package watch

import (
	"fmt"
	"testing"
	"time"
)

// A worker killed mid-stream (its connection cut without a drain, its
// in-flight messages unacknowledged): a new replica picks up the rest;
// no alert is missing and none is sent twice.
func TestFaultKilledWorker(t *testing.T) {
	e := newEnv(t)
	cfg := testConfig()
	r1 := e.start(t, cfg)
	e.putWatch(t, r1, &Watch{Name: "red", Query: "red OR amber"})
	n := 3000
	want := map[string]map[string]bool{"red": {}}
	for i := range n {
		if c := colour(i); c == "red" || c == "amber" {
			want["red"][fmt.Sprintf("n%05d", i)] = true
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- e.publishManyErr(0, n, colour) }()
	waitFor(t, "the first alerts", func() bool { return e.alertCount(t) > 100 })
	r1.nc.Close() // killed: no drain, no acks of what was in flight
	killedAt := e.alertCount(t)
	r1.stop()
	e.start(t, cfg)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	waitFor(t, "every alert", func() bool { return e.alertCount(t) >= uint64(len(want["red"])) })
	// Redeliveries of what the killed worker had in flight come after
	// its ack wait: let them arrive, then count.
	time.Sleep(cfg.Match.AckWait + 500*time.Millisecond)
	t.Logf("killed after %d alerts of %d", killedAt, len(want["red"]))
	if killedAt >= uint64(len(want["red"])) {
		t.Log("the worker finished before it was killed; the test proves less")
	}
	checkAlerts(t, e.alerts(t), want)
}
