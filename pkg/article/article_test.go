package article

import (
	"errors"
	"strings"
	"testing"
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
		{"bad url", func(a *Article) { a.URL = "ftp://x/y" }, "url"},
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
