package story

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/article"
)

func day(d int) time.Time { return time.Date(2018, 11, d, 9, 0, 0, 0, time.UTC) }

func art(id, lang string, at time.Time, ents ...string) *article.Article {
	a := &article.Article{ID: id, Lang: lang, PublishedAt: at}
	for _, e := range ents {
		a.Entities = append(a.Entities, article.Entity{ID: e, Text: e, Type: article.EntityOther, Count: 1})
	}
	return a
}

func TestSign(t *testing.T) {
	a := art("a", "bg", time.Unix(0, 0), "per:b", "iso:PK")
	a.Entities = append(a.Entities, article.Entity{Text: "Лахор", Type: article.EntityLocation, Count: 2})
	a.Keywords = []article.Keyword{{Term: "Богохулство"}}
	a.Title = "Пилоты Ryanair"
	a.CleanBody = "Пилотите стачкуват. Пилотите на Ryanair."
	s := Sign(a)
	if !s.At.IsZero() {
		t.Errorf("a 1970 date is a placeholder: At = %v, want zero", s.At)
	}
	// With the time it arrived, that time stands in for the placeholder.
	arrived := time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)
	a.IngestedAt = arrived
	if got := Sign(a).At; !got.Equal(arrived) {
		t.Errorf("a 1970 date with ingested_at %v: At = %v, want the ingest time", arrived, got)
	}
	a.PublishedAt = time.Time{}
	if got := Sign(a).At; !got.Equal(arrived) {
		t.Errorf("no date with ingested_at %v: At = %v, want the ingest time", arrived, got)
	}
	a.IngestedAt = time.Time{}
	if s.Entities["per:b"] != 1 || s.Entities["name:лахор"] != 2 || len(s.Terms) != 1 || s.Terms[0] != "bogoh" ||
		!slices.Equal(s.Title, []string{"pilot", "ryana"}) || !slices.Equal(s.Body, []string{"pilot", "stack", "ryana"}) {
		t.Errorf("signature %+v", s)
	}
}

// TestMemoryIndex groups a made-up stream: the same event in three
// languages (shared entity ids), a near-duplicate, another event on the
// same day with other entities, and the first event's entities a week
// later (a new story).
func TestMemoryIndex(t *testing.T) {
	ctx := context.Background()
	idx := NewMemoryIndex(DefaultParams())
	// Rarity is learned from the stream: some unrelated articles first.
	for _, e := range []string{"q:1", "q:2", "q:3", "q:4", "q:5", "q:6"} {
		if _, err := idx.Assign(ctx, e, Sign(art(e, "en", day(1), e, "iso:US"))); err != nil {
			t.Fatal(err)
		}
	}
	stream := []struct {
		a    *article.Article
		nd   string
		want string
	}{
		{art("bg1", "bg", day(1), "per:bibi", "iso:PK", "org:court", "per:khan"), "", "bg1"},
		{art("ru1", "ru", day(1), "per:bibi", "iso:PK", "org:court", "loc:lahore"), "", "bg1"},
		{art("other", "en", day(1), "org:ryanair", "iso:IE", "per:oleary"), "", "other"},
		{art("cs1", "cs", day(2), "per:bibi", "org:court", "per:khan"), "", "bg1"},
		{art("copy", "bg", day(2), "per:someone"), "bg1", "bg1"},
		{art("late", "ru", day(9), "per:bibi", "iso:PK", "org:court", "per:khan"), "", "late"},
	}
	for _, s := range stream {
		sig := Sign(s.a)
		sig.NearDuplicateOf = s.nd
		got, err := idx.Assign(ctx, s.a.ID, sig)
		if err != nil {
			t.Fatal(err)
		}
		if got != s.want {
			t.Errorf("%s: story %q, want %q", s.a.ID, got, s.want)
		}
	}
	// Assigning again answers the same story.
	if got, _ := idx.Assign(ctx, "ru1", Sign(stream[1].a)); got != "bg1" {
		t.Errorf("ru1 again: story %q, want bg1", got)
	}
}

func TestSimilarity(t *testing.T) {
	one := func(string) float64 { return 1 }
	a := Signature{Entities: map[string]int{"x": 1, "y": 1}, Terms: []string{"p", "q"}}
	b := Signature{Entities: map[string]int{"x": 1, "z": 1}, Terms: []string{"q"}}
	if got := Similarity(a, b, Params{TermWeight: 0.5}, one); got < 0.833 || got > 0.834 {
		t.Errorf("similarity %.4f, want 1/3 + 0.5", got)
	}
	if got := Similarity(a, Signature{}, Params{}, one); got != 0 {
		t.Errorf("similarity to nothing %.4f, want 0", got)
	}
}

// BenchmarkAssign files a stream of made-up signatures (12 entities out of
// 5,000, 10 terms out of 20,000), 1,000 articles an hour, into an index that
// keeps a week: the cost per article grows with the stories in the window
// and their members.
func BenchmarkAssign(b *testing.B) {
	ctx := context.Background()
	idx := NewMemoryIndex(DefaultParams())
	start := day(1)
	sig := func(i int) Signature {
		s := Signature{Entities: map[string]int{}, At: start.Add(time.Duration(i) * 3600 * time.Millisecond)}
		x := uint64(i)*2654435761 + 1
		for len(s.Entities) < 12 {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			s.Entities[fmt.Sprintf("e%d", x%5000)]++
		}
		for len(s.Terms) < 10 {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			s.Terms = append(s.Terms, fmt.Sprintf("t%d", x%20000))
		}
		return s
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := idx.Assign(ctx, fmt.Sprintf("a%d", i), sig(i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(idx.stories)), "stories")
}

// TestStem checks that the inflections of one word in the Cyrillic and
// Latin Slavic languages share a stem, and that other words do not.
func TestStem(t *testing.T) {
	for _, c := range []struct{ a, b string }{
		{"пилоты", "pilotów"},
		{"Пилотите", "piloti"},
		{"Ryanair", "ryanairu"},
		{"Пакистан", "Pákistánu"},
		{"Лахор", "Lahore"},
	} {
		if Stem(c.a) != Stem(c.b) {
			t.Errorf("Stem(%q) = %q, Stem(%q) = %q: want equal", c.a, Stem(c.a), c.b, Stem(c.b))
		}
	}
	if Stem("стачка") == Stem("станция") {
		t.Errorf("Stem(стачка) = Stem(станция) = %q: want different", Stem("стачка"))
	}
	if Stem("—") != "" {
		t.Errorf("Stem of a dash %q, want empty", Stem("—"))
	}
}
