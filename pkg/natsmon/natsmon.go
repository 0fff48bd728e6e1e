// Package natsmon exports the health of NATS servers and of JetStream as
// Prometheus metrics under the names and labels of the NATS project's own
// exporter, prometheus-nats-exporter (gnatsd_varz_*, gnatsd_connz_*,
// gnatsd_routez_*, jetstream_server_*, jetstream_stream_*,
// jetstream_consumer_*), so that the official NATS dashboards and alerts
// apply as they are. It reads the servers' monitoring endpoints (/varz,
// /connz, /routez, /jsz) over HTTP or, for `newsflow up`, the embedded
// server itself (natsembed.MonitorSource).
//
// Besides those it exports a few series the exporter lacks and newsflow's
// dashboard and alerts use: newsflow_nats_up{endpoint}, and from each
// stream's leader newsflow_jetstream_stream_replicas,
// newsflow_jetstream_stream_replicas_current and
// newsflow_jetstream_stream_replica_lag{server_name,stream_name}, and
// newsflow_jetstream_consumer_max_ack_pending{server_name,stream_name,consumer_name}
// (labelled as the exporter's families, so that they join with them).
//
// Run one Collector per set of NATS servers (newsflow up, or the
// `newsflow nats-monitor` role), not one per worker replica: every scrape
// reads every source once, within the collector's timeout. Consumers
// without a durable name (ephemeral ones, such as key-value watchers) are
// left out, so their random names never become label values.
package natsmon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
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

// The monitoring endpoints a Source serves.
const (
	EndpointVarz   = "varz"
	EndpointConnz  = "connz"
	EndpointRoutez = "routez"
	EndpointJsz    = "jsz"
)

// Source reads a NATS server's monitoring documents.
type Source interface {
	// Name identifies the source in the endpoint label: a URL, or
	// "embedded:<server name>".
	Name() string
	// Get returns the JSON document of endpoint (EndpointVarz, ...), as
	// the server's HTTP endpoint serves it (/jsz with accounts, streams,
	// consumers and config).
	Get(ctx context.Context, endpoint string) ([]byte, error)
}

// Lister returns the sources to read at one scrape: a fixed list, or one
// discovered from DNS at every scrape (DNSSources).
type Lister interface {
	Sources(ctx context.Context) ([]Source, error)
}

// Static is a fixed list of sources.
type Static []Source

// Sources returns the list.
func (s Static) Sources(context.Context) ([]Source, error) { return s, nil }

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
	u, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if client == nil {
		client = &http.Client{}
	}
	return &HTTPSource{base: u, client: client}, nil
}

func parseURL(rawURL string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", ErrInvalidURL, rawURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w %q: want http://host:port (the server's http_port, 8222 by default), or dns+http://name:port for every address of a DNS name", ErrInvalidURL, rawURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawQuery = ""
	return u, nil
}

// NewHTTPSources returns the sources of a comma-separated list of URLs.
// A URL dns+http://name:port (or dns+https) stands for every address the
// name resolves to, looked up at each scrape: a headless Service of the
// NATS StatefulSet finds every server without naming them.
func NewHTTPSources(urls string, client *http.Client) (Lister, error) {
	var static Static
	var lists []Lister
	for _, u := range strings.Split(urls, ",") {
		u = strings.TrimSpace(u)
		if u == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(u, "dns+"); ok {
			d, err := NewDNSSources(rest, client)
			if err != nil {
				return nil, err
			}
			lists = append(lists, d)
			continue
		}
		s, err := NewHTTPSource(u, client)
		if err != nil {
			return nil, err
		}
		static = append(static, s)
	}
	if len(lists) == 0 {
		return static, nil
	}
	if len(static) > 0 {
		lists = append(lists, static)
	}
	return multi(lists), nil
}

type multi []Lister

// Sources lists every lister's sources; the first failure is returned
// with the sources of the others.
func (m multi) Sources(ctx context.Context) ([]Source, error) {
	var out []Source
	var first error
	for _, l := range m {
		s, err := l.Sources(ctx)
		if err != nil && first == nil {
			first = err
		}
		out = append(out, s...)
	}
	return out, first
}

