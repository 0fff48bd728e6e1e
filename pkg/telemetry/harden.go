package telemetry

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// HTTPConfig bounds what one HTTP request may cost: every process of
// newsflow serves its API, page and metrics with these limits.
type HTTPConfig struct {
	// MaxBodyBytes bounds a request body after decompression; a larger one
	// is answered 413. Endpoints may set lower limits of their own.
	MaxBodyBytes int64
	// ReadHeaderTimeout bounds the time to read the request headers (a
	// client that trickles them is cut off); ReadTimeout the whole request
	// with its body; WriteTimeout the answer; IdleTimeout a kept-alive
	// connection between requests.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	// MaxHeaderBytes bounds the request headers.
	MaxHeaderBytes int
	// CORSOrigins lists the origins other than the server's own that
	// browsers may call the API from; empty (the default) allows none.
	// "*" allows any origin.
	CORSOrigins []string
}

// DefaultHTTPConfig returns the defaults.
func DefaultHTTPConfig() HTTPConfig {
	return HTTPConfig{
		MaxBodyBytes:      64 << 20,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}

// ErrInvalidHTTPConfig is wrapped by HTTPConfig.Validate errors.
var ErrInvalidHTTPConfig = errors.New("invalid http configuration")

// Validate checks the configuration.
func (c HTTPConfig) Validate() error {
	switch {
	case c.MaxBodyBytes < 1024:
		return fmt.Errorf("%w: max body bytes must be at least 1024, got %d", ErrInvalidHTTPConfig, c.MaxBodyBytes)
	case c.ReadHeaderTimeout <= 0 || c.ReadTimeout <= 0 || c.WriteTimeout <= 0 || c.IdleTimeout <= 0:
		return fmt.Errorf("%w: http timeouts must be positive", ErrInvalidHTTPConfig)
	case c.MaxHeaderBytes < 4096:
		return fmt.Errorf("%w: max header bytes must be at least 4096, got %d", ErrInvalidHTTPConfig, c.MaxHeaderBytes)
	}
	for _, o := range c.CORSOrigins {
		if o != "*" && !strings.HasPrefix(o, "http://") && !strings.HasPrefix(o, "https://") {
			return fmt.Errorf("%w: CORS origin %q must be * or start with http:// or https://", ErrInvalidHTTPConfig, o)
		}
	}
	return nil
}

// RegisterFlags adds the HTTP limit flags to fs.
func (c *HTTPConfig) RegisterFlags(fs *flag.FlagSet) {
	fs.Int64Var(&c.MaxBodyBytes, "http-max-body-bytes", c.MaxBodyBytes, "largest HTTP request body, after decompression")
	fs.DurationVar(&c.ReadHeaderTimeout, "http-read-header-timeout", c.ReadHeaderTimeout, "time a client has to send the request headers")
	fs.DurationVar(&c.ReadTimeout, "http-read-timeout", c.ReadTimeout, "time a client has to send a whole request")
	fs.DurationVar(&c.WriteTimeout, "http-write-timeout", c.WriteTimeout, "time to write an answer")
	fs.DurationVar(&c.IdleTimeout, "http-idle-timeout", c.IdleTimeout, "how long an idle keep-alive connection is kept")
	fs.Func("http-cors-origins", "comma-separated origins browsers may call the API from (default none; * for any)", func(s string) error {
		c.CORSOrigins = nil
		for _, o := range strings.Split(s, ",") {
			if o = strings.TrimSpace(o); o != "" {
				c.CORSOrigins = append(c.CORSOrigins, strings.TrimRight(o, "/"))
			}
		}
		return nil
	})
}

// Content-Security-Policy values: API answers load nothing; HTML pages
// load only from their own origin (inline script and style are allowed for
// the single-file search page).
const (
	cspAPI  = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
	cspPage = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
		"connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

// harden wraps h with what every endpoint gets: security headers, CORS
// (none unless configured), decompression of gzip request bodies and the
// body size limit.
func harden(h http.Handler, cfg HTTPConfig) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("X-Frame-Options", "DENY")
		hdr.Set("Referrer-Policy", "no-referrer")
		hdr.Set("Cross-Origin-Opener-Policy", "same-origin")
		hdr.Set("Cross-Origin-Resource-Policy", "same-origin")
		hdr.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if origin := r.Header.Get("Origin"); origin != "" && len(cfg.CORSOrigins) > 0 {
			if cors(w, r, origin, cfg.CORSOrigins) {
				return // a preflight, answered
			}
		}
		if r.Body != nil && r.Body != http.NoBody {
			body, ok := decodeBody(w, r, cfg.MaxBodyBytes)
			if !ok {
				return
			}
			r.Body = body
		}
		h.ServeHTTP(&cspWriter{ResponseWriter: w}, r)
	})
}

