//go:build chaos

package chaos_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/cmd/newsflow/internal/bench"
	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/pipeline"
	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/pgindex/pgtest"
	"github.com/newsflow/newsflow/services/index"
)

// Settings, each overridable by an environment variable of the same name.
type settings struct {
	Articles int           // CHAOS_ARTICLES: valid corpus articles
	Poison   int           // CHAOS_POISON: poison messages (a twelfth each straight onto enrich and index)
	Duration time.Duration // CHAOS_DURATION: how long the driver kills
	Publish  time.Duration // CHAOS_PUBLISH: how long publishing is spread over
	Deadline time.Duration // CHAOS_DEADLINE: the whole run, draining included
	Seed     uint64        // CHAOS_SEED: the driver's random choices
}

func loadSettings(t *testing.T) settings {
	t.Helper()
	s := settings{Articles: 20000, Poison: 300, Duration: 90 * time.Second, Publish: 45 * time.Second,
		Deadline: 6 * time.Minute, Seed: uint64(time.Now().UnixNano())}
	for name, dst := range map[string]*int{"CHAOS_ARTICLES": &s.Articles, "CHAOS_POISON": &s.Poison} {
		if v := os.Getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				t.Fatalf("%s=%q: want a positive number", name, v)
			}
			*dst = n
		}
	}
	for name, dst := range map[string]*time.Duration{"CHAOS_DURATION": &s.Duration, "CHAOS_PUBLISH": &s.Publish, "CHAOS_DEADLINE": &s.Deadline} {
		if v := os.Getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				t.Fatalf("%s=%q: want a positive duration", name, v)
			}
			*dst = d
		}
	}
	if v := os.Getenv("CHAOS_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("CHAOS_SEED=%q: want a number", v)
		}
		s.Seed = n
	}
	return s
}

// item is one message the publisher sends.
type item struct {
	subject string
	data    []byte
	header  nats.Header
	msgID   string
	// poison: the stage that must dead-letter it ("" for a valid article).
	poison string
	id     string // article id of a valid article
}

// poisonItems makes n poison messages: most are raw submissions ingest
// must reject, a twelfth each go straight to enrich's and index's input.
func poisonItems(n int) []item {
	var out []item
	for k := 0; k < n; k++ {
		marker := fmt.Sprintf("poison-%d", k)
		it := item{msgID: "chaos-" + marker, header: nats.Header{}}
		switch {
		case k%12 == 0:
			it.subject, it.poison = natsbus.SubjectIngested+".chaos", natsbus.StageEnrich
			it.data = []byte(`{"id":"` + marker + `","source":"chaos","body":` + "\n truncated")
		case k%12 == 1:
			it.subject, it.poison = natsbus.SubjectEnriched+".chaos", natsbus.StageIndex
			it.data = []byte(`not json at all: ` + marker)
		default:
			it.subject, it.poison = natsbus.RawSubject("chaos"), natsbus.StageIngest
			switch k % 5 {
			case 0:
				it.data = []byte(`{"source":"chaos","title":"` + marker + `","body":"unterminated`)
			case 1:
				it.data = []byte(`{"source":"chaos","title":"` + marker + `"}`) // no body
			case 2:
				it.data = []byte(`{"source":"chaos","title":"` + marker + `","body":12345}`) // wrong type
			case 3:
				it.data = []byte(`{"source":"chaos","title":"` + marker + `","body":"text","authors":"not an array"}`)
			default:
				it.data = []byte("%PDF-1.4 " + marker)
				it.header.Set("Content-Type", "application/pdf")
			}
		}
		out = append(out, it)
	}
	return out
}

func TestChaos(t *testing.T) {
	s := loadSettings(t)
	t.Logf("chaos: %d articles, %d poison, kills for %s, seed %d (CHAOS_SEED to repeat)", s.Articles, s.Poison, s.Duration, s.Seed)
	rng := rand.New(rand.NewPCG(s.Seed, 0x6e657773666c6f77))
	ctx, cancel := context.WithTimeout(context.Background(), s.Deadline)
	defer cancel()
	items := chaosItems(t, s, rng)
	c := startCluster(ctx, t)
	run := c.load(ctx, t, s, rng, items)
	c.verify(ctx, t, items, run)
}

