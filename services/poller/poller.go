package poller

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/intake"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/pipeline"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/pkg/sitemap"
	"github.com/newsflow/newsflow/services/ingest"
)

// timeNow is the clock of Probe.
var timeNow = time.Now

// Deps is what a Poller is built from.
type Deps struct {
	JS       jetstream.JetStream
	NC       *nats.Conn
	Log      *zap.Logger
	Registry prometheus.Registerer
	// Replicas of the buckets (at least 1).
	Replicas int
	// Client makes the HTTP requests (a client with cfg.Timeout when nil).
	Client *http.Client
	// ID names this poller in the leases it takes (host name and a random
	// suffix when empty).
	ID string
}

// Poller polls the sources it owns. Run it with Run.
type Poller struct {
	cfg   Config
	store *Store
	js    jetstream.JetStream
	nc    *nats.Conn
	log   *zap.Logger
	m     *metrics
	f     *fetcher
	id    string
	now   func() time.Time

	mu      sync.Mutex
	sources map[string]cached
	busy    map[string]bool
	// crash makes Run end as a killed process would: leases are left to
	// expire (tests).
	crash bool
}

type cached struct {
	src Source
	rev uint64
}

// New builds the poller of a worker process or of newsflow up.
func New(ctx context.Context, cfg Config, d service.Deps) (*Poller, error) {
	return NewWith(ctx, cfg, Deps{JS: d.JS, NC: d.NC, Log: d.Log, Registry: d.Registry, Replicas: d.Topology.Replicas})
}

// NewWith builds a poller from d: it opens the buckets.
func NewWith(ctx context.Context, cfg Config, d Deps) (*Poller, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	store, err := OpenStore(ctx, d.JS, StoreConfig{Replicas: d.Replicas, SeenTTL: cfg.SeenTTL})
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(d.Registry)
	if err != nil {
		return nil, err
	}
	client := d.Client
	if client == nil {
		client = &http.Client{Timeout: cfg.Timeout}
	}
	id := d.ID
	if id == "" {
		h, _ := os.Hostname()
		id = h + "-" + nuid.Next()[:8]
	}
	log := d.Log
	if log == nil {
		log = zap.NewNop()
	}
	p := &Poller{cfg: cfg, store: store, js: d.JS, nc: d.NC, log: log, m: m, id: id, now: time.Now,
		sources: map[string]cached{}, busy: map[string]bool{}}
	p.f = newFetcher(client, cfg.UserAgent, cfg.HostDelay, cfg.MaxBytes, p.now)
	return p, nil
}

// Store is the poller's sources bucket.
func (p *Poller) Store() *Store { return p.store }

// Run polls until ctx is cancelled: it watches the sources bucket, takes
// the lease of every due source no other poller holds and polls it. On
// cancellation it stops fetching, lets in-flight publishes finish and
// hands its leases back.
func (p *Poller) Run(ctx context.Context) error {
	w, err := p.store.kv.WatchAll(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped before it started
		}
		return fmt.Errorf("watch key-value bucket %s: %w", SourcesBucket, err)
	}
	defer func() { _ = w.Stop() }()
	tick := time.NewTicker(p.cfg.Tick)
	defer tick.Stop()
	sem := make(chan struct{}, p.cfg.Concurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	p.log.Info("poller started", zap.String("poller", p.id))
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("watch key-value bucket %s: closed", SourcesBucket)
			}
			if e == nil {
				p.schedule(ctx, sem, &wg) // the initial values are in
				continue
			}
			p.apply(e)
		case <-tick.C:
			p.schedule(ctx, sem, &wg)
		}
	}
}

func (p *Poller) apply(e jetstream.KeyValueEntry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e.Operation() != jetstream.KeyValuePut {
		delete(p.sources, e.Key())
		p.m.forget(e.Key())
		return
	}
	src, err := decodeSource(e.Value())
	if err != nil {
		p.log.Warn("unreadable source entry", zap.String("source", e.Key()), zap.Error(err))
		return
	}
	p.sources[e.Key()] = cached{src: src, rev: e.Revision()}
	p.m.observe(src)
}

// due lists the sources whose poll is due and that no poller holds.
func (p *Poller) due(now time.Time) []cached {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []cached
	for name, c := range p.sources {
		s := c.src.State
		if p.busy[name] || now.Before(s.NextDue) || (s.Owner != "" && now.Before(s.LeaseUntil)) {
			continue
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].src.State.NextDue.Before(out[j].src.State.NextDue) })
	return out
}

