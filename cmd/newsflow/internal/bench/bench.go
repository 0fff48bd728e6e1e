// Package bench drives a running newsflow pipeline with corpus articles and
// measures it: publish rate, indexed rate, end-to-end latency from publish
// to the articles.indexed.<source> event, lost articles, per-stage
// throughput, CPU and memory from the pipeline's /metrics, and, in the same
// run, the raw JetStream baseline: the same payloads through the same number
// of hops with nats.go alone.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/natsbus"
)

// Config configures a bench run.
type Config struct {
	// NATS says how to reach the pipeline's NATS server: URL, credentials
	// and TLS, for every connection the bench opens (the baseline's hops
	// included).
	NATS natsbus.ConnConfig
	// Articles is how many articles to publish.
	Articles int
	// Rate is the offered load in articles per second; 0 publishes as fast
	// as the bounded in-flight window allows.
	Rate float64
	// InFlight bounds unacknowledged async publishes.
	InFlight int
	// Corpus lists the JSONL files to draw articles from.
	Corpus []string
	// MetricsURLs are the pipeline's /metrics endpoints (one per process).
	MetricsURLs []string
	// IdleTimeout ends the wait for indexed events after this long without
	// progress; what is missing then is counted as lost.
	IdleTimeout time.Duration
	// Baseline runs the raw JetStream baseline after the pipeline run.
	Baseline bool
	// Floors measures, after the baseline, each stage's handler alone on
	// the same articles (Report.Floors); it needs Baseline.
	Floors bool
	// Stages splits each article's latency by the times the stages leave
	// on it (Report.Stages), read back from the streams after the run.
	Stages bool
	// Progress, when set, receives a progress line every second.
	Progress io.Writer
	// HTTP, when set, is the base URL of the ingest API (http://host:port):
	// articles are posted to /v1/articles, at most InFlight requests at
	// once, instead of published onto the raw stream over NATS; the edge's
	// 429 and 503 answers are counted in Report.Refused.
	HTTP string
	// APIToken is the bearer token of the ingest API, if it needs one.
	APIToken string
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		NATS:        natsbus.ConnConfig{URL: nats.DefaultURL},
		Articles:    10000,
		InFlight:    4096,
		MetricsURLs: []string{"http://127.0.0.1:8080/metrics"},
		IdleTimeout: 30 * time.Second,
		Baseline:    true,
	}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	switch {
	case c.Articles < 1:
		return fmt.Errorf("--articles must be at least 1, got %d", c.Articles)
	case c.Rate < 0:
		return fmt.Errorf("--rate must not be negative")
	case c.InFlight < 1:
		return fmt.Errorf("--in-flight must be at least 1")
	case len(c.Corpus) == 0:
		return fmt.Errorf("no corpus files: give --corpus FILE or set NEWSFLOW_CORPUS")
	case c.Floors && !c.Baseline:
		return fmt.Errorf("--floors needs the baseline (the bus's part of the bound): drop --baseline=false")
	case c.IdleTimeout <= 0:
		return fmt.Errorf("--idle-timeout must be positive")
	}
	return c.NATS.Validate()
}

// connect opens one connection named name to url (the configured URL when
// empty) with the configured credentials and TLS. It fails at once when
// the server cannot be reached or refuses the credentials.
func (c Config) connect(name, url string) (*nats.Conn, error) {
	cc := c.NATS
	cc.Name = name
	if url != "" {
		cc.URL = url
	}
	return natsbus.Connect(cc, zap.NewNop(), nats.RetryOnFailedConnect(false), nats.Timeout(5*time.Second), nats.MaxReconnects(10))
}