// chaosItems loads the articles, before anything starts, and mixes the
// poison messages in.
func chaosItems(t *testing.T, s settings, rng *rand.Rand) []item {
	t.Helper()
	files, err := bench.CorpusFiles(corpus.Dir(t))
	if err != nil {
		t.Fatal(err)
	}
	arts, err := bench.LoadArticles(files)
	if err != nil {
		t.Fatal(err)
	}
	payloads, sources, err := bench.Payloads(arts, s.Articles, "chaos")
	if err != nil {
		t.Fatal(err)
	}
	var items []item
	for i, p := range payloads {
		id := bench.BenchID("chaos", i)
		items = append(items, item{subject: natsbus.RawSubject(sources[i]), data: p, msgID: "chaos-" + id, id: id})
	}
	items = append(items, poisonItems(s.Poison)...)
	rng.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	return items
}

// cluster is what the test runs: nats-server, the workers, and the test's
// own connection.
type cluster struct {
	natsd         *proc
	workers       []*proc
	js            jetstream.JetStream
	indexLocation string
}

// startCluster starts a real nats-server on file storage and the workers
// (two replicas of ingest and enrich, one or two of index), and connects.
// Cleanup stops them all; process logs are kept when the test failed.
func startCluster(ctx context.Context, t *testing.T) *cluster {
	t.Helper()
	bin := binaries(t)
	work := t.TempDir()
	logDir, err := os.MkdirTemp("", "newsflow-chaos-logs-")
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{}

	// nats-server, a real one, on file storage.
	natsPort := freePort(t)
	natsAddr := fmt.Sprintf("127.0.0.1:%d", natsPort)
	natsURL := "nats://" + natsAddr
	conf := filepath.Join(work, "nats.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("listen: %q\nmax_payload: 8MB\njetstream {\n  store_dir: %q\n  max_memory_store: 256MB\n}\n",
		natsAddr, filepath.Join(work, "nats"))), 0o644); err != nil {
		t.Fatal(err)
	}
	c.natsd = &proc{name: "nats-server", kind: "nats", bin: filepath.Join(bin, "nats-server"), args: []string{"-c", conf}, logPath: filepath.Join(logDir, "nats-server.log")}
	if err := c.natsd.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.natsd.signal(syscall.SIGTERM, 10*time.Second) })
	if err := waitPort(natsAddr, 30*time.Second); err != nil {
		t.Fatal(err)
	}

	// The index: PostgreSQL lets two index replicas share it; without it
	// the embedded index belongs to one process.
	indexReplicas := 1
	c.indexLocation = filepath.Join(work, "index")
	if os.Getenv(pgtest.EnvVar) != "" || os.Getenv("CI") == "true" {
		c.indexLocation, indexReplicas = pgtest.FreshDatabase(t), 2
		t.Logf("chaos: index on PostgreSQL, %d index replicas", indexReplicas)
	} else {
		t.Logf("chaos: %s not set: the embedded index, one index replica", pgtest.EnvVar)
	}

	// The workers: two replicas of ingest and enrich, index as above.
	for _, w := range []struct {
		kind string
		n    int
	}{{"ingest", 2}, {"enrich", 2}, {"index", indexReplicas}} {
		for r := 1; r <= w.n; r++ {
			addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
			c.workers = append(c.workers, &proc{
				name: fmt.Sprintf("%s-%d", w.kind, r), kind: w.kind, bin: filepath.Join(bin, w.kind),
				logPath: filepath.Join(logDir, fmt.Sprintf("%s-%d.log", w.kind, r)),
				args: []string{"--ack-wait", "5s", "--max-deliver", "10", "--concurrency", "32", "--max-ack-pending", "1024",
					"--pull-batch", "64", "--shutdown-grace", "5s", "--backoff-base", "200ms", "--backoff-max", "2s"},
				env: []string{"NEWSFLOW_NATS_URL=" + natsURL, "NEWSFLOW_HTTP=" + addr, "NEWSFLOW_LOG_LEVEL=warn", "NEWSFLOW_INDEX=" + c.indexLocation},
			})
		}
	}
	for _, p := range c.workers {
		if err := p.start(); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, p := range c.workers {
			if p.running() {
				_ = p.signal(syscall.SIGKILL, 10*time.Second)
			}
		}
		if t.Failed() {
			t.Logf("chaos: process logs kept in %s", logDir)
		} else {
			_ = os.RemoveAll(logDir)
		}
	})

	nc, err := nats.Connect(natsURL, nats.MaxReconnects(-1), nats.ReconnectWait(200*time.Millisecond), nats.RetryOnFailedConnect(true),
		nats.ReconnectBufSize(64<<20))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	c.js, err = jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(512), jetstream.WithPublishAsyncTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := natsbus.EnsureStreamsRetry(ctx, c.js, natsbus.DefaultTopology(), nil); err != nil {
		t.Fatal(err)
	}
	return c
}