func (p *Poller) schedule(ctx context.Context, sem chan struct{}, wg *sync.WaitGroup) {
	now := p.now()
	for _, c := range p.due(now) {
		select {
		case sem <- struct{}{}:
		default:
			return // every slot is busy
		}
		src := c.src
		src.State.Owner, src.State.LeaseUntil = p.id, now.Add(p.cfg.Lease)
		if _, err := p.store.update(ctx, src, c.rev); err != nil {
			<-sem // another poller came first, or the bucket is away
			if !errors.Is(err, jetstream.ErrKeyExists) && ctx.Err() == nil {
				p.log.Warn("take source lease", zap.String("source", src.Name), zap.Error(err))
			}
			continue
		}
		p.mu.Lock()
		p.busy[src.Name] = true
		p.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				p.mu.Lock()
				delete(p.busy, src.Name)
				p.mu.Unlock()
				<-sem
			}()
			p.poll(ctx, src)
		}()
	}
}

// modify applies fn to the bucket entry of name while this poller holds
// its lease, with revision-checked updates; false when the source is gone
// or another poller holds it.
func (p *Poller) modify(ctx context.Context, name string, fn func(*Source)) (bool, error) {
	for range 5 {
		src, rev, err := p.store.get(ctx, name)
		if errors.Is(err, ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if src.State.Owner != p.id {
			return false, nil
		}
		fn(&src)
		if _, err = p.store.update(ctx, src, rev); errors.Is(err, jetstream.ErrKeyExists) {
			continue // a concurrent edit (sources add --replace): read it again
		}
		return err == nil, err
	}
	return false, fmt.Errorf("update source %s: too many concurrent edits", name)
}

// poll polls src, whose lease this poller holds, renewing the lease
// meanwhile, and writes the outcome to its entry.
func (p *Poller) poll(ctx context.Context, src Source) {
	start := p.now()
	pctx, cancel := context.WithCancel(ctx)
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		t := time.NewTicker(p.cfg.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-pctx.Done():
				return
			case <-t.C:
				ok, err := p.modify(pctx, src.Name, func(s *Source) { s.State.LeaseUntil = p.now().Add(p.cfg.Lease) })
				if !ok && err == nil {
					p.log.Warn("source lease lost", zap.String("source", src.Name))
					cancel()
					return
				}
			}
		}
	}()
	res := p.pollOnce(pctx, src)
	cancel()
	<-renewed
	if ctx.Err() != nil {
		if p.crash {
			return
		}
		// Shutting down: hand the source back, due at once.
		rctx, rcancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer rcancel()
		if _, err := p.modify(rctx, src.Name, func(s *Source) {
			s.State.ItemsSeen += int64(res.published)
			s.State.Owner, s.State.LeaseUntil = "", time.Time{}
		}); err != nil {
			p.log.Warn("release source lease", zap.String("source", src.Name), zap.Error(err))
		}
		return
	}
	now := p.now()
	ok, err := p.modify(ctx, src.Name, func(s *Source) { s.State = nextState(s.State, res, now, time.Duration(s.Interval), p.cfg.BackoffMax) })
	if err != nil {
		p.log.Warn("write source state", zap.String("source", src.Name), zap.Error(err))
	} else if !ok {
		p.log.Warn("source lease lost before its state was written", zap.String("source", src.Name))
	}
	p.m.fetches.WithLabelValues(src.Name, res.outcome).Inc()
	fields := []zap.Field{zap.String("source", src.Name), zap.String("url", src.URL), zap.String("outcome", res.outcome),
		zap.Int("items", res.published), zap.Duration("duration", p.now().Sub(start))}
	switch {
	case res.err != nil:
		p.log.Warn("poll failed", append(fields, zap.Error(res.err))...)
	case res.itemErr != nil:
		p.log.Warn("poll left items for later", append(fields, zap.Error(res.itemErr))...)
	default:
		p.log.Info("polled", fields...)
	}
}

// result is what one poll did.
type result struct {
	outcome   string
	err       error // the poll failed as a whole
	itemErr   error // some items failed and wait for the next poll
	published int
	// complete: every item was handled, so the validators may be kept
	// for the next conditional GET.
	complete bool
	// more: MaxItems was reached; the next poll follows at once.
	more               bool
	etag, lastModified string
}

