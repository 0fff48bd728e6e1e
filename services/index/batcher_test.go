package index

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/bleveindex"
)

// recordingIndex is a real index that records the size of every batch
// written to it, and can be made to fail.
type recordingIndex struct {
	search.Index
	mu      sync.Mutex
	batches []int
	fail    error
	// writing and most count the Upserts under way, and the most at once.
	writing, most int
	// gate, when set, holds every write until it is closed.
	gate chan struct{}
}

func (r *recordingIndex) Upsert(ctx context.Context, docs []*article.Article) error {
	r.mu.Lock()
	r.batches = append(r.batches, len(docs))
	fail := r.fail
	r.writing++
	r.most = max(r.most, r.writing)
	gate := r.gate
	r.mu.Unlock()
	if gate != nil {
		<-gate
	}
	defer func() {
		r.mu.Lock()
		r.writing--
		r.mu.Unlock()
	}()
	if fail != nil {
		return fail
	}
	return r.Index.Upsert(ctx, docs)
}

// waitWriting waits until n writes are under way.
func (r *recordingIndex) waitWriting(t *testing.T, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		r.mu.Lock()
		w := r.writing
		r.mu.Unlock()
		if w == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d writes under way, want %d", w, n)
		}
	}
}

func (r *recordingIndex) sizes() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.batches...)
}

func newRecording(t *testing.T) *recordingIndex {
	t.Helper()
	idx, err := bleveindex.Open(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	return &recordingIndex{Index: idx}
}

// traced makes b report its events on the returned channel.
func traced(b *Batcher) <-chan string {
	events := make(chan string, 1024)
	b.trace = func(ev string) { events <- ev }
	return events
}

// waitEvents waits until events has delivered at least the given number
// of each event; others are dropped.
func waitEvents(t *testing.T, events <-chan string, want map[string]int) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		left := 0
		for _, n := range want {
			left += max(n, 0)
		}
		if left == 0 {
			return
		}
		select {
		case got := <-events:
			want[got]--
		case <-timeout:
			t.Fatalf("timed out waiting for events %v", want)
		}
	}
}

func runBatcher(t *testing.T, b *Batcher) context.CancelFunc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return cancel
}

func addAll(t *testing.T, b *Batcher, docs []*article.Article) []error {
	t.Helper()
	errs := make([]error, len(docs))
	var wg sync.WaitGroup
	for i, d := range docs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = b.Add(context.Background(), d) }()
	}
	wg.Wait()
	return errs
}

func docs(n, bodyBytes int) []*article.Article {
	out := make([]*article.Article, n)
	for i := range out {
		out[i] = &article.Article{ID: fmt.Sprintf("d%03d", i), Source: "s", Lang: "en", Revision: 1,
			Title: "doc", CleanBody: strings.Repeat("x", bodyBytes)}
	}
	return out
}

