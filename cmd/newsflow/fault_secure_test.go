package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natsembed"
)

// TestFaultHostileNeighbour: another local process attacks newsflow up
// through its embedded NATS server. Without a key it cannot connect; with
// an unknown key neither; with the producer's key (what outside producers
// get) it cannot delete ARTICLES, purge ARTICLES_RAW or publish an
// enriched article; with the enrich stage's key, which may publish
// enriched articles, an injected article with a javascript: URL and
// revision 2^62 is dead-lettered, never indexed. Nothing of the pipeline's
// data is lost, and it keeps working.
func TestFaultHostileNeighbour(t *testing.T) {
	p := startPipeline(t, t.TempDir())
	base := "http://" + p.HTTPAddr()
	admin := connectJS(t, p, natsembed.UserAdmin)
	ctx := context.Background()

	postAccepted(t, base, "application/json", `{"source":"victim","id":"victim-1","title":"The victim's story","body":"A story that a hostile neighbour would like to delete."}`)
	waitFor(t, "victim-1 indexed", func() bool { code, _ := cli(t, "get", "--url", base, "victim-1"); return code == 0 })
	rawBefore := streamMsgs(t, admin, natsbus.StreamRaw)
	articlesBefore := streamMsgs(t, admin, natsbus.StreamArticles)

	t.Run("no credentials", func(t *testing.T) {
		nc, err := nats.Connect(p.NATSURL(), nats.Timeout(3*time.Second), nats.RetryOnFailedConnect(false))
		if err == nil {
			nc.Close()
			t.Fatal("a client without credentials was let in")
		}
		if !errors.Is(err, nats.ErrAuthorization) && !strings.Contains(strings.ToLower(err.Error()), "authorization") {
			t.Errorf("refused with %v, want an authorization error", err)
		}
	})
	t.Run("unknown key", func(t *testing.T) {
		kp, err := nkeys.CreateUser()
		if err != nil {
			t.Fatal(err)
		}
		pub, _ := kp.PublicKey()
		nc, err := nats.Connect(p.NATSURL(), nats.Nkey(pub, kp.Sign), nats.Timeout(3*time.Second), nats.RetryOnFailedConnect(false))
		if err == nil {
			nc.Close()
			t.Fatal("a client with a key up did not make was let in")
		}
	})
	t.Run("producer key", func(t *testing.T) {
		u := connectUser(t, p, natsembed.UserProducer)
		for _, tc := range []struct {
			what, subject string
			try           func(ctx context.Context) error
		}{
			{"delete ARTICLES", "$JS.API.STREAM.DELETE.ARTICLES", func(ctx context.Context) error {
				return u.js.DeleteStream(ctx, natsbus.StreamArticles)
			}},
			{"purge ARTICLES_RAW", "$JS.API.STREAM.PURGE.ARTICLES_RAW", func(ctx context.Context) error {
				s, err := u.js.Stream(ctx, natsbus.StreamRaw)
				if err != nil {
					return err
				}
				return s.Purge(ctx)
			}},
			{"delete ARTICLES_DLQ", "$JS.API.STREAM.DELETE.ARTICLES_DLQ", func(ctx context.Context) error {
				return u.js.DeleteStream(ctx, natsbus.StreamDLQ)
			}},
			{"publish an enriched article", "articles.enriched.victim", func(ctx context.Context) error {
				_, err := u.js.Publish(ctx, "articles.enriched.victim", enrichedJSON(t, "forged-1", "javascript:alert(1)", 1<<62))
				return err
			}},
			{"publish an ingested article", "articles.ingested.victim", func(ctx context.Context) error {
				_, err := u.js.Publish(ctx, "articles.ingested.victim", enrichedJSON(t, "forged-2", "javascript:alert(1)", 1<<62))
				return err
			}},
		} {
			tctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			err := tc.try(tctx)
			cancel()
			if err == nil {
				t.Errorf("the producer could %s", tc.what)
				continue
			}
			waitFor(t, "the server's permissions violation for "+tc.subject, func() bool { return u.violation(tc.subject) })
		}
	})
	t.Run("stage key injects", func(t *testing.T) {
		// The enrich stage's key may publish enriched articles: what it
		// publishes is validated again by index.
		js := connectJS(t, p, natsembed.UserEnrich)
		dlqBefore := deadLetters(t, admin, natsbus.StageIndex)
		for _, inj := range []struct {
			id, url, reason string
			rev             uint64
		}{
			{"inject-js", "javascript:alert(document.cookie)", "url: invalid", 3},
			{"inject-rev", "https://example.com/a", "revision", 1 << 62},
			{"victim-1", "https://example.com/defaced", "revision", 1 << 62}, // would pin the victim's article forever
			{"inject-pin", "https://example.com/b", "above the last raw submission", 1 << 40},
		} {
			tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, err := js.Publish(tctx, natsbus.SubjectEnriched+".victim", enrichedJSON(t, inj.id, inj.url, inj.rev))
			cancel()
			if err != nil {
				t.Fatalf("publish as enrich: %v", err)
			}
		}
		var got []natsbus.DLQEntry
		waitFor(t, "four dead letters from index", func() bool {
			got = deadLetters(t, admin, natsbus.StageIndex)[len(dlqBefore):]
			return len(got) >= 4
		})
		reasons := map[string]string{}
		for _, d := range got {
			var a article.Article
			_ = json.Unmarshal(d.Data, &a)
			reasons[a.ID] = d.Error
		}
		for id, want := range map[string]string{"inject-js": "url: invalid", "inject-rev": "revision: invalid", "victim-1": "revision: invalid",
			"inject-pin": "above the last raw submission"} {
			if !strings.Contains(reasons[id], want) {
				t.Errorf("dead letter of %s: %q, want a reason naming %q", id, reasons[id], want)
			}
		}
		for _, id := range []string{"inject-js", "inject-rev", "inject-pin"} {
			if code := httpStatus(base + "/v1/articles/" + id); code != http.StatusNotFound {
				t.Errorf("GET /v1/articles/%s: %d, want 404 (never indexed)", id, code)
			}
		}
	})

	// Nothing was lost, the victim's article is intact and can still be
	// updated by its source.
	if n := streamMsgs(t, admin, natsbus.StreamRaw); n != rawBefore {
		t.Errorf("ARTICLES_RAW holds %d messages, %d before the attack", n, rawBefore)
	}
	if n := streamMsgs(t, admin, natsbus.StreamArticles); n < articlesBefore {
		t.Errorf("ARTICLES holds %d messages, %d before the attack", n, articlesBefore)
	}
	postAccepted(t, base, "application/json", `{"source":"victim","id":"victim-1","title":"The victim's story, updated","body":"A story that a hostile neighbour would like to delete. Updated."}`)
	waitFor(t, "victim-1's update indexed", func() bool {
		return getArticle(t, base, "victim-1").Title == "The victim's story, updated"
	})
}

