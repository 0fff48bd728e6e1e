package telemetry

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
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
	// BodyReadTimeout bounds the wait for the next bytes of a request
	// body: a client that stops sending is cut off then, not only when
	// ReadTimeout ends.
	BodyReadTimeout time.Duration
	WriteTimeout    time.Duration
	IdleTimeout     time.Duration
	// MaxHeaderBytes bounds the request headers.
	MaxHeaderBytes int
	// CORSOrigins lists the origins other than the server's own that
	// browsers may call the API from; empty (the default) allows none.
	// "*" allows any origin.
	CORSOrigins []string
	// MaxConns bounds the connections open at once; one more is answered
	// 503 with Retry-After and closed. 0 derives it from the open files
	// limit (see ConnLimit).
	MaxConns int
	// MaxConnsPerIP bounds the connections one client address holds at
	// once; one more is answered 429. 0 means no bound.
	MaxConnsPerIP int
	// FDReserve is how many descriptors of the open files limit are kept
	// for storage (NATS file store, index segments) and outgoing
	// connections when MaxConns is derived; 0 means a quarter of the
	// limit, at least 256 and at most 4,096.
	FDReserve int
	// MaxInflateRatio bounds how many times larger than its compressed
	// form a gzip or deflate body may grow (past its first 256 KiB); a body
	// that grows more is answered 413 at once. 0 means no bound.
	MaxInflateRatio int
}

// DefaultHTTPConfig returns the defaults.
func DefaultHTTPConfig() HTTPConfig {
	return HTTPConfig{
		MaxBodyBytes:      64 << 20,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		BodyReadTimeout:   15 * time.Second,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		MaxConnsPerIP:     256,
		MaxInflateRatio:   100,
	}
}

// Bounds of the derived connection cap.
const (
	minFDReserve       = 256
	maxFDReserve       = 4096
	maxDerivedMaxConns = 8192
)

// ConnLimit returns the connection cap for a process whose open files
// limit is nofile (0: unknown): MaxConns when set, else nofile less the
// reserve, at most 8,192 (each connection costs memory too) and at least
// half of nofile.
func (c HTTPConfig) ConnLimit(nofile uint64) int {
	if c.MaxConns > 0 {
		return c.MaxConns
	}
	if nofile == 0 || nofile > 1<<30 {
		return maxDerivedMaxConns
	}
	reserve := c.FDReserve
	if reserve == 0 {
		reserve = min(max(int(nofile/4), minFDReserve), maxFDReserve)
	}
	n := int(nofile) - reserve
	if n < int(nofile/2) {
		n = int(nofile / 2)
	}
	return max(min(n, maxDerivedMaxConns), 1)
}

// ErrInvalidHTTPConfig is wrapped by HTTPConfig.Validate errors.
var ErrInvalidHTTPConfig = errors.New("invalid http configuration")

