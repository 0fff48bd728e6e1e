package index

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/bleveindex"
	"github.com/newsflow/newsflow/pkg/search/searchtest"
)

func newAPI(t *testing.T, cfg APIConfig) http.Handler {
	t.Helper()
	idx, err := bleveindex.Open(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	if err := idx.Upsert(context.Background(), searchtest.Fixtures()); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	NewAPI(idx, cfg, zaptest.NewLogger(t)).Routes(mux)
	return mux
}

func TestAPI(t *testing.T) {
	m, err := NewMetrics(nil)
	if err != nil {
		t.Fatal(err)
	}
	h := newAPI(t, APIConfig{Metrics: m})
	tests := []struct {
		name, path string
		status     int
		field      string
		contains   []string
	}{
		{"search", "/v1/search?q=Лавров", 200, "", []string{`"total":2`, `"facets"`, `<mark>Лавров</mark>`}},
		{"search everything", "/v1/search?q=*&sort=date&limit=1", 200, "", []string{`"total":7`, `"id":"en2"`}},
		{"filters", "/v1/search?q=*&lang=bg&lang=ru&source=tass", 200, "", []string{`"total":1`, `"id":"ru1"`}},
		{"entity filter", "/v1/search?entity=" + "%D0%A1%D0%B5%D1%80%D0%B3%D0%B5%D0%B9+%D0%9B%D0%B0%D0%B2%D1%80%D0%BE%D0%B2", 200, "", []string{`"total":2`}},
		{"entity id filter", "/v1/search?entity_id=per:lvr&entity_id=per:trmp", 200, "", []string{`"total":3`}},
		{"entity id query", "/v1/search?q=entity_id:per:lvr+lang:ru", 200, "", []string{`"total":1`, `"id":"ru1"`}},
		{"dates", "/v1/search?from=2019-05-14&to=2019-05-14", 200, "", []string{`"total":2`}},
		{"bad syntax", "/v1/search?q=a+OR", 400, "q", []string{"OR needs something to search for on both sides"}},
		{"unknown field", "/v1/search?q=foo:bar", 400, "q", []string{`unknown field \"foo\"`}},
		{"bad limit", "/v1/search?q=a&limit=ten", 400, "limit", []string{"limit must be a non-negative integer"}},
		{"limit over the range", "/v1/search?q=a&limit=1000", 400, "limit", []string{"limit must be between 0 and 100"}},
		{"negative limit", "/v1/search?q=a&limit=-1", 400, "limit", []string{"limit must be a non-negative integer, at most 100"}},
		{"offset over the range", "/v1/search?q=a&offset=20000", 400, "offset", []string{"offset must be between 0 and 10000"}},
		{"limit at the top of the range", "/v1/search?q=*&limit=100", 200, "", []string{`"total":7`}},
		{"bad sort", "/v1/search?q=a&sort=random", 400, "sort", []string{"sort must be relevance or date"}},
		{"bad date", "/v1/search?q=a&from=yesterday", 400, "from", []string{"from must be an RFC 3339 time or a date"}},
		{"reversed dates", "/v1/search?from=2020-01-01&to=2019-01-01", 400, "to", []string{"to is before from"}},
		{"histogram", "/v1/histogram?q=*&lang=bg&lang=ru&lang=uk&from=2019-05-14&to=2019-05-15&interval=day", 200, "",
			[]string{`"interval":"day"`, `"total":3`, `{"start":"2019-05-14T00:00:00Z","count":2},{"start":"2019-05-15T00:00:00Z","count":1}`}},
		{"histogram by lang", "/v1/histogram?q=Лавров&interval=week&by=lang", 200, "", []string{`"series":[{"key":"bg","total":1,`, `{"key":"ru","total":1,`}},
		{"histogram default interval", "/v1/histogram?q=*", 200, "", []string{`"interval":"day"`, `"total":7`}},
		{"histogram bad interval", "/v1/histogram?q=*&interval=month", 400, "interval", []string{`interval must be hour, day or week, not \"month\"`}},
		{"histogram bad by", "/v1/histogram?q=*&by=author", 400, "by", []string{`by must be lang, source or entity`}},
		{"histogram too many buckets", "/v1/histogram?q=*&interval=hour&from=2000-01-01&to=2020-01-01", 400, "interval",
			[]string{`interval hour over 2000-01-01T00:00:00Z..2020-01-01T23:59:59Z gives 175344 buckets, more than 5000`}},
		{"histogram bad syntax", "/v1/histogram?q=a+OR", 400, "q", []string{"OR needs something"}},
		{"collapse", "/v1/search?q=*&collapse=story&sort=date&limit=3", 200, "", []string{`"total":6`, `"id":"en2"`, `"id":"ru1"`}},
		{"story filter", "/v1/search?story_id=bg1", 200, "", []string{`"total":2`}},
		{"bad collapse", "/v1/search?q=*&collapse=source", 400, "collapse", []string{`collapse must be story, not \"source\"`}},
		{"article", "/v1/articles/bg1", 200, "", []string{`"id":"bg1"`, `"entities":[`}},
		{"unknown article", "/v1/articles/nope", 404, "id", []string{`no article with id \"nope\"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
			body := rec.Body.String()
			if rec.Code != tt.status {
				t.Fatalf("GET %s = %d %s, want %d", tt.path, rec.Code, body, tt.status)
			}
			for _, c := range tt.contains {
				if !strings.Contains(body, c) {
					t.Errorf("GET %s: body does not contain %s:\n%s", tt.path, c, body)
				}
			}
			if tt.status >= 400 {
				var e struct {
					Error struct{ Code, Message, Field string }
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Field != tt.field || e.Error.Code == "" {
					t.Errorf("error body %s: want field %q and a code", body, tt.field)
				}
			}
		})
	}
}

// TestHistogramThroughWrappers checks that the budget and cache wrappers
// the stage puts around the index pass histograms through.
func TestHistogramThroughWrappers(t *testing.T) {
	idx, err := bleveindex.Open(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	if err := idx.Upsert(context.Background(), searchtest.Fixtures()); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	wrapped := search.NewBounded(&guardedIndex{Index: search.NewCache(idx, 10)}, search.DefaultBudget())
	NewAPI(wrapped, APIConfig{}, zaptest.NewLogger(t)).Routes(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/histogram?q=*&interval=week", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"total":7`) {
		t.Fatalf("GET /v1/histogram = %d %s", rec.Code, rec.Body.String())
	}
}

func TestAPIToken(t *testing.T) {
	h := newAPI(t, APIConfig{ReadToken: "s3cret"})
	for _, tt := range []struct {
		name, auth string
		status     int
	}{{"none", "", 401}, {"wrong", "Bearer nope", 401}, {"right", "Bearer s3cret", 200}} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/v1/search?q=*", nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Errorf("status %d, want %d", rec.Code, tt.status)
			}
		})
	}
}

func TestPageHeaders(t *testing.T) {
	h := newAPI(t, APIConfig{})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `<form`) {
		t.Fatalf("GET / = %d", rec.Code)
	}
	for k, want := range map[string]string{
		"Content-Security-Policy": "default-src 'none'",
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
	} {
		if got := rec.Header().Get(k); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want it to contain %q", k, got, want)
		}
	}
	for _, asset := range []string{"/static/app.js", "/static/app.css"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, asset, nil))
		if rec.Code != 200 || rec.Body.Len() == 0 {
			t.Errorf("GET %s = %d (%d bytes)", asset, rec.Code, rec.Body.Len())
		}
	}
}
