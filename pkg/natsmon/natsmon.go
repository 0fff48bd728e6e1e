// Package natsmon exposes the health of the NATS servers and of JetStream as
// Prometheus metrics (newsflow_nats_*, newsflow_jetstream_*), read from the
// servers' monitoring endpoints (/varz, /jsz) or, for `newsflow up`, from the
// embedded server itself (natsembed.MonitorSource). prometheus-nats-exporter does the same job where it
// can be installed; this keeps a newsflow deployment self-contained.
//
// Register a Collector on an explicit registry: every scrape of /metrics then
// reads every source once, within the collector's timeout.
package natsmon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// MaxResponseBytes bounds a monitoring response read over HTTP.
const MaxResponseBytes = 32 << 20

// DefaultTimeout bounds the reads of one scrape.
const DefaultTimeout = 3 * time.Second

// ErrInvalidURL is returned by NewHTTPSource for a URL it cannot use.
var ErrInvalidURL = errors.New("invalid NATS monitoring URL")

// Varz is the part of a server's /varz answer the collector reads.
type Varz struct {
	Name    string `json:"server_name"`
	Version string `json:"version"`
	Cluster struct {
		Name string `json:"name"`
	} `json:"cluster"`
	Connections   int       `json:"connections"`
	Subscriptions uint32    `json:"subscriptions"`
	Routes        int       `json:"routes"`
	InMsgs        int64     `json:"in_msgs"`
	OutMsgs       int64     `json:"out_msgs"`
	InBytes       int64     `json:"in_bytes"`
	OutBytes      int64     `json:"out_bytes"`
	SlowConsumers int64     `json:"slow_consumers"`
	Mem           int64     `json:"mem"`
	CPU           float64   `json:"cpu"`
	Start         time.Time `json:"start"`
}

// Jsz is the part of a server's /jsz?accounts=true&streams=true answer the
// collector reads.
type Jsz struct {
	Disabled bool `json:"disabled"`
	Config   struct {
		MaxMemory int64 `json:"max_memory"`
		MaxStore  int64 `json:"max_storage"`
	} `json:"config"`
	Memory    uint64 `json:"memory"`
	Store     uint64 `json:"storage"`
	Streams   int    `json:"streams"`
	Consumers int    `json:"consumers"`
	Messages  uint64 `json:"messages"`
	Bytes     uint64 `json:"bytes"`
	API       struct {
		Total  uint64 `json:"total"`
		Errors uint64 `json:"errors"`
	} `json:"api"`
	Meta           *Cluster   `json:"meta_cluster"`
	AccountDetails []*Account `json:"account_details"`
}

// Cluster is a replica group: the JetStream meta group or a stream's.
type Cluster struct {
	Leader   string  `json:"leader"`
	Size     int     `json:"cluster_size"`
	Replicas []*Peer `json:"replicas"`
}

// Peer is a follower of a replica group.
type Peer struct {
	Name    string `json:"name"`
	Current bool   `json:"current"`
	Offline bool   `json:"offline"`
	Lag     uint64 `json:"lag"`
}

// Account holds the streams of one account.
type Account struct {
	Name    string   `json:"name"`
	Streams []Stream `json:"stream_detail"`
}

// Stream is one stream's replica on a server.
type Stream struct {
	Name    string   `json:"name"`
	Cluster *Cluster `json:"cluster"`
	State   struct {
		Msgs      uint64 `json:"messages"`
		Bytes     uint64 `json:"bytes"`
		Consumers int    `json:"consumer_count"`
	} `json:"state"`
	Consumers []*Consumer `json:"consumer_detail"`
}

// Consumer is one consumer's replica on a server.
type Consumer struct {
	Name   string `json:"name"`
	Config struct {
		MaxAckPending int `json:"max_ack_pending"`
		MaxDeliver    int `json:"max_deliver"`
	} `json:"config"`
	Cluster        *Cluster `json:"cluster"`
	NumAckPending  int      `json:"num_ack_pending"`
	NumRedelivered int      `json:"num_redelivered"`
	NumWaiting     int      `json:"num_waiting"`
	NumPending     uint64   `json:"num_pending"`
}

