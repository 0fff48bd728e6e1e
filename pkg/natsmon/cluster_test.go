package natsmon_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	dto "github.com/prometheus/client_model/go"

	"github.com/newsflow/newsflow/pkg/natsembed"
	"github.com/newsflow/newsflow/pkg/natsmon"
	"github.com/newsflow/newsflow/pkg/natstest"
)

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port
}

// byServer returns the value of metric name for each server_name, for series
// whose labels include want.
func byServer(mfs map[string]*dto.MetricFamily, name string, want map[string]string) map[string]float64 {
	out := map[string]float64{}
	mf, ok := mfs[name]
	if !ok {
		return out
	}
next:
	for _, m := range mf.GetMetric() {
		labels := map[string]string{}
		for _, lp := range m.GetLabel() {
			labels[lp.GetName()] = lp.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		out[labels["server_name"]] = m.GetGauge().GetValue()
	}
	return out
}

// TestCollectorReadsCluster runs a real three-node JetStream cluster in the
// process, with an R3 stream, and checks what the collector reports from
// all three: one meta leader, one stream leader reporting three current
// replicas, then two once a follower is gone.
func TestCollectorReadsCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-node cluster")
	}
	ports := []int{freePort(t), freePort(t), freePort(t)}
	var routes []string
	for _, p := range ports {
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", p))
	}
	var servers []*server.Server
	for i, p := range ports {
		srv := natstest.RunServerWith(t, natsembed.Config{
			ServerName: fmt.Sprintf("n%d", i+1),
			Options: func(o *server.Options) {
				o.Cluster.Name = "natsmon"
				o.Cluster.Host = "127.0.0.1"
				o.Cluster.Port = p
				o.Routes = server.RoutesFromStr(strings.Join(routes, ","))
			},
		})
		servers = append(servers, srv)
	}
	var urls []string
	for _, s := range servers {
		urls = append(urls, s.ClientURL())
	}
	nc, err := nats.Connect(strings.Join(urls, ","))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	for {
		cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := js.CreateOrUpdateStream(cctx, jetstream.StreamConfig{Name: "R3", Subjects: []string{"r3.>"}, Replicas: 3, Storage: jetstream.FileStorage})
		ccancel()
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("create an R3 stream: %v", err)
		}
		time.Sleep(250 * time.Millisecond)
	}
	for i := range 3 {
		if _, err := js.Publish(ctx, "r3.x", []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	sources := make([]natsmon.Source, len(servers))
	for i, s := range servers {
		sources[i] = natsembed.NewMonitorSource(s)
	}
	stream := map[string]string{"stream_name": "R3"}

	var leader string
	waitCluster := func(what string, check func(mfs map[string]*dto.MetricFamily) error) {
		t.Helper()
		var err error
		for ctx.Err() == nil {
			if err = check(gather(t, natsmon.NewCollector(5*time.Second, sources...))); err == nil {
				return
			}
			time.Sleep(500 * time.Millisecond)
		}
		t.Fatalf("%s: %v", what, err)
	}
	waitCluster("three current replicas", func(mfs map[string]*dto.MetricFamily) error {
		sizes := mfs["gnatsd_varz_jetstream_meta_cluster_size"].GetMetric()
		if len(sizes) != 3 {
			return fmt.Errorf("cluster size from %d servers, want 3", len(sizes))
		}
		for _, m := range sizes {
			if m.GetGauge().GetValue() != 3 {
				return fmt.Errorf("cluster size %v, want 3", m.GetGauge().GetValue())
			}
		}
		if got := byServer(mfs, "jetstream_server_total_streams", map[string]string{"is_meta_leader": "true"}); len(got) != 1 {
			return fmt.Errorf("%d meta leaders: %v", len(got), got)
		}
		leaders := byServer(mfs, "jetstream_stream_total_messages", map[string]string{"stream_name": "R3", "is_stream_leader": "true"})
		if len(leaders) != 1 {
			return fmt.Errorf("stream leaders %v", leaders)
		}
		for s := range leaders {
			leader = s
		}
		if all := byServer(mfs, "jetstream_stream_total_messages", map[string]string{"stream_name": "R3", "stream_leader": leader}); len(all) != 3 {
			return fmt.Errorf("stream_leader=%s on %d servers, want 3: %v", leader, len(all), all)
		}
		replicas := byServer(mfs, "newsflow_jetstream_stream_replicas", stream)
		current := byServer(mfs, "newsflow_jetstream_stream_replicas_current", stream)
		if len(replicas) != 1 || replicas[leader] != 3 || current[leader] != 3 {
			return fmt.Errorf("replicas %v, current %v: only the leader %s reports them, 3 and 3", replicas, current, leader)
		}
		if msgs := byServer(mfs, "jetstream_stream_total_messages", map[string]string{"stream_name": "R3"}); msgs["n1"] != 3 || msgs["n2"] != 3 || msgs["n3"] != 3 {
			return fmt.Errorf("stream messages per server %v, want 3 on each", msgs)
		}
		return nil
	})

	// Stop a follower: the leader must report one replica fewer current.
	for i, s := range servers {
		if name := fmt.Sprintf("n%d", i+1); name != leader {
			s.Shutdown()
			s.WaitForShutdown()
			sources = append(sources[:i:i], sources[i+1:]...)
			t.Logf("stopped follower %s of leader %s", name, leader)
			break
		}
	}
	waitCluster("a replica lost", func(mfs map[string]*dto.MetricFamily) error {
		if got := byServer(mfs, "newsflow_jetstream_stream_replicas_current", stream)[leader]; got != 2 {
			return fmt.Errorf("leader %s reports %v current replicas, want 2", leader, got)
		}
		if got := byServer(mfs, "newsflow_jetstream_stream_replicas", stream)[leader]; got != 3 {
			return fmt.Errorf("leader %s reports %v replicas, want 3", leader, got)
		}
		return nil
	})
}
