package natsembed

import (
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// TestCredentials: the seeds are made once, owner-only, and the server
// they configure lets each user do what its permissions say and nothing
// else.
func TestCredentials(t *testing.T) {
	dir := t.TempDir() + "/credentials"
	c, err := LoadOrCreateCredentials(dir)
	if err != nil {
		t.Fatal(err)
	}
	seeds := map[string]string{}
	for _, u := range Users {
		st, err := os.Stat(c.File(u))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v, want mode 0600", c.File(u), err)
		}
		b, _ := os.ReadFile(c.File(u))
		if !strings.HasPrefix(string(b), "SU") {
			t.Errorf("%s does not hold a user seed", c.File(u))
		}
		seeds[u] = string(b)
	}
	if again, err := LoadOrCreateCredentials(dir); err != nil {
		t.Fatal(err)
	} else {
		for _, u := range Users {
			if b, _ := os.ReadFile(again.File(u)); string(b) != seeds[u] {
				t.Errorf("the seed of %s changed on the second load", u)
			}
		}
	}

	users, err := c.NkeyUsers()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Start(Config{Addr: "127.0.0.1:-1", StoreDir: t.TempDir(), ServerName: "auth-test",
		Options: func(o *server.Options) { o.Nkeys = users }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })

	if nc, err := nats.Connect(srv.ClientURL(), nats.RetryOnFailedConnect(false)); err == nil {
		nc.Close()
		t.Fatal("connected without a key")
	}
	connect := func(user string) (*nats.Conn, func(subject string, wait time.Duration) bool) {
		var mu sync.Mutex
		var errs []string
		opts, err := c.ConnectOptions(user)
		if err != nil {
			t.Fatal(err)
		}
		opts = append(opts, nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			mu.Lock()
			errs = append(errs, err.Error())
			mu.Unlock()
		}))
		nc, err := nats.Connect(srv.ClientURL(), opts...)
		if err != nil {
			t.Fatalf("connect as %s: %v", user, err)
		}
		t.Cleanup(nc.Close)
		denied := func(subject string, wait time.Duration) bool {
			deadline := time.Now().Add(wait)
			for time.Now().Before(deadline) {
				mu.Lock()
				for _, e := range errs {
					if strings.Contains(strings.ToLower(e), "permissions violation") && strings.Contains(e, subject) {
						mu.Unlock()
						return true
					}
				}
				mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
			return false
		}
		return nc, denied
	}

	producer, producerDenied := connect(UserProducer)
	for _, subject := range []string{"articles.enriched.x", "$JS.API.STREAM.DELETE.ARTICLES", "$JS.API.STREAM.PURGE.ARTICLES_RAW"} {
		if err := producer.Publish(subject, []byte("{}")); err != nil {
			t.Fatal(err)
		}
		if !producerDenied(subject, 5*time.Second) {
			t.Errorf("the producer may publish on %s", subject)
		}
	}
	if err := producer.Publish("articles.raw.x", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	// The server answers PUBs in order: after the flush's PONG, a
	// violation would have arrived.
	if err := producer.Flush(); err != nil || producerDenied("articles.raw.x", 200*time.Millisecond) {
		t.Errorf("the producer may not publish a submission: %v", err)
	}

	index, indexDenied := connect(UserIndex)
	if _, err := index.SubscribeSync("_INBOX_enrich.>"); err != nil {
		t.Fatal(err)
	}
	if !indexDenied("_INBOX_enrich.>", 5*time.Second) {
		t.Error("the index stage may read the enrich stage's replies")
	}

	admin, _ := connect(UserAdmin)
	if _, err := admin.Request("$JS.API.INFO", nil, 5*time.Second); err != nil {
		t.Errorf("the admin cannot ask JetStream: %v", err)
	}

	if err := os.Chmod(c.File(UserEnrich), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCredentials(dir); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a world-readable seed: %v, want an error saying chmod 600", err)
	}
}
