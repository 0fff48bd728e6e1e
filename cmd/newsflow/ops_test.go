package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/cmd/newsflow/internal/standalone"
	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natsembed"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/services/index"
	"github.com/newsflow/newsflow/services/ingest"
)

// connectJS connects to p's embedded NATS server as user (one of
// natsembed.Users), with the key p generated for it.
func connectJS(t *testing.T, p *standalone.Pipeline, user string) jetstream.JetStream {
	t.Helper()
	nkey, err := nats.NkeyOptionFromSeed(natsembed.SeedFile(p.CredentialsDir(), user))
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(p.NATSURL(), nkey, nats.CustomInboxPrefix(natsembed.InboxPrefix(user)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

func publishRawMsg(t *testing.T, js jetstream.JetStream, source string, data []byte) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ack, err := js.Publish(ctx, natsbus.RawSubject(source), data)
	if err != nil {
		t.Fatal(err)
	}
	return ack.Sequence
}

// subjectCount returns how many messages of stream match subject.
func subjectCount(t *testing.T, js jetstream.JetStream, stream, subject string) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(subject))
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, c := range info.State.Subjects {
		n += c
	}
	return n
}

func getArticle(t *testing.T, base, id string) *article.Article {
	t.Helper()
	code, out := cli(t, "get", "--url", base, id)
	if code != 0 {
		t.Fatalf("get %s: exit %d: %s", id, code, out)
	}
	var a article.Article
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("get output: %v", err)
	}
	return &a
}