// Latency is a latency distribution in milliseconds.
type Latency struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// Report is the result of a bench run. The JSON names are a public contract.
type Report struct {
	Articles    int     `json:"articles"`
	OfferedPerS float64 `json:"offered_per_s,omitempty"`
	Published   int     `json:"published"`
	Indexed     int     `json:"indexed"`
	Lost        int     `json:"lost"`
	// Refused counts the articles the HTTP edge answered 429 or 503
	// (--http): told to come back, not lost; HTTPFailed any other answer.
	Refused       int                `json:"refused,omitempty"`
	HTTPFailed    int                `json:"http_failed,omitempty"`
	DuplicateEvts int                `json:"duplicate_events"`
	PublishedPerS float64            `json:"published_per_s"`
	IndexedPerS   float64            `json:"indexed_per_s"`
	E2EMs         Latency            `json:"e2e_ms"`
	BaselinePerS  float64            `json:"baseline_per_s"`
	BaselineE2EMs *Latency           `json:"baseline_e2e_ms,omitempty"`
	BaselineLost  int                `json:"baseline_lost"`
	Ratio         float64            `json:"ratio"`
	StagesPerS    map[string]float64 `json:"stages_per_s,omitempty"`
	CPUSeconds    float64            `json:"cpu_seconds,omitempty"`
	CPUCores      float64            `json:"cpu_cores,omitempty"`
	PeakRSSBytes  float64            `json:"peak_rss_bytes,omitempty"`
	// PeakAnonBytes is the peak resident memory without mapped files
	// (the embedded index's segments are page cache the kernel can drop).
	PeakAnonBytes  float64 `json:"peak_anon_bytes,omitempty"`
	DurationS      float64 `json:"duration_s"`
	PayloadBytes   int     `json:"payload_bytes_avg"`
	MetricsWarning string  `json:"metrics_warning,omitempty"`
	// Floors are the stages' own costs and their bound (--floors).
	Floors *Floors `json:"floors,omitempty"`
	// Stages is the latency split by stage (--stages).
	Stages *Stages `json:"stages,omitempty"`
}