// Validate checks the configuration.
func (c HTTPConfig) Validate() error {
	switch {
	case c.MaxBodyBytes < 1024:
		return fmt.Errorf("%w: --http-max-body-bytes must be at least 1024, got %d", ErrInvalidHTTPConfig, c.MaxBodyBytes)
	case c.ReadHeaderTimeout <= 0:
		return fmt.Errorf("%w: --http-read-header-timeout must be positive, got %s", ErrInvalidHTTPConfig, c.ReadHeaderTimeout)
	case c.ReadTimeout <= 0:
		return fmt.Errorf("%w: --http-read-timeout must be positive, got %s", ErrInvalidHTTPConfig, c.ReadTimeout)
	case c.BodyReadTimeout <= 0:
		return fmt.Errorf("%w: --http-body-read-timeout must be positive, got %s", ErrInvalidHTTPConfig, c.BodyReadTimeout)
	case c.WriteTimeout <= 0:
		return fmt.Errorf("%w: --http-write-timeout must be positive, got %s", ErrInvalidHTTPConfig, c.WriteTimeout)
	case c.IdleTimeout <= 0:
		return fmt.Errorf("%w: --http-idle-timeout must be positive, got %s", ErrInvalidHTTPConfig, c.IdleTimeout)
	case c.MaxHeaderBytes < 4096:
		return fmt.Errorf("%w: max header bytes must be at least 4096, got %d", ErrInvalidHTTPConfig, c.MaxHeaderBytes)
	case c.MaxConns < 0:
		return fmt.Errorf("%w: --http-max-conns must be positive, or 0 to derive it from the open files limit; got %d", ErrInvalidHTTPConfig, c.MaxConns)
	case c.MaxConnsPerIP < 0:
		return fmt.Errorf("%w: --http-max-conns-per-ip must be positive, or 0 for no bound; got %d", ErrInvalidHTTPConfig, c.MaxConnsPerIP)
	case c.MaxConns > 0 && c.MaxConnsPerIP > c.MaxConns:
		return fmt.Errorf("%w: --http-max-conns-per-ip (%d) is above --http-max-conns (%d)", ErrInvalidHTTPConfig, c.MaxConnsPerIP, c.MaxConns)
	case c.FDReserve < 0:
		return fmt.Errorf("%w: --http-fd-reserve must be positive, or 0 for a quarter of the open files limit; got %d", ErrInvalidHTTPConfig, c.FDReserve)
	case c.MaxInflateRatio < 0 || c.MaxInflateRatio == 1:
		return fmt.Errorf("%w: --http-max-inflate-ratio must be at least 2, or 0 for no bound; got %d", ErrInvalidHTTPConfig, c.MaxInflateRatio)
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
	fs.DurationVar(&c.BodyReadTimeout, "http-body-read-timeout", c.BodyReadTimeout, "longest wait for the next bytes of a request body (a client that stops sending is cut off)")
	fs.DurationVar(&c.WriteTimeout, "http-write-timeout", c.WriteTimeout, "time to write an answer")
	fs.DurationVar(&c.IdleTimeout, "http-idle-timeout", c.IdleTimeout, "how long an idle keep-alive connection is kept")
	fs.IntVar(&c.MaxConns, "http-max-conns", c.MaxConns, "most HTTP connections open at once, more are answered 503 (0: the open files limit less --http-fd-reserve, at most 8192)")
	fs.IntVar(&c.MaxConnsPerIP, "http-max-conns-per-ip", c.MaxConnsPerIP, "most HTTP connections from one client address at once, more are answered 429 (0: no bound)")
	fs.IntVar(&c.FDReserve, "http-fd-reserve", c.FDReserve, "descriptors kept for storage and NATS when --http-max-conns is derived (0: a quarter of the open files limit, 256-4096)")
	fs.IntVar(&c.MaxInflateRatio, "http-max-inflate-ratio", c.MaxInflateRatio, "a gzip or deflate request body may grow at most this many times its compressed size past its first 256 KiB, else 413 (0: no bound)")
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
			stall := &stallBody{ReadCloser: r.Body, rc: http.NewResponseController(w), idle: cfg.BodyReadTimeout,
				end: time.Now().Add(cfg.ReadTimeout)}
			// The server reads what is left of a body after the handler
			// (up to 256 KiB, to keep the connection): a stalled client
			// gets idle for that too, not the rest of ReadTimeout.
			defer stall.deadlineFromNow()
			r.Body = stall
			body, ok := decodeBody(w, r, cfg.MaxBodyBytes, cfg.MaxInflateRatio)
			if !ok {
				return
			}
			r.Body = body
		}
		h.ServeHTTP(&cspWriter{ResponseWriter: w}, r)
	})
}

// stallBody moves the connection's read deadline before each read of the
// body to idle from now (never past end, the request's ReadTimeout), and
// back to end after it: a client that stops sending its body is cut off
// after idle.
type stallBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	idle time.Duration
	end  time.Time
	off  bool
}

func (b *stallBody) Read(p []byte) (int, error) {
	if b.off {
		return b.ReadCloser.Read(p)
	}
	b.deadlineFromNow()
	n, err := b.ReadCloser.Read(p)
	// Time the handler spends between reads (publishing what it read)
	// is not the client's: only the request's own limit applies then.
	// After a failed read the short deadline stays, so that reading
	// again fails at once.
	if err == nil && !b.off {
		_ = b.rc.SetReadDeadline(b.end)
	}
	return n, err
}