// DNSSources is one HTTPSource per address of a DNS name, resolved at
// every scrape.
type DNSSources struct {
	base     *url.URL
	client   *http.Client
	resolver *net.Resolver
}

// NewDNSSources returns the sources behind rawURL (http://name:port).
func NewDNSSources(rawURL string, client *http.Client) (*DNSSources, error) {
	u, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if u.Port() == "" {
		return nil, fmt.Errorf("%w %q: dns+ URLs need the monitoring port (dns+http://nats-headless:8222)", ErrInvalidURL, rawURL)
	}
	if client == nil {
		client = &http.Client{}
	}
	return &DNSSources{base: u, client: client, resolver: net.DefaultResolver}, nil
}

// ListError is returned by a Lister that could not list its sources;
// Endpoint names them, for the newsflow_nats_up series that says so.
type ListError struct {
	Endpoint string
	Err      error
}

func (e *ListError) Error() string { return e.Endpoint + ": " + e.Err.Error() }
func (e *ListError) Unwrap() error { return e.Err }

// Sources resolves the name. It returns a *ListError when the name does
// not resolve.
func (d *DNSSources) Sources(ctx context.Context) ([]Source, error) {
	addrs, err := d.resolver.LookupHost(ctx, d.base.Hostname())
	if err != nil {
		return nil, &ListError{Endpoint: "dns+" + d.base.String(), Err: fmt.Errorf("resolve nats monitoring name %s: %w", d.base.Hostname(), err)}
	}
	sort.Strings(addrs)
	out := make([]Source, 0, len(addrs))
	for _, a := range addrs {
		u := *d.base
		u.Host = net.JoinHostPort(a, d.base.Port())
		out = append(out, &HTTPSource{base: &u, client: d.client})
	}
	return out, nil
}

// Name returns the base URL.
func (s *HTTPSource) Name() string { return s.base.String() }

// Get reads one endpoint.
func (s *HTTPSource) Get(ctx context.Context, endpoint string) ([]byte, error) {
	u := *s.base
	u.Path += "/" + endpoint
	if endpoint == EndpointJsz {
		u.RawQuery = url.Values{"accounts": {"true"}, "streams": {"true"}, "consumers": {"true"}, "config": {"true"}}.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("build request for %s: %w", u.Redacted(), err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", u.Redacted(), err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
		return nil, fmt.Errorf("get %s: %s: %s", u.Redacted(), resp.Status, strings.TrimSpace(string(body)))
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", u.Redacted(), err)
	}
	if len(b) > MaxResponseBytes {
		return nil, fmt.Errorf("read %s: response larger than %d bytes", u.Redacted(), MaxResponseBytes)
	}
	return b, nil
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

// Decode reads one monitoring answer of at most MaxResponseBytes.
func Decode(r io.Reader, into any) error { return decode(r, into) }

// Collector is a prometheus.Collector over the sources of a Lister. It is
// unchecked: the /varz families follow what each server reports.
type Collector struct {
	lister  Lister
	timeout time.Duration

	up                                                 *prometheus.Desc
	stReplicas, stReplicasCurrent, stReplicaLag, coMax *prometheus.Desc

	mu    sync.Mutex
	descs map[string]*prometheus.Desc
}

// NewCollector returns a collector reading sources on every scrape, each
// within timeout (DefaultTimeout when 0).
func NewCollector(timeout time.Duration, sources ...Source) *Collector {
	return NewListerCollector(timeout, Static(sources))
}

// NewListerCollector returns a collector reading the sources l lists at
// every scrape.
func NewListerCollector(timeout time.Duration, l Lister) *Collector {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	st := []string{"server_name", "stream_name"}
	return &Collector{
		lister:  l,
		timeout: timeout,
		descs:   map[string]*prometheus.Desc{},
		up: prometheus.NewDesc("newsflow_nats_up",
			"1 when the NATS server's monitoring endpoints answered the last scrape, else 0.", []string{"endpoint"}, nil),
		stReplicas: prometheus.NewDesc("newsflow_jetstream_stream_replicas",
			"Replicas of the stream, as its leader reports them.", st, nil),
		stReplicasCurrent: prometheus.NewDesc("newsflow_jetstream_stream_replicas_current",
			"Replicas of the stream that are current and online, the leader included, as its leader reports them.", st, nil),
		stReplicaLag: prometheus.NewDesc("newsflow_jetstream_stream_replica_lag",
			"Largest replication lag, in operations, of the stream's followers, as its leader reports it.", st, nil),
		coMax: prometheus.NewDesc("newsflow_jetstream_consumer_max_ack_pending",
			"The durable consumer's MaxAckPending, as its leader reports it: deliveries stop when ack pending reaches it.", []string{"server_name", "stream_name", "consumer_name"}, nil),
	}
}

// Describe sends nothing: the collector is unchecked.
func (c *Collector) Describe(chan<- *prometheus.Desc) {}

// Collect reads every source concurrently and sends its metrics. A source
// that does not answer /varz reports newsflow_nats_up 0 and nothing else.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	sources, err := c.lister.Sources(ctx)
	var le *ListError
	if errors.As(err, &le) {
		// The servers behind a name that does not resolve are down to us.
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0, le.Endpoint)
	}
	var wg sync.WaitGroup
	for _, s := range sources {
		wg.Go(func() { c.collect(ctx, s, ch) })
	}
	wg.Wait()
}