func TestDLQCommands(t *testing.T) {
	p := startPipeline(t, t.TempDir())
	base := "http://" + p.HTTPAddr()
	natsURL := p.NATSURL()
	js := connectJS(t, p, natsembed.UserAdmin)
	// The commands find up's admin key in its data directory.
	t.Setenv("NEWSFLOW_DATA", filepath.Dir(p.CredentialsDir()))

	publishRawMsg(t, js, "src", []byte(`{"source":"src","title":"no body"}`))
	publishRawMsg(t, js, "src", []byte(`{"source":"src","body":`))
	publishRawMsg(t, js, "src", []byte(`{"source":"src","id":"ok-1","body":"A fine article about nothing much."}`))
	waitFor(t, "two dead letters", func() bool {
		return subjectCount(t, js, natsbus.StreamDLQ, natsbus.SubjectDLQ+".>") == 2
	})

	code, out := cli(t, "dlq", "list", "--nats", natsURL)
	if code != 0 {
		t.Fatalf("dlq list: exit %d: %s", code, out)
	}
	for _, want := range []string{"ID", "REASON", "ingest", "articles.raw.src", "body or html", "2 dead letters (ingest 2)"} {
		if !strings.Contains(out, want) {
			t.Errorf("dlq list output lacks %q:\n%s", want, out)
		}
	}
	if code, out := cli(t, "dlq", "list", "--nats", natsURL, "--limit", "1"); code != 0 || !strings.Contains(out, "the first 1 of 2 dead letters") {
		t.Errorf("dlq list --limit 1: exit %d: %s", code, out)
	}
	code, out = cli(t, "dlq", "list", "--nats", natsURL, "--json")
	if code != 0 {
		t.Fatalf("dlq list --json: exit %d: %s", code, out)
	}
	var list []struct {
		ID       uint64          `json:"id"`
		Stage    string          `json:"stage"`
		Error    string          `json:"error"`
		Attempts int             `json:"attempts"`
		Payload  json.RawMessage `json:"payload"`
		Text     string          `json:"payload_text"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("dlq list --json: %v\n%s", err, out)
	}
	if len(list) != 2 {
		t.Fatalf("dlq list --json: %d entries, want 2", len(list))
	}
	var missingBody, truncated uint64
	for _, d := range list {
		switch {
		case strings.Contains(d.Error, "body or html"):
			missingBody = d.ID
		case strings.Contains(d.Error, "malformed"):
			truncated = d.ID
			if d.Text != `{"source":"src","body":` {
				t.Errorf("truncated JSON kept as %q", d.Text)
			}
		}
		if d.Stage != "ingest" || d.Attempts != 1 {
			t.Errorf("dead letter %+v: want stage ingest, 1 attempt", d)
		}
	}
	if missingBody == 0 || truncated == 0 {
		t.Fatalf("reasons not as expected: %+v", list)
	}

	code, out = cli(t, "dlq", "show", "--nats", natsURL, strconv.FormatUint(missingBody, 10))
	if code != 0 || !strings.Contains(out, "reason:") || !strings.Contains(out, `"title": "no body"`) ||
		!strings.Contains(out, "Newsflow-Stage: ingest") {
		t.Errorf("dlq show: exit %d:\n%s", code, out)
	}
	if code, out = cli(t, "dlq", "show", "--nats", natsURL, "9999"); code != 1 || !strings.Contains(out, "dead letter not found") {
		t.Errorf("dlq show 9999: exit %d: %s", code, out)
	}
	if code, out = cli(t, "dlq", "show", "--nats", natsURL, "abc"); code != 1 || !strings.Contains(out, "not a dead-letter id") {
		t.Errorf("dlq show abc: exit %d: %s", code, out)
	}

	code, out = cli(t, "status", "--nats", natsURL)
	if code != 0 {
		t.Fatalf("status: exit %d: %s", code, out)
	}
	for _, want := range []string{"ARTICLES_RAW", "ARTICLES_DLQ", "ingest", "enrich", "index", "PENDING", "REDELIVERED", "2 dead letters"} {
		if !strings.Contains(out, want) {
			t.Errorf("status output lacks %q:\n%s", want, out)
		}
	}
	code, out = cli(t, "status", "--nats", natsURL, "--json")
	var st statusReport
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil {
		t.Fatalf("status --json: exit %d: %s", code, out)
	}
	if st.DLQ["ingest"] != 2 || len(st.Consumers) < 3 || st.Consumers[0].Stage != "ingest" {
		t.Errorf("status --json = %+v", st)
	}
	waitFor(t, "the dlq depth metric", func() bool {
		return strings.Contains(metricsText(t, base), `newsflow_dlq_messages{stage="ingest"} 2`)
	})

	// Replay: the malformed one fails again and comes back with a new id.
	code, out = cli(t, "dlq", "replay", "--nats", natsURL, strconv.FormatUint(truncated, 10))
	if code != 0 || !strings.Contains(out, "1 replayed, 0 failed") {
		t.Fatalf("dlq replay: exit %d: %s", code, out)
	}
	waitFor(t, "the replayed message back in the DLQ", func() bool {
		var ids []uint64
		code, out := cli(t, "dlq", "list", "--nats", natsURL, "--json")
		if code != 0 {
			return false
		}
		var l []struct {
			ID uint64 `json:"id"`
		}
		_ = json.Unmarshal([]byte(out), &l)
		for _, d := range l {
			ids = append(ids, d.ID)
		}
		return len(ids) == 2 && ids[0] == missingBody && ids[1] > truncated
	})

	// Without a terminal to ask on, purge wants --yes and deletes nothing.
	if code, out = cli(t, "dlq", "purge", "--nats", natsURL, "--stage", "ingest"); code != 2 || !strings.Contains(out, "confirm with --yes") {
		t.Errorf("dlq purge without --yes: exit %d: %s", code, out)
	}
	if code, out = cli(t, "dlq", "list", "--nats", natsURL, "--json"); code != 0 || strings.Count(out, `"id"`) != 2 {
		t.Errorf("dlq list after an unconfirmed purge: exit %d: %s", code, out)
	}
	code, out = cli(t, "dlq", "purge", "--nats", natsURL, "--stage", "ingest", "--yes")
	if code != 0 || !strings.Contains(out, "purged 2 dead letters of stage ingest") {
		t.Errorf("dlq purge: exit %d: %s", code, out)
	}
	if code, out = cli(t, "dlq", "list", "--nats", natsURL); code != 0 || !strings.Contains(out, "no dead letters") {
		t.Errorf("dlq list after purge: exit %d: %s", code, out)
	}
	// --json on the commands that change things too.
	if code, out = cli(t, "dlq", "replay", "--nats", natsURL, "--json"); code != 0 || strings.TrimSpace(out) != "{\n  \"replayed\": [],\n  \"failed\": []\n}" {
		t.Errorf("dlq replay --json of nothing: exit %d: %q", code, out)
	}
	if code, out = cli(t, "dlq", "purge", "--nats", natsURL, "--yes", "--json"); code != 0 || !strings.Contains(out, `"purged": 0`) {
		t.Errorf("dlq purge --json: exit %d: %s", code, out)
	}
	if code, out = cli(t, "dlq", "list", "--nats", "nats://127.0.0.1:1"); code != 1 || !strings.Contains(out, "is newsflow running") {
		t.Errorf("dlq list without a server: exit %d: %s", code, out)
	}
}

func TestReprocessRerunsWithoutDuplicates(t *testing.T) {
	p := startPipeline(t, t.TempDir())
	base := "http://" + p.HTTPAddr()
	natsURL := p.NATSURL()
	js := connectJS(t, p, natsembed.UserAdmin)
	// The commands find up's admin key in its data directory.
	t.Setenv("NEWSFLOW_DATA", filepath.Dir(p.CredentialsDir()))

	art := func(id, body string) []byte {
		b, _ := json.Marshal(map[string]string{"source": "rp", "id": id, "title": "Reprocess " + id, "body": body})
		return b
	}
	publishRawMsg(t, js, "rp", art("a1", "First version of the first article."))
	publishRawMsg(t, js, "rp", art("a2", "The second article."))
	publishRawMsg(t, js, "other", []byte(`{"source":"other","id":"o1","body":"Another source."}`))
	waitFor(t, "three articles indexed", func() bool {
		return subjectCount(t, js, natsbus.StreamArticles, natsbus.SubjectIndexed+".>") == 3
	})
	time.Sleep(1100 * time.Millisecond)
	cut := time.Now().UTC()
	time.Sleep(1100 * time.Millisecond)
	// A newer version of a1 after the cut.
	v2seq := publishRawMsg(t, js, "rp", art("a1", "Second, corrected version of the first article."))
	waitFor(t, "the new version indexed", func() bool {
		return subjectCount(t, js, natsbus.StreamArticles, natsbus.SubjectIndexed+".>") == 4
	})
	before := getArticle(t, base, "a1")
	if before.Revision != v2seq {
		t.Fatalf("a1 revision = %d, want %d", before.Revision, v2seq)
	}

	code, out := cli(t, "reprocess", "--nats", natsURL, "--source", "rp", "--to", cut.Format(time.RFC3339Nano), "--dry-run")
	if code != 0 || !strings.Contains(out, "2 raw submissions scanned, 2 would be sent again") {
		t.Fatalf("reprocess --dry-run: exit %d: %s", code, out)
	}
	code, out = cli(t, "reprocess", "--nats", natsURL, "--source", "rp", "--to", cut.Format(time.RFC3339Nano))
	if code != 0 || !strings.Contains(out, "2 raw submissions scanned, 2 sent again") {
		t.Fatalf("reprocess: exit %d: %s", code, out)
	}
	// Both old submissions run through every stage again...
	waitFor(t, "the rerun indexed", func() bool {
		return subjectCount(t, js, natsbus.StreamArticles, natsbus.SubjectIndexed+".>") == 6
	})
	// ...but the index holds each article once, and the old version of a1
	// did not replace the newer one.
	if n, _ := searchTotal(t, base, "*"); n != 3 {
		t.Errorf("index holds %d articles, want 3", n)
	}
	after := getArticle(t, base, "a1")
	if after.Revision != v2seq || !strings.Contains(after.Body, "corrected") {
		t.Errorf("a1 after reprocess: revision %d body %q; want the newer version (revision %d)", after.Revision, after.Body, v2seq)
	}
	a2 := getArticle(t, base, "a2")
	if a2.Revision != 2 || !a2.EnrichedAt.After(cut) {
		t.Errorf("a2 after reprocess: revision %d enriched %v; want revision 2 enriched again after %v", a2.Revision, a2.EnrichedAt, cut)
	}
	m := metricsText(t, base)
	if !strings.Contains(m, `newsflow_stage_messages_total{outcome="ok",stage="ingest"} 6`) {
		t.Errorf("ingest did not handle the reruns as new work:\n%s", grepLines(m, "newsflow_stage_messages_total"))
	}

	// A second run over everything skips the first run's copies.
	code, out = cli(t, "reprocess", "--nats", natsURL, "--json")
	var rep reprocessReport
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil {
		t.Fatalf("reprocess --json: exit %d: %s", code, out)
	}
	if rep.Scanned != 6 || rep.Sent != 4 || rep.Skipped != 2 {
		t.Errorf("second reprocess = %+v, want 6 scanned, 4 sent, 2 skipped", rep)
	}
	if code, out = cli(t, "reprocess", "--nats", natsURL, "--from", "2026-13-01"); code != 1 || !strings.Contains(out, "--from") {
		t.Errorf("bad --from: exit %d: %s", code, out)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestNoSecretsInLogsOrMetrics checks that the configurations logged at
// start mask every secret and that /metrics shows none.
func TestNoSecretsInLogsOrMetrics(t *testing.T) {
	const secret = "s3cret-value-42"
	icfg := index.DefaultConfig()
	icfg.ReadToken = secret
	icfg.Index = "postgres://newsflow:" + secret + "@db:5432/newsflow"
	gcfg := ingest.DefaultConfig()
	gcfg.APIToken = secret
	common := service.DefaultCommon()
	common.NATS.Password, common.NATS.User = secret, "ingest"
	for name, v := range map[string]any{
		"index":  icfg.Redacted(),
		"ingest": gcfg.Redacted(),
		"nats":   common.NATS.Redacted(),
	} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), secret) {
			t.Errorf("%s configuration as logged shows the secret: %s", name, b)
		}
	}

	cfg := standalone.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.NATSAddr = "127.0.0.1:-1"
	cfg.APIToken = secret
	p, err := standalone.Start(context.Background(), cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop() })
	if m := metricsText(t, "http://"+p.HTTPAddr()); strings.Contains(m, secret) {
		t.Errorf("/metrics shows the API token")
	}
}

// TestUpWithNATSToken: with --nats-token the embedded server of newsflow up
// refuses clients without it, and the pipeline still works.
func TestUpWithNATSToken(t *testing.T) {
	cfg := standalone.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.NATSAddr = "127.0.0.1:-1"
	cfg.NATSToken = "up-token-1"
	p, err := standalone.Start(context.Background(), cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop() })
	if nc, err := nats.Connect(p.NATSURL(), nats.Timeout(3*time.Second)); err == nil {
		nc.Close()
		t.Fatal("connected without the token")
	}
	if code, out := cli(t, "status", "--nats", p.NATSURL()); code != 1 || !strings.Contains(strings.ToLower(out), "authorization") {
		t.Errorf("status without the token: exit %d: %s", code, out)
	}
	if code, out := cli(t, "status", "--nats", p.NATSURL(), "--nats-token", "up-token-1"); code != 0 {
		t.Errorf("status with the token: exit %d: %s", code, out)
	}
	nc, err := nats.Connect(p.NATSURL(), nats.Token("up-token-1"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	publishRawMsg(t, js, "tok", []byte(`{"source":"tok","id":"tok-1","body":"Through a token-protected server."}`))
	waitFor(t, "the article indexed", func() bool {
		code, _ := cli(t, "get", "--url", "http://"+p.HTTPAddr(), "tok-1")
		return code == 0
	})
}
