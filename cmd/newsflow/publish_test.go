package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natstest"
)

const intakeTestdata = "../../pkg/intake/testdata"

// copyInputs copies the intake test inputs (not their golden files) into
// dir/sub, to be found by a recursive walk of dir.
func copyInputs(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(intakeTestdata, "*.*"))
	if err != nil || len(files) < 7 {
		t.Fatalf("inputs: %v %v", files, err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sub, filepath.Base(f)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestPublishDryRunFolder(t *testing.T) {
	dir := copyInputs(t)
	code, out := cli(t, "publish", "--dry-run", "--progress", "lines", "--source", "cli", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (the testdata holds bad items): %s", code, out)
	}
	// json 2 (one with html), ndjson 5 good of 9 (line 9 gets --source,
	// line 5 is taken without its unusable url),
	// rss 2 of 4, atom 2, text 1, html 2. The summary comes first (stdout),
	// the progress lines after it (stderr).
	if !strings.HasPrefix(out, "accepted 14, duplicates 0, rejected 6") {
		t.Errorf("summary is not the first line:\n%s", out)
	}
	for _, want := range []string{
		"rejected " + filepath.Join(dir, "sub", "batch.ndjson") + ":3: body: required",
		"rejected " + filepath.Join(dir, "sub", "feed-koi8r.rss.xml") + "#3: published_at",
		"done " + filepath.Join(dir, "sub", "batch.ndjson") + " lines 1-10",
		"warning " + filepath.Join(dir, "sub", "batch.ndjson") + ":5: url: \"javascript:alert(1)\" is not an http or https URL; the article was accepted without a url",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestPublishGlobAndSniff(t *testing.T) {
	dir := t.TempDir()
	// An unknown extension: the format is read from the content.
	if err := os.WriteFile(filepath.Join(dir, "a.data"), []byte("{\"source\":\"s\",\"body\":\"one\"}\n{\"source\":\"s\",\"body\":\"two\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b.data"), []byte("<rss version=\"2.0\"><channel><link>https://x.example/</link><item><title>T</title><description>Body</description></item></channel></rss>"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := cli(t, "publish", "--dry-run", "--progress", "none", filepath.Join(dir, "*.data"))
	if code != 0 || !strings.HasPrefix(out, "accepted 3, duplicates 0, rejected 0") {
		t.Fatalf("exit %d: %s", code, out)
	}
	if code, out := cli(t, "publish", "--dry-run", filepath.Join(dir, "*.none")); code == 0 || !strings.Contains(out, "matches no file") {
		t.Errorf("a glob without match: exit %d: %s", code, out)
	}
}

func TestPublishNATS(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	code, out := cli(t, "publish", "--nats", srv.ClientURL(), "--concurrency", "3", "--batch", "2", "--progress", "none",
		filepath.Join(intakeTestdata, "batch.ndjson"), filepath.Join(intakeTestdata, "feed.atom.xml"))
	if code != 1 || !strings.HasPrefix(out, "accepted 6, duplicates 0, rejected 5") {
		t.Fatalf("exit %d: %s", code, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, natsbus.StreamRaw)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 6 {
		t.Errorf("%d raw messages stored, want 6", info.State.Msgs)
	}
	// Again: the stream's duplicate window reports them as duplicates.
	code, out = cli(t, "publish", "--nats", srv.ClientURL(), "--progress", "none", filepath.Join(intakeTestdata, "feed.atom.xml"))
	if code != 0 || !strings.HasPrefix(out, "accepted 0, duplicates 2, rejected 0") {
		t.Fatalf("second publish: exit %d: %s", code, out)
	}
}

// TestPublishPrintsIDs: publish prints the id of each new article after
// the summary, and --json one object with the counts and every article.
func TestPublishPrintsIDs(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	dir := t.TempDir()
	file := filepath.Join(dir, "two.ndjson")
	if err := os.WriteFile(file, []byte(`{"id":"pid-1","source":"cli","body":"One."}`+"\n"+`{"id":"pid-2","source":"cli","body":"Two."}`+"\n"+`{"source":"cli"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := cli(t, "publish", "--nats", srv.ClientURL(), "--progress", "none", file)
	if code != 1 || !strings.HasPrefix(out, "accepted 2, duplicates 0, rejected 1") ||
		!strings.Contains(out, "  new pid-1  "+file+":1\n") || !strings.Contains(out, "  new pid-2  "+file+":2\n") {
		t.Fatalf("exit %d: %s", code, out)
	}
	code, out = cli(t, "publish", "--nats", srv.ClientURL(), "--json", file)
	var rep publishJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	if code != 1 || rep.Accepted != 0 || rep.Duplicates != 2 || rep.Rejected != 1 || len(rep.Articles) != 3 ||
		rep.Articles[0].ID != "pid-1" || rep.Articles[0].Status != "duplicate" || rep.Articles[2].Status != "rejected" || rep.Articles[2].Reason == "" {
		t.Errorf("--json: exit %d %+v", code, rep)
	}
}

// TestPublishURLWinsOverNATSURL: NATS_URL alone makes publish go straight
// onto NATS (as the NATS tools read it), but --url on the command line wins
// over the environment: the articles go to that API (here nothing listens,
// so they are rejected) and none reaches the stream. Both flags at once is
// a usage error.
func TestPublishURLWinsOverNATSURL(t *testing.T) {
	srv := natstest.RunServer(t)
	_, js := natstest.Connect(t, srv)
	natstest.Topology(t, js)
	file := filepath.Join(t.TempDir(), "one.ndjson")
	if err := os.WriteFile(file, []byte(`{"id":"env-1","source":"cli","body":"One."}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("NATS_URL", srv.ClientURL())
	msgs := func() uint64 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		st, err := js.Stream(ctx, natsbus.StreamRaw)
		if err != nil {
			t.Fatal(err)
		}
		info, err := st.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return info.State.Msgs
	}
	code, out := cli(t, "publish", "--url", "http://127.0.0.1:1", "--retries", "0", "--progress", "none", file)
	if code != 1 || !strings.Contains(out, "127.0.0.1:1") || msgs() != 0 {
		t.Fatalf("--url with NATS_URL set: exit %d, %d raw messages: %s", code, msgs(), out)
	}
	code, out = cli(t, "publish", "--progress", "none", file)
	if code != 0 || !strings.HasPrefix(out, "accepted 1,") || msgs() != 1 {
		t.Fatalf("NATS_URL alone: exit %d, %d raw messages: %s", code, msgs(), out)
	}
	if code, out = cli(t, "publish", "--url", "http://127.0.0.1:1", "--nats", srv.ClientURL(), file); code != 2 || !strings.Contains(out, "not both") {
		t.Errorf("--url and --nats: exit %d: %s", code, out)
	}
}
