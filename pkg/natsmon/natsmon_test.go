package natsmon_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natsembed"
	"github.com/newsflow/newsflow/pkg/natsmon"
	"github.com/newsflow/newsflow/pkg/natstest"
)

// gather registers c on a fresh registry and returns the families by name.
func gather(t *testing.T, c prometheus.Collector) map[string]*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := make(map[string]*dto.MetricFamily, len(mfs))
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

// value returns the value of the series of name whose labels include want.
func value(t *testing.T, mfs map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	mf, ok := mfs[name]
	if !ok {
		t.Fatalf("metric %s missing", name)
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
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		}
	}
	t.Fatalf("metric %s has no series with labels %v", name, want)
	return 0
}

func TestCollectorReadsServer(t *testing.T) {
	srv := natstest.RunServerWith(t, natsembed.Config{MonitorAddr: "127.0.0.1:-1", ServerName: "natsmon-test"})
	nc, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 3 {
		if _, err := js.Publish(ctx, natsbus.RawSubject("test"), []byte(fmt.Sprintf(`{"n":%d}`, i))); err != nil {
			t.Fatalf("publish: %v", err)
		}
	}
	_ = nc
	if _, err := js.CreateOrUpdateConsumer(ctx, natsbus.StreamRaw, jetstream.ConsumerConfig{
		Durable: natsbus.StageIngest, AckPolicy: jetstream.AckExplicitPolicy, MaxAckPending: 100,
	}); err != nil {
		t.Fatalf("create consumer: %v", err)
	}
	// An ephemeral consumer, as a key-value watcher makes: a random name.
	if _, err := js.OrderedConsumer(ctx, natsbus.StreamRaw, jetstream.OrderedConsumerConfig{}); err != nil {
		t.Fatalf("create an ordered consumer: %v", err)
	}
	httpSrc, err := natsmon.NewHTTPSource("http://"+srv.MonitorAddr().String()+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		src      natsmon.Source
		endpoint string
	}{
		{"http", httpSrc, "http://" + srv.MonitorAddr().String()},
		{"embedded", natsembed.NewMonitorSource(srv), "embedded:natsmon-test"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mfs := gather(t, natsmon.NewCollector(5*time.Second, c.src))
			srvLabel := map[string]string{"server_name": "natsmon-test"}
			raw := map[string]string{"stream_name": natsbus.StreamRaw}
			dlq := map[string]string{"stream_name": natsbus.StreamDLQ}
			ingest := map[string]string{"consumer_name": natsbus.StageIngest, "is_consumer_leader": "true"}
			checks := []struct {
				metric string
				labels map[string]string
				want   func(float64) bool
				what   string
			}{
				{"newsflow_nats_up", map[string]string{"endpoint": c.endpoint}, eq(1), "1"},
				{"gnatsd_varz_connections", nil, ge(1), ">= 1"},
				{"gnatsd_varz_in_msgs", nil, ge(3), ">= 3"},
				{"gnatsd_varz_mem", nil, ge(1), "> 0"},
				{"gnatsd_varz_slow_consumers", nil, eq(0), "0"},
				{"gnatsd_varz_jetstream_config_max_storage", nil, ge(1), "> 0"},
				{"gnatsd_varz_jetstream_stats_storage", nil, ge(1), "> 0"},
				{"gnatsd_varz_jetstream_stats_api_total", nil, ge(3), ">= 3"},
				{"gnatsd_varz_server_name", map[string]string{"value": "natsmon-test"}, eq(1), "1"},
				{"gnatsd_connz_num_connections", nil, ge(1), ">= 1"},
				{"gnatsd_connz_in_msgs", nil, ge(3), ">= 3"},
				{"gnatsd_routez_num_routes", nil, eq(0), "0"},
				{"jetstream_server_jetstream_disabled", srvLabel, eq(0), "0"},
				{"jetstream_server_total_streams", map[string]string{"server_name": "natsmon-test", "is_meta_leader": "true"}, ge(3), ">= 3"},
				{"jetstream_server_total_messages", srvLabel, ge(3), ">= 3"},
				{"jetstream_server_max_storage", srvLabel, ge(1), "> 0"},
				{"jetstream_stream_total_messages", raw, eq(3), "3"},
				{"jetstream_stream_total_messages", dlq, eq(0), "0"},
				{"jetstream_stream_total_bytes", raw, ge(30), ">= 30"},
				{"jetstream_stream_last_seq", raw, eq(3), "3"},
				{"jetstream_stream_consumer_count", map[string]string{"stream_name": natsbus.StreamRaw, "is_stream_leader": "true", "account": "$G"}, eq(2), "2 (the durable and the ordered one)"},
				{"jetstream_consumer_num_pending", ingest, eq(3), "3"},
				{"jetstream_consumer_num_ack_pending", ingest, eq(0), "0"},
				{"newsflow_jetstream_stream_replicas", raw, eq(1), "1"},
				{"newsflow_jetstream_stream_replicas_current", raw, eq(1), "1"},
				{"newsflow_jetstream_consumer_max_ack_pending", map[string]string{"stream_name": natsbus.StreamRaw, "consumer_name": natsbus.StageIngest}, eq(100), "100"},
			}
			for _, ch := range checks {
				if got := value(t, mfs, ch.metric, ch.labels); !ch.want(got) {
					t.Errorf("%s%v = %v, want %s", ch.metric, ch.labels, got, ch.what)
				}
			}
			if n := testutil.CollectAndCount(natsmon.NewCollector(0, c.src), "gnatsd_varz_version"); n != 1 {
				t.Errorf("gnatsd_varz_version: %d series, want 1", n)
			}
			// An ephemeral consumer (a key-value watcher's) is not a label value.
			for _, m := range mfs["jetstream_consumer_num_pending"].GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "consumer_name" && l.GetValue() != natsbus.StageIngest {
						t.Errorf("consumer %q exported; only the durable %s should be", l.GetValue(), natsbus.StageIngest)
					}
				}
			}
		})
	}
}

