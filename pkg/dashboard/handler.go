package dashboard

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
)

// web holds the page: plain HTML, CSS and JavaScript drawing SVG, no build
// step and nothing loaded from elsewhere.
//
//go:embed web
var web embed.FS

// Router takes routes (http.ServeMux pattern syntax); telemetry.Server is one.
type Router interface {
	Handle(pattern string, h http.Handler)
}

// Register adds the page (GET /dashboard), its assets (GET
// /dashboard/app.js, /dashboard/app.css) and its data (GET
// /dashboard/data, the View as JSON) to r.
func (s *Sampler) Register(r Router) {
	sub, _ := fs.Sub(web, "web") // "web" is embedded above
	page, _ := fs.ReadFile(sub, "index.html")
	r.Handle("GET /dashboard", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(page)
	}))
	files := http.StripPrefix("/dashboard", http.FileServerFS(sub))
	for _, name := range []string{"app.js", "app.css"} {
		r.Handle("GET /dashboard/"+name, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			w.Header().Set("Cache-Control", "no-cache")
			files.ServeHTTP(w, req)
		}))
	}
	r.Handle("GET /dashboard/data", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(s.View())
	}))
}
