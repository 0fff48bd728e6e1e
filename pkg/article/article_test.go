package article

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestDecodeInputErrorsNameTheField(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantField string
		wantCode  string
	}{
		{"malformed", `{"source":`, "", CodeMalformed},
		{"wrong type", `{"source":"s","body":42}`, "body", CodeWrongType},
		{"wrong list type", `{"source":"s","body":"b","tags":"x"}`, "tags", CodeWrongType},
		{"bad date", `{"source":"s","body":"b","published_at":"yesterday"}`, "published_at", CodeInvalid},
		{"trailing data", `{"source":"s","body":"b"} {}`, "", CodeMalformed},
		{"not an object", `[1,2]`, "", CodeWrongType},
		{"invalid utf-8", "{\"source\":\"s\",\"body\":\"a\xffb\"}", "", CodeInvalid},
		{"invalid utf-8 and broken", "{\"source\":\"s\xff", "", CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeInput([]byte(tt.in))
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FieldError", err)
			}
			if fe.Field != tt.wantField || fe.Code != tt.wantCode {
				t.Errorf("field %q code %q, want %q %q (%v)", fe.Field, fe.Code, tt.wantField, tt.wantCode, err)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error does not wrap ErrInvalid")
			}
		})
	}
}

func TestValidate(t *testing.T) {
	ok := func() *Article { return &Article{Source: "src", Body: "text"} }
	tests := []struct {
		name      string
		mod       func(a *Article)
		wantField string
	}{
		{"valid", func(*Article) {}, ""},
		{"no source", func(a *Article) { a.Source = "" }, "source"},
		{"no body", func(a *Article) { a.Body = "  \n" }, "body"},
		{"html instead of body", func(a *Article) { a.Body = ""; a.HTML = "<p>x</p>" }, ""},
		{"body too large", func(a *Article) { a.Body = strings.Repeat("x", DefaultMaxBodyBytes+1) }, "body"},
		{"bad lang", func(a *Article) { a.Lang = "bulgarian" }, "lang"},
		{"unusable url: accepted without it, with a warning", func(a *Article) { a.URL = "ftp://x/y" }, ""},
		{"bad id", func(a *Article) { a.ID = "a b" }, "id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ok()
			tt.mod(a)
			Normalize(a)
			err := Validate(a, Limits{})
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.wantField {
				t.Fatalf("error %v, want one on field %s", err, tt.wantField)
			}
		})
	}
}

func TestIDIsStable(t *testing.T) {
	a := &Article{Source: "Actualno.com", Title: " Title ", Body: "Body\r\ntext"}
	b := &Article{Source: "actualno-com", Title: "Title", Body: "Body\ntext"}
	Normalize(a)
	Normalize(b)
	if a.ID != b.ID || a.ContentHash != b.ContentHash {
		t.Errorf("same article after normalisation got ids %s/%s hashes %s/%s", a.ID, b.ID, a.ContentHash, b.ContentHash)
	}
	u1 := &Article{Source: "s", URL: "HTTPS://Example.com:443/a?utm_source=x&b=1#frag", Body: "one"}
	u2 := &Article{Source: "s", URL: "https://example.com/a?b=1", Body: "two"}
	Normalize(u1)
	Normalize(u2)
	if u1.ID != u2.ID {
		t.Errorf("same canonical URL got ids %s and %s", u1.ID, u2.ID)
	}
	if u1.ContentHash == u2.ContentHash {
		t.Errorf("different bodies got the same content hash")
	}
	c := *a
	Normalize(&c)
	if c.ID != a.ID || c.ContentHash != a.ContentHash {
		t.Errorf("normalising twice changed the identity")
	}
}