func eq(want float64) func(float64) bool { return func(v float64) bool { return v == want } }
func ge(min float64) func(float64) bool  { return func(v float64) bool { return v >= min } }

func TestCollectorReportsUnreachableServer(t *testing.T) {
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer broken.Close()
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("{not json"))
	}))
	defer garbage.Close()
	cases := []struct{ name, url string }{
		{"refused", "http://127.0.0.1:1"},
		{"server error", broken.URL},
		{"not json", garbage.URL},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src, err := natsmon.NewHTTPSource(c.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			coll := natsmon.NewCollector(2*time.Second, src)
			want := fmt.Sprintf(`
# HELP newsflow_nats_up 1 when the NATS server's monitoring endpoints answered the last scrape, else 0.
# TYPE newsflow_nats_up gauge
newsflow_nats_up{endpoint=%q} 0
`, c.url)
			if err := testutil.CollectAndCompare(coll, strings.NewReader(want)); err != nil {
				t.Fatal(err)
			}
			if n := testutil.CollectAndCount(coll); n != 1 {
				t.Fatalf("%d series from an unreachable server, want only newsflow_nats_up", n)
			}
		})
	}
}

func TestNewHTTPSources(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		want    int
		wantErr bool
	}{
		{"one", "http://nats:8222", 1, false},
		{"three with spaces", "http://nats-1:8222, http://nats-2:8222 ,http://nats-3:8222", 3, false},
		{"empty", "", 0, false},
		{"nats scheme", "nats://nats:4222", 0, true},
		{"no host", "http://", 0, true},
		{"garbage", "http://[::1", 0, true},
		{"dns name", "dns+http://localhost:8222", 1, false},
		{"dns name without port", "dns+http://localhost", 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := natsmon.NewHTTPSources(c.in, nil)
			if c.wantErr {
				if !errors.Is(err, natsmon.ErrInvalidURL) {
					t.Fatalf("err = %v, want ErrInvalidURL", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sources, err := got.Sources(context.Background())
			if err != nil || len(sources) < c.want || c.want < 2 && len(sources) > 2 {
				t.Fatalf("got %d sources, err %v; want %d", len(sources), err, c.want)
			}
		})
	}
}

// A name that does not resolve reports newsflow_nats_up 0 for it, so that
// NewsflowNATSDown fires rather than the NATS series silently vanishing.
func TestUnresolvableNameIsDown(t *testing.T) {
	l, err := natsmon.NewHTTPSources("dns+http://nats-headless.invalid:8222", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `
# HELP newsflow_nats_up 1 when the NATS server's monitoring endpoints answered the last scrape, else 0.
# TYPE newsflow_nats_up gauge
newsflow_nats_up{endpoint="dns+http://nats-headless.invalid:8222"} 0
`
	if err := testutil.CollectAndCompare(natsmon.NewListerCollector(2*time.Second, l), strings.NewReader(want)); err != nil {
		t.Fatal(err)
	}
}