// restartStopped starts again the workers that are not running, as an
// orchestrator would; the ones that stopped by themselves are reported.
func (c *cluster) restartStopped() {
	for _, q := range c.workers {
		if !q.running() {
			_ = q.start()
		}
	}
}

// loadRun is what load saw, for the report.
type loadRun struct {
	start         time.Time
	pubTime       time.Duration
	retries       int64
	natsRestarted bool
	natsRestartAt time.Duration
	drainTime     time.Duration
}

// load publishes items, paced over s.Publish, while a driver SIGKILLs a
// random worker every 1-3 s and starts it again a moment later, and
// SIGKILLs and restarts nats-server once; then it waits until every stage
// has drained and stops the workers gracefully.
func (c *cluster) load(ctx context.Context, t *testing.T, s settings, rng *rand.Rand, items []item) loadRun {
	t.Helper()
	// Publisher, paced over s.Publish; a message whose PubAck does not
	// come is sent again (its Nats-Msg-Id makes that safe).
	run := loadRun{start: time.Now()}
	var published, retries atomic.Int64
	pubDone := make(chan error, 1)
	go func() {
		err := publishAll(ctx, c.js, items, s.Publish, &published, &retries)
		run.pubTime = time.Since(run.start)
		pubDone <- err
	}()

	// Driver.
	chaosEnd := run.start.Add(s.Duration)
	natsAt := run.start.Add(s.Duration / 3)
	for time.Now().Before(chaosEnd) && ctx.Err() == nil {
		time.Sleep(time.Duration(1000+rng.IntN(2000)) * time.Millisecond)
		if !run.natsRestarted && time.Now().After(natsAt) {
			run.natsRestarted = true
			run.natsRestartAt = time.Since(run.start).Round(time.Second)
			if err := c.natsd.signal(syscall.SIGKILL, 10*time.Second); err != nil {
				t.Error(err)
			}
			time.Sleep(time.Duration(500+rng.IntN(1500)) * time.Millisecond)
			if err := c.natsd.start(); err != nil {
				t.Fatal(err)
			}
			continue
		}
		p := c.workers[rng.IntN(len(c.workers))]
		if err := p.signal(syscall.SIGKILL, 10*time.Second); err != nil {
			t.Error(err)
		}
		time.Sleep(time.Duration(200+rng.IntN(800)) * time.Millisecond)
		if err := p.start(); err != nil {
			t.Fatal(err)
		}
		c.restartStopped()
	}
	if err := <-pubDone; err != nil {
		t.Fatalf("publishing: %v", err)
	}
	run.retries = retries.Load()
	c.restartStopped()

	// Drain: every stage consumer empty, for three checks in a row.
	stable := 0
	for stable < 3 {
		if ctx.Err() != nil {
			t.Fatalf("not drained within %s: %s", s.Deadline, consumerState(c.js))
		}
		time.Sleep(time.Second)
		c.restartStopped()
		if drained(ctx, c.js) {
			stable++
		} else {
			stable = 0
		}
	}
	run.drainTime = time.Since(run.start)

	// Stop the workers gracefully, then look at what they left.
	var wg sync.WaitGroup
	for _, p := range c.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.signal(syscall.SIGTERM, 30*time.Second); err != nil {
				t.Errorf("graceful stop: %v", err)
			}
		}()
	}
	wg.Wait()
	return run
}

