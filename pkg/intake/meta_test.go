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
