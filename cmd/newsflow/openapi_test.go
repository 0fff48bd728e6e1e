package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/newsflow/newsflow/pkg/openapi"
)

// loadSpec loads the served description and validates it as OpenAPI 3.1.
func loadSpec(t *testing.T, base string) *openapi3.T {
	t.Helper()
	resp, err := http.Get(base + openapi.Path)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(raw, openapi.JSON()) {
		t.Fatalf("GET %s = %d, not the embedded description", openapi.Path, resp.StatusCode)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatalf("load the description: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi %s, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the description is not valid OpenAPI: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: base}}
	return doc
}

// specPath is the OpenAPI path of a ServeMux pattern's path: "/{$}" is
// "/", a subtree "/static/" is "/static/{file}".
func specPath(muxPath string) string {
	switch {
	case muxPath == "/{$}":
		return "/"
	case strings.HasSuffix(muxPath, "/"):
		return muxPath + "{file}"
	}
	return muxPath
}

// TestOpenAPIDescribesEveryRoute: every route newsflow up registers is in
// the description with its method, and the description has no path up
// does not serve.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	p := startPipeline(t, t.TempDir())
	base := "http://" + p.HTTPAddr()
	doc := loadSpec(t, base)
	served := map[string]bool{}
	for _, pattern := range p.Routes() {
		method, path, ok := strings.Cut(pattern, " ")
		if !ok {
			t.Errorf("route %q has no method", pattern)
			continue
		}
		path = specPath(path)
		if strings.HasPrefix(path, "/dashboard/") && path != "/dashboard/data" {
			path = "/dashboard/{asset}"
		}
		served[path] = true
		item := doc.Paths.Value(path)
		if item == nil || item.GetOperation(method) == nil {
			t.Errorf("route %q is not described in %s (as %s %s)", pattern, openapi.Path, method, path)
		}
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		if !served[path] {
			t.Errorf("%s describes %s, which newsflow up does not serve", openapi.Path, path)
		}
	}
}

type apiCall struct {
	method, path, contentType, body string
	status                          int
}

// TestOpenAPIAnswers: real answers of every operation, successes and
// errors, are valid against the description (status documented, headers
// and bodies matching their schemas); answers of no route are the Error
// schema.
func TestOpenAPIAnswers(t *testing.T) {
	p := startPipeline(t, t.TempDir())
	base := "http://" + p.HTTPAddr()
	doc := loadSpec(t, base)
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}

	article := `{"id":"oa-1","source":"openapi","title":"Заглавие","body":"Първо изречение за София. Второ изречение за Пловдив и България."}`
	untitled := `{"id":"oa-2","source":"openapi","body":"Статия без заглавие за морето."}`
	calls := []apiCall{
		{"POST", "/v1/articles", "application/json", article, 202},
		{"POST", "/v1/articles", "application/json", untitled, 202},
		{"POST", "/v1/articles", "application/json", article, 202}, // a duplicate
		{"POST", "/v1/articles", "application/x-ndjson", article + "\n{\"source\":\"x\"}\n", 202},
		{"POST", "/v1/articles", "application/json", `{"source":"x"}`, 400},
		{"POST", "/v1/articles", "application/x-ndjson", `{"source":"x"}` + "\n", 400},
		{"POST", "/v1/articles", "application/json", `{"id":"oa-1","source":"other","body":"x"}`, 409},
		{"POST", "/v1/articles", "image/png", "x", 415},
		{"POST", "/v1/articles?source=openapi&title=T", "text/plain", "Текст от обикновен файл.", 202},
	}
	covered := map[string]bool{}
	check := func(c apiCall) *http.Response {
		t.Helper()
		req, err := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		if c.contentType != "" {
			req.Header.Set("Content-Type", c.contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s %s = %d %s, want %d", c.method, c.path, resp.StatusCode, raw, c.status)
		}
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Errorf("%s %s: no route in the description: %v", c.method, c.path, err)
			return resp
		}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status:                 resp.StatusCode,
			Header:                 resp.Header,
			Body:                   io.NopCloser(bytes.NewReader(raw)),
			Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			t.Errorf("%s %s = %d %s\ndoes not match the description: %v", c.method, c.path, resp.StatusCode, raw, err)
		}
		covered[route.Method+" "+route.Path] = true
		return resp
	}
	for _, c := range calls {
		resp := check(c)
		if c.status == 202 && c.contentType == "application/json" && strings.Contains(c.body, `"id":"oa-1"`) {
			if got := resp.Header.Get("Location"); got != "/v1/articles/oa-1" {
				t.Errorf("Location = %q, want /v1/articles/oa-1", got)
			}
		}
	}
	waitFor(t, "oa-1 and oa-2 indexed", func() bool {
		for _, id := range []string{"oa-1", "oa-2"} {
			resp, err := http.Get(base + "/v1/articles/" + id)
			if err != nil {
				return false
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return false
			}
		}
		return true
	})

	watch := `{"name":"sofia","query":"София"}`
	for _, c := range []apiCall{
		{"GET", "/v1/search?q=София", "", "", 200},
		{"GET", "/v1/search?q=*&sort=date&limit=100", "", "", 200},
		{"GET", "/v1/search?q=морето", "", "", 200},
		{"GET", "/v1/search?q=a+OR", "", "", 400},
		{"GET", "/v1/search?q=a&limit=1000", "", "", 400},
		{"GET", "/v1/search?q=a&offset=20000", "", "", 400},
		{"GET", "/v1/histogram?q=*&interval=day&by=lang", "", "", 200},
		{"GET", "/v1/histogram?q=*&interval=month", "", "", 400},
		{"GET", "/v1/articles/oa-1", "", "", 200},
		{"GET", "/v1/articles/oa-2", "", "", 200},
		{"GET", "/v1/articles/nope", "", "", 404},
		{"GET", "/v1/watches", "", "", 200},
		{"POST", "/v1/watches", "application/json", watch, 201},
		{"POST", "/v1/watches", "application/json", watch, 409},
		{"POST", "/v1/watches", "application/json", `{"name":"bad","query":"a OR"}`, 400},
		{"GET", "/v1/watches/sofia", "", "", 200},
		{"GET", "/v1/watches/none", "", "", 404},
		{"PUT", "/v1/watches/sofia", "application/json", `{"name":"sofia","query":"Пловдив"}`, 200},
		{"PUT", "/v1/watches/varna", "application/json", `{"name":"varna","query":"Варна"}`, 200},
		{"PUT", "/v1/watches/sofia", "application/json", `{"name":"other","query":"x"}`, 400},
		{"DELETE", "/v1/watches/sofia", "", "", 204},
		{"DELETE", "/v1/watches/sofia", "", "", 404},
		{"GET", "/metrics", "", "", 200},
		{"GET", "/healthz", "", "", 200},
		{"GET", "/readyz", "", "", 200},
		{"GET", "/", "", "", 200},
		{"GET", "/?q=София&lang=bg", "", "", 200},
		{"GET", "/?q=a+OR", "", "", 400},
		{"GET", "/static/app.js", "", "", 200},
		{"GET", "/static/app.css", "", "", 200},
		{"GET", "/static/nothing.js", "", "", 404},
		{"GET", "/dashboard", "", "", 200},
		{"GET", "/dashboard/app.js", "", "", 200},
		{"GET", "/dashboard/app.css", "", "", 200},
		{"GET", "/dashboard/data", "", "", 200},
		{"GET", openapi.Path, "", "", 200},
	} {
		check(c)
	}

	// Every operation was exercised.
	var missed []string
	for _, path := range doc.Paths.InMatchingOrder() {
		for method := range doc.Paths.Value(path).Operations() {
			if !covered[method+" "+path] {
				missed = append(missed, method+" "+path)
			}
		}
	}
	sort.Strings(missed)
	if len(missed) > 0 {
		t.Errorf("operations no call checked: %v", missed)
	}

	// What no route matches: the Error schema, 404 and 405.
	errSchema := doc.Components.Schemas["Error"].Value
	for _, c := range []apiCall{
		{"GET", "/v1/serch?q=x", "", "", 404},
		{"DELETE", "/v1/search", "", "", 405},
		{"GET", "/v1/articles", "", "", 405},
	} {
		req, _ := http.NewRequest(c.method, base+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != c.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s %s = %d %s %s, want %d JSON", c.method, c.path, resp.StatusCode, resp.Header.Get("Content-Type"), raw, c.status)
			continue
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Errorf("%s %s: %v", c.method, c.path, err)
			continue
		}
		if err := errSchema.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
			t.Errorf("%s %s = %s, not the Error schema: %v", c.method, c.path, raw, err)
		}
		if c.status == 405 && resp.Header.Get("Allow") == "" {
			t.Errorf("%s %s: 405 without Allow", c.method, c.path)
		}
	}
}
