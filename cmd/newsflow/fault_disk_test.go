package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/cmd/newsflow/internal/standalone"
	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/pkg/faulttest"
	"github.com/newsflow/newsflow/pkg/natsbus"
)

// corpusNDJSON returns the lines of the corpus's article files, up to n.
func corpusNDJSON(t *testing.T, n int) [][]byte {
	t.Helper()
	var lines [][]byte
	for _, name := range []string{"en.jsonl", "ru.jsonl", "de.jsonl", "uk.jsonl", "bg.jsonl", "mixed.jsonl"} {
		f, err := os.Open(corpus.Path(t, name))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
		for sc.Scan() && len(lines) < n {
			lines = append(lines, append([]byte(nil), sc.Bytes()...))
		}
		_ = f.Close()
	}
	return lines
}

type submitResult struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// postNDJSON posts lines and returns the HTTP status and the per-article
// results (none for a 503).
func postNDJSON(t *testing.T, base string, lines [][]byte) (int, []submitResult, http.Header) {
	t.Helper()
	resp, err := http.Post(base+"/v1/articles", "application/x-ndjson", bytes.NewReader(bytes.Join(lines, []byte("\n"))))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var res []submitResult
	if resp.StatusCode == http.StatusAccepted {
		if err := json.Unmarshal(body, &res); err != nil {
			t.Fatalf("202 body: %v: %s", err, body)
		}
	}
	return resp.StatusCode, res, resp.Header
}