// desc returns the description of a gnatsd_*/jetstream_* family.
func (c *Collector) desc(name, help string, labels ...string) *prometheus.Desc {
	key := name + "\x00" + strings.Join(labels, ",")
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.descs[key]
	if !ok {
		d = prometheus.NewDesc(name, help, labels, nil)
		c.descs[key] = d
	}
	return d
}

func (c *Collector) collect(ctx context.Context, s Source, ch chan<- prometheus.Metric) {
	raw, err := s.Get(ctx, EndpointVarz)
	var varz map[string]any
	if err == nil {
		d := json.NewDecoder(strings.NewReader(string(raw)))
		d.UseNumber()
		err = d.Decode(&varz)
	}
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0, s.Name())
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1, s.Name())
	id, _ := varz["server_id"].(string)
	name, _ := varz["server_name"].(string)
	c.collectVarz(id, varz, ch)
	if b, err := s.Get(ctx, EndpointConnz); err == nil {
		c.collectConnz(id, b, ch)
	}
	if b, err := s.Get(ctx, EndpointRoutez); err == nil {
		c.collectRoutez(id, b, ch)
	}
	if b, err := s.Get(ctx, EndpointJsz); err == nil {
		c.collectJsz(id, name, b, ch)
	}
}

var metricNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// collectVarz exports every number of /varz, nested objects flattened with
// "_" (jetstream.stats.api.total -> gnatsd_varz_jetstream_stats_api_total),
// and server_id, server_name and version as value labels, as the exporter
// does.
func (c *Collector) collectVarz(id string, varz map[string]any, ch chan<- prometheus.Metric) {
	for _, k := range []string{"server_id", "server_name", "version"} {
		if v, ok := varz[k].(string); ok {
			ch <- prometheus.MustNewConstMetric(c.desc("gnatsd_varz_"+k, k, "server_id", "value"), prometheus.GaugeValue, 1, id, v)
		}
	}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			name := prefix + "_" + k
			if !metricNameRE.MatchString(name) {
				continue
			}
			switch v := v.(type) {
			case json.Number:
				f, err := v.Float64()
				if err != nil {
					continue
				}
				ch <- prometheus.MustNewConstMetric(c.desc(name, k, "server_id"), prometheus.GaugeValue, f, id)
			case map[string]any:
				walk(name, v)
			}
		}
	}
	walk("gnatsd_varz", varz)
}

// connz is the part of /connz the exporter's summary reads.
type connz struct {
	NumConnections float64 `json:"num_connections"`
	Total          float64 `json:"total"`
	Offset         float64 `json:"offset"`
	Limit          float64 `json:"limit"`
	Connections    []struct {
		PendingBytes  float64 `json:"pending_bytes"`
		InMsgs        float64 `json:"in_msgs"`
		OutMsgs       float64 `json:"out_msgs"`
		InBytes       float64 `json:"in_bytes"`
		OutBytes      float64 `json:"out_bytes"`
		Subscriptions float64 `json:"subscriptions"`
	} `json:"connections"`
}