// verify checks what the run left: every valid article searchable exactly
// once, every poison message in the DLQ with a reason at its stage, and
// reports the counts.
func (c *cluster) verify(ctx context.Context, t *testing.T, items []item, run loadRun) {
	t.Helper()
	// 1. Every valid article is searchable, exactly once.
	idx, err := index.OpenIndex(ctx, c.indexLocation, "")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = idx.Close() }()
	res, err := idx.Search(ctx, search.Query{Text: "*", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	valid := 0
	for _, it := range items {
		if it.poison != "" {
			continue
		}
		valid++
		a, err := idx.Get(ctx, it.id)
		if err != nil || a.ID != it.id {
			missing = append(missing, it.id)
		}
	}
	if res.Total != uint64(valid) || len(missing) > 0 {
		t.Errorf("index holds %d articles, want %d; %d missing (first: %v)", res.Total, valid, len(missing), first(missing, 10))
	}

	// 2. Every poison message is in the DLQ with a reason, at its stage.
	dlq := checkDeadLetters(ctx, t, c.js, items)

	// 3. The wire: indexed events (at least once; duplicates are allowed
	// there, the index is what must hold each article once).
	events, distinct := indexedEvents(ctx, t, c.js)

	// Counts.
	killsBy := map[string]int{}
	var selfExits []string
	for _, p := range c.workers {
		_, k, se := p.counts()
		killsBy[p.kind] += k
		selfExits = append(selfExits, se...)
	}
	_, _, natsSelf := c.natsd.counts()
	selfExits = append(selfExits, natsSelf...)
	t.Logf("chaos: published %d valid articles and %d poison messages in %s (%d resent after a failed publish)",
		valid, dlq.poison, run.pubTime.Round(time.Second), run.retries)
	t.Logf("chaos: SIGKILLed workers %d times (ingest %d, enrich %d, index %d); nats-server SIGKILLed and restarted at %s",
		killsBy["ingest"]+killsBy["enrich"]+killsBy["index"], killsBy["ingest"], killsBy["enrich"], killsBy["index"], run.natsRestartAt)
	t.Logf("chaos: every stage drained %s after the start; workers that exited by themselves: %d %v",
		run.drainTime.Round(time.Second), len(selfExits), first(selfExits, 5))
	t.Logf("chaos: index holds %d articles (want %d, %d missing); articles.indexed events %d for %d articles (%d repeated on the wire)",
		res.Total, valid, len(missing), events, distinct, events-distinct)
	t.Logf("chaos: DLQ %d (ingest %d, enrich %d, index %d): %d of %d poison messages with a reason, %d valid articles, %d exhausted deliveries",
		dlq.byStage["ingest"]+dlq.byStage["enrich"]+dlq.byStage["index"], dlq.byStage["ingest"], dlq.byStage["enrich"], dlq.byStage["index"],
		dlq.found, dlq.poison, dlq.validDead, dlq.exhausted)
	if !run.natsRestarted {
		t.Errorf("the driver never restarted nats-server (CHAOS_DURATION too short?)")
	}
}

// dlqCounts is what checkDeadLetters found, for the report.
type dlqCounts struct {
	byStage                             map[string]int
	poison, found, validDead, exhausted int
}

// checkDeadLetters checks that every poison message of items is in the DLQ
// once, with a reason, dead-lettered by its stage, and that nothing else
// is.
func checkDeadLetters(ctx context.Context, t *testing.T, js jetstream.JetStream, items []item) dlqCounts {
	t.Helper()
	poison := map[string]item{}
	for _, it := range items {
		if it.poison != "" {
			poison[string(it.data)] = it
		}
	}
	found := map[string]bool{}
	byStage := map[string]int{}
	exhausted := 0
	var validDead, strays, noReason []string
	if err := natsbus.NewDLQ(js).List(ctx, "", func(d natsbus.DLQEntry) error {
		byStage[d.Stage]++
		if strings.HasPrefix(d.Error, "delivery attempts exhausted") {
			exhausted++
		}
		it, ok := poison[string(d.Data)]
		switch {
		case ok && d.Stage == it.poison:
			if found[string(d.Data)] {
				strays = append(strays, fmt.Sprintf("dead letter %d: a second dead letter of %q", d.ID, d.Data))
			}
			found[string(d.Data)] = true
			if strings.TrimSpace(d.Error) == "" {
				noReason = append(noReason, strconv.FormatUint(d.ID, 10))
			}
		case ok:
			strays = append(strays, fmt.Sprintf("dead letter %d: poison for %s dead-lettered by %s", d.ID, it.poison, d.Stage))
		case bytes.Contains(d.Data, []byte(`"bench-chaos-`)):
			validDead = append(validDead, fmt.Sprintf("dead letter %d (%s, %s): %s", d.ID, d.Stage, d.ArticleID, d.Error))
		default:
			strays = append(strays, fmt.Sprintf("dead letter %d (%s): unknown payload %.60q: %s", d.ID, d.Stage, d.Data, d.Error))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(found) != len(poison) {
		t.Errorf("%d of %d poison messages are in the DLQ", len(found), len(poison))
	}
	if len(noReason) > 0 {
		t.Errorf("dead letters without a reason: %v", first(noReason, 10))
	}
	if len(validDead) > 0 {
		t.Errorf("%d valid articles dead-lettered: %v", len(validDead), first(validDead, 5))
	}
	if len(strays) > 0 {
		t.Errorf("unexpected dead letters: %v", first(strays, 5))
	}
	return dlqCounts{byStage: byStage, poison: len(poison), found: len(found), validDead: len(validDead), exhausted: exhausted}
}

// publishAll sends items with bounded async publishing, paced over d.
func publishAll(ctx context.Context, js jetstream.JetStream, items []item, d time.Duration, published, retries *atomic.Int64) error {
	type pending struct {
		f  jetstream.PubAckFuture
		it *item
	}
	msg := func(it *item) *nats.Msg {
		h := nats.Header{}
		for k, v := range it.header {
			h[k] = append([]string(nil), v...)
		}
		return &nats.Msg{Subject: it.subject, Data: it.data, Header: h}
	}
	resend := func(it *item) error {
		for {
			retries.Add(1)
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, err := js.PublishMsg(pctx, msg(it), jetstream.WithMsgID(it.msgID))
			cancel()
			if err == nil {
				return nil
			}
			if ctx.Err() != nil {
				return fmt.Errorf("message %s: %w (last error %v)", it.msgID, ctx.Err(), err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	var window []pending
	settle := func() error {
		for _, p := range window {
			select {
			case <-p.f.Ok():
			case <-p.f.Err():
				if err := resend(p.it); err != nil {
					return err
				}
			case <-ctx.Done():
				return ctx.Err()
			}
			published.Add(1)
		}
		window = window[:0]
		return nil
	}
	start := time.Now()
	for i := range items {
		it := &items[i]
		if due := start.Add(time.Duration(float64(d) * float64(i) / float64(len(items)))); time.Until(due) > 0 {
			time.Sleep(time.Until(due))
		}
		f, err := js.PublishMsgAsync(msg(it), jetstream.WithMsgID(it.msgID))
		if err != nil {
			if err := settle(); err != nil {
				return err
			}
			if err := resend(it); err != nil {
				return err
			}
			published.Add(1)
			continue
		}
		window = append(window, pending{f, it})
		if len(window) >= 256 {
			if err := settle(); err != nil {
				return err
			}
		}
	}
	return settle()
}

// drained reports whether every stage consumer and max-deliveries consumer
// has nothing pending and nothing unacknowledged.
func drained(ctx context.Context, js jetstream.JetStream) bool {
	for _, c := range [][2]string{
		{natsbus.StreamRaw, natsbus.StageIngest}, {natsbus.StreamArticles, natsbus.StageEnrich}, {natsbus.StreamArticles, natsbus.StageIndex},
		{natsbus.StreamAdvisories, "ingest-max-deliveries"}, {natsbus.StreamAdvisories, "enrich-max-deliveries"}, {natsbus.StreamAdvisories, "index-max-deliveries"},
	} {
		cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		cons, err := js.Consumer(cctx, c[0], c[1])
		cancel()
		if err != nil {
			return false
		}
		info := cons.CachedInfo()
		if info.NumPending > 0 || info.NumAckPending > 0 {
			return false
		}
	}
	return true
}

func consumerState(js jetstream.JetStream) string {
	var parts []string
	for _, c := range [][2]string{{natsbus.StreamRaw, "ingest"}, {natsbus.StreamArticles, "enrich"}, {natsbus.StreamArticles, "index"}} {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		cons, err := js.Consumer(ctx, c[0], c[1])
		cancel()
		if err != nil {
			parts = append(parts, c[1]+": "+err.Error())
			continue
		}
		i := cons.CachedInfo()
		parts = append(parts, fmt.Sprintf("%s pending %d ack pending %d redelivered %d", c[1], i.NumPending, i.NumAckPending, i.NumRedelivered))
	}
	return strings.Join(parts, "; ")
}

// indexedEvents counts the articles.indexed events and the distinct
// article ids among them.
func indexedEvents(ctx context.Context, t *testing.T, js jetstream.JetStream) (int, int) {
	t.Helper()
	c, err := js.OrderedConsumer(ctx, natsbus.StreamArticles, jetstream.OrderedConsumerConfig{FilterSubjects: []string{natsbus.SubjectIndexed + ".>"}})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{}
	total := 0
	for {
		batch, err := c.Fetch(1000, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		n, last := 0, false
		for m := range batch.Messages() {
			n++
			total++
			ids[m.Headers().Get(pipeline.HeaderArticleID)]++
			if meta, err := m.Metadata(); err == nil && meta.NumPending == 0 {
				last = true
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			t.Fatal(err)
		}
		if last || n == 0 {
			return total, len(ids)
		}
	}
}

func first(s []string, n int) []string {
	sort.Strings(s)
	if len(s) > n {
		return s[:n]
	}
	return s
}