func httpStatus(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// The disk fills up under a stream of NDJSON articles; every one answered
// 202 is indexed or dead-lettered for a reason of its own (none is lost,
// none is dead-lettered for storage, none both), the API refuses with 503
// and Retry-After and /readyz is not ready while the disk is full, and once
// the ballast is removed the same process is ready again and indexes new
// articles.
func TestFaultDiskFull(t *testing.T) {
	mnt := faulttest.Tmpfs(t, "100m")
	lines := corpusNDJSON(t, 1600)
	bal := faulttest.Ballast(t, mnt, 22<<20)
	// A small reserve, so that the disk really runs out under the
	// pipeline, not only at the API.
	const reserve = 4 << 20
	p, base := startOn(t, filepath.Join(mnt, "data"), reserve)

	accepted := map[string]bool{}
	refused, sawNotReady := 0, false
	for i := 0; i < len(lines); i += 100 {
		code, res, hdr := postNDJSON(t, base, lines[i:min(i+100, len(lines))])
		switch code {
		case http.StatusAccepted:
			for _, r := range res {
				if r.Status == "accepted" {
					accepted[r.ID] = true
				}
			}
		case http.StatusServiceUnavailable:
			refused++
			if hdr.Get("Retry-After") == "" {
				t.Errorf("503 without Retry-After")
			}
			if httpStatus(base+"/readyz") == http.StatusServiceUnavailable {
				sawNotReady = true
			}
		default:
			t.Fatalf("POST answered %d", code)
		}
	}
	if refused == 0 || !sawNotReady {
		t.Fatalf("the disk never filled: %d requests refused, readyz not ready seen: %v", refused, sawNotReady)
	}
	text, waits := storageMetrics(t, base)
	if metricValue(t, text, `newsflow_storage_writable{store="index"}`) != 0 && metricValue(t, text, `newsflow_storage_writable{store="nats"}`) != 0 {
		t.Errorf("metrics show every store writable while the API refuses articles")
	}
	t.Logf("accepted %d articles, %d requests refused with 503, stages waited for storage %.0f times", len(accepted), refused, waits)

	if err := os.Remove(bal); err != nil {
		t.Fatal(err)
	}
	freed := time.Now()
	for httpStatus(base+"/readyz") != http.StatusOK {
		if time.Since(freed) > 30*time.Second {
			t.Fatalf("not ready 30s after the ballast was removed")
		}
		time.Sleep(50 * time.Millisecond)
	}
	readyAfter := time.Since(freed)

	indexed, deadLettered, lost := accountFor(t, p, accepted, freed)
	allIndexed := time.Since(freed)

	postAfterRecovery(t, base, lines[len(lines)-20:])
	t.Logf("accepted %d, indexed %d, dead-lettered %d, lost %d; ready %s after the ballast went, every accepted article settled after %s",
		len(accepted), indexed, deadLettered, lost, readyAfter.Round(time.Millisecond), allIndexed.Round(time.Millisecond))
}

// startOn starts newsflow up in process on data with the given storage
// reserve, stopped when the test ends; it returns it and its base URL.
func startOn(t *testing.T, data string, reserve uint64) (*standalone.Pipeline, string) {
	t.Helper()
	cfg := standalone.DefaultConfig()
	cfg.DataDir = data
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.NATSAddr = "127.0.0.1:-1"
	cfg.StorageReserve = reserve
	p, err := standalone.Start(context.Background(), cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return p, "http://" + p.HTTPAddr()
}

// storageMetrics returns the /metrics text and the storage waits of all
// stages.
func storageMetrics(t *testing.T, base string) (string, float64) {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	waits := 0.0
	for _, st := range []string{"ingest", "enrich", "index"} {
		waits += max(metricValue(t, string(b), `newsflow_stage_storage_waits_total{stage="`+st+`"}`), 0)
	}
	return string(b), waits
}

// accountFor waits (up to 60 s after freed) until every accepted article is
// indexed or dead-lettered, and fails the test for one that is neither,
// both, or dead-lettered for storage. It returns the counts.
func accountFor(t *testing.T, p *standalone.Pipeline, accepted map[string]bool, freed time.Time) (indexed, deadLettered, lost int) {
	t.Helper()
	base := "http://" + p.HTTPAddr()
	// Every 202: indexed or dead-lettered, never neither, never both.
	dead := deadLetterReasons(t, p)
	pending := map[string]bool{}
	for id := range accepted {
		pending[id] = true
	}
	for len(pending) > 0 && time.Since(freed) < 60*time.Second {
		for id := range pending {
			if httpStatus(base+"/v1/articles/"+id) == http.StatusOK {
				delete(pending, id)
			}
		}
		if len(pending) > 0 {
			dead = deadLetterReasons(t, p)
			for id := range pending {
				if _, ok := dead[id]; ok {
					delete(pending, id)
				}
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	// Every 202: indexed or dead-lettered, never neither, never both.
	for id := range accepted {
		reason, isDead := dead[id]
		isIndexed := httpStatus(base+"/v1/articles/"+id) == http.StatusOK
		switch {
		case isDead && isIndexed:
			t.Errorf("article %s is both indexed and dead-lettered (%s)", id, reason)
		case isDead:
			deadLettered++
			if natsbus.IsStorageFailure(fmt.Errorf("%s", reason)) {
				t.Errorf("article %s dead-lettered for storage: %s", id, reason)
			}
		case isIndexed:
			indexed++
		}
	}
	n := 0
	for id := range pending {
		if n++; n <= 10 {
			t.Logf("neither indexed nor dead-lettered: %s", id)
		}
	}
	if len(pending) > 0 {
		t.Errorf("%d of %d accepted articles neither indexed nor dead-lettered", len(pending), len(accepted))
	}
	return indexed, deadLettered, len(pending)
}

// postAfterRecovery posts lines and waits until each is indexed: new
// articles are taken without a restart.
func postAfterRecovery(t *testing.T, base string, lines [][]byte) {
	t.Helper()
	code, res, _ := postNDJSON(t, base, lines)
	if code != http.StatusAccepted {
		t.Fatalf("POST after recovery answered %d", code)
	}
	for _, r := range res {
		for start := time.Now(); httpStatus(base+"/v1/articles/"+r.ID) != http.StatusOK; time.Sleep(50 * time.Millisecond) {
			if time.Since(start) > 20*time.Second {
				t.Fatalf("article %s posted after recovery not indexed", r.ID)
			}
		}
	}
}

// deadLetterReasons maps article ids to their dead-letter reasons.
func deadLetterReasons(t *testing.T, p *standalone.Pipeline) map[string]string {
	t.Helper()
	code, out := cli(t, "dlq", "list", "--json", "--limit", "100000", "--nats", p.NATSURL(), "--data", filepath.Dir(p.CredentialsDir()))
	if code != 0 {
		t.Fatalf("dlq list: exit %d: %s", code, out)
	}
	reasons := map[string]string{}
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var v any
		if err := dec.Decode(&v); err != nil {
			break
		}
		items, ok := v.([]any)
		if !ok {
			items = []any{v}
		}
		for _, it := range items {
			if m, ok := it.(map[string]any); ok {
				id, _ := m["article_id"].(string)
				reason, _ := m["error"].(string)
				reasons[id] = reason
			}
		}
	}
	return reasons
}

// Another process fills the disk to the last byte while articles flow in:
// the embedded JetStream and the index meet a real full disk (write errors,
// not the reserve). Every article answered 202 is still indexed or
// dead-lettered once the space comes back, JetStream having been restarted
// in process.
func TestFaultDiskFilledUnderLoad(t *testing.T) {
	mnt := faulttest.Tmpfs(t, "100m")
	lines := corpusNDJSON(t, 1500)
	p, base := startOn(t, filepath.Join(mnt, "data"), standalone.DefaultConfig().StorageReserve)
	accepted := map[string]bool{}
	var bal string
	unconfirmed, refused := 0, 0
	for i := 0; i < len(lines); i += 100 {
		if i == 600 {
			bal = faulttest.Ballast(t, mnt, 0) // the disk is now full
		}
		code, res, _ := postNDJSON(t, base, lines[i:min(i+100, len(lines))])
		switch code {
		case http.StatusAccepted:
			for _, r := range res {
				switch r.Status {
				case "accepted":
					accepted[r.ID] = true
				case "rejected":
					unconfirmed++ // not confirmed by the queue: the client must send it again
				}
			}
		case http.StatusServiceUnavailable:
			refused++
		default:
			t.Fatalf("POST answered %d", code)
		}
	}
	if refused == 0 {
		t.Fatal("no request was refused on a full disk")
	}
	t.Logf("accepted %d articles; %d not confirmed in 202 answers, %d requests refused with 503", len(accepted), unconfirmed, refused)
	if err := os.Remove(bal); err != nil {
		t.Fatal(err)
	}
	freed := time.Now()
	for httpStatus(base+"/readyz") != http.StatusOK {
		if time.Since(freed) > 30*time.Second {
			t.Fatalf("not ready 30s after the ballast was removed")
		}
		time.Sleep(50 * time.Millisecond)
	}
	readyAfter := time.Since(freed)
	indexed, deadLettered, lost := accountFor(t, p, accepted, freed)
	allIndexed := time.Since(freed)
	postAfterRecovery(t, base, lines[:20])
	text, waits := storageMetrics(t, base)
	t.Logf("JetStream restarted %.0f times; stages waited for storage %.0f times",
		metricValue(t, text, "newsflow_jetstream_restarts_total"), waits)
	t.Logf("accepted %d, indexed %d, dead-lettered %d, lost %d; ready %s after the ballast went, every accepted article settled after %s",
		len(accepted), indexed, deadLettered, lost, readyAfter.Round(time.Millisecond), allIndexed.Round(time.Millisecond))
}
