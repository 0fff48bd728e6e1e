package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/cmd/newsflow/internal/standalone"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natsembed"
	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/bleveindex"
	"github.com/newsflow/newsflow/pkg/search/searchtest"
	"github.com/newsflow/newsflow/pkg/telemetry"
	"github.com/newsflow/newsflow/services/index"
)

// rssBytes returns a field of /proc/self/status (VmRSS) in bytes.
func rssBytes(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			var kb int64
			_, _ = fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb << 10
		}
	}
	return 0
}

// clientFrom returns an HTTP client whose connections come from the
// loopback address local, so that the server counts it apart.
func clientFrom(local string, timeout time.Duration) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 4}
	return &http.Client{Transport: tr, Timeout: timeout}
}

// waitIndexed waits until every id answers 200 at /v1/articles/{id}; it
// returns the ids that did not within the time.
func waitIndexed(base string, ids []string, within time.Duration) []string {
	pending := append([]string(nil), ids...)
	deadline := time.Now().Add(within)
	for len(pending) > 0 && time.Now().Before(deadline) {
		var still []string
		for _, id := range pending {
			if httpStatus(base+"/v1/articles/"+id) != http.StatusOK {
				still = append(still, id)
			}
		}
		pending = still
		if len(pending) > 0 {
			time.Sleep(200 * time.Millisecond)
		}
	}
	return pending
}

