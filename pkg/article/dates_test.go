package article

import (
	"errors"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	tests := []struct {
		name string
		in   string
		want time.Time
	}{
		{"rfc3339", "2026-11-25T14:05:00+02:00", utc(2026, 11, 25, 12, 5)},
		{"rfc3339 utc nanos", "2026-11-25T14:05:00.123Z", time.Date(2026, 11, 25, 14, 5, 0, 123e6, time.UTC)},
		{"iso without colon in zone", "2026-11-25T14:05:00+0200", utc(2026, 11, 25, 12, 5)},
		{"iso without zone", "2026-11-25T14:05:00", utc(2026, 11, 25, 14, 5)},
		{"sql", "2026-11-25 14:05:00", utc(2026, 11, 25, 14, 5)},
		{"date only", "2026-11-25", utc(2026, 11, 25, 0, 0)},
		{"rfc1123z", "Wed, 25 Nov 2026 14:05:00 +0300", utc(2026, 11, 25, 11, 5)},
		{"rfc1123", "Wed, 25 Nov 2026 14:05:00 GMT", utc(2026, 11, 25, 14, 5)},
		{"rfc822 one-digit day", "Sun, 1 Nov 2026 08:00:00 +0000", utc(2026, 11, 1, 8, 0)},
		{"dotted with time", "25.11.2026 14:05", utc(2026, 11, 25, 14, 5)},
		{"dotted", "25.11.2026", utc(2026, 11, 25, 0, 0)},
		{"dotted with г.", "25.11.2026 г.", utc(2026, 11, 25, 0, 0)},
		{"time first", "14:05, 25.11.2026", utc(2026, 11, 25, 14, 5)},
		{"bulgarian", "25 ноември 2026 г., 14:05", utc(2026, 11, 25, 14, 5)},
		{"bulgarian no time", "3 март 2021", utc(2021, 3, 3, 0, 0)},
		{"bulgarian june", "1 юни 2020", utc(2020, 6, 1, 0, 0)},
		{"bulgarian july", "1 юли 2020", utc(2020, 7, 1, 0, 0)},
		{"russian genitive", "25 ноября 2026, 09:30", utc(2026, 11, 25, 9, 30)},
		{"russian may", "9 мая 2025 г. в 10:00", utc(2025, 5, 9, 10, 0)},
		{"russian with weekday", "среда, 2 декабря 2026", utc(2026, 12, 2, 0, 0)},
		{"russian year glued", "7 января 2026г.", utc(2026, 1, 7, 0, 0)},
		{"ukrainian", "середа, 25 листопада 2026 14:05", utc(2026, 11, 25, 14, 5)},
		{"english", "November 25, 2026 2:05", utc(2026, 11, 25, 2, 5)},
		{"german", "25. März 2026 um 14:05", utc(2026, 3, 25, 14, 5)},
		{"named month with offset", "25 ноември 2026 14:05 +02:00", utc(2026, 11, 25, 12, 5)},
		{"extra spaces", "  25.11.2026   14:05 ", utc(2026, 11, 25, 14, 5)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTime(tt.in)
			if err != nil {
				t.Fatalf("ParseTime(%q): %v", tt.in, err)
			}
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("ParseTime(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseTimeRejects(t *testing.T) {
	for _, in := range []string{
		"", "yesterday", "31.02.2026", "2026-02-30", "2026-13-01T00:00:00Z", "25.11.2026 25:00",
		"31 февраля 2026", "30 февруари 2024", "ноември 2026", "25 ноември", "25 ноября 2026 24:61",
		"2026-11-25T14:05:00+25:00",
	} {
		t.Run(in, func(t *testing.T) {
			if got, err := ParseTime(in); err == nil || !errors.Is(err, ErrBadTime) {
				t.Errorf("ParseTime(%q) = %v, %v; want an error wrapping ErrBadTime", in, got, err)
			}
		})
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-11-25T14:05:00+02:00", "Wed, 25 Nov 2026 14:05:00 +0300", "25.11.2026 14:05",
		"25 ноември 2026 г., 14:05", "среда, 2 декабря 2026", "31.02.2026", "1:2:3:4 мая", "+99:99 jan 1 2000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime(s)
		if err != nil {
			if !errors.Is(err, ErrBadTime) {
				t.Fatalf("error %v does not wrap ErrBadTime", err)
			}
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("ParseTime(%q) is not UTC: %v", s, got)
		}
	})
}

func TestCanonicalURL(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"scheme and host case", "HTTPS://News.Example.COM/Path/A", "https://news.example.com/Path/A"},
		{"default https port", "https://example.com:443/a", "https://example.com/a"},
		{"default http port", "http://example.com:80/a", "http://example.com/a"},
		{"other port kept", "http://example.com:8080/a", "http://example.com:8080/a"},
		{"tracking params", "https://example.com/a?utm_source=x&utm_medium=y&id=3&fbclid=z&gclid=q", "https://example.com/a?id=3"},
		{"fragment", "https://example.com/a#comments", "https://example.com/a"},
		{"query sorted", "https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"},
		{"empty path", "https://example.com", "https://example.com/"},
		{"user info dropped", "https://user:pw@example.com/a", "https://example.com/a"},
		{"only tracking", "https://example.com/a?utm_campaign=rss", "https://example.com/a"},
		{"spaces", "  https://example.com/a  ", "https://example.com/a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CanonicalURL(tt.in)
			if err != nil {
				t.Fatalf("CanonicalURL(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("CanonicalURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	for _, bad := range []string{"/relative/path", "javascript:alert(1)", "ftp://example.com/x", "https://", "http://[::1", "mailto:a@b.c"} {
		t.Run("rejects "+bad, func(t *testing.T) {
			if _, err := CanonicalURL(bad); !errors.Is(err, ErrInvalid) {
				t.Errorf("CanonicalURL(%q) error %v, want ErrInvalid", bad, err)
			}
		})
	}
}

func TestLangTag(t *testing.T) {
	for in, want := range map[string]string{"en-US": "en", "ru_RU": "ru", "BG": "bg", " de ": "de", "": ""} {
		if got := LangTag(in); got != want {
			t.Errorf("LangTag(%q) = %q, want %q", in, got, want)
		}
	}
}
