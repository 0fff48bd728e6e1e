package article

import (
	"errors"
	"strings"
	"testing"

	json "github.com/goccy/go-json"
)

func TestJSONLen(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote\`, "<b>&amp;</b>", "line\nbreak\ttab\x01", "кириллица", "sep\u2028par\u2029"} { // valid UTF-8: Normalize and Validate see to it
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := jsonLen(s); got < len(b) {
			t.Errorf("jsonLen(%q) = %d, the codec writes %d", s, got, len(b))
		}
	}
}

func TestListAndMessageLimits(t *testing.T) {
	base := func() *Article { return &Article{Source: "s", ID: "a1", Body: "Some text."} }
	for _, tc := range []struct {
		name   string
		modify func(*Article, *Limits)
		field  string
		msg    string
	}{
		{"ok", func(*Article, *Limits) {}, "", ""},
		{"1 MB tag", func(a *Article, _ *Limits) { a.Tags = []string{"ok", strings.Repeat("t", 1<<20)} }, "tags", "tags[1] is 1048576 bytes, the limit is 256"},
		{"long author", func(a *Article, _ *Limits) { a.Authors = []string{strings.Repeat("a", 300)} }, "authors", "authors[0] is 300 bytes"},
		{"enriched over the message limit", func(a *Article, l *Limits) {
			a.Body = strings.Repeat("<", 900<<10)
			l.MaxMessageBytes = 8 << 20
		}, "body", "message limit of 8388608 bytes"},
		{"enriched within the message limit", func(a *Article, l *Limits) {
			a.Body = strings.Repeat("слово ", 90<<10)
			l.MaxMessageBytes = 8 << 20
		}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, lim := base(), Limits{}
			tc.modify(a, &lim)
			err := Validate(a, lim)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || fe.Code != CodeTooLarge || !strings.Contains(fe.Message, tc.msg) {
				t.Errorf("Validate = %v, want %s too_large with %q", err, tc.field, tc.msg)
			}
		})
	}
}