// collectConnz exports the exporter's connz summary (not the per-connection
// detail, whose labels name every client).
func (c *Collector) collectConnz(id string, b []byte, ch chan<- prometheus.Metric) {
	var cz connz
	if err := json.Unmarshal(b, &cz); err != nil {
		return
	}
	var pending, subs, inB, outB, inM, outM float64
	for _, cn := range cz.Connections {
		pending += cn.PendingBytes
		subs += cn.Subscriptions
		inB += cn.InBytes
		outB += cn.OutBytes
		inM += cn.InMsgs
		outM += cn.OutMsgs
	}
	g := func(n string, v float64, t prometheus.ValueType) {
		ch <- prometheus.MustNewConstMetric(c.desc("gnatsd_connz_"+n, n, "server_id"), t, v, id)
	}
	g("num_connections", cz.NumConnections, prometheus.GaugeValue)
	g("total", cz.Total, prometheus.GaugeValue)
	g("offset", cz.Offset, prometheus.GaugeValue)
	g("limit", cz.Limit, prometheus.GaugeValue)
	g("pending_bytes", pending, prometheus.GaugeValue)
	g("subscriptions", subs, prometheus.GaugeValue)
	g("in_bytes", inB, prometheus.CounterValue)
	g("out_bytes", outB, prometheus.CounterValue)
	g("in_msgs", inM, prometheus.CounterValue)
	g("out_msgs", outM, prometheus.CounterValue)
}

// routez is the part of /routez the exporter reads.
type routez struct {
	ServerID   string `json:"server_id"`
	ServerName string `json:"server_name"`
	NumRoutes  int    `json:"num_routes"`
	Routes     []struct {
		Rid           uint64 `json:"rid"`
		RemoteID      string `json:"remote_id"`
		RemoteName    string `json:"remote_name"`
		Account       string `json:"account"`
		IP            string `json:"ip"`
		Compression   string `json:"compression"`
		RTT           string `json:"rtt"`
		InMsgs        int64  `json:"in_msgs"`
		OutMsgs       int64  `json:"out_msgs"`
		InBytes       int64  `json:"in_bytes"`
		OutBytes      int64  `json:"out_bytes"`
		Subscriptions uint32 `json:"subscriptions"`
	} `json:"routes"`
}

func (c *Collector) collectRoutez(id string, b []byte, ch chan<- prometheus.Metric) {
	var rz routez
	if err := json.Unmarshal(b, &rz); err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(c.desc("gnatsd_routez_server_id", "server_id", "server_id", "value"), prometheus.GaugeValue, 1, id, rz.ServerID)
	ch <- prometheus.MustNewConstMetric(c.desc("gnatsd_routez_server_name", "server_name", "server_id", "value"), prometheus.GaugeValue, 1, id, rz.ServerName)
	ch <- prometheus.MustNewConstMetric(c.desc("gnatsd_routez_num_routes", "num_routes", "server_id"), prometheus.GaugeValue, float64(rz.NumRoutes), id)
	for _, r := range rz.Routes {
		rid := strconv.FormatUint(r.Rid, 10)
		ch <- prometheus.MustNewConstMetric(c.desc("gnatsd_routez_route_info", "route_info", "server_id", "rid", "remote_id", "remote_name", "account", "ip", "compression"),
			prometheus.GaugeValue, 1, id, rid, r.RemoteID, r.RemoteName, r.Account, r.IP, r.Compression)
		g := func(n string, v float64) {
			ch <- prometheus.MustNewConstMetric(c.desc("gnatsd_routez_route_"+n, n, "server_id", "rid"), prometheus.GaugeValue, v, id, rid)
		}
		if rtt, err := time.ParseDuration(r.RTT); err == nil {
			g("rtt_seconds", rtt.Seconds())
		}
		g("subscriptions", float64(r.Subscriptions))
		g("in_msgs", float64(r.InMsgs))
		g("out_msgs", float64(r.OutMsgs))
		g("in_bytes", float64(r.InBytes))
		g("out_bytes", float64(r.OutBytes))
	}
}