// deadlineFromNow sets the read deadline idle from now, never past end.
func (b *stallBody) deadlineFromNow() {
	if b.off {
		return
	}
	d := time.Now().Add(b.idle)
	if d.After(b.end) {
		d = b.end
	}
	if err := b.rc.SetReadDeadline(d); err != nil {
		b.off = true // not a connection that has deadlines (tests)
	}
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

// decodeBody bounds the request body and undoes a gzip or deflate
// Content-Encoding, counting the decompressed bytes as they come: a body
// that grows past limit, or more than ratio times its compressed size
// (past its first 256 KiB), fails at once (a compression bomb stops there).
func decodeBody(w http.ResponseWriter, r *http.Request, limit int64, ratio int) (io.ReadCloser, bool) {
	if r.ContentLength > limit {
		writeHTTPError(w, http.StatusRequestEntityTooLarge, "too_large",
			fmt.Sprintf("request body is %d bytes, the limit is %d", r.ContentLength, limit))
		return nil, false
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	var open func(io.Reader) (io.ReadCloser, error)
	switch enc {
	case "", "identity":
		return body, true
	case "gzip", "x-gzip":
		open = func(r io.Reader) (io.ReadCloser, error) { return gzip.NewReader(r) }
	case "deflate":
		open = openDeflate
	default:
		writeHTTPError(w, http.StatusUnsupportedMediaType, "unsupported_encoding",
			fmt.Sprintf("Content-Encoding %q is not supported; send identity, gzip or deflate", enc))
		return nil, false
	}
	r.Header.Del("Content-Encoding")
	r.ContentLength = -1
	return &inflateBody{src: body, in: &countingReader{r: body}, open: open, enc: enc, limit: limit, ratio: int64(ratio)}, true
}

// openDeflate reads a deflate body: zlib-wrapped as HTTP says, or raw
// deflate as some clients send it.
func openDeflate(r io.Reader) (io.ReadCloser, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(2)
	if err != nil {
		return nil, err
	}
	// A zlib header: compression method 8, and the two bytes a multiple
	// of 31 (RFC 1950).
	if head[0]&0x0f == 8 && (uint16(head[0])<<8|uint16(head[1]))%31 == 0 {
		return zlib.NewReader(br)
	}
	return flate.NewReader(br), nil
}

// InflateSlack is how many decompressed bytes a body may reach before
// HTTPConfig.MaxInflateRatio applies.
const InflateSlack = 256 << 10

// InflateError is the error of a compressed body that grew more than
// HTTPConfig.MaxInflateRatio times its compressed size. It unwraps to
// *http.MaxBytesError, so handlers answer it 413 like any body too large.
type InflateError struct {
	Encoding     string
	Ratio        int64
	Compressed   int64
	Decompressed int64
}

func (e *InflateError) Error() string {
	return fmt.Sprintf("%s request body grew from %d to over %d bytes, more than %d times its compressed size (the limit of --http-max-inflate-ratio)",
		e.Encoding, e.Compressed, e.Decompressed, e.Ratio)
}

// Unwrap returns a *http.MaxBytesError.
func (e *InflateError) Unwrap() error { return &http.MaxBytesError{Limit: e.Decompressed} }

// countChunk bounds one read of compressed input.
const countChunk = 512

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	// Small reads keep the count close to what the decompressor used,
	// so that a bomb is caught after little output.
	if len(p) > countChunk {
		p = p[:countChunk]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// inflateBody decompresses a request body lazily and fails with
// *http.MaxBytesError once more than limit bytes come out, or with
// *InflateError once they outgrow the compressed ones ratio times.
type inflateBody struct {
	src   io.ReadCloser
	in    *countingReader
	open  func(io.Reader) (io.ReadCloser, error)
	enc   string
	limit int64
	ratio int64
	zr    io.ReadCloser
	n     int64
	err   error
}

func (g *inflateBody) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	if g.zr == nil {
		zr, err := g.open(g.in)
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				g.err = err
			} else {
				g.err = fmt.Errorf("%s request body: %w", g.enc, err)
			}
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
	if g.ratio > 0 && g.n > InflateSlack && g.n > g.ratio*g.in.n {
		g.err = &InflateError{Encoding: g.enc, Ratio: g.ratio, Compressed: g.in.n, Decompressed: g.n}
		return 0, g.err
	}
	if err != nil && !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if !errors.As(err, &mbe) {
			err = fmt.Errorf("%s request body: %w", g.enc, err)
		}
		g.err = err
	}
	return n, err
}

func (g *inflateBody) Close() error {
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