// nextState is the state after a poll that ended at now.
func nextState(s State, res result, now time.Time, interval, backoffMax time.Duration) State {
	s.LastFetch = now
	s.Owner, s.LeaseUntil = "", time.Time{}
	s.ItemsSeen += int64(res.published)
	if res.err != nil {
		s.Status = StatusError
		if res.outcome == OutcomeDisallowed {
			s.Status = StatusDisallowed
		}
		s.Error = res.err.Error()
		s.Errors++
		s.Failures++
		s.NextDue = now.Add(backoff(interval, s.Failures, backoffMax))
		return s
	}
	s.Status = StatusOK
	if res.outcome == OutcomeNotModified {
		s.Status = StatusNotModified
	}
	s.LastSuccess = now
	s.Failures = 0
	s.Error = ""
	if res.itemErr != nil {
		s.Error = res.itemErr.Error()
	}
	s.ETag, s.LastModified = "", ""
	if res.complete {
		s.ETag, s.LastModified = res.etag, res.lastModified
	}
	s.NextDue = now.Add(interval)
	if res.more {
		s.NextDue = now
	}
	return s
}

// backoff is the wait after failures polls in a row failed: the interval,
// doubled per failure after the first, at most max (or the interval, if
// longer).
func backoff(interval time.Duration, failures int, max time.Duration) time.Duration {
	d := interval
	for i := 1; i < failures && d < max; i++ {
		d *= 2
	}
	if d > max && interval < max {
		d = max
	}
	return d
}

// item is one entry of a feed or sitemap.
type item struct {
	// key identifies it in the seen-set: the feed's guid, else its URL.
	key   string
	link  string
	title string
	// art is the article to publish as JSON (a feed item with its full
	// text); nil: the page at link is fetched and published as HTML.
	art *article.Article
}

func (p *Poller) pollOnce(ctx context.Context, src Source) result {
	etag, lm := src.State.ETag, src.State.LastModified
	if src.Kind == KindSitemapIndex {
		// Its sitemaps change while the index may not.
		etag, lm = "", ""
	}
	r, err := p.f.get(ctx, src.URL, etag, lm)
	if err != nil {
		return failed(err)
	}
	if r.NotModified {
		return result{outcome: OutcomeNotModified, complete: true, etag: src.State.ETag, lastModified: src.State.LastModified}
	}
	items, partial, err := p.items(ctx, src, r)
	if err != nil {
		return failed(err)
	}
	res := result{outcome: OutcomeOK, etag: r.ETag, lastModified: r.LastModified}
	p.publishItems(ctx, src, items, &res)
	if partial != nil {
		res.complete = false
		res.itemErr = errors.Join(partial, res.itemErr)
	}
	return res
}

func failed(err error) result {
	if errors.Is(err, ErrDisallowed) {
		return result{outcome: OutcomeDisallowed, err: err}
	}
	return result{outcome: OutcomeError, err: err}
}

// items reads a fetched feed or sitemap; for a sitemap index, its newest
// sitemaps are fetched too (partial names those that failed).
func (p *Poller) items(ctx context.Context, src Source, r *response) (items []item, partial error, err error) {
	kind, ok := Sniff(r.Body)
	if !ok {
		return nil, nil, fmt.Errorf("%s is not a feed or a sitemap any more (content type %q)", src.URL, r.ContentType)
	}
	if kind == KindFeed {
		items, err := p.feedItems(src, r)
		return items, nil, err
	}
	sm, err := sitemap.Parse(r.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", src.URL, err)
	}
	if !sm.Index {
		return sitemapItems(sm), nil, nil
	}
	children := newestFirst(sm.Entries)
	var errs []error
	for _, c := range children[:min(len(children), p.cfg.MaxSitemaps)] {
		cr, err := p.f.get(ctx, c.Loc, "", "")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		csm, err := sitemap.Parse(cr.Body)
		if err != nil || csm.Index {
			errs = append(errs, fmt.Errorf("%s: not a sitemap of pages: %v", c.Loc, err))
			continue
		}
		items = append(items, sitemapItems(csm)...)
	}
	if len(errs) == len(children[:min(len(children), p.cfg.MaxSitemaps)]) && len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	return items, errors.Join(errs...), nil
}

// newestFirst orders sitemap entries by lastmod, newest first; without
// lastmod, the last listed first.
func newestFirst(es []sitemap.Entry) []sitemap.Entry {
	out := make([]sitemap.Entry, len(es))
	for i, e := range es {
		out[len(es)-1-i] = e
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].LastMod.After(out[j].LastMod) })
	return out
}

func sitemapItems(sm *sitemap.Sitemap) []item {
	es := newestFirst(sm.Entries)
	sort.SliceStable(es, func(i, j int) bool { return es[i].PublishedAt.After(es[j].PublishedAt) })
	items := make([]item, 0, len(es))
	for _, e := range es {
		items = append(items, item{key: e.Loc, link: e.Loc, title: e.Title})
	}
	return items
}

