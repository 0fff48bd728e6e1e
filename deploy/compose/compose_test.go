// Package compose_test runs docker-compose.yml for real (make test-compose):
// the images built here, NATS, the three stages with three enrich replicas,
// Prometheus; corpus articles published, an enrich container killed mid-run,
// and every article indexed exactly once. A second test runs the three-node
// NATS cluster of the `cluster` profile and kills the leader of the streams.
//
// They need Docker and the images of `make images`, so they run only when
// NEWSFLOW_TEST_COMPOSE=1 (make test-compose sets it; make test runs that).
package compose_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/deploy/internal/deploytest"
	"github.com/newsflow/newsflow/pkg/corpus"
)

// stack is one compose project started by a test.
type stack struct {
	t       *testing.T
	root    string
	project string
	env     []string
	args    []string // global docker-compose arguments (env file, profiles)
	ports   map[string]int
}

func newStack(t *testing.T, name string, globalArgs ...string) *stack {
	t.Helper()
	if os.Getenv("NEWSFLOW_TEST_COMPOSE") != "1" {
		t.Skip("needs Docker and `make images`: run `make test-compose` (part of `make test`)")
	}
	deploytest.Tool(t, "docker", "apt-get install docker.io")
	deploytest.Tool(t, "docker-compose", "apt-get install docker-compose")
	s := &stack{
		t:       t,
		root:    deploytest.RepoRoot(t),
		project: fmt.Sprintf("nftest%s%d", name, os.Getpid()),
		args:    globalArgs,
		ports:   map[string]int{},
	}
	for _, v := range []string{"NATS_PORT", "NATS_MONITOR_PORT", "NEWSFLOW_INGEST_PORT", "NEWSFLOW_INDEX_PORT",
		"PROMETHEUS_PORT", "NATS_1_PORT", "NATS_2_PORT", "NATS_3_PORT"} {
		s.ports[v] = deploytest.FreePort(t)
		s.env = append(s.env, fmt.Sprintf("%s=%d", v, s.ports[v]))
	}
	// Fresh passwords for the least-privilege users of deploy/nats.
	for _, user := range []string{"INGEST", "ENRICH", "INDEX", "PRODUCER", "ADMIN"} {
		s.env = append(s.env, fmt.Sprintf("NEWSFLOW_NATS_%s_PASSWORD=%s-%d-%d", user, strings.ToLower(user), os.Getpid(), time.Now().UnixNano()))
	}
	for _, img := range s.images() {
		if err := exec.Command("docker", "image", "inspect", img).Run(); err != nil {
			fatalf(t, "image %s is missing: run `make images` (make test-compose does)", img)
		}
	}
	t.Cleanup(s.down)
	return s
}

// images lists the images the tests start, as docker-compose.yml names them.
func (s *stack) images() []string {
	get := func(v, def string) string {
		if x := os.Getenv(v); x != "" {
			return x
		}
		return def
	}
	return []string{
		get("NATS_IMAGE", "newsflow/nats-server:2.15.2"),
		get("NEWSFLOW_INGEST_IMAGE", "newsflow/ingest:dev"),
		get("NEWSFLOW_ENRICH_IMAGE", "newsflow/enrich:dev"),
		get("NEWSFLOW_INDEX_IMAGE", "newsflow/index:dev"),
		get("NEWSFLOW_WATCH_IMAGE", "newsflow/watch:dev"),
		get("PROMETHEUS_IMAGE", "newsflow/prometheus:2.42.0"),
		get("NEWSFLOW_IMAGE", "newsflow/newsflow:dev"),
	}
}