// TestFaultSourceTakeover: source B reuses source A's article id, through
// the API and straight onto NATS; A's article stays as A wrote it.
func TestFaultSourceTakeover(t *testing.T) {
	p := startPipeline(t, t.TempDir())
	base := "http://" + p.HTTPAddr()
	admin := connectJS(t, p, natsembed.UserAdmin)
	postAccepted(t, base, "application/json", `{"source":"alpha","id":"shared-1","title":"Alpha's report","body":"Alpha reports on the harbour."}`)
	waitFor(t, "shared-1 indexed", func() bool { code, _ := cli(t, "get", "--url", base, "shared-1"); return code == 0 })

	resp, err := http.Post(base+"/v1/articles", "application/json",
		strings.NewReader(`{"source":"beta","id":"shared-1","title":"Beta's takeover","body":"Beta overwrites alpha."}`))
	if err != nil {
		t.Fatal(err)
	}
	var answer struct {
		Error struct{ Code, Field, Message string } `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&answer)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusConflict || answer.Error.Code != article.CodeConflict || !strings.Contains(answer.Error.Message, "alpha") {
		t.Errorf("beta's POST: %d %+v, want 409 conflict naming alpha", resp.StatusCode, answer.Error)
	}

	producer := connectJS(t, p, natsembed.UserProducer)
	publishRawMsg(t, producer, "beta", []byte(`{"source":"beta","id":"shared-1","title":"Beta's takeover","body":"Beta overwrites alpha on the queue."}`))
	waitFor(t, "beta's dead letter", func() bool {
		for _, d := range deadLetters(t, admin, natsbus.StageIngest) {
			if strings.Contains(d.Error, "conflict") && strings.Contains(d.Error, "alpha") {
				return true
			}
		}
		return false
	})
	if a := getArticle(t, base, "shared-1"); a.Source != "alpha" || a.Title != "Alpha's report" {
		t.Errorf("shared-1 is now %s's %q, want alpha's report", a.Source, a.Title)
	}
}

// connectUser connects to p's NATS as user, recording the asynchronous
// errors the server sends (permission violations arrive that way).
func connectUser(t *testing.T, p interface {
	CredentialsDir() string
	NATSURL() string
}, user string) *natsUser {
	t.Helper()
	u := &natsUser{}
	nkey, err := nats.NkeyOptionFromSeed(natsembed.SeedFile(p.CredentialsDir(), user))
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(p.NATSURL(), nkey, nats.CustomInboxPrefix(natsembed.InboxPrefix(user)),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			u.mu.Lock()
			u.errs = append(u.errs, err.Error())
			u.mu.Unlock()
		}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	if u.js, err = jetstream.New(nc); err != nil {
		t.Fatal(err)
	}
	u.nc = nc
	return u
}

// enrichedJSON is an enriched article as a forger would write it.
func enrichedJSON(t *testing.T, id, url string, rev uint64) []byte {
	t.Helper()
	b, err := json.Marshal(&article.Article{ID: id, Source: "victim", URL: url, Title: "Forged", Body: "Forged text.",
		CleanBody: "Forged text.", Lang: "en", Revision: rev, ContentHash: "forged", EnrichedAt: time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// streamMsgs is the number of messages in stream.
func streamMsgs(t *testing.T, js jetstream.JetStream, stream string) uint64 {
	t.Helper()
	s, err := js.Stream(context.Background(), stream)
	if err != nil {
		t.Fatalf("stream %s: %v", stream, err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// deadLetters lists the dead letters of stage, oldest first.
func deadLetters(t *testing.T, js jetstream.JetStream, stage string) []natsbus.DLQEntry {
	t.Helper()
	var out []natsbus.DLQEntry
	if err := natsbus.NewDLQ(js).List(context.Background(), stage, func(d natsbus.DLQEntry) error {
		out = append(out, d)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}