// Run runs the bench.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	corpus, err := LoadArticles(cfg.Corpus)
	if err != nil {
		return nil, err
	}
	run := runID()
	payloads, sources, err := Payloads(corpus, cfg.Articles, run)
	if err != nil {
		return nil, err
	}
	nc, err := cfg.connect("newsflow-bench", "")
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(cfg.InFlight), jetstream.WithPublishAsyncTimeout(time.Minute))
	if err != nil {
		return nil, err
	}
	if _, err := js.Stream(ctx, natsbus.StreamRaw); err != nil {
		return nil, fmt.Errorf("stream %s: %w (is the pipeline running?)", natsbus.StreamRaw, err)
	}

	rep := &Report{Articles: cfg.Articles, OfferedPerS: cfg.Rate}
	total := 0
	for _, p := range payloads {
		total += len(p)
	}
	rep.PayloadBytes = total / len(payloads)

	mon := newMonitor(cfg.MetricsURLs)
	if err := mon.start(); err != nil {
		rep.MetricsWarning = err.Error()
		mon = nil
	}

	var col *collector
	col = newCollector(cfg.Articles, func(data []byte, _ nats.Header) int {
		var ev struct {
			ID          string    `json:"id"`
			IndexedAt   time.Time `json:"indexed_at"`
			EnrichedSeq uint64    `json:"enriched_seq"`
		}
		if json.Unmarshal(data, &ev) != nil {
			return -1
		}
		i := parseBenchID(run, ev.ID)
		if i >= 0 && i < len(col.events) {
			col.events[i].CompareAndSwap(nil, &indexedEvent{enrichedSeq: ev.EnrichedSeq, indexedAt: ev.IndexedAt.UnixNano()})
		}
		return i
	})
	sub, err := nc.Subscribe(natsbus.SubjectIndexed+".>", col.handle)
	if err != nil {
		return nil, fmt.Errorf("subscribe to indexed events: %w", err)
	}
	_ = sub.SetPendingLimits(-1, -1)
	defer func() { _ = sub.Unsubscribe() }()

	msgs := make([]*nats.Msg, len(payloads))
	for i, p := range payloads {
		m := nats.NewMsg(natsbus.RawSubject(sources[i]))
		m.Data = p
		m.Header.Set(nats.MsgIdHdr, "bench:"+BenchID(run, i))
		msgs[i] = m
	}
	var pubStats pubResult
	if cfg.HTTP != "" {
		hs, err := postAll(ctx, cfg.HTTP, cfg.APIToken, payloads, cfg.Rate, cfg.InFlight, col.published)
		if err != nil {
			return nil, err
		}
		pubStats = hs.pubResult
		rep.Refused, rep.HTTPFailed = hs.refused, hs.failed
	} else {
		pubStats, err = publishAll(ctx, js, msgs, cfg.Rate, col.published, cfg.Progress, col)
		if err != nil {
			return nil, err
		}
	}
	col.wait(ctx, pubStats.ok, cfg.IdleTimeout, cfg.Progress)
	end := col.lastArrival()
	rep.Published = pubStats.ok
	rep.Indexed = col.count()
	rep.Lost = pubStats.ok - rep.Indexed
	rep.DuplicateEvts = int(col.dups.Load())
	rep.PublishedPerS = rate(pubStats.ok, pubStats.end.Sub(col.start()))
	rep.IndexedPerS = rate(rep.Indexed, end.Sub(col.start()))
	rep.DurationS = end.Sub(col.start()).Seconds()
	rep.E2EMs = col.latency()
	if mon != nil {
		st := mon.stop()
		rep.StagesPerS = map[string]float64{}
		for stage, n := range st.stageMsgs {
			rep.StagesPerS[stage] = math.Round(rate(int(n), end.Sub(col.start())))
		}
		rep.CPUSeconds = round2(st.cpuSeconds)
		if rep.DurationS > 0 {
			rep.CPUCores = round2(st.cpuSeconds / rep.DurationS)
		}
		rep.PeakRSSBytes = st.peakRSS
		rep.PeakAnonBytes = st.peakAnon
		rep.MetricsWarning = st.warning
	}
	if cfg.Stages {
		st, err := splitStages(ctx, js, col)
		if err != nil {
			return nil, fmt.Errorf("stages: %w", err)
		}
		rep.Stages = st
	}
	if cfg.Baseline {
		b, err := runBaseline(ctx, cfg, nc, payloads)
		if err != nil {
			return nil, fmt.Errorf("baseline: %w", err)
		}
		rep.BaselinePerS = b.perS
		rep.BaselineE2EMs = &b.lat
		rep.BaselineLost = b.lost
		if b.perS > 0 {
			rep.Ratio = round2(rep.IndexedPerS / b.perS)
		}
	}
	if cfg.Floors {
		if cfg.Progress != nil {
			fmt.Fprintln(cfg.Progress, "floors: each stage's handler alone on the same articles")
		}
		f, err := runFloors(ctx, payloads, sources)
		if err != nil {
			return nil, fmt.Errorf("floors: %w", err)
		}
		f.complete(rep.BaselinePerS, math.Round(rep.IndexedPerS))
		rep.Floors = f
	}
	rep.PublishedPerS = math.Round(rep.PublishedPerS)
	rep.IndexedPerS = math.Round(rep.IndexedPerS)
	rep.DurationS = round2(rep.DurationS)
	return rep, nil
}