func (p *Poller) feedItems(src Source, r *response) ([]item, error) {
	var items []item
	err := intake.DecodeFeedEntries(r.Body, intake.Meta{Source: src.Name, Charset: r.Charset}, func(e intake.FeedEntry) error {
		it := item{key: e.GUID, link: e.Link}
		if a := e.Article; a != nil {
			a.Source = src.Name
			if a.URL != "" {
				it.link = a.URL
			}
			it.title = a.Title
			full := e.Err == nil && (e.HasContent || len(strings.Fields(a.Body)) >= p.cfg.SummaryWords)
			if full || it.link == "" {
				it.art = a
			}
			if it.key == "" && it.link == "" {
				it.key = a.Title + "\n" + a.Body
			}
		}
		if it.key == "" {
			it.key = it.link
		}
		if strings.TrimSpace(it.key) != "" && (it.art != nil || it.link != "") {
			items = append(items, it)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src.URL, err)
	}
	return items, nil
}

// publishItems publishes the items src has not published yet, at most
// MaxItems, each then recorded in the seen-set.
func (p *Poller) publishItems(ctx context.Context, src Source, items []item, res *result) {
	res.complete = true
	var errs []error
	for _, it := range items {
		if ctx.Err() != nil {
			res.complete = false
			return
		}
		seen, err := p.store.Seen(ctx, src.Name, it.key)
		if err != nil {
			res.complete = false
			res.itemErr = errors.Join(append(errs, err)...)
			return
		}
		if seen {
			continue
		}
		if res.published >= p.cfg.MaxItems {
			res.complete, res.more = false, true
			break
		}
		msg, err := p.message(ctx, src, it)
		if err != nil {
			if ctx.Err() != nil {
				res.complete = false
				return
			}
			if !skip(err) {
				res.complete = false
				errs = append(errs, err)
				continue
			}
			// Never publishable (gone, refused by robots.txt, not a
			// page): recorded as seen, not tried again.
			p.log.Info("item skipped", zap.String("source", src.Name), zap.String("url", it.link), zap.Error(err))
		} else if _, err := p.js.PublishMsg(ctx, msg, jetstream.WithMsgID("poll:"+seenKey(src.Name, it.key))); err != nil {
			res.complete = false
			errs = append(errs, fmt.Errorf("publish %s: %w", it.link, err))
			continue
		} else {
			res.published++
			p.m.items.WithLabelValues(src.Name).Inc()
		}
		if err := p.store.MarkSeen(ctx, src.Name, it.key); err != nil {
			// Published: the next poll publishes it again under the
			// same Nats-Msg-Id, which the duplicate window drops.
			res.complete = false
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		res.itemErr = fmt.Errorf("%d item(s) wait for the next poll: %w", len(errs), errors.Join(errs...))
	}
}

// skip reports whether an item's error will not go away by trying again.
func skip(err error) bool {
	var he *HTTPError
	return errors.Is(err, ErrDisallowed) || errors.Is(err, ErrTooLarge) || errors.Is(err, errNotPage) ||
		(errors.As(err, &he) && he.Permanent())
}

var errNotPage = errors.New("not an HTML page")

// message is the raw message of an item: its article as JSON, or its page
// as HTML for ingest to extract.
func (p *Poller) message(ctx context.Context, src Source, it item) (*nats.Msg, error) {
	msg := nats.NewMsg(natsbus.RawSubject(src.Name))
	if it.art != nil {
		data, err := article.Encode(it.art)
		if err != nil {
			return nil, err
		}
		msg.Data = data
		msg.Header.Set(pipeline.HeaderContentType, "application/json")
	} else {
		r, err := p.f.get(ctx, it.link, "", "")
		if err != nil {
			return nil, err
		}
		if r.ContentType != "" && r.ContentType != "text/html" && r.ContentType != "application/xhtml+xml" {
			return nil, fmt.Errorf("%s: %w (%s)", it.link, errNotPage, r.ContentType)
		}
		// Only what can become text travels: scripts and styles go here.
		data, err := intake.StripHTML(bytes.NewReader(r.Body), p.cfg.MaxBytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", it.link, err)
		}
		msg.Data = data
		ct := "text/html"
		if r.Charset != "" {
			ct += "; charset=" + r.Charset
		}
		msg.Header.Set(pipeline.HeaderContentType, ct)
		msg.Header.Set(ingest.HeaderURL, r.URL)
		if it.title != "" {
			msg.Header.Set(ingest.HeaderTitle, it.title)
		}
	}
	if p.nc != nil && int64(len(msg.Data))+4096 > p.nc.MaxPayload() {
		return nil, fmt.Errorf("%s: %w: %d bytes, the NATS server takes %d", it.link, ErrTooLarge, len(msg.Data), p.nc.MaxPayload())
	}
	return msg, nil
}
