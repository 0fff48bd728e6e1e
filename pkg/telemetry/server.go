package telemetry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/openapi"
)

// Check reports whether a dependency is ready; nil means ready.
type Check func(ctx context.Context) error

// Server is the HTTP listener of a process: /metrics, /healthz, /readyz and
// whatever API routes the services add with Handle.
type Server struct {
	addr   string
	log    *zap.Logger
	mux    *http.ServeMux
	cfg    HTTPConfig
	mu     sync.Mutex
	checks map[string]Check
	routes []string
	ln     net.Listener
	conns  *connMetrics
}

// ServerOption configures a Server.
type ServerOption func(*Server)

// WithHTTPConfig sets the request limits (DefaultHTTPConfig otherwise).
func WithHTTPConfig(cfg HTTPConfig) ServerOption {
	return func(s *Server) { s.cfg = cfg }
}

// NewServer returns a server for addr whose /metrics serves gatherer.
// Every route gets the limits and headers of its HTTPConfig: security
// headers, no CORS unless configured, bounded and gzip-decoded bodies,
// timeouts for slow clients, a cap on connections in total and per client
// address. When gatherer is also a prometheus.Registerer (a
// *prometheus.Registry), the connection metrics are registered on it.
func NewServer(addr string, gatherer prometheus.Gatherer, log *zap.Logger, opts ...ServerOption) *Server {
	s := &Server{addr: addr, log: log, mux: http.NewServeMux(), checks: map[string]Check{}, cfg: DefaultHTTPConfig()}
	for _, o := range opts {
		o(s)
	}
	reg, _ := gatherer.(prometheus.Registerer)
	s.conns = newConnMetrics(reg)
	s.Handle("GET /metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{}))
	s.Handle("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	}))
	s.Handle("GET /readyz", http.HandlerFunc(s.readyz))
	s.Handle("GET "+openapi.Path, openapi.Handler())
	return s
}

// Handle registers an API route (http.ServeMux pattern syntax).
func (s *Server) Handle(pattern string, h http.Handler) {
	s.mu.Lock()
	s.routes = append(s.routes, pattern)
	s.mu.Unlock()
	s.mux.Handle(pattern, h)
}

// AddCheck adds a readiness check shown under name in /readyz.
func (s *Server) AddCheck(name string, c Check) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks[name] = c
}

// Handler returns the server's router with its limits and headers. A
// request no route matches gets the contract's JSON error: 404 not_found
// for an unknown path, 405 method_not_allowed (with Allow) for a known
// path and another method.
func (s *Server) Handler() http.Handler { return harden(jsonFallback(s.mux), s.cfg) }

// Routes lists the registered route patterns ("GET /v1/search"), for
// tests that check every route is documented.
func (s *Server) Routes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]string(nil), s.routes...)
	sort.Strings(out)
	return out
}

// jsonFallback answers what mux has no route for with a JSON error
// instead of the router's plain text.
func jsonFallback(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(&fallbackWriter{ResponseWriter: w, method: r.Method, path: r.URL.Path}, r)
	})
}

// fallbackWriter turns the router's own 404 and 405 into JSON errors;
// other answers (a redirect to the canonical path) pass unchanged.
type fallbackWriter struct {
	http.ResponseWriter
	method, path string
	replaced     bool
}

func (f *fallbackWriter) WriteHeader(status int) {
	switch status {
	case http.StatusNotFound:
		f.replaced = true
		writeHTTPError(f.ResponseWriter, status, "not_found", "no such path: "+f.path)
	case http.StatusMethodNotAllowed:
		f.replaced = true
		writeHTTPError(f.ResponseWriter, status, "method_not_allowed",
			fmt.Sprintf("method %s is not allowed on %s (allowed: %s)", f.method, f.path, f.Header().Get("Allow")))
	default:
		f.ResponseWriter.WriteHeader(status)
	}
}

func (f *fallbackWriter) Write(b []byte) (int, error) {
	if f.replaced {
		return len(b), nil
	}
	return f.ResponseWriter.Write(b)
}

// Listen binds the address; Addr then reports it. Run calls Listen when it
// was not called before. It raises the process's soft limit on open files
// to the hard one, and caps the connections (HTTPConfig.ConnLimit) so that
// a flood of clients cannot take the descriptors storage needs.
func (s *Server) Listen() error {
	if s.ln != nil {
		return nil
	}
	nofile, err := RaiseFileLimit()
	if err != nil {
		s.log.Warn("open files limit", zap.Error(err))
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.addr, err)
	}
	maxConns := s.cfg.ConnLimit(nofile)
	if nofile > 0 && s.cfg.MaxConns > 0 && uint64(maxConns)+minFDReserve > nofile {
		s.log.Warn("--http-max-conns leaves few descriptors for storage",
			zap.Int("max_conns", maxConns), zap.Uint64("open_files_limit", nofile))
	}
	s.log.Info("http connection limits", zap.Int("max_conns", maxConns), zap.Int("max_conns_per_ip", s.cfg.MaxConnsPerIP),
		zap.Uint64("open_files_limit", nofile))
	s.ln = newLimitListener(ln, maxConns, s.cfg.MaxConnsPerIP, s.conns)
	return nil
}

// Addr returns the bound address after Listen.
func (s *Server) Addr() string {
	if s.ln == nil {
		return s.addr
	}
	return s.ln.Addr().String()
}

// Run serves until ctx is done, then shuts down gracefully.
func (s *Server) Run(ctx context.Context) error {
	if err := s.Listen(); err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    s.cfg.MaxHeaderBytes,
		ErrorLog:          zap.NewStdLog(s.log.Named("http")),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(s.ln) }()
	s.log.Info("http server listening", zap.String("addr", s.Addr()))
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http server shutdown: %w", err)
	}
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	names := make([]string, 0, len(s.checks))
	for n := range s.checks {
		names = append(names, n)
	}
	checks := make(map[string]Check, len(s.checks))
	for n, c := range s.checks {
		checks[n] = c
	}
	s.mu.Unlock()
	sort.Strings(names)
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	status := http.StatusOK
	result := make(map[string]string, len(names))
	for _, n := range names {
		if err := checks[n](ctx); err != nil {
			status = http.StatusServiceUnavailable
			result[n] = err.Error()
			continue
		}
		result[n] = "ok"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"ready": status == http.StatusOK, "checks": result})
}

// EnablePprof serves the runtime profiles of net/http/pprof under
// /debug/pprof/. Keep it off on listeners reachable by untrusted clients.
// The command line (pprof's /debug/pprof/cmdline) is left out: it would
// show tokens and passwords given as flags.
func (s *Server) EnablePprof() {
	s.mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	s.mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	s.mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	s.mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
}