// compose runs docker-compose with the project's settings.
func (s *stack) compose(ctx context.Context, args ...string) (string, error) {
	all := append([]string{"-p", s.project}, s.args...)
	all = append(all, args...)
	cmd := exec.CommandContext(ctx, "docker-compose", all...)
	cmd.Dir = s.root
	cmd.Env = append(os.Environ(), s.env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("docker-compose %s: %w\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String(), nil
}

func (s *stack) mustCompose(ctx context.Context, args ...string) string {
	s.t.Helper()
	out, err := s.compose(ctx, args...)
	if err != nil {
		fatal(s.t, err)
	}
	return out
}

// down removes the project with its volumes, after dumping the logs of a
// failed test.
func (s *stack) down() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if s.t.Failed() {
		out, _ := s.compose(ctx, "ps")
		s.t.Logf("--- docker-compose ps ---\n%s", out)
		out, _ = s.compose(ctx, "logs", "--no-color", "--tail", "60")
		s.t.Logf("--- docker-compose logs ---\n%s", squeeze(out))
		if msg, ok := failure(s.t); ok {
			s.t.Logf("--- the first failure, again ---\n%s", msg)
		}
	}
	if out, err := s.compose(ctx, "down", "--volumes", "--remove-orphans", "--timeout", "5"); err != nil {
		s.t.Logf("tear down: %v\n%s", err, out)
	}
}

// containers returns the ids of the running containers of service.
func (s *stack) containers(ctx context.Context, service string) []string {
	s.t.Helper()
	out := s.mustCompose(ctx, "ps", "-q", service)
	var ids []string
	for _, l := range strings.Fields(out) {
		st, err := exec.CommandContext(ctx, "docker", "inspect", "-f", "{{.State.Running}}", l).Output()
		if err == nil && strings.TrimSpace(string(st)) == "true" {
			ids = append(ids, l)
		}
	}
	return ids
}

func (s *stack) url(portVar, path string) string {
	return fmt.Sprintf("http://127.0.0.1:%d%s", s.ports[portVar], path)
}

// adminPassword is the password of the admin NATS user of this stack.
func (s *stack) adminPassword() string {
	for _, kv := range s.env {
		if v, ok := strings.CutPrefix(kv, "NEWSFLOW_NATS_ADMIN_PASSWORD="); ok {
			return v
		}
	}
	return ""
}

func (s *stack) natsURL(portVars ...string) string {
	var urls []string
	for _, v := range portVars {
		urls = append(urls, fmt.Sprintf("nats://127.0.0.1:%d", s.ports[v]))
	}
	return strings.Join(urls, ",")
}

// waitFor polls check every half second until it returns nil or the
// deadline passes.
func waitFor(t *testing.T, ctx context.Context, what string, within time.Duration, check func() error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	var err error
	for {
		if err = check(); err == nil {
			return
		}
		select {
		case <-ctx.Done():
			fatalf(t, "waiting %s for %s: last error: %v", within, what, err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func getJSON(u string, into any) error {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(u)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", u, resp.Status)
	}
	if into == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(into)
}

// searchTotal asks the index for the number of articles of source.
func (s *stack) searchTotal(source string) (int, error) {
	var res struct {
		Total int `json:"total"`
	}
	err := getJSON(s.url("NEWSFLOW_INDEX_PORT", "/v1/search?"+url.Values{"q": {"*"}, "source": {source}, "limit": {"1"}}.Encode()), &res)
	return res.Total, err
}

// promQuery returns the first value of a Prometheus instant query.
func (s *stack) promQuery(expr string) (float64, error) {
	var res struct {
		Data struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := getJSON(s.url("PROMETHEUS_PORT", "/api/v1/query?"+url.Values{"query": {expr}}.Encode()), &res); err != nil {
		return 0, err
	}
	if len(res.Data.Result) == 0 {
		return 0, fmt.Errorf("%s: no series", expr)
	}
	str, _ := res.Data.Result[0].Value[1].(string)
	return strconv.ParseFloat(str, 64)
}

// corpusArticles reads n articles from the corpus files, each with a fresh
// id and the given source.
func corpusArticles(t *testing.T, source string, n int, files ...string) [][]byte {
	t.Helper()
	var out [][]byte
	for len(out) < n {
		for _, name := range files {
			f, err := os.Open(corpus.Path(t, name))
			if err != nil {
				fatal(t, err)
			}
			sc := bufio.NewScanner(f)
			sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
			for sc.Scan() && len(out) < n {
				var a map[string]any
				if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
					fatalf(t, "%s: %v", name, err)
				}
				a["id"] = fmt.Sprintf("%s-%05d", source, len(out))
				a["source"] = source
				delete(a, "url") // the id must stay the one given
				b, err := json.Marshal(a)
				if err != nil {
					fatal(t, err)
				}
				out = append(out, b)
			}
			_ = f.Close()
		}
	}
	return out
}

// publish sends articles (numbered from first) onto articles.raw.<source>, each with a Nats-Msg-Id
// so that a retried publish is not a second article, retrying through
// leader elections until ctx ends.
func publish(t *testing.T, ctx context.Context, js jetstream.JetStream, source string, articles [][]byte, first int) {
	t.Helper()
	for j, a := range articles {
		i := first + j
		msg := &nats.Msg{Subject: "articles.raw." + source, Data: a, Header: nats.Header{}}
		msg.Header.Set(nats.MsgIdHdr, fmt.Sprintf("compose-test:%s:%d", source, i))
		for attempt := 1; ; attempt++ {
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, err := js.PublishMsg(pctx, msg)
			cancel()
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				fatalf(t, "publish article %d: %v", i, err)
			}
			if attempt%10 == 0 {
				t.Logf("publish article %d, attempt %d: %v", i, attempt, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// publishAsync sends articles like publish, up to 256 at a time, as a busy
// producer does. Those whose PubAck fails go again one by one (their
// Nats-Msg-Id makes a copy the stream already holds a no-op).
func publishAsync(t *testing.T, ctx context.Context, js jetstream.JetStream, source string, articles [][]byte, first int) {
	const window = 256
	msgs := make([]*nats.Msg, len(articles))
	acks := make([]jetstream.PubAckFuture, len(articles))
	var again []int
	settle := func(i int) {
		if acks[i] == nil {
			again = append(again, i)
			return
		}
		select {
		case <-acks[i].Ok():
		case <-acks[i].Err():
			again = append(again, i)
		case <-ctx.Done():
		}
	}
	for i, a := range articles {
		if i >= window {
			settle(i - window)
		}
		msgs[i] = &nats.Msg{Subject: "articles.raw." + source, Data: a, Header: nats.Header{}}
		msgs[i].Header.Set(nats.MsgIdHdr, fmt.Sprintf("compose-test:%s:%d", source, first+i))
		acks[i], _ = js.PublishMsgAsync(msgs[i])
	}
	for i := max(0, len(articles)-window); i < len(articles); i++ {
		settle(i)
	}
	for _, i := range again {
		publish(t, ctx, js, source, articles[i:i+1], first+i)
	}
}

// indexedEvents counts the articles.indexed.<source> events per article id.
// A read that fails (the stream may have just changed leader) starts again
// from the first event, for up to a minute.
func indexedEvents(t *testing.T, ctx context.Context, js jetstream.JetStream, source string) map[string]int {
	t.Helper()
	var counts map[string]int
	waitFor(t, ctx, "the indexed events read to the end", time.Minute, func() error {
		var err error
		counts, err = readIndexedEvents(ctx, js, source)
		return err
	})
	return counts
}

func readIndexedEvents(ctx context.Context, js jetstream.JetStream, source string) (map[string]int, error) {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cons, err := js.OrderedConsumer(cctx, "ARTICLES", jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{"articles.indexed." + source},
	})
	if err != nil {
		return nil, fmt.Errorf("ordered consumer: %w", err)
	}
	info, err := cons.Info(cctx)
	if err != nil {
		return nil, fmt.Errorf("consumer info: %w", err)
	}
	want := info.NumPending
	counts := map[string]int{}
	var read uint64
	for read < want {
		batch, err := cons.Fetch(500, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return nil, fmt.Errorf("fetch after %d of %d: %w", read, want, err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			var ev struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(m.Data(), &ev); err != nil || ev.ID == "" {
				return nil, fmt.Errorf("indexed event %q: no article id (%v)", m.Data(), err)
			}
			counts[ev.ID]++
		}
		if err := batch.Error(); err != nil {
			return nil, fmt.Errorf("fetch after %d of %d: %w", read, want, err)
		}
		if n == 0 {
			return nil, fmt.Errorf("read %d of %d indexed events, then nothing", read, want)
		}
		read += uint64(n)
	}
	return counts, nil
}

// assertExactlyOnce checks that every published id was indexed exactly once,
// in the index and in the indexed events.
func assertExactlyOnce(t *testing.T, ctx context.Context, s *stack, js jetstream.JetStream, source string, n int) {
	t.Helper()
	total, err := s.searchTotal(source)
	if err != nil || total != n {
		errorf(t, "search total for source %s = %d (%v), want %d", source, total, err, n)
	}
	counts := indexedEvents(t, ctx, js, source)
	missing, twice := 0, 0
	for i := range n {
		id := fmt.Sprintf("%s-%05d", source, i)
		switch c := counts[id]; {
		case c == 0:
			missing++
			if missing <= 5 {
				errorf(t, "article %s was never indexed", id)
			}
		case c > 1:
			twice++
			if twice <= 5 {
				errorf(t, "article %s was indexed %d times", id, c)
			}
		}
	}
	if len(counts) != n {
		errorf(t, "indexed events name %d articles, want %d", len(counts), n)
	}
	if missing+twice > 0 {
		errorf(t, "%d articles never indexed, %d indexed more than once, of %d", missing, twice, n)
	}
	var dead uint64
	waitFor(t, ctx, "ARTICLES_DLQ info", time.Minute, func() error {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		dlq, err := js.Stream(sctx, "ARTICLES_DLQ")
		if err != nil {
			return err
		}
		info, err := dlq.Info(sctx)
		if err != nil {
			return err
		}
		dead = info.State.Msgs
		return nil
	})
	if dead != 0 {
		errorf(t, "%d dead letters, want none", dead)
	}
}

// waitDrained waits until every stage's consumer has nothing pending or
// unacknowledged.
func waitDrained(t *testing.T, ctx context.Context, js jetstream.JetStream, within time.Duration) {
	t.Helper()
	consumers := [][2]string{{"ARTICLES_RAW", "ingest"}, {"ARTICLES", "enrich"}, {"ARTICLES", "index"}}
	waitFor(t, ctx, "consumers drained", within, func() error {
		for _, c := range consumers {
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			cons, err := js.Consumer(cctx, c[0], c[1])
			if err != nil {
				cancel()
				return fmt.Errorf("consumer %s: %w", c[1], err)
			}
			info, err := cons.Info(cctx)
			cancel()
			if err != nil {
				return fmt.Errorf("consumer %s: %w", c[1], err)
			}
			if info.NumPending > 0 || info.NumAckPending > 0 {
				return fmt.Errorf("consumer %s: %d pending, %d ack pending", c[1], info.NumPending, info.NumAckPending)
			}
		}
		return nil
	})
}

// connect connects as the admin user: the test publishes, and reads streams
// and consumers no stage may read.
func connect(t *testing.T, s *stack, urls string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(urls, nats.UserInfo("admin", s.adminPassword()),
		nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond), nats.RetryOnFailedConnect(true))
	if err != nil {
		fatalf(t, "connect to %s: %v", urls, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		fatal(t, err)
	}
	return js
}

func consumerInfo(ctx context.Context, js jetstream.JetStream, stream, name string) (*jetstream.ConsumerInfo, error) {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cons, err := js.Consumer(cctx, stream, name)
	if err != nil {
		return nil, err
	}
	return cons.Info(cctx)
}

// TestComposeScaleOutAndKill: the stack with its two enrich replicas,
// `up --scale enrich=3`, 3000 corpus articles published at a steady pace, and
// one enrich replica frozen and then killed while it holds messages it has
// not acknowledged. Every article must be indexed exactly once, none
// dead-lettered.
func TestComposeScaleOutAndKill(t *testing.T) {
	s := newStack(t, "single")
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	s.mustCompose(ctx, "up", "-d", "nats", "setup", "ingest", "enrich", "index", "nats-monitor", "prometheus")
	for _, p := range []string{"NEWSFLOW_INGEST_PORT", "NEWSFLOW_INDEX_PORT"} {
		waitFor(t, ctx, p+" /readyz", 2*time.Minute, func() error { return getJSON(s.url(p, "/readyz"), nil) })
	}
	// The one NATS poller is scraped, with prometheus-nats-exporter's names.
	waitFor(t, ctx, "NATS metrics from nats-monitor", time.Minute, func() error {
		v, err := s.promQuery(`count(gnatsd_varz_connections{job="nats"})`)
		if err != nil || v != 1 {
			return fmt.Errorf("%v NATS servers reported by job nats (%v)", v, err)
		}
		return nil
	})
	// Prometheus finds every replica through compose's DNS: two by
	// default, three after the scale-out.
	enrichTargets := func(want float64) func() error {
		return func() error {
			v, err := s.promQuery(`count(up{job="enrich"} == 1)`)
			if err != nil || v != want {
				return fmt.Errorf("%v enrich targets up (%v)", v, err)
			}
			return nil
		}
	}
	waitFor(t, ctx, "Prometheus scraping two enrich replicas", time.Minute, enrichTargets(2))
	s.mustCompose(ctx, "up", "-d", "--scale", "enrich=3", "enrich")
	victims := s.containers(ctx, "enrich")
	if len(victims) != 3 {
		fatalf(t, "%d enrich containers running, want 3", len(victims))
	}
	waitFor(t, ctx, "Prometheus scraping three enrich replicas", time.Minute, enrichTargets(3))

	js := connect(t, s, s.natsURL("NATS_PORT"))
	const source, n, chunk = "composetest", 3000, 100
	articles := corpusArticles(t, source, n, "bg.jsonl", "ru.jsonl", "en.jsonl", "de.jsonl", "uk.jsonl")
	start := time.Now()
	published := make(chan struct{})
	go func() {
		defer close(published)
		for i := 0; i < n && ctx.Err() == nil; i += chunk {
			publishAsync(t, ctx, js, source, articles[i:i+chunk], i)
			time.Sleep(500 * time.Millisecond)
		}
	}()

	waitFor(t, ctx, "pipeline under way", time.Minute, func() error {
		total, err := s.searchTotal(source)
		if err != nil || total < 100 {
			return fmt.Errorf("%d indexed (%v)", total, err)
		}
		return nil
	})
	// Freeze one replica (it keeps the messages delivered to it, unacked),
	// then kill it: they must come back to the others after the ack wait.
	victim := victims[0]
	if out, err := exec.CommandContext(ctx, "docker", "pause", victim).CombinedOutput(); err != nil {
		fatalf(t, "docker pause %s: %v\n%s", victim, err, out)
	}
	var info *jetstream.ConsumerInfo
	waitFor(t, ctx, "the frozen replica holding messages", 30*time.Second, func() error {
		var err error
		info, err = consumerInfo(ctx, js, "ARTICLES", "enrich")
		if err != nil {
			return err
		}
		if info.NumAckPending == 0 {
			return fmt.Errorf("nothing unacknowledged")
		}
		return nil
	})
	if out, err := exec.CommandContext(ctx, "docker", "kill", victim).CombinedOutput(); err != nil {
		fatalf(t, "docker kill %s: %v\n%s", victim, err, out)
	}
	atKill, _ := s.searchTotal(source)
	t.Logf("killed enrich container %.12s: %d of %d indexed, %d delivered to enrich and unacknowledged",
		victim, atKill, n, info.NumAckPending)
	if atKill >= n {
		fatalf(t, "every article was indexed before the kill: the run is too short to test a kill mid-run")
	}
	<-published
	t.Logf("published %d articles in %s", n, time.Since(start).Round(time.Millisecond))

	waitFor(t, ctx, "every article indexed", 4*time.Minute, func() error {
		total, err := s.searchTotal(source)
		if err != nil || total < n {
			return fmt.Errorf("%d of %d indexed (%v)", total, n, err)
		}
		return nil
	})
	waitDrained(t, ctx, js, 2*time.Minute)
	t.Logf("all %d indexed and acknowledged %s after the first publish", n, time.Since(start).Round(time.Millisecond))
	assertExactlyOnce(t, ctx, s, js, source, n)
}

func TestComposeClusterSurvivesNodeLoss(t *testing.T) {
	s := newStack(t, "cluster", "--env-file", "deploy/compose/cluster.env", "--profile", "cluster")
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	s.mustCompose(ctx, "up", "-d", "nats-1", "nats-2", "nats-3", "setup", "ingest", "enrich", "index")
	waitFor(t, ctx, "index /readyz", 2*time.Minute, func() error { return getJSON(s.url("NEWSFLOW_INDEX_PORT", "/readyz"), nil) })

	js := connect(t, s, s.natsURL("NATS_1_PORT", "NATS_2_PORT", "NATS_3_PORT"))
	streamInfo := func(name string) (*jetstream.StreamInfo, error) {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		st, err := js.Stream(sctx, name)
		if err != nil {
			return nil, err
		}
		return st.Info(sctx)
	}
	for _, name := range []string{"ARTICLES_RAW", "ARTICLES", "ARTICLES_DLQ"} {
		waitFor(t, ctx, name+" with three current replicas", time.Minute, func() error {
			info, err := streamInfo(name)
			if err != nil {
				return err
			}
			if info.Config.Replicas != 3 || info.Cluster == nil || len(info.Cluster.Replicas) != 2 {
				return fmt.Errorf("replicas %d, cluster %+v", info.Config.Replicas, info.Cluster)
			}
			for _, p := range info.Cluster.Replicas {
				if !p.Current {
					return fmt.Errorf("replica %s not current", p.Name)
				}
			}
			return nil
		})
	}

	const source, n = "clustertest", 2000
	articles := corpusArticles(t, source, n, "ru.jsonl", "bg.jsonl", "en.jsonl", "de.jsonl")
	publish(t, ctx, js, source, articles[:n/2], 0)
	waitFor(t, ctx, "pipeline under way", time.Minute, func() error {
		total, err := s.searchTotal(source)
		if err != nil || total < 100 {
			return fmt.Errorf("%d indexed (%v)", total, err)
		}
		return nil
	})
	// Kill the leader of ARTICLES, the stream every stage writes to.
	info, err := streamInfo("ARTICLES")
	if err != nil {
		fatal(t, err)
	}
	leader := info.Cluster.Leader
	ids := s.containers(ctx, leader)
	if len(ids) != 1 {
		fatalf(t, "leader %q: %d containers", leader, len(ids))
	}
	if out, err := exec.CommandContext(ctx, "docker", "kill", ids[0]).CombinedOutput(); err != nil {
		fatalf(t, "docker kill %s: %v\n%s", leader, err, out)
	}
	killed := time.Now()
	total, _ := s.searchTotal(source)
	t.Logf("killed %s, the leader of ARTICLES, with %d of %d articles indexed", leader, total, n)

	publish(t, ctx, js, source, articles[n/2:], n/2)
	waitFor(t, ctx, "a new ARTICLES leader", time.Minute, func() error {
		info, err := streamInfo("ARTICLES")
		if err != nil {
			return err
		}
		if info.Cluster.Leader == "" || info.Cluster.Leader == leader {
			return fmt.Errorf("leader %q", info.Cluster.Leader)
		}
		return nil
	})
	waitFor(t, ctx, "every article indexed", 4*time.Minute, func() error {
		total, err := s.searchTotal(source)
		if err != nil || total < n {
			return fmt.Errorf("%d of %d indexed (%v)", total, n, err)
		}
		return nil
	})
	t.Logf("all %d indexed %s after the kill", n, time.Since(killed).Round(time.Millisecond))
	waitDrained(t, ctx, js, time.Minute)
	assertExactlyOnce(t, ctx, s, js, source, n)

	// The killed node comes back and catches up.
	waitFor(t, ctx, "docker start "+leader, 30*time.Second, func() error {
		if out, err := exec.CommandContext(ctx, "docker", "start", ids[0]).CombinedOutput(); err != nil {
			return fmt.Errorf("%w: %s", err, bytes.TrimSpace(out))
		}
		return nil
	})
	waitFor(t, ctx, leader+" current again", 2*time.Minute, func() error {
		info, err := streamInfo("ARTICLES")
		if err != nil {
			return err
		}
		for _, p := range info.Cluster.Replicas {
			if !p.Current || p.Offline {
				return fmt.Errorf("replica %s current %v offline %v lag %d", p.Name, p.Current, p.Offline, p.Lag)
			}
		}
		if len(info.Cluster.Replicas) != 2 {
			return fmt.Errorf("%d followers", len(info.Cluster.Replicas))
		}
		return nil
	})
	t.Logf("%s current again %s after the kill", leader, time.Since(killed).Round(time.Millisecond))
}
