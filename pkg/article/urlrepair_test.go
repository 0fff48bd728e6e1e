package article

import (
	"errors"
	"strings"
	"testing"
)

func TestRepairURL(t *testing.T) {
	tests := []struct {
		name, in, want string
		repaired       bool
		err            string // part of the error, "" for none
	}{
		{"canonical already", "https://example.com/a/b?x=1", "https://example.com/a/b?x=1", false, ""},
		{"canonicalised, not repaired", "HTTPS://Example.com:443/a?utm_source=x#top", "https://example.com/a", false, ""},
		{"stray percent and space (BSNLP)", "https://www.dnevnik.bg/%D1%80% D1%82-a", "https://www.dnevnik.bg/%D1%80%25%20D1%82-a", true, ""},
		{"lone percent at the end", "http://example.com/100%", "http://example.com/100%25", true, ""},
		{"spaces in the path", "http://example.com/a b/c d", "http://example.com/a%20b/c%20d", false, ""},
		{"idn host", "https://пример.бг/новини", "https://xn--e1afmkfd.xn--90ae/%D0%BD%D0%BE%D0%B2%D0%B8%D0%BD%D0%B8", true, ""},
		{"backslashes", `https:\\example.com\news\1`, "https://example.com/news/1", true, ""},
		{"too many slashes", "http:///example.com/x", "http://example.com/x", true, ""},
		{"tabs and newlines", "http://exa\tmple.com/a\nb", "http://example.com/ab", true, ""},
		{"backslash in the query kept", `http://example.com/a?q=a\b`, `http://example.com/a?q=a%5Cb`, false, ""},
		{"quotes and brackets", `http://example.com/"a"<b>`, "http://example.com/%22a%22%3Cb%3E", false, ""},
		{"no scheme", "www.example.com/a", "", false, "no scheme"},
		{"other scheme", "ftp://example.com/a", "", false, "not an http"},
		{"no host", "http:///", "", false, "no host"},
		{"bad port", "http://example.com:abc/", "", false, "port"},
		{"bad host", "http://exa mple.com/", "", false, "host"},
		{"ipv6", "http://[::1]:8080/a", "http://[::1]:8080/a", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, repaired, err := RepairURL(tt.in)
			if tt.err != "" {
				var fe *FieldError
				if !errors.As(err, &fe) || fe.Field != "url" || !strings.Contains(fe.Message, tt.err) {
					t.Fatalf("error %v, want a url error about %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || repaired != tt.repaired {
				t.Errorf("got %q repaired %v, want %q %v", got, repaired, tt.want, tt.repaired)
			}
			// Repairing is idempotent: the result needs no repair.
			again, rep2, err := RepairURL(got)
			if err != nil || again != got || rep2 {
				t.Errorf("again: %q %v %v", again, rep2, err)
			}
		})
	}
}

func TestNormalizeURLWarnings(t *testing.T) {
	a := &Article{Source: "s", Body: "b", URL: "https://www.dnevnik.bg/%D1%80% D1%82"}
	Normalize(a)
	if a.URL != "https://www.dnevnik.bg/%D1%80%25%20D1%82" || a.URLOriginal != "https://www.dnevnik.bg/%D1%80% D1%82" || len(a.Warnings) != 0 {
		t.Errorf("repaired: url %q original %q warnings %q", a.URL, a.URLOriginal, a.Warnings)
	}
	if err := Validate(a, Limits{}); err != nil {
		t.Fatal(err)
	}

	a = &Article{Source: "s", Body: "b", URL: "not a url"}
	Normalize(a)
	if a.URL != "" || a.URLOriginal != "not a url" || len(a.Warnings) != 1 || !strings.Contains(a.Warnings[0], "accepted without a url") {
		t.Errorf("unusable: url %q original %q warnings %q", a.URL, a.URLOriginal, a.Warnings)
	}
	if err := Validate(a, Limits{}); err != nil {
		t.Errorf("accepted without url: %v", err)
	}
	id := a.ID
	Normalize(a) // prepared again by ingest: nothing changes
	if a.ID != id || len(a.Warnings) != 1 {
		t.Errorf("second normalisation: id %s->%s warnings %q", id, a.ID, a.Warnings)
	}
	err := Validate(a, Limits{RequireURL: func(s string) bool { return s == "s" }})
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "url" || !strings.Contains(fe.Message, "no scheme") {
		t.Errorf("source requiring urls: %v, want the url's own error", err)
	}
	b := &Article{Source: "s", Body: "b"}
	Normalize(b)
	if err := Validate(b, Limits{RequireURL: func(string) bool { return true }}); !errors.As(err, &fe) || fe.Code != CodeRequired {
		t.Errorf("no url at all: %v, want url required", err)
	}
}

func FuzzRepairURL(f *testing.F) {
	for _, s := range []string{"https://www.dnevnik.bg/%D1%80% D1%82-a", `http:\\a\b`, "https://пример.бг/x", "http://[::1]:80/a", "http://a@b:c@d/", "%", "http:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, _, err := RepairURL(s)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != "url" {
				t.Fatalf("error %v is not a url field error", err)
			}
			return
		}
		again, repaired, err := RepairURL(got)
		if err != nil || again != got || repaired {
			t.Fatalf("%q -> %q, again %q %v %v", s, got, again, repaired, err)
		}
	})
}