func TestBatcher(t *testing.T) {
	t.Run("bounded by count", func(t *testing.T) {
		idx := newRecording(t)
		b := NewBatcher(idx, 1, 10, 0, time.Hour, nil)
		runBatcher(t, b)
		for _, err := range addAll(t, b, docs(30, 10)) {
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, n := range idx.sizes() {
			if n > 10 {
				t.Errorf("batch of %d, the bound is 10", n)
			}
		}
		if n, _ := idx.Index.(*bleveindex.Index).Count(); n != 30 {
			t.Errorf("%d articles indexed, want 30", n)
		}
	})
	t.Run("bounded by bytes", func(t *testing.T) {
		idx := newRecording(t)
		b := NewBatcher(idx, 1, 1000, 3000, time.Hour, nil)
		runBatcher(t, b)
		for _, err := range addAll(t, b, docs(12, 1000)) {
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, n := range idx.sizes() {
			if n > 3 {
				t.Errorf("batch of %d articles of 1 KB, the bound is 3 KB", n)
			}
		}
	})
	t.Run("bounded by time", func(t *testing.T) {
		idx := newRecording(t)
		b := NewBatcher(idx, 1, 1000, 0, 20*time.Millisecond, nil)
		runBatcher(t, b)
		if err := b.Add(context.Background(), docs(1, 10)[0]); err != nil {
			t.Fatal(err)
		}
		if got := idx.sizes(); len(got) != 1 || got[0] != 1 {
			t.Errorf("batches %v, want one of 1", got)
		}
	})
	t.Run("add returns after the write", func(t *testing.T) {
		idx := newRecording(t)
		b := NewBatcher(idx, 1, 5, 0, 10*time.Millisecond, nil)
		runBatcher(t, b)
		d := docs(1, 10)[0]
		if err := b.Add(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		if _, err := idx.Get(context.Background(), d.ID); err != nil {
			t.Errorf("Add returned before the article was readable: %v", err)
		}
	})
	t.Run("errors reach every article of the batch", func(t *testing.T) {
		idx := newRecording(t)
		idx.fail = errors.New("disk full")
		var observed error
		b := NewBatcher(idx, 1, 4, 0, time.Hour, func(_ int, _ time.Duration, err error) { observed = err })
		runBatcher(t, b)
		for _, err := range addAll(t, b, docs(4, 10)) {
			if err == nil || !strings.Contains(err.Error(), "disk full") {
				t.Errorf("Add error %v, want disk full", err)
			}
		}
		if observed == nil {
			t.Errorf("the observer was not told of the failure")
		}
	})
	t.Run("stop drains queued articles", func(t *testing.T) {
		idx := newRecording(t)
		b := NewBatcher(idx, 1, 1000, 0, time.Hour, nil)
		events := traced(b)
		cancel := runBatcher(t, b)
		errc := make(chan error, 1)
		go func() { errc <- b.Add(context.Background(), docs(1, 10)[0]) }()
		waitEvents(t, events, map[string]int{eventQueued: 1}) // queued, not written: the batch waits an hour
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("Add during shutdown: %v", err)
		}
		if err := b.Add(context.Background(), docs(1, 10)[0]); !errors.Is(err, ErrBatcherClosed) {
			t.Errorf("Add after stop: %v, want ErrBatcherClosed", err)
		}
	})

	t.Run("writers overlap but never exceed their bound", func(t *testing.T) {
		idx := newRecording(t)
		idx.gate = make(chan struct{})
		b := NewBatcher(idx, 2, 20, 0, time.Millisecond, nil)
		runBatcher(t, b)
		done := make(chan []error, 1)
		go func() { done <- addAll(t, b, docs(400, 2000)) }()
		// The first write is held: the next batch fills up and takes the
		// second writer; the third must wait for one of them.
		idx.waitWriting(t, 2)
		close(idx.gate)
		for _, err := range <-done {
			if err != nil {
				t.Fatal(err)
			}
		}
		idx.mu.Lock()
		most := idx.most
		idx.mu.Unlock()
		if most > 2 {
			t.Errorf("%d batches written at once, the bound is 2", most)
		}
		if most < 2 {
			t.Errorf("batches were written one at a time; want two at once")
		}
		if n, _ := idx.Index.(*bleveindex.Index).Count(); n != 400 {
			t.Errorf("%d articles indexed, want 400", n)
		}
	})

	t.Run("a due batch waits for the write under way and keeps filling", func(t *testing.T) {
		idx := newRecording(t)
		idx.gate = make(chan struct{})
		b := NewBatcher(idx, 2, 100, 0, 5*time.Millisecond, nil)
		events := traced(b)
		runBatcher(t, b)
		all := docs(10, 10)
		first := make(chan error, 1)
		go func() { first <- b.Add(context.Background(), all[0]) }()
		idx.waitWriting(t, 1)
		waitEvents(t, events, map[string]int{eventQueued: 1, eventDue: 1}) // the first batch's, being written
		rest := make(chan []error, 1)
		go func() { rest <- addAll(t, b, all[1:]) }()
		// All nine are queued and their batch is due while the first
		// write is held.
		waitEvents(t, events, map[string]int{eventQueued: 9, eventDue: 1})
		if got := idx.sizes(); len(got) != 1 {
			t.Errorf("batches %v were started while the first was written; want the rest to wait for it", got)
		}
		close(idx.gate)
		if err := <-first; err != nil {
			t.Fatal(err)
		}
		for _, err := range <-rest {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := idx.sizes(); len(got) != 2 || got[0] != 1 || got[1] != 9 {
			t.Errorf("batches %v, want [1 9]: the nine that came during the first write in one batch", got)
		}
	})
	t.Run("a full batch takes a free writer while another writes", func(t *testing.T) {
		idx := newRecording(t)
		idx.gate = make(chan struct{})
		b := NewBatcher(idx, 2, 5, 0, time.Hour, nil)
		runBatcher(t, b)
		all := docs(10, 10)
		done := make(chan []error, 1)
		go func() { done <- addAll(t, b, all) }()
		idx.waitWriting(t, 2)
		close(idx.gate)
		for _, err := range <-done {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := idx.sizes(); len(got) != 2 || got[0] != 5 || got[1] != 5 {
			t.Errorf("batches %v, want [5 5]", got)
		}
	})
}
