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
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/cmd/newsflow/internal/standalone"
	"github.com/newsflow/newsflow/pkg/corpus"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/storage"
)

// mountTmpfs mounts a tmpfs of size on a fresh directory, or skips the test
// when that is impossible outside CI (not root).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("the fault suite runs as root under CI (it mounts a tmpfs)")
		}
		t.Skip("mounting a tmpfs needs root; run the fault suite as root (make test-faults)")
	}
	dir := filepath.Join(t.TempDir(), "mnt")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// ballast fills dir's file system until only free bytes are left.
func ballast(t *testing.T, dir string, free uint64) string {
	t.Helper()
	avail, _, err := storage.Free(dir)
	if err != nil {
		t.Fatal(err)
	}
	if avail <= free {
		t.Fatalf("only %d bytes free on %s, want more than %d", avail, dir, free)
	}
	path := filepath.Join(dir, "ballast")
	if err := os.WriteFile(path, make([]byte, avail-free), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

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
	mnt := mountTmpfs(t, "100m")
	lines := corpusNDJSON(t, 2600)
	cfg := standalone.DefaultConfig()
	cfg.DataDir = filepath.Join(mnt, "data")
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.NATSAddr = "127.0.0.1:-1"
	// A small reserve, so that the disk really runs out under the
	// pipeline, not only at the API.
	cfg.StorageReserve = 4 << 20
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	bal := ballast(t, mnt, 40<<20)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, err := standalone.Start(ctx, cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := p.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	}()
	base := "http://" + p.HTTPAddr()

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
	waits := 0.0
	if resp, err := http.Get(base + "/metrics"); err == nil {
		text, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		for _, st := range []string{"ingest", "enrich", "index"} {
			waits += max(metricValue(t, string(text), `newsflow_stage_storage_waits_total{stage="`+st+`"}`), 0)
		}
		if metricValue(t, string(text), `newsflow_storage_writable{store="index"}`) != 0 &&
			metricValue(t, string(text), `newsflow_storage_writable{store="nats"}`) != 0 && metricValue(t, string(text), "newsflow_storage_free_bytes{store=\"nats\"}") > float64(cfg.StorageReserve) {
			t.Errorf("metrics show every store writable with room while the disk is full")
		}
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

	// Every 202: indexed or dead-lettered, never neither, never both.
	dead := deadLetterReasons(t, p)
	pending := map[string]bool{}
	for id := range accepted {
		pending[id] = true
	}
	for len(pending) > 0 && time.Since(freed) < 45*time.Second {
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
	allIndexed := time.Since(freed)
	indexed, deadLettered := 0, 0
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
	if len(pending) > 0 {
		t.Errorf("%d of %d accepted articles neither indexed nor dead-lettered", len(pending), len(accepted))
	}

	// New articles are taken and indexed without a restart.
	code, res, _ := postNDJSON(t, base, lines[len(lines)-20:])
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
	t.Logf("accepted %d, indexed %d, dead-lettered %d, lost %d; ready %s after the ballast went, every accepted article settled after %s",
		len(accepted), indexed, deadLettered, len(pending), readyAfter.Round(time.Millisecond), allIndexed.Round(time.Millisecond))
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