// cors sets the CORS headers for an allowed origin and answers a
// preflight; it reports whether the request was answered.
func cors(w http.ResponseWriter, r *http.Request, origin string, allowed []string) bool {
	if !slices.Contains(allowed, "*") && !slices.Contains(allowed, origin) {
		return false // no CORS headers: the browser refuses the answer
	}
	h := w.Header()
	h.Add("Vary", "Origin")
	h.Set("Access-Control-Allow-Origin", origin)
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		h.Set("Access-Control-Allow-Methods", "GET, POST")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Content-Encoding")
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}

// decodeBody bounds the request body and undoes a gzip Content-Encoding,
// bounding the decompressed size too (a gzip bomb stops at the limit).
func decodeBody(w http.ResponseWriter, r *http.Request, limit int64) (io.ReadCloser, bool) {
	if r.ContentLength > limit {
		writeHTTPError(w, http.StatusRequestEntityTooLarge, "too_large",
			fmt.Sprintf("request body is %d bytes, the limit is %d", r.ContentLength, limit))
		return nil, false
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	switch enc {
	case "", "identity":
		return body, true
	case "gzip", "x-gzip":
		r.Header.Del("Content-Encoding")
		r.ContentLength = -1
		return &gzipBody{src: body, limit: limit}, true
	}
	writeHTTPError(w, http.StatusUnsupportedMediaType, "unsupported_encoding",
		fmt.Sprintf("Content-Encoding %q is not supported; send identity or gzip", enc))
	return nil, false
}

// gzipBody decompresses a request body lazily and fails with
// *http.MaxBytesError once more than limit bytes come out.
type gzipBody struct {
	src   io.ReadCloser
	limit int64
	zr    *gzip.Reader
	n     int64
	err   error
}

func (g *gzipBody) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	if g.zr == nil {
		zr, err := gzip.NewReader(g.src)
		if err != nil {
			g.err = fmt.Errorf("gzip request body: %w", err)
			return 0, g.err
		}
		g.zr = zr
	}
	if rest := g.limit + 1 - g.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := g.zr.Read(p)
	g.n += int64(n)
	if g.n > g.limit {
		g.err = &http.MaxBytesError{Limit: g.limit}
		return n - int(g.n-g.limit), g.err
	}
	if err != nil && !errors.Is(err, io.EOF) {
		err = fmt.Errorf("gzip request body: %w", err)
		g.err = err
	}
	return n, err
}

func (g *gzipBody) Close() error {
	if g.zr != nil {
		_ = g.zr.Close()
	}
	return g.src.Close()
}

// cspWriter sets the Content-Security-Policy that fits the answer's type
// unless the handler set one.
type cspWriter struct {
	http.ResponseWriter
	wrote bool
}

func (c *cspWriter) WriteHeader(code int) {
	if !c.wrote {
		c.wrote = true
		h := c.Header()
		if h.Get("Content-Security-Policy") == "" {
			if strings.HasPrefix(h.Get("Content-Type"), "text/html") {
				h.Set("Content-Security-Policy", cspPage)
			} else {
				h.Set("Content-Security-Policy", cspAPI)
			}
		}
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *cspWriter) Write(b []byte) (int, error) {
	if !c.wrote {
		if c.Header().Get("Content-Type") == "" {
			c.Header().Set("Content-Type", http.DetectContentType(b))
		}
		c.WriteHeader(http.StatusOK)
	}
	return c.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (c *cspWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// Flush passes flushes through (streamed answers).
func (c *cspWriter) Flush() {
	if !c.wrote {
		c.WriteHeader(http.StatusOK)
	}
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// writeHTTPError writes the contract's error object.
func writeHTTPError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Security-Policy", cspAPI)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}})
}