// Source reads a NATS server's state.
type Source interface {
	// Name identifies the source in the endpoint label: a URL, or
	// "embedded:<server name>".
	Name() string
	Varz(ctx context.Context) (*Varz, error)
	Jsz(ctx context.Context) (*Jsz, error)
}

// HTTPSource reads a server's monitoring endpoints over HTTP.
type HTTPSource struct {
	base   *url.URL
	client *http.Client
}

// NewHTTPSource returns a source for the monitoring endpoint at rawURL
// (http://host:8222). client may be nil for a default one.
//
// It returns ErrInvalidURL when rawURL is not an http(s) URL with a host.
func NewHTTPSource(rawURL string, client *http.Client) (*HTTPSource, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", ErrInvalidURL, rawURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w %q: want http://host:port (the server's http_port, 8222 by default)", ErrInvalidURL, rawURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawQuery = ""
	if client == nil {
		client = &http.Client{}
	}
	return &HTTPSource{base: u, client: client}, nil
}

// NewHTTPSources returns a source per URL of a comma-separated list.
func NewHTTPSources(urls string, client *http.Client) ([]Source, error) {
	var out []Source
	for _, u := range strings.Split(urls, ",") {
		if strings.TrimSpace(u) == "" {
			continue
		}
		s, err := NewHTTPSource(u, client)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Name returns the base URL.
func (s *HTTPSource) Name() string { return s.base.String() }

// Varz reads /varz.
func (s *HTTPSource) Varz(ctx context.Context) (*Varz, error) {
	var v Varz
	if err := s.get(ctx, "/varz", nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// Jsz reads /jsz with account, stream and consumer details.
func (s *HTTPSource) Jsz(ctx context.Context) (*Jsz, error) {
	var j Jsz
	if err := s.get(ctx, "/jsz", url.Values{"accounts": {"true"}, "streams": {"true"}, "consumers": {"true"}, "config": {"true"}}, &j); err != nil {
		return nil, err
	}
	return &j, nil
}

func (s *HTTPSource) get(ctx context.Context, path string, q url.Values, into any) error {
	u := *s.base
	u.Path += path
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("build request for %s: %w", u.Redacted(), err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("get %s: %w", u.Redacted(), err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
		return fmt.Errorf("get %s: %s: %s", u.Redacted(), resp.Status, strings.TrimSpace(string(body)))
	}
	if err := decode(resp.Body, into); err != nil {
		return fmt.Errorf("read %s: %w", u.Redacted(), err)
	}
	return nil
}

// decode reads one JSON document of at most MaxResponseBytes.
func decode(r io.Reader, into any) error {
	lr := &io.LimitedReader{R: r, N: MaxResponseBytes + 1}
	if err := json.NewDecoder(lr).Decode(into); err != nil {
		return fmt.Errorf("decode json: %w", err)
	}
	if lr.N <= 0 {
		return fmt.Errorf("response larger than %d bytes", MaxResponseBytes)
	}
	return nil
}

// Decode reads one monitoring answer (/varz into a Varz, /jsz into a Jsz)
// of at most MaxResponseBytes.
func Decode(r io.Reader, into any) error { return decode(r, into) }

// Collector is a prometheus.Collector over one or more sources.
type Collector struct {
	sources []Source
	timeout time.Duration

	up, info, connections, subscriptions, routes            *prometheus.Desc
	inMsgs, outMsgs, inBytes, outBytes, slowConsumers       *prometheus.Desc
	memory, cpu, startTime                                  *prometheus.Desc
	jsEnabled, jsMemory, jsStorage, jsMaxMemory, jsMaxStor  *prometheus.Desc
	jsStreams, jsConsumers, jsMessages, jsBytes             *prometheus.Desc
	jsAPIRequests, jsAPIErrors, jsClusterSize, jsMetaLead   *prometheus.Desc
	jsClusterPeersCurrent                                   *prometheus.Desc
	stMessages, stBytes, stConsumers, stLeader              *prometheus.Desc
	stReplicas, stReplicasCurrent, stReplicaLag             *prometheus.Desc
	coPending, coAckPending, coMaxAckPending, coRedelivered *prometheus.Desc
	coWaiting                                               *prometheus.Desc
}

// NewCollector returns a collector reading sources on every scrape, each
// within timeout (DefaultTimeout when 0).
func NewCollector(timeout time.Duration, sources ...Source) *Collector {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	srv := []string{"server"}
	st := []string{"server", "stream"}
	co := []string{"server", "stream", "consumer"}
	d := prometheus.NewDesc
	return &Collector{
		sources: sources,
		timeout: timeout,

		up:            d("newsflow_nats_up", "1 when the NATS server's monitoring endpoints answered the last scrape, else 0.", []string{"endpoint"}, nil),
		info:          d("newsflow_nats_server_info", "NATS server version and cluster; always 1.", []string{"server", "version", "cluster"}, nil),
		connections:   d("newsflow_nats_connections", "Client connections open on the server.", srv, nil),
		subscriptions: d("newsflow_nats_subscriptions", "Subscriptions on the server.", srv, nil),
		routes:        d("newsflow_nats_routes", "Cluster routes connected to the server.", srv, nil),
		inMsgs:        d("newsflow_nats_in_msgs_total", "Messages the server received.", srv, nil),
		outMsgs:       d("newsflow_nats_out_msgs_total", "Messages the server sent.", srv, nil),
		inBytes:       d("newsflow_nats_in_bytes_total", "Bytes the server received.", srv, nil),
		outBytes:      d("newsflow_nats_out_bytes_total", "Bytes the server sent.", srv, nil),
		slowConsumers: d("newsflow_nats_slow_consumers_total", "Clients the server disconnected for being too slow.", srv, nil),
		memory:        d("newsflow_nats_memory_bytes", "Resident memory of the server process.", srv, nil),
		cpu:           d("newsflow_nats_cpu_percent", "CPU use of the server process, percent of one core.", srv, nil),
		startTime:     d("newsflow_nats_start_time_seconds", "Start time of the server, Unix seconds.", srv, nil),

		jsEnabled:             d("newsflow_jetstream_enabled", "1 when JetStream is enabled on the server.", srv, nil),
		jsMemory:              d("newsflow_jetstream_memory_bytes", "Memory used by JetStream memory storage.", srv, nil),
		jsStorage:             d("newsflow_jetstream_storage_bytes", "Disk used by JetStream file storage.", srv, nil),
		jsMaxMemory:           d("newsflow_jetstream_memory_max_bytes", "JetStream memory storage limit of the server.", srv, nil),
		jsMaxStor:             d("newsflow_jetstream_storage_max_bytes", "JetStream file storage limit of the server.", srv, nil),
		jsStreams:             d("newsflow_jetstream_streams", "Streams with a replica on the server.", srv, nil),
		jsConsumers:           d("newsflow_jetstream_consumers", "Consumers with a replica on the server.", srv, nil),
		jsMessages:            d("newsflow_jetstream_messages", "Messages stored by the server's stream replicas.", srv, nil),
		jsBytes:               d("newsflow_jetstream_bytes", "Bytes stored by the server's stream replicas.", srv, nil),
		jsAPIRequests:         d("newsflow_jetstream_api_requests_total", "JetStream API requests the server handled.", srv, nil),
		jsAPIErrors:           d("newsflow_jetstream_api_errors_total", "JetStream API requests that ended in an error.", srv, nil),
		jsClusterSize:         d("newsflow_jetstream_cluster_size", "JetStream meta cluster size as the server knows it (1 when not clustered).", srv, nil),
		jsMetaLead:            d("newsflow_jetstream_meta_leader", "1 when the server is the JetStream meta leader (always 1 when not clustered).", srv, nil),
		jsClusterPeersCurrent: d("newsflow_jetstream_cluster_peers_current", "Meta cluster peers that are current and online, the leader included, as the server sees them.", srv, nil),

		stMessages:        d("newsflow_jetstream_stream_messages", "Messages in the stream replica on the server.", st, nil),
		stBytes:           d("newsflow_jetstream_stream_bytes", "Bytes in the stream replica on the server.", st, nil),
		stConsumers:       d("newsflow_jetstream_stream_consumers", "Consumers of the stream.", st, nil),
		stLeader:          d("newsflow_jetstream_stream_leader", "1 when the server leads the stream's replica group (always 1 when not clustered).", st, nil),
		stReplicas:        d("newsflow_jetstream_stream_replicas", "Replicas of the stream, as its leader reports them.", st, nil),
		stReplicasCurrent: d("newsflow_jetstream_stream_replicas_current", "Replicas of the stream that are current and online, the leader included, as its leader reports them.", st, nil),
		stReplicaLag:      d("newsflow_jetstream_stream_replica_lag", "Largest replication lag, in operations, of the stream's followers, as its leader reports it.", st, nil),

		coPending:       d("newsflow_jetstream_consumer_pending", "Messages not yet delivered to the consumer, as its leader reports them.", co, nil),
		coAckPending:    d("newsflow_jetstream_consumer_ack_pending", "Messages delivered to the consumer and not yet acknowledged, as its leader reports them.", co, nil),
		coMaxAckPending: d("newsflow_jetstream_consumer_max_ack_pending", "The consumer's MaxAckPending: deliveries stop when ack pending reaches it.", co, nil),
		coRedelivered:   d("newsflow_jetstream_consumer_redelivered", "Messages redelivered to the consumer and not yet acknowledged, as its leader reports them.", co, nil),
		coWaiting:       d("newsflow_jetstream_consumer_waiting", "Pull requests waiting on the consumer: idle fetchers of its replicas.", co, nil),
	}
}

// Describe sends every metric's description.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.up, c.info, c.connections, c.subscriptions, c.routes, c.inMsgs, c.outMsgs, c.inBytes, c.outBytes,
		c.slowConsumers, c.memory, c.cpu, c.startTime, c.jsEnabled, c.jsMemory, c.jsStorage, c.jsMaxMemory,
		c.jsMaxStor, c.jsStreams, c.jsConsumers, c.jsMessages, c.jsBytes, c.jsAPIRequests, c.jsAPIErrors,
		c.jsClusterSize, c.jsMetaLead, c.jsClusterPeersCurrent, c.stMessages, c.stBytes, c.stConsumers,
		c.stLeader, c.stReplicas, c.stReplicasCurrent, c.stReplicaLag,
		c.coPending, c.coAckPending, c.coMaxAckPending, c.coRedelivered, c.coWaiting,
	} {
		ch <- d
	}
}

// Collect reads every source concurrently and sends its metrics. A source
// that does not answer reports newsflow_nats_up 0 and nothing else.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, s := range c.sources {
		wg.Go(func() { c.collect(ctx, s, ch) })
	}
	wg.Wait()
}

func (c *Collector) collect(ctx context.Context, s Source, ch chan<- prometheus.Metric) {
	v, err := s.Varz(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0, s.Name())
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1, s.Name())
	name := v.Name
	gauge := func(d *prometheus.Desc, val float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, val, append([]string{name}, labels...)...)
	}
	counter := func(d *prometheus.Desc, val float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, val, name)
	}
	ch <- prometheus.MustNewConstMetric(c.info, prometheus.GaugeValue, 1, name, v.Version, v.Cluster.Name)
	gauge(c.connections, float64(v.Connections))
	gauge(c.subscriptions, float64(v.Subscriptions))
	gauge(c.routes, float64(v.Routes))
	counter(c.inMsgs, float64(v.InMsgs))
	counter(c.outMsgs, float64(v.OutMsgs))
	counter(c.inBytes, float64(v.InBytes))
	counter(c.outBytes, float64(v.OutBytes))
	counter(c.slowConsumers, float64(v.SlowConsumers))
	gauge(c.memory, float64(v.Mem))
	gauge(c.cpu, v.CPU)
	if !v.Start.IsZero() {
		gauge(c.startTime, float64(v.Start.UnixNano())/1e9)
	}

	j, err := s.Jsz(ctx)
	if err != nil {
		// The server answered /varz: it is up, its JetStream state unknown.
		return
	}
	if j.Disabled {
		gauge(c.jsEnabled, 0)
		return
	}
	gauge(c.jsEnabled, 1)
	gauge(c.jsMemory, float64(j.Memory))
	gauge(c.jsStorage, float64(j.Store))
	gauge(c.jsMaxMemory, float64(j.Config.MaxMemory))
	gauge(c.jsMaxStor, float64(j.Config.MaxStore))
	gauge(c.jsStreams, float64(j.Streams))
	gauge(c.jsConsumers, float64(j.Consumers))
	gauge(c.jsMessages, float64(j.Messages))
	gauge(c.jsBytes, float64(j.Bytes))
	counter(c.jsAPIRequests, float64(j.API.Total))
	counter(c.jsAPIErrors, float64(j.API.Errors))
	size, leader, current := 1.0, 1.0, 1.0
	if m := j.Meta; m != nil && m.Size > 0 {
		size = float64(m.Size)
		leader = 0
		if m.Leader == name {
			leader = 1
		}
		current = float64(countCurrent(m.Replicas))
		if m.Leader != "" {
			current++
		}
	}
	gauge(c.jsClusterSize, size)
	gauge(c.jsMetaLead, leader)
	gauge(c.jsClusterPeersCurrent, current)

	for _, acc := range j.AccountDetails {
		if acc == nil {
			continue
		}
		for _, sd := range acc.Streams {
			c.collectConsumers(name, sd, gauge)
			gauge(c.stMessages, float64(sd.State.Msgs), sd.Name)
			gauge(c.stBytes, float64(sd.State.Bytes), sd.Name)
			gauge(c.stConsumers, float64(sd.State.Consumers), sd.Name)
			if !leads(sd.Cluster, name) {
				gauge(c.stLeader, 0, sd.Name)
				continue
			}
			gauge(c.stLeader, 1, sd.Name)
			replicas, cur, lag := 1, 1, uint64(0)
			if sd.Cluster != nil {
				replicas += len(sd.Cluster.Replicas)
				cur += countCurrent(sd.Cluster.Replicas)
				for _, p := range sd.Cluster.Replicas {
					if p != nil && p.Lag > lag {
						lag = p.Lag
					}
				}
			}
			gauge(c.stReplicas, float64(replicas), sd.Name)
			gauge(c.stReplicasCurrent, float64(cur), sd.Name)
			gauge(c.stReplicaLag, float64(lag), sd.Name)
		}
	}
}

// collectConsumers sends the state of the stream's consumers that name leads.
func (c *Collector) collectConsumers(name string, sd Stream, gauge func(*prometheus.Desc, float64, ...string)) {
	for _, co := range sd.Consumers {
		if co == nil || !leads(co.Cluster, name) {
			continue
		}
		gauge(c.coPending, float64(co.NumPending), sd.Name, co.Name)
		gauge(c.coAckPending, float64(co.NumAckPending), sd.Name, co.Name)
		gauge(c.coMaxAckPending, float64(co.Config.MaxAckPending), sd.Name, co.Name)
		gauge(c.coRedelivered, float64(co.NumRedelivered), sd.Name, co.Name)
		gauge(c.coWaiting, float64(co.NumWaiting), sd.Name, co.Name)
	}
}

// leads reports whether server name leads the replica group cl; a server
// outside a cluster leads every group.
func leads(cl *Cluster, name string) bool {
	return cl == nil || cl.Leader == "" && len(cl.Replicas) == 0 || cl.Leader == name
}

func countCurrent(peers []*Peer) int {
	n := 0
	for _, p := range peers {
		if p != nil && p.Current && !p.Offline {
			n++
		}
	}
	return n
}