// Jsz is the part of a server's /jsz?accounts&streams&consumers&config
// answer the collector reads.
type Jsz struct {
	Disabled bool `json:"disabled"`
	Config   struct {
		MaxMemory int64  `json:"max_memory"`
		MaxStore  int64  `json:"max_storage"`
		Domain    string `json:"domain"`
	} `json:"config"`
	Streams        int        `json:"streams"`
	Consumers      int        `json:"consumers"`
	Messages       uint64     `json:"messages"`
	Bytes          uint64     `json:"bytes"`
	Meta           *Cluster   `json:"meta_cluster"`
	AccountDetails []*Account `json:"account_details"`
}

// Cluster is a replica group: the JetStream meta group or a stream's.
type Cluster struct {
	Name     string  `json:"name"`
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
	ID      string   `json:"id"`
	Streams []Stream `json:"stream_detail"`
}

// Stream is one stream's replica on a server.
type Stream struct {
	Name    string   `json:"name"`
	Cluster *Cluster `json:"cluster"`
	State   struct {
		Msgs      uint64 `json:"messages"`
		Bytes     uint64 `json:"bytes"`
		FirstSeq  uint64 `json:"first_seq"`
		LastSeq   uint64 `json:"last_seq"`
		Consumers int    `json:"consumer_count"`
	} `json:"state"`
	Consumers []*Consumer `json:"consumer_detail"`
}

// SeqPair is a consumer's position in its stream.
type SeqPair struct {
	Consumer uint64 `json:"consumer_seq"`
	Stream   uint64 `json:"stream_seq"`
}

// Consumer is one consumer's replica on a server.
type Consumer struct {
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	Config  *struct {
		Durable       string `json:"durable_name"`
		Description   string `json:"description"`
		MaxAckPending int    `json:"max_ack_pending"`
	} `json:"config"`
	Cluster        *Cluster `json:"cluster"`
	Delivered      SeqPair  `json:"delivered"`
	AckFloor       SeqPair  `json:"ack_floor"`
	NumAckPending  int      `json:"num_ack_pending"`
	NumRedelivered int      `json:"num_redelivered"`
	NumWaiting     int      `json:"num_waiting"`
	NumPending     uint64   `json:"num_pending"`
}

// durable reports whether the consumer has a durable name: ephemeral ones
// (key-value watchers, ordered consumers) get random names.
func (co *Consumer) durable() bool { return co.Config != nil && co.Config.Durable != "" }

