package index

import (
	"embed"
	"io/fs"
	"net/http"
)

// web holds the search page: plain HTML, CSS and JavaScript, no build step.
//
//go:embed web
var web embed.FS

// pageCSP allows only the page's own script, style and API calls.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
}

// pageHandlers returns the handlers of the page (GET /) and its assets
// (GET /static/...).
func pageHandlers() (page, static http.Handler) {
	sub, _ := fs.Sub(web, "web") // "web" is embedded above
	index, _ := fs.ReadFile(sub, "index.html")
	files := http.FileServerFS(sub)
	page = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		securityHeaders(h)
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		_, _ = w.Write(index)
	})
	static = http.StripPrefix("/static", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" || r.URL.Path == "/index.html" {
			http.NotFound(w, r)
			return
		}
		securityHeaders(w.Header())
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	}))
	return page, static
}