func FuzzDecodeInput(f *testing.F) {
	f.Add([]byte(`{"source":"s","body":"b","published_at":"2024-01-02T03:04:05Z","tags":["a"]}`))
	f.Add([]byte(`{"source":"","html":"<p>x</p>","url":"http://x/"}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := DecodeInput(data)
		// The codec (goccy/go-json) must accept and reject what the
		// standard library does.
		var std input
		stdErr := stdjson.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), &std)
		if stdErr == nil && utf8.Valid(data) && err != nil && !strings.Contains(err.Error(), "published_at") {
			t.Fatalf("encoding/json accepts %q but DecodeInput says %v", data, err)
		}
		if stdErr != nil && err == nil {
			t.Fatalf("encoding/json rejects %q (%v) but DecodeInput accepts it", data, stdErr)
		}
		if err == nil && (std.Source != a.Source || std.Body != a.Body || std.Title != a.Title || len(std.Tags) != len(a.Tags)) {
			t.Fatalf("decoded differently from encoding/json: %+v vs %+v", std, a)
		}
		if err == nil {
			enc, eerr := Encode(a)
			var back Article
			if eerr != nil || stdjson.Unmarshal(enc, &back) != nil || back.Body != a.Body || back.Source != a.Source {
				t.Fatalf("Encode does not round-trip through encoding/json: %v %s", eerr, enc)
			}
		}
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error is not a *FieldError: %v", err)
			}
			return
		}
		Normalize(a)
		if err := Validate(a, Limits{}); err != nil {
			return
		}
		if !ValidID(a.ID) || a.ContentHash == "" {
			t.Fatalf("valid article with id %q hash %q", a.ID, a.ContentHash)
		}
		id, hash := a.ID, a.ContentHash
		Normalize(a)
		if a.ID != id || a.ContentHash != hash {
			t.Fatalf("normalise is not idempotent: %s/%s then %s/%s", id, hash, a.ID, a.ContentHash)
		}
	})
}

// TestSurelyNFCAgreesWithTheNormaliser checks the fast path: whenever it
// says a string is NFC, the normaliser agrees.
func TestSurelyNFCAgreesWithTheNormaliser(t *testing.T) {
	for _, s := range []string{"plain ascii", "Café", "Cafe\u0301", "Йод и ёж", "И\u0306", "„цитат“ — 5 €", "\u2000x", "Ω\u2126", "ѐ\u0483", "ﬁ"} {
		if surelyNFC(s) && !norm.NFC.IsNormalString(s) {
			t.Errorf("surelyNFC(%q) but it is not NFC", s)
		}
	}
	for r := rune(0x80); r < 0x2100; r++ {
		if s := string(r) + "a" + string(r); surelyNFC(s) && !norm.NFC.IsNormalString(s) {
			t.Errorf("surelyNFC(%U) but it is not NFC", r)
		}
	}
	if !surelyNFC("Общинският съвет „одобри“ — 15 €") {
		t.Error("common Bulgarian text should take the fast path")
	}
}

func FuzzSurelyNFC(f *testing.F) {
	f.Add("Cafe\u0301 Йод")
	f.Fuzz(func(t *testing.T, s string) {
		if surelyNFC(s) && !norm.NFC.IsNormalString(s) {
			t.Fatalf("surelyNFC(%q) but it is not NFC", s)
		}
	})
}

func TestCleanText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"crlf and cr", "a\r\nb\rc", "a\nb\nc"},
		{"blank lines collapse", "a\n\n\n\n b", "a\n\nb"},
		{"spaces collapse and trim", "  a \t\u00a0 b  \n", "a b"},
		{"controls and zero-width", "a\u0007b\u200bc\ufeffd\u0085e", "abcde"},
		{"nfc", "Cafe\u0301", "Café"},
		{"nfc after removing a control", "e\u0007\u0301", "é"},
		{"invalid utf-8", "a\xffb", "a\ufffdb"},
		{"cyrillic untouched", "Общинският съвет „одобри“", "Общинският съвет „одобри“"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CleanText(tt.in); got != tt.want {
				t.Errorf("CleanText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"a\r\n\r\n\r\nb", " x\u00a0\u200b ", "Cafe\u0301\u0007", "Йод\tи ёж\n\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := CleanText(s)
		if !utf8.ValidString(got) || !norm.NFC.IsNormalString(got) {
			t.Fatalf("CleanText(%q) = %q is not valid NFC UTF-8", s, got)
		}
		if strings.ContainsAny(got, "\r\u200b\ufeff\u00a0") || strings.Contains(got, "\n\n\n") || strings.Contains(got, "  ") {
			t.Fatalf("CleanText(%q) = %q keeps what it should remove", s, got)
		}
		if again := CleanText(got); again != got {
			t.Fatalf("CleanText is not idempotent: %q -> %q -> %q", s, got, again)
		}
	})
}

func TestValidateStored(t *testing.T) {
	good := func() *Article {
		return &Article{ID: "a-1", Source: "src", URL: "https://example.com/a", Title: "T", Body: "Body text.", Revision: 7, Lang: "und"}
	}
	for _, tc := range []struct {
		name  string
		edit  func(a *Article)
		field string
	}{
		{"valid", func(*Article) {}, ""},
		{"javascript url", func(a *Article) { a.URL = "javascript:alert(1)" }, "url"},
		{"revision 2^62", func(a *Article) { a.Revision = 1 << 62 }, "revision"},
		{"largest revision", func(a *Article) { a.Revision = MaxRevision }, ""},
		{"missing id", func(a *Article) { a.ID = "" }, "id"},
		{"bad id", func(a *Article) { a.ID = "a b" }, "id"},
		{"missing source", func(a *Article) { a.Source = "" }, "source"},
		{"no body", func(a *Article) { a.Body = "" }, "body"},
		{"long title", func(a *Article) { a.Title = strings.Repeat("x", 3000) }, "title"},
		{"too many tags", func(a *Article) { a.Tags = make([]string, 101) }, "tags"},
		{"bad lang", func(a *Article) { a.Lang = "<script>" }, "lang"},
		{"big body is the bus's to bound", func(a *Article) { a.Body = strings.Repeat("x", 2*DefaultMaxBodyBytes) }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := good()
			tc.edit(a)
			err := ValidateStored(a)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("ValidateStored = %v, want nil", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, ErrInvalid) {
				t.Fatalf("ValidateStored = %v, want a FieldError on %q", err, tc.field)
			}
		})
	}
}

func BenchmarkValidateStored(b *testing.B) {
	a := &Article{ID: "bsnlp-brexit-bg-brexit_bg_txt_file_100", Source: "dnes-dir-bg", URL: "https://www.dnes.bg/world/2019/05/15/brexit.html?ref=rss",
		Title: "Заглавие на статията", Body: strings.Repeat("Текст на статията. ", 200), Lang: "bg", Revision: 12345,
		Authors: []string{"Иван Иванов"}, Tags: []string{"Брексит", "Европа"}}
	b.ReportAllocs()
	for b.Loop() {
		if err := ValidateStored(a); err != nil {
			b.Fatal(err)
		}
	}
}

// An id becomes a token of NATS key-value keys ("s.<id>"), so it may not
// hold an empty token.
func TestValidIDDots(t *testing.T) {
	for id, want := range map[string]bool{
		"a.b": true, "a.b.c": true, "a_b-c.9": true,
		"a..b": false, ".a": false, "a.": false, "": false, "a/b": false,
	} {
		if got := ValidID(id); got != want {
			t.Errorf("ValidID(%q) = %v, want %v", id, got, want)
		}
	}
}