func boolLabel(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// collectJsz exports the exporter's jetstream_server_*, jetstream_stream_*
// and jetstream_consumer_* families with its labels, and newsflow's
// replica series from stream leaders.
func (c *Collector) collectJsz(id, name string, b []byte, ch chan<- prometheus.Metric) {
	var j Jsz
	if err := json.Unmarshal(b, &j); err != nil {
		return
	}
	cluster, metaLeader, isMetaLeader := "", "", "true"
	if j.Meta != nil {
		cluster, metaLeader = j.Meta.Name, j.Meta.Leader
		isMetaLeader = boolLabel(j.Meta.Leader == name)
	}
	srvLabels := []string{"server_id", "server_name", "cluster", "domain", "meta_leader", "is_meta_leader"}
	srvValues := []string{id, name, cluster, j.Config.Domain, metaLeader, isMetaLeader}
	server := func(n, help string, v float64) {
		ch <- prometheus.MustNewConstMetric(c.desc("jetstream_server_"+n, help, srvLabels...), prometheus.GaugeValue, v, srvValues...)
	}
	disabled := 0.0
	if j.Disabled {
		disabled = 1
	}
	server("jetstream_disabled", "JetStream disabled or not", disabled)
	if j.Disabled {
		return
	}
	server("max_memory", "JetStream Max Memory", float64(j.Config.MaxMemory))
	server("max_storage", "JetStream Max Storage", float64(j.Config.MaxStore))
	server("total_streams", "Total number of streams in JetStream", float64(j.Streams))
	server("total_consumers", "Total number of consumers in JetStream", float64(j.Consumers))
	server("total_messages", "Total number of stored messages in JetStream", float64(j.Messages))
	server("total_message_bytes", "Total number of bytes stored in JetStream", float64(j.Bytes))

	stLabels := append(append([]string(nil), srvLabels...), "account", "account_id", "stream_name", "stream_leader", "is_stream_leader")
	coLabels := append(append([]string(nil), stLabels...), "consumer_name", "consumer_leader", "is_consumer_leader", "consumer_desc", "consumer_created")
	for _, acc := range j.AccountDetails {
		if acc == nil {
			continue
		}
		for _, sd := range acc.Streams {
			leader, isLeader := name, true
			if sd.Cluster != nil && sd.Cluster.Leader != "" {
				leader, isLeader = sd.Cluster.Leader, sd.Cluster.Leader == name
			}
			stValues := append(append([]string(nil), srvValues...), acc.Name, acc.ID, sd.Name, leader, boolLabel(isLeader))
			stream := func(n, help string, v float64) {
				ch <- prometheus.MustNewConstMetric(c.desc("jetstream_stream_"+n, help, stLabels...), prometheus.GaugeValue, v, stValues...)
			}
			stream("total_messages", "Total number of messages from a stream", float64(sd.State.Msgs))
			stream("total_bytes", "Total stored bytes from a stream", float64(sd.State.Bytes))
			stream("first_seq", "First sequence from a stream", float64(sd.State.FirstSeq))
			stream("last_seq", "Last sequence from a stream", float64(sd.State.LastSeq))
			stream("consumer_count", "Total number of consumers from a stream", float64(sd.State.Consumers))
			if isLeader {
				c.collectReplicas(name, sd, ch)
			}
			for _, co := range sd.Consumers {
				if co == nil || !co.durable() {
					continue
				}
				coLeader, coIsLeader := name, true
				if co.Cluster != nil && co.Cluster.Leader != "" {
					coLeader, coIsLeader = co.Cluster.Leader, co.Cluster.Leader == name
				}
				coValues := append(append([]string(nil), stValues...), co.Name, coLeader, boolLabel(coIsLeader), co.Config.Description, co.Created.UTC().Format(time.RFC3339))
				consumer := func(n, help string, v float64) {
					ch <- prometheus.MustNewConstMetric(c.desc("jetstream_consumer_"+n, help, coLabels...), prometheus.GaugeValue, v, coValues...)
				}
				consumer("delivered_consumer_seq", "Latest sequence number of a stream consumer", float64(co.Delivered.Consumer))
				consumer("delivered_stream_seq", "Latest sequence number of a stream", float64(co.Delivered.Stream))
				consumer("num_ack_pending", "Number of pending acks from a consumer", float64(co.NumAckPending))
				consumer("num_redelivered", "Number of redelivered messages from a consumer", float64(co.NumRedelivered))
				consumer("num_waiting", "Number of inflight fetch requests from a pull consumer", float64(co.NumWaiting))
				consumer("num_pending", "Number of pending messages from a consumer", float64(co.NumPending))
				consumer("ack_floor_stream_seq", "Number of ack floor stream seq from a consumer", float64(co.AckFloor.Stream))
				consumer("ack_floor_consumer_seq", "Number of ack floor consumer seq from a consumer", float64(co.AckFloor.Consumer))
				if coIsLeader {
					ch <- prometheus.MustNewConstMetric(c.coMax, prometheus.GaugeValue, float64(co.Config.MaxAckPending), name, sd.Name, co.Name)
				}
			}
		}
	}
}

// collectReplicas sends the replica state of a stream its leader reports.
func (c *Collector) collectReplicas(name string, sd Stream, ch chan<- prometheus.Metric) {
	replicas, cur, lag := 1, 1, uint64(0)
	if sd.Cluster != nil {
		replicas += len(sd.Cluster.Replicas)
		for _, p := range sd.Cluster.Replicas {
			if p == nil {
				continue
			}
			if p.Current && !p.Offline {
				cur++
			}
			if p.Lag > lag {
				lag = p.Lag
			}
		}
	}
	ch <- prometheus.MustNewConstMetric(c.stReplicas, prometheus.GaugeValue, float64(replicas), name, sd.Name)
	ch <- prometheus.MustNewConstMetric(c.stReplicasCurrent, prometheus.GaugeValue, float64(cur), name, sd.Name)
	ch <- prometheus.MustNewConstMetric(c.stReplicaLag, prometheus.GaugeValue, float64(lag), name, sd.Name)
}
