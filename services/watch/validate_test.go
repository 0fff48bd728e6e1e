package watch

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/analysis"
)

func TestValidateNamesTheField(t *testing.T) {
	an := analysis.NewSet()
	tests := []struct {
		name  string
		w     Watch
		field string
		msg   string
	}{
		{"empty name", Watch{Query: "a"}, "name", "is empty"},
		{"name with a dot", Watch{Name: "a.b", Query: "a"}, "name", `has "."`},
		{"bad query", Watch{Name: "w", Query: `"Асия Биби`}, "query", "invalid query"},
		{"unknown field", Watch{Name: "w", Query: "colour:red"}, "query", "unknown field"},
		{"empty query", Watch{Name: "w", Query: " "}, "query", "is empty"},
		{"webhook not http", Watch{Name: "w", Query: "a", Webhook: "ftp://x"}, "webhook", "not an http"},
		{"secret without webhook", Watch{Name: "w", Query: "a", Secret: "s"}, "secret", "without a webhook"},
		{"bad subject", Watch{Name: "w", Query: "a", Subject: "a>"}, "subject", "has"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.w.Validate(an)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Validate = %v, want a FieldError on %s", err, tt.field)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not say %q", err, tt.msg)
			}
		})
	}
	if _, err := (&Watch{Name: "w", Query: "(a"}).Validate(an); !errors.Is(err, search.ErrInvalidQuery) {
		t.Errorf("a bad query's error %v does not wrap search.ErrInvalidQuery", err)
	}
	if _, err := (&Watch{Name: "ok_1-2", Query: `entity:"Европейска комисия" lang:bg`, Webhook: "https://example.org/h", Secret: "x"}).Validate(an); err != nil {
		t.Errorf("a good watch: %v", err)
	}
}

func TestSignature(t *testing.T) {
	body := []byte(`{"watch":"w"}`)
	sig := Sign("k", body)
	if want := "sha256=5d6e075e612216c62f3a105c9cb2a30e6fa44f50abedd02914e53eda0ab323e2"; sig != want {
		t.Fatalf("Sign = %s, want %s (openssl dgst -sha256 -hmac k)", sig, want)
	}
	if !Verify("k", body, sig) {
		t.Fatalf("signature %s does not verify", sig)
	}
	if Verify("other", body, sig) || Verify("k", []byte(`{"watch":"x"}`), sig) {
		t.Error("a signature verifies under another secret or body")
	}
}

// FuzzWatch: any JSON a client sends either validates or is refused with
// a FieldError; never a panic.
func FuzzWatch(f *testing.F) {
	an := analysis.NewSet()
	f.Add(`{"name":"w","query":"Асия Биби","webhook":"https://example.org"}`)
	f.Add(`{"name":"w","query":"(a OR \"b","subject":"x"}`)
	f.Add(`{"name":"w","query":"published:2019..2018 words:>3 -x*"}`)
	f.Fuzz(func(t *testing.T, s string) {
		var w Watch
		if json.Unmarshal([]byte(s), &w) != nil {
			return
		}
		c, err := w.Validate(an)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a FieldError", err)
			}
			return
		}
		c.Match(search.NewDoc(an, art("x", w.Query, w.Query)))
	})
}

// A replica started after the watches were saved loads them all (in one
// rebuild), and a watch saved with a bad query by hand is skipped, not
// fatal.
func TestReplicaLoadsSavedWatches(t *testing.T) {
	e := newEnv(t)
	r1 := e.start(t, testConfig())
	for _, q := range []string{"red", "green OR blue", `"amber light"`} {
		e.putWatch(t, r1, &Watch{Name: strings.ReplaceAll(strings.Fields(strings.Trim(q, `"`))[0], `"`, ""), Query: q})
	}
	// Past validation, as a hand-written key would be.
	if _, err := r1.svc.store.kv.Put(context.Background(), "broken", []byte(`{"name":"broken","query":"(unclosed"}`)); err != nil {
		t.Fatal(err)
	}
	r2 := e.start(t, testConfig())
	if got := r2.svc.Set().Names(); strings.Join(got, ",") != "amber,green,red" {
		t.Errorf("replica 2 loaded %v, want amber, green, red", got)
	}
}