// TestFaultOversize: bodies and fields too large for the pipeline are
// refused at the edge, cheaply, naming the limit; one published straight
// onto NATS is dead-lettered at once with its reason; the good articles
// sent around them are all indexed.
func TestFaultOversize(t *testing.T) {
	cfg := standalone.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.NATSAddr = "127.0.0.1:-1"
	p, err := standalone.Start(context.Background(), cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	base := "http://" + p.HTTPAddr()
	var good []string
	postGood := func(lines [][]byte) {
		code, res, _ := postNDJSON(t, base, lines)
		if code != http.StatusAccepted {
			t.Fatalf("good articles answered %d", code)
		}
		for _, r := range res {
			if r.Status == "accepted" {
				good = append(good, r.ID)
			}
		}
	}
	lines := corpusNDJSON(t, 60)
	postGood(lines[:30])

	t.Run("50 MB JSON bodies, 10 at once", func(t *testing.T) {
		big := bytes.Repeat([]byte("x"), 50<<20)
		copy(big, `{"source":"big","body":"`)
		runtime.GC()
		searchtest.ResetPeakRSS()
		before := rssBytes("VmRSS")
		start := time.Now()
		var wg sync.WaitGroup
		codes := make(chan int, 10)
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var body io.Reader = bytes.NewReader(big)
				if i%2 == 1 {
					body = io.MultiReader(bytes.NewReader(big)) // no length: streamed
				}
				resp, err := http.Post(base+"/v1/articles", "application/json", body)
				if err != nil {
					codes <- 0
					return
				}
				_ = resp.Body.Close()
				codes <- resp.StatusCode
			}()
		}
		wg.Wait()
		close(codes)
		took := time.Since(start)
		for c := range codes {
			if c != http.StatusRequestEntityTooLarge {
				t.Errorf("50 MB JSON body answered %d, want 413", c)
			}
		}
		grew := searchtest.PeakRSS() - before
		t.Logf("ten 50 MB JSON bodies: 413 in %s, peak RSS +%d MiB (the test's own 50 MiB body included)", took.Round(time.Millisecond), grew>>20)
		if grew > 400<<20 {
			t.Errorf("peak RSS grew by %d MiB serving ten 50 MB bodies", grew>>20)
		}
	})

	t.Run("gzip NDJSON bomb", func(t *testing.T) {
		var raw bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&raw, gzip.BestCompression)
		line := []byte(`{"source":"bomb","body":"the same article again and again"}` + "\n")
		for raw.Len() < 305<<10 {
			for range 10000 {
				_, _ = zw.Write(line)
			}
			_ = zw.Flush()
		}
		_ = zw.Close()
		req, _ := http.NewRequest(http.MethodPost, base+"/v1/articles", bytes.NewReader(raw.Bytes()))
		req.Header.Set("Content-Type", "application/x-ndjson")
		req.Header.Set("Content-Encoding", "gzip")
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		took := time.Since(start)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "--http-max-inflate-ratio") {
			t.Errorf("bomb answered %d %s, want 413 naming --http-max-inflate-ratio", resp.StatusCode, body)
		}
		t.Logf("%d KB gzip bomb: %d in %s", raw.Len()>>10, resp.StatusCode, took.Round(time.Millisecond))
	})

	for _, tc := range []struct {
		name, doc, field, msg string
	}{
		{"1 MB tag", `{"source":"s","id":"tag-1","body":"text","tags":["ok","` + strings.Repeat("t", 1<<20) + `"]}`, "tags", "the limit is 256"},
		{"enriched over the max payload", `{"source":"s","id":"big-1","body":"` + strings.Repeat("<", 1_000_000) + `"}`, "body", "message limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Post(base+"/v1/articles", "application/json", strings.NewReader(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			var eb struct {
				Error struct{ Code, Message, Field string } `json:"error"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&eb)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || eb.Error.Field != tc.field || eb.Error.Code != "too_large" || !strings.Contains(eb.Error.Message, tc.msg) {
				t.Errorf("%d %+v, want 400 too_large on %s with %q", resp.StatusCode, eb.Error, tc.field, tc.msg)
			}
		})
	}

	t.Run("enriched over the max payload, straight onto NATS", func(t *testing.T) {
		nkey, err := nats.NkeyOptionFromSeed(natsembed.SeedFile(p.CredentialsDir(), natsembed.UserProducer))
		if err != nil {
			t.Fatal(err)
		}
		nc, err := nats.Connect(p.NATSURL(), nkey)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		doc := `{"source":"s","id":"big-2","body":"` + strings.Repeat("<", 1_000_000) + `"}`
		msg, err := nc.Request(natsbus.RawSubject("s"), []byte(doc), 5*time.Second)
		if err != nil || !strings.Contains(string(msg.Data), `"seq"`) {
			t.Fatalf("publish raw: %v %v", err, msg)
		}
		// A raw message that fails validation is dead-lettered by ingest
		// with its reason (the article id is not on it: match the reason).
		deadline := time.Now().Add(20 * time.Second)
		for found := false; !found; {
			for _, reason := range deadLetterReasons(t, p) {
				found = found || strings.Contains(reason, "12262") && strings.Contains(reason, "message limit")
			}
			if !found && time.Now().After(deadline) {
				t.Fatalf("the oversize article was not dead-lettered within 20 s: %v", deadLetterReasons(t, p))
			}
			if !found {
				time.Sleep(200 * time.Millisecond)
			}
		}
		if code := httpStatus(base + "/v1/articles/big-2"); code != http.StatusNotFound {
			t.Errorf("the oversize article answers %d, want 404 (never indexed)", code)
		}
	})

	postGood(lines[30:])
	if lost := waitIndexed(base, good, 45*time.Second); len(lost) > 0 {
		t.Errorf("%d of %d good articles sent around the bad ones were not indexed: %v", len(lost), len(good), lost)
	}
	if code := httpStatus(base + "/readyz"); code != http.StatusOK {
		t.Errorf("readyz %d after the bad inputs", code)
	}
	t.Logf("%d good articles sent around the bad ones, all indexed", len(good))
}

// TestFaultExpensiveQueries: the 64-prefix query of issue 19 and smaller
// prefix queries from 20 clients at once on 3,000 articles: each is
// answered or refused (400, 429, 503) within the budget, and the
// process's memory stays bounded (20 at once reached 4.3 GB before).
func TestFaultExpensiveQueries(t *testing.T) {
	idx, err := bleveindex.Open(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	searchtest.IndexAll(t, idx, searchtest.Reidentify(searchtest.LoadCorpus(t), 3000), 1024)

	budget := search.DefaultBudget()
	srv := telemetry.NewServer("127.0.0.1:0", prometheus.NewRegistry(), zaptest.NewLogger(t))
	index.NewAPI(search.NewBounded(idx, budget), index.APIConfig{}, zap.NewNop()).Routes(srv)
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	base := "http://" + srv.Addr()

	full := searchtest.ExpensivePrefixQuery()
	queries := []string{full, strings.Join(strings.Split(full, " OR ")[:16], " OR "), "по*", "пр* OR по*", "Путин", "войн*"}
	runtime.GC()
	searchtest.ResetPeakRSS()
	before := rssBytes("VmRSS")
	cpu := searchtest.CPUTime()
	var mu sync.Mutex
	statuses := map[int]int{}
	var slowest time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for g := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := clientFrom(fmt.Sprintf("127.0.2.%d", g+1), 30*time.Second)
			for i := range 6 {
				q := queries[(g+i)%len(queries)]
				t0 := time.Now()
				resp, err := c.Get(base + "/v1/search?q=" + url.QueryEscape(q))
				took := time.Since(t0)
				code := 0
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					code = resp.StatusCode
				}
				mu.Lock()
				statuses[code]++
				slowest = max(slowest, took)
				mu.Unlock()
				switch code {
				case http.StatusOK, http.StatusBadRequest, http.StatusTooManyRequests, http.StatusServiceUnavailable:
				default:
					t.Errorf("%q answered %d (%v)", q, code, err)
				}
				if took > budget.Timeout+budget.QueueWait+5*time.Second {
					t.Errorf("%q took %s, the budget is %s", q, took, budget.Timeout)
				}
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	cpu = searchtest.CPUTime() - cpu
	grew := searchtest.PeakRSS() - before
	t.Logf("120 searches from 20 clients in %s: statuses %v, slowest %s, CPU %s, peak RSS +%d MiB",
		wall.Round(time.Millisecond), statuses, slowest.Round(time.Millisecond), cpu.Round(time.Millisecond), grew>>20)
	if statuses[http.StatusOK] == 0 {
		t.Errorf("no search was answered")
	}
	if statuses[http.StatusBadRequest] == 0 {
		t.Errorf("the 64-prefix query was not refused")
	}
	if grew > 1<<30 {
		t.Errorf("peak RSS grew by %d MiB", grew>>20)
	}
}

// newsflowBinary returns the newsflow binary: $NEWSFLOW_BIN/newsflow
// (make test-faults builds it there), or a fresh build.
func newsflowBinary(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("NEWSFLOW_BIN"); dir != "" {
		bin := filepath.Join(dir, "newsflow")
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("NEWSFLOW_BIN=%s lacks newsflow (make build makes it): %v", dir, err)
		}
		return bin
	}
	bin := filepath.Join(t.TempDir(), "newsflow")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestFaultSlowClients: newsflow up, started with 2,048 descriptors
// (ulimit -n, as in issue 19), indexing articles while 2,100 clients
// send their headers and then trickle nothing more of their bodies. The
// process derives its connection cap from the limit and keeps the rest
// for storage: it survives, a normal client is served or told 503 at
// once, /readyz answers when the flood goes, and every article accepted
// meanwhile is indexed.
func TestFaultSlowClients(t *testing.T) {
	lines := corpusNDJSON(t, 600)
	bin := newsflowBinary(t)
	data := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	cmd := exec.Command("sh", "-c", `ulimit -n 2048 && exec "$0" "$@"`, bin, "up", "--data", data, "--http", addr,
		"--nats", "127.0.0.1:-1", "--log-format", "json", "--log-level", "warn")
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	base := "http://" + addr
	for start := time.Now(); httpStatus(base+"/readyz") != http.StatusOK; time.Sleep(100 * time.Millisecond) {
		if time.Since(start) > 30*time.Second {
			t.Fatalf("newsflow up not ready within 30 s:\n%s", stderr.String())
		}
	}

	// Articles go in from 127.0.0.9 while the flood comes, retried on 503.
	publisher := clientFrom("127.0.0.9", 30*time.Second)
	var accepted []string
	pubDone := make(chan struct{})
	go func() {
		defer close(pubDone)
		for i := 0; i < len(lines); i += 50 {
			for attempt := 0; attempt < 100; attempt++ {
				resp, err := publisher.Post(base+"/v1/articles", "application/x-ndjson", bytes.NewReader(bytes.Join(lines[i:min(i+50, len(lines))], []byte("\n"))))
				if err != nil {
					time.Sleep(100 * time.Millisecond)
					continue
				}
				var res []submitResult
				_ = json.NewDecoder(resp.Body).Decode(&res)
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					time.Sleep(100 * time.Millisecond)
					continue
				}
				for _, r := range res {
					if r.Status == "accepted" {
						accepted = append(accepted, r.ID)
					}
				}
				break
			}
		}
	}()

	// The flood: 2,100 uploads that send their headers and a few bytes,
	// 50 from each of 42 addresses (under the per-address cap of 256).
	const slow = 2100
	conns := make([]net.Conn, slow)
	var wg sync.WaitGroup
	work := make(chan int)
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(fmt.Sprintf("127.0.1.%d", i%42+1))}, Timeout: 5 * time.Second}
				c, err := d.Dial("tcp", addr)
				if err != nil {
					continue
				}
				_, _ = io.WriteString(c, "POST /v1/articles HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: 1000000\r\n\r\n{\"sou")
				conns[i] = c
			}
		}()
	}
	floodStart := time.Now()
	for i := range slow {
		work <- i
	}
	close(work)
	wg.Wait()
	floodTook := time.Since(floodStart)
	t.Cleanup(func() {
		for _, c := range conns {
			if c != nil {
				_ = c.Close()
			}
		}
	})
	// How many the server refused at once (503 and closed).
	refused, closed := 0, 0
	for _, c := range conns {
		if c == nil {
			continue
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Millisecond))
		b := make([]byte, 12)
		n, err := c.Read(b)
		var ne net.Error
		switch {
		case n > 0 && strings.Contains(string(b[:n]), "503"):
			refused++
		case n == 0 && err != nil && !(errors.As(err, &ne) && ne.Timeout()):
			closed++ // closed unanswered: too many refusals were lingering
		}
	}
	fds := 0
	if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", cmd.Process.Pid)); err == nil {
		fds = len(ents)
	}

	// A normal client meanwhile: served, or told 503 at once. While 64
	// refusals are being answered, a further one is closed unanswered
	// (reason lingering): that is a refusal at once too, not a stall, and
	// counts when it comes fast and most probes still get an answer. An
	// answer that reaches the client before its request ("unsolicited
	// response", seen once in CI before refusals waited for the request's
	// first byte) is a failure.
	normal := clientFrom("127.0.0.10", 10*time.Second)
	var probes []string
	failedFast := 0
	for range 5 {
		t0 := time.Now()
		resp, err := normal.Get(base + "/healthz")
		took := time.Since(t0)
		if err != nil {
			unsolicited := strings.Contains(err.Error(), "unsolicited") || strings.Contains(err.Error(), "readLoopPeekFailLocked")
			if !unsolicited && took < time.Second && failedFast < 2 {
				failedFast++
				probes = append(probes, fmt.Sprintf("connection closed in %s", took.Round(time.Millisecond)))
				continue
			}
			t.Errorf("normal client during the flood: %v after %s", err, took)
			continue
		}
		_ = resp.Body.Close()
		probes = append(probes, fmt.Sprintf("%d in %s", resp.StatusCode, took.Round(time.Millisecond)))
		if (resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusServiceUnavailable) || took > 3*time.Second {
			t.Errorf("normal client during the flood: %d after %s, want 200 or 503 at once", resp.StatusCode, took)
		}
	}
	select {
	case err := <-exited:
		stopped = true
		t.Fatalf("newsflow up died under the flood: %v\n%s", err, stderr.String())
	default:
	}

	// The stalled uploads are cut off by --http-body-read-timeout (15 s)
	// while their clients still hold them open: the normal client is
	// then served without anyone closing anything.
	servedAfter := time.Duration(0)
	for t0 := time.Now(); ; time.Sleep(250 * time.Millisecond) {
		if resp, err := normal.Get(base + "/healthz"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				servedAfter = time.Since(floodStart)
				break
			}
		}
		if time.Since(t0) > 40*time.Second {
			t.Fatalf("the normal client was not served within 40 s of the flood, the stalled uploads still open")
		}
	}

	// The flood goes; the process is ready again and nothing is lost.
	for i, c := range conns {
		if c != nil {
			_ = c.Close()
			conns[i] = nil
		}
	}
	for start := time.Now(); httpStatus(base+"/readyz") != http.StatusOK; time.Sleep(50 * time.Millisecond) {
		if time.Since(start) > 20*time.Second {
			t.Fatalf("not ready 20 s after the flood:\n%s", stderr.String())
		}
	}
	<-pubDone
	if len(accepted) == 0 {
		t.Fatal("no article was accepted")
	}
	if lost := waitIndexed(base, accepted, 45*time.Second); len(lost) > 0 {
		t.Errorf("%d of %d accepted articles not indexed: %v", len(lost), len(accepted), lost[:min(len(lost), 10)])
	}
	if strings.Contains(stderr.String(), "panic") || strings.Contains(stderr.String(), "Critical write error") {
		t.Errorf("newsflow up logged a panic or a critical write error:\n%s", stderr.String())
	}
	_ = cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Errorf("newsflow up exited with %v:\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Errorf("newsflow up did not stop within 30 s of SIGINT")
	}
	t.Logf("ulimit -n 2048: %d slow uploads opened in %s, %d refused 503 at once, %d closed unanswered, %d descriptors open in the process; normal client: %v, served %s after the flood began (stalled bodies cut off); %d articles accepted meanwhile, all indexed",
		slow, floodTook.Round(time.Millisecond), refused, closed, fds, probes, servedAfter.Round(time.Millisecond), len(accepted))
}

// lockedBuffer is a bytes.Buffer safe for a child's output and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
