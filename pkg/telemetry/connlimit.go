package telemetry

import (
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Reasons a connection is refused, the values of the reason label of
// newsflow_http_connections_refused_total.
const (
	RefusedMaxConns  = "max_conns"
	RefusedPerIP     = "per_ip"
	RefusedLingering = "lingering"
)

// Answers written to a refused connection before it is closed.
var (
	answerBusy = cannedAnswer("503 Service Unavailable", "unavailable",
		"the server has too many connections open, try again later")
	answerPerIP = cannedAnswer("429 Too Many Requests", "too_many_requests",
		"too many connections from your address, try again later")
)

func cannedAnswer(status, code, msg string) string {
	body := `{"error":{"code":"` + code + `","message":"` + msg + `"}}` + "\n"
	return "HTTP/1.1 " + status + "\r\nRetry-After: 1\r\nContent-Type: application/json; charset=utf-8\r\n" +
		"Connection: close\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

// maxLingering bounds the refused connections being answered at once: each
// holds its descriptor for at most lingerTime; beyond that, a refused
// connection is closed without an answer. A refused connection waits at
// most requestWait for its request before the answer is written.
const (
	maxLingering = 64
	lingerTime   = 250 * time.Millisecond
	requestWait  = 100 * time.Millisecond
)

// connMetrics are the listener's gauges and counters.
type connMetrics struct {
	open    prometheus.Gauge
	refused *prometheus.CounterVec
}

func newConnMetrics(reg prometheus.Registerer) *connMetrics {
	m := &connMetrics{
		open: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "newsflow_http_connections",
			Help: "HTTP connections open now (the ones counted against --http-max-conns).",
		}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsflow_http_connections_refused_total",
			Help: "HTTP connections answered 503 or 429 and closed at accept, by reason (max_conns, per_ip, lingering: closed unanswered while too many refusals were being answered).",
		}, []string{"reason"}),
	}
	if reg != nil {
		// A second server on the same registry shares the first's
		// metrics: registration errors are not fatal.
		m.open = registerOrExisting(reg, m.open)
		m.refused = registerOrExisting(reg, m.refused)
	}
	return m
}

func registerOrExisting[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		if are, ok := err.(prometheus.AlreadyRegisteredError); ok {
			if prev, ok := are.ExistingCollector.(C); ok {
				return prev
			}
		}
	}
	return c
}

// limitListener caps the connections open at once, in total and per
// client address. A connection over a cap is accepted (so that it does not
// wait in the kernel's backlog), answered 503 (total) or 429 (per
// address) with Retry-After once its request has begun (or requestWait has
// passed), and closed: it holds its descriptor for at most requestWait +
// lingerTime, and at most maxLingering of them are answered at once.
type limitListener struct {
	net.Listener
	max, perIP int
	m          *connMetrics
	linger     chan struct{}

	mu   sync.Mutex
	open int
	byIP map[string]int
}

func newLimitListener(ln net.Listener, max, perIP int, m *connMetrics) *limitListener {
	return &limitListener{Listener: ln, max: max, perIP: perIP, m: m, linger: make(chan struct{}, maxLingering), byIP: map[string]int{}}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := remoteIP(c)
		l.mu.Lock()
		var answer, reason string
		switch {
		case l.max > 0 && l.open >= l.max:
			answer, reason = answerBusy, RefusedMaxConns
		case l.perIP > 0 && l.byIP[ip] >= l.perIP:
			answer, reason = answerPerIP, RefusedPerIP
		default:
			l.open++
			l.byIP[ip]++
			l.m.open.Set(float64(l.open))
		}
		l.mu.Unlock()
		if answer != "" {
			l.refuse(c, answer, reason)
			continue
		}
		return &limitedConn{Conn: c, l: l, ip: ip}, nil
	}
}

// refuse answers c and closes it, or closes it at once when too many
// refusals are being answered already.
func (l *limitListener) refuse(c net.Conn, answer, reason string) {
	select {
	case l.linger <- struct{}{}:
	default:
		l.m.refused.WithLabelValues(RefusedLingering).Inc()
		_ = c.Close()
		return
	}
	l.m.refused.WithLabelValues(reason).Inc()
	go func() {
		defer func() { <-l.linger }()
		defer func() { _ = c.Close() }()
		_ = c.SetDeadline(time.Now().Add(lingerTime))
		// Wait for the request's first byte (at most requestWait) before
		// answering. An answer written at accept can reach a client before
		// its request has gone out (Go's client dials, then writes): it
		// then reads it as an unsolicited response, drops the connection
		// and reports a transport error instead of the 503 or 429. A
		// client that sends nothing gets the answer after requestWait.
		_ = c.SetReadDeadline(time.Now().Add(requestWait))
		var first [1]byte
		_, _ = c.Read(first[:])
		_ = c.SetDeadline(time.Now().Add(lingerTime))
		if _, err := io.WriteString(c, answer); err != nil {
			return
		}
		// Half-close and read what the client sent, so that closing does
		// not reset the connection before the client has read the answer.
		if cw, ok := c.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(c, 64<<10))
	}()
}

func (l *limitListener) release(ip string) {
	l.mu.Lock()
	l.open--
	if l.byIP[ip]--; l.byIP[ip] <= 0 {
		delete(l.byIP, ip)
	}
	l.m.open.Set(float64(l.open))
	l.mu.Unlock()
}

func remoteIP(c net.Conn) string {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.IP.String()
	}
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return host
}

// limitedConn gives its slot back when closed.
type limitedConn struct {
	net.Conn
	l    *limitListener
	ip   string
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.ip) })
	return err
}
