package intake

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestTitleAffixes(t *testing.T) {
	l := NewTitleAffixes()
	var got []string
	for i := range 5 {
		got = append(got, l.Clean("dnevnik-bg", fmt.Sprintf("Story number %d of the day | Dnevnik", i)))
	}
	// Learned from the third title on.
	want := []string{"Story number 0 of the day | Dnevnik", "Story number 1 of the day | Dnevnik", "Story number 2 of the day", "Story number 3 of the day", "Story number 4 of the day"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("title %d: %q, want %q", i, got[i], want[i])
		}
	}
	if s := l.Clean("other", "Story number 9 of the day | Dnevnik"); s != "Story number 9 of the day | Dnevnik" {
		t.Errorf("another source: %q, want it unchanged", s)
	}
	for range 5 {
		l.Clean("topics", "Brexit: another day of votes")
	}
	if s := l.Clean("topics", "Brexit: another day of votes"); s != "Brexit: another day of votes" {
		t.Errorf("a colon is not a site separator: %q", s)
	}
	// Prefixes too; a title that would lose its words keeps them.
	for i := range 4 {
		l.Clean("bugle", fmt.Sprintf("Daily Bugle » Okapi seen near Burgas, day %d", i))
	}
	if s := l.Clean("bugle", "Daily Bugle » Trams return to Plovdiv"); s != "Trams return to Plovdiv" {
		t.Errorf("prefix: %q", s)
	}
	// The same title again is not counted again.
	m := NewTitleAffixes()
	for range 10 {
		m.Clean("s", "One and the same title | Site")
	}
	if s := m.Clean("s", "One and the same title | Site"); s != "One and the same title | Site" {
		t.Errorf("one title repeated taught %q", s)
	}
}

func TestTitleAffixesConcurrent(t *testing.T) {
	l := NewTitleAffixes()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				l.Clean(fmt.Sprintf("src-%d", i%50), fmt.Sprintf("Title %d of %d | Site %d", i, g, i%50))
			}
		})
	}
	wg.Wait()
	if s := l.Clean("src-1", "A new headline here | Site 1"); s != "A new headline here" {
		t.Errorf("%q", s)
	}
}

// failingStore is a TitleStore that cannot be reached.
type failingStore struct{ calls int }

func (f *failingStore) Load(context.Context, string) (TitleState, uint64, error) {
	f.calls++
	return TitleState{}, 0, errors.New("no answer")
}

func (f *failingStore) Save(context.Context, string, TitleState, uint64) (uint64, error) {
	f.calls++
	return 0, errors.New("no answer")
}

// TestTitleAffixesStorePause: after a store error the titles are cleaned
// without round trips for a while, then the store is tried again.
func TestTitleAffixesStorePause(t *testing.T) {
	now := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	st := &failingStore{}
	l := NewTitleAffixesWith(st)
	l.Now = func() time.Time { return now }
	var errs int
	l.OnError = func(error) { errs++ }
	for i := range 5 {
		title := fmt.Sprintf("Story %d of the day | Site", i)
		if got := l.Clean("s", title); got != title {
			t.Errorf("%q cleaned to %q with nothing learned", title, got)
		}
	}
	if st.calls != 1 || errs != 1 {
		t.Errorf("%d store calls, %d errors for 5 titles; want 1 and 1 (then a pause)", st.calls, errs)
	}
	now = now.Add(titleStorePause + time.Second)
	l.Clean("s", "Story 9 of the day | Site")
	if st.calls != 2 || errs != 2 {
		t.Errorf("after the pause: %d store calls, %d errors; want 2 and 2", st.calls, errs)
	}
}