func runID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func rate(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// collector records when each article was published and when its event
// arrived.
type collector struct {
	pubAt []atomic.Int64 // unix nanos
	gotAt []atomic.Int64
	// events keeps what the indexed event says of when and from what it
	// was indexed (for Config.Stages).
	events  []atomic.Pointer[indexedEvent]
	n       atomic.Int64
	dups    atomic.Int64
	last    atomic.Int64
	first   atomic.Int64
	indexOf func(data []byte, h nats.Header) int
}

func newCollector(n int, indexOf func([]byte, nats.Header) int) *collector {
	return &collector{pubAt: make([]atomic.Int64, n), gotAt: make([]atomic.Int64, n), events: make([]atomic.Pointer[indexedEvent], n), indexOf: indexOf}
}

func (c *collector) published(i int, t time.Time) {
	c.pubAt[i].Store(t.UnixNano())
	c.first.CompareAndSwap(0, t.UnixNano())
}

func (c *collector) handle(m *nats.Msg) {
	now := time.Now().UnixNano()
	i := c.indexOf(m.Data, m.Header)
	if i < 0 || i >= len(c.gotAt) {
		return
	}
	if !c.gotAt[i].CompareAndSwap(0, now) {
		c.dups.Add(1)
		return
	}
	c.n.Add(1)
	for {
		l := c.last.Load()
		if now <= l || c.last.CompareAndSwap(l, now) {
			break
		}
	}
}

func (c *collector) count() int { return int(c.n.Load()) }

func (c *collector) start() time.Time { return time.Unix(0, c.first.Load()) }

func (c *collector) lastArrival() time.Time {
	if l := c.last.Load(); l > 0 {
		return time.Unix(0, l)
	}
	return time.Now()
}

// wait returns when want events arrived, ctx ends, or nothing arrived for
// idle.
func (c *collector) wait(ctx context.Context, want int, idle time.Duration, progress io.Writer) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	lastN, lastChange, lastPrint := -1, time.Now(), time.Now()
	for {
		n := c.count()
		if n >= want {
			return
		}
		if n != lastN {
			lastN, lastChange = n, time.Now()
		} else if time.Since(lastChange) > idle {
			return
		}
		if progress != nil && time.Since(lastPrint) >= time.Second {
			fmt.Fprintf(progress, "indexed %d/%d\n", n, want)
			lastPrint = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (c *collector) latency() Latency {
	var ds []float64
	for i := range c.gotAt {
		g, p := c.gotAt[i].Load(), c.pubAt[i].Load()
		if g > 0 && p > 0 {
			ds = append(ds, float64(g-p)/1e6)
		}
	}
	return percentiles(ds)
}

func percentiles(ds []float64) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	sort.Float64s(ds)
	at := func(q float64) float64 {
		i := int(math.Ceil(q*float64(len(ds)))) - 1
		if i < 0 {
			i = 0
		}
		return round2(ds[i])
	}
	return Latency{P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: round2(ds[len(ds)-1])}
}

type pubResult struct {
	ok  int
	end time.Time
}

// publishAll publishes msgs asynchronously with a bounded window, paced to
// rate when rate > 0, and waits for every PubAck.
func publishAll(ctx context.Context, js jetstream.JetStream, msgs []*nats.Msg, rate float64, mark func(int, time.Time), progress io.Writer, col *collector) (pubResult, error) {
	futures := make([]jetstream.PubAckFuture, len(msgs))
	start := time.Now()
	lastPrint := start
	for i, m := range msgs {
		if rate > 0 {
			due := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
			if d := time.Until(due); d > 0 {
				select {
				case <-ctx.Done():
					return pubResult{}, ctx.Err()
				case <-time.After(d):
				}
			}
		}
		for attempt := 0; ; attempt++ {
			mark(i, time.Now())
			f, err := js.PublishMsgAsync(m)
			if err == nil {
				futures[i] = f
				break
			}
			if !errors.Is(err, jetstream.ErrTooManyStalledMsgs) || attempt > 1000 {
				return pubResult{}, fmt.Errorf("publish article %d: %w", i, err)
			}
			if ctx.Err() != nil {
				return pubResult{}, ctx.Err()
			}
		}
		if progress != nil && time.Since(lastPrint) >= time.Second {
			fmt.Fprintf(progress, "published %d/%d, indexed %d\n", i+1, len(msgs), col.count())
			lastPrint = time.Now()
		}
	}
	var res pubResult
	for _, f := range futures {
		select {
		case <-f.Ok():
			res.ok++
		case <-f.Err():
		case <-ctx.Done():
			return res, ctx.Err()
		}
	}
	res.end = time.Now()
	return res, nil
}
