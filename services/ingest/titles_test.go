package ingest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/intake"
	"github.com/newsflow/newsflow/pkg/natsembed"
	"github.com/newsflow/newsflow/pkg/natstest"
)

// TestTitleAffixesShared: two replicas learn one source's site suffix
// together from the titles each sees, and what they learned survives a
// restart of the replicas and of the server.
func TestTitleAffixesShared(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv := natstest.RunServerWith(t, natsembed.Config{StoreDir: dir})
	_, js1 := natstest.Connect(t, srv)
	_, js2 := natstest.Connect(t, srv)
	open := func(t *testing.T, js jetstream.JetStream) *intake.TitleAffixes {
		t.Helper()
		s, err := OpenKVTitleStore(ctx, js, time.Hour, 1)
		if err != nil {
			t.Fatal(err)
		}
		l := intake.NewTitleAffixesWith(s)
		l.OnError = func(err error) { t.Errorf("store: %v", err) }
		return l
	}
	r1, r2 := open(t, js1), open(t, js2)
	title := func(i int) string { return fmt.Sprintf("Okapi seen near Burgas, day %d | Example News", i) }
	// Titles 0 and 1 on replica 1, 2 on replica 2: the third title of the
	// source, the first replica 2 sees, is cleaned.
	for i, want := range []string{title(0), title(1)} {
		if got := r1.Clean("example", title(i)); got != want {
			t.Errorf("replica 1, title %d: %q, want %q", i, got, want)
		}
	}
	if got, want := r2.Clean("example", title(2)), "Okapi seen near Burgas, day 2"; got != want {
		t.Errorf("replica 2, third title of the source: %q, want %q", got, want)
	}
	// Replica 1 sees the same title again (a redelivery): not counted
	// twice; and a new title, cleaned with what replica 2 stored.
	r1.Clean("example", title(1))
	if got, want := r1.Clean("example", title(3)), "Okapi seen near Burgas, day 3"; got != want {
		t.Errorf("replica 1 after replica 2 learned: %q, want %q", got, want)
	}
	store, err := OpenKVTitleStore(ctx, js1, time.Hour, 1)
	if err != nil {
		t.Fatal(err)
	}
	st, _, err := store.Load(ctx, "example")
	if err != nil {
		t.Fatal(err)
	}
	if st.Titles != 4 || st.Counts["s:examplenews"] != 4 {
		t.Errorf("stored state %+v, want 4 titles, suffix counted 4 times", st)
	}
	// Another source learned nothing.
	if got := r1.Clean("other", title(9)); got != title(9) {
		t.Errorf("another source: %q, want it unchanged", got)
	}

	// Restart the server on its store, and start a fresh replica: the
	// suffix is known from its first title.
	srv.Shutdown()
	srv.WaitForShutdown()
	srv2 := natstest.RunServerWith(t, natsembed.Config{StoreDir: dir})
	_, js3 := natstest.Connect(t, srv2)
	r3 := open(t, js3)
	if got, want := r3.Clean("example", "Trams return to Plovdiv | Example News"), "Trams return to Plovdiv"; got != want {
		t.Errorf("after restarts: %q, want %q", got, want)
	}
}

// TestTitleAffixesConcurrentReplicas: replicas counting titles of one
// source at the same time lose no count (compare-and-set on the entry).
func TestTitleAffixesConcurrentReplicas(t *testing.T) {
	ctx := context.Background()
	srv := natstest.RunServer(t)
	var ls []*intake.TitleAffixes
	for range 3 {
		_, js := natstest.Connect(t, srv)
		s, err := OpenKVTitleStore(ctx, js, time.Hour, 1)
		if err != nil {
			t.Fatal(err)
		}
		l := intake.NewTitleAffixesWith(s)
		l.OnError = func(err error) { t.Errorf("store: %v", err) }
		ls = append(ls, l)
	}
	var wg sync.WaitGroup
	for r, l := range ls {
		wg.Go(func() {
			for i := range 10 {
				l.Clean("busy", fmt.Sprintf("Headline %d from replica %d | Busy Site", i, r))
			}
		})
	}
	wg.Wait()
	_, js := natstest.Connect(t, srv)
	s, err := OpenKVTitleStore(ctx, js, time.Hour, 1)
	if err != nil {
		t.Fatal(err)
	}
	st, _, err := s.Load(ctx, "busy")
	if err != nil {
		t.Fatal(err)
	}
	if st.Titles != 30 || st.Counts["s:busysite"] != 30 {
		t.Errorf("stored %d titles, suffix %d; want 30 and 30", st.Titles, st.Counts["s:busysite"])
	}
}
