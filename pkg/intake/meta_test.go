package intake

import (
	"slices"
	"testing"
	"time"
)

func TestCleanAuthors(t *testing.T) {
	tests := []struct {
		in   []string
		want []string
	}{
		{[]string{"By Jane Doe"}, []string{"Jane Doe"}},
		{[]string{"Jane Doe, Senior Reporter"}, []string{"Jane Doe"}},
		{[]string{"Kevin Johnson and Kevin McCoy, USA TODAY"}, []string{"Kevin Johnson", "Kevin McCoy"}},
		{[]string{"Reuters, Washington, Nov 20 2019"}, []string{"Reuters"}},
		{[]string{"Detroit News wire services Published 10:27 p.m. ET Nov. 19, 2019"}, []string{"Detroit News wire services"}},
		{[]string{"Мария Петрова и Иван Иванов"}, []string{"Мария Петрова", "Иван Иванов"}},
		{[]string{"jane@example.com Jane Doe"}, []string{"Jane Doe"}},
		{[]string{"Jane Doe", "jane doe"}, []string{"Jane Doe"}},
		{[]string{"Текст: Лида Буслаева"}, []string{"Лида Буслаева"}},
	}
	for _, tt := range tests {
		if got := CleanAuthors(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("CleanAuthors(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStripSiteName(t *testing.T) {
	tests := []struct{ title, site, host, want string }{
		{"Okapi spotted near Burgas - Example News", "Example News", "", "Okapi spotted near Burgas"},
		{"Example News | Okapi spotted near Burgas", "Example News", "", "Okapi spotted near Burgas"},
		{"Okapi spotted near Burgas – MacRumors", "", "www.macrumors.com", "Okapi spotted near Burgas"},
		{"Brexit: what happens next", "Example News", "example.com", "Brexit: what happens next"},
		{"Ryanair - a low-cost airline - Dnevnik", "", "dnevnik.bg", "Ryanair - a low-cost airline"},
	}
	for _, tt := range tests {
		if got := StripSiteName(tt.title, tt.site, tt.host); got != tt.want {
			t.Errorf("StripSiteName(%q, %q, %q) = %q, want %q", tt.title, tt.site, tt.host, got, tt.want)
		}
	}
}

func TestURLDate(t *testing.T) {
	for _, tt := range []struct{ url, want string }{
		{"https://www.macrumors.com/2019/11/18/13-inch-macbook/", "2019-11-18"},
		{"https://example.com/news/2019-11-19-story", "2019-11-19"},
		{"https://example.com/20191120/story", "2019-11-20"},
		{"https://example.com/2019/11/story", ""},
		{"https://example.com/story-1471170", ""},
	} {
		got, ok := urlDate(tt.url)
		if s := got.Format(time.DateOnly); ok != (tt.want != "") || ok && s != tt.want {
			t.Errorf("urlDate(%s) = %s %v, want %q", tt.url, s, ok, tt.want)
		}
	}
}

// TestPublishedTimeRules: one case per rule of publishedTime, and the
// order between them.
func TestPublishedTimeRules(t *testing.T) {
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC()
	}
	const dated = "https://example.com/2026/11/24/okapi/"
	tests := []struct {
		name     string
		md       metadata
		url      string
		head     []string
		want     time.Time
		wantRule string
	}{
		{"json-ld first", metadata{times: []dateCandidate{{"2026-11-24T09:00:00+02:00", DateJSONLD}, {"2026-11-20T09:00:00Z", DateMeta}}},
			dated, nil, at("2026-11-24T07:00:00Z"), DateJSONLD},
		{"a placeholder year is skipped", metadata{times: []dateCandidate{{"0001-01-01T00:00:00Z", DateJSONLD}, {"2026-11-24T10:00:00Z", DateMeta}}},
			"", nil, at("2026-11-24T10:00:00Z"), DateMeta},
		{"a marked <time> before the modification time, in the publisher's zone",
			metadata{modified: []dateCandidate{{"2026-11-25T16:00:00+02:00", DateModified}}, sig: pageSignals{pubTimes: []string{"2026-11-25T14:05"}}},
			"", nil, at("2026-11-25T12:05:00Z"), DateTimeEl},
		{"the URL's day with the time of a <time> on that day",
			metadata{sig: pageSignals{times: []string{"2026-11-24T18:30:00+01:00"}}},
			dated, nil, at("2026-11-24T17:30:00Z"), DateURL},
		{"the URL's day before a <time> on another day",
			metadata{sig: pageSignals{times: []string{"2026-12-01T18:30:00Z"}}},
			dated, nil, at("2026-11-24T00:00:00Z"), DateURL},
		{"the URL's day before the modification time",
			metadata{modified: []dateCandidate{{"2026-11-30T08:00:00Z", DateModified}}},
			dated, nil, at("2026-11-24T00:00:00Z"), DateURL},
		{"the first unmarked <time>", metadata{sig: pageSignals{times: []string{"2026-11-23T08:00:00Z", "2019-01-01T00:00:00Z"}}},
			"", nil, at("2026-11-23T08:00:00Z"), DateTime},
		{"a dateline", metadata{}, "", []string{"Okapi seen", "November 19, 2026 at 9:45 am", "Fishermen say"},
			at("2026-11-19T09:45:00Z"), DateLine},
		{"the modification time last", metadata{modified: []dateCandidate{{"2026-11-30T08:00:00Z", DateModified}}},
			"", []string{"Fishermen say"}, at("2026-11-30T08:00:00Z"), DateModified},
		{"nothing", metadata{}, "https://example.com/okapi", []string{"Fishermen say"}, time.Time{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rule := publishedTime(tt.md, tt.url, tt.head)
			if !got.Equal(tt.want) || rule != tt.wantRule {
				t.Errorf("got %s (%s), want %s (%s)", got, rule, tt.want, tt.wantRule)
			}
		})
	}
}
