// Package openapi holds the OpenAPI 3.1 description of newsflow's HTTP
// API and serves it. The description is kept true by the tests of
// cmd/newsflow, which validate real answers of every route against it.
package openapi

import (
	_ "embed"
	"net/http"
)

//go:embed openapi.json
var spec []byte

// Path is where every newsflow HTTP server serves the description.
const Path = "/openapi.json"

// JSON returns the description (OpenAPI 3.1, JSON). Callers must not
// modify it.
func JSON() []byte { return spec }

// Handler serves the description.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(spec)
	})
}
