package intake

import (
	"fmt"
	"sync"
	"testing"
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
