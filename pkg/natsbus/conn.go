package natsbus

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap"
)

// ConnConfig says how to reach NATS. Credentials are mutually exclusive
// except TLS, which combines with any of them.
type ConnConfig struct {
	URL       string
	Name      string
	CredsFile string // .creds file (JWT + NKey seed)
	NKeyFile  string // NKey seed file
	User      string
	Password  string
	Token     string
	TLSCA     string // CA certificate to verify the server
	TLSCert   string // client certificate, for mutual TLS
	TLSKey    string // client key, for mutual TLS
	// InboxPrefix replaces _INBOX for the replies this client receives, so
	// that a least-privilege user may subscribe to its own replies only
	// (deploy/nats gives every service its own, _INBOX_<service>).
	InboxPrefix string
}

// Validate checks that the configuration can be used.
func (c ConnConfig) Validate() error {
	if c.URL == "" {
		return fmt.Errorf("%w: NATS URL is empty (set --nats or NEWSFLOW_NATS_URL)", ErrInvalidConfig)
	}
	n := 0
	for _, set := range []bool{c.CredsFile != "", c.NKeyFile != "", c.User != "", c.Token != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return fmt.Errorf("%w: use only one of --nats-creds, --nats-nkey, --nats-user/--nats-password and --nats-token", ErrInvalidConfig)
	}
	if c.Password != "" && c.User == "" {
		return fmt.Errorf("%w: --nats-password given without --nats-user", ErrInvalidConfig)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return fmt.Errorf("%w: --nats-tls-cert and --nats-tls-key must be given together", ErrInvalidConfig)
	}
	if c.InboxPrefix != "" && (!validSubject(c.InboxPrefix) || strings.ContainsAny(c.InboxPrefix, "*>")) {
		return fmt.Errorf("%w: --nats-inbox-prefix %q is not a subject without wildcards", ErrInvalidConfig, c.InboxPrefix)
	}
	return nil
}

// Redacted returns the configuration with secrets masked, for logging.
func (c ConnConfig) Redacted() ConnConfig {
	if c.Password != "" {
		c.Password = "REDACTED"
	}
	if c.Token != "" {
		c.Token = "REDACTED"
	}
	return c
}

// Options returns the nats.go options for c, with reconnection forever and
// connection events logged.
func (c ConnConfig) Options(log *zap.Logger) ([]nats.Option, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	opts := []nats.Option{
		nats.Name(c.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500 * time.Millisecond),
		nats.ReconnectJitter(250*time.Millisecond, time.Second),
		nats.RetryOnFailedConnect(true),
		nats.PingInterval(10 * time.Second),
		nats.ReconnectBufSize(64 << 20),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected", zap.Error(err))
			}
		}),
		nats.ReconnectErrHandler(func(_ *nats.Conn, err error) {
			// With RetryOnFailedConnect a wrong password or certificate
			// shows up here, attempt after attempt.
			log.Warn("nats connection attempt failed", zap.Error(err))
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("nats reconnected", zap.String("url", nc.ConnectedUrlRedacted()))
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subject := ""
			if sub != nil {
				subject = sub.Subject
			}
			log.Warn("nats async error", zap.String("subject", subject), zap.Error(err))
		}),
	}
	switch {
	case c.CredsFile != "":
		opts = append(opts, nats.UserCredentials(c.CredsFile))
	case c.NKeyFile != "":
		o, err := nats.NkeyOptionFromSeed(c.NKeyFile)
		if err != nil {
			return nil, fmt.Errorf("load nkey seed %s: %w", c.NKeyFile, err)
		}
		opts = append(opts, o)
	case c.User != "":
		opts = append(opts, nats.UserInfo(c.User, c.Password))
	case c.Token != "":
		opts = append(opts, nats.Token(c.Token))
	}
	if c.InboxPrefix != "" {
		opts = append(opts, nats.CustomInboxPrefix(c.InboxPrefix))
	}
	if c.TLSCA != "" {
		opts = append(opts, nats.RootCAs(c.TLSCA))
	}
	if c.TLSCert != "" {
		opts = append(opts, nats.ClientCert(c.TLSCert, c.TLSKey))
	}
	return opts, nil
}

// Connect connects to NATS. With RetryOnFailedConnect the call returns at
// once even while the server is down; the connection comes up when it can.
func Connect(c ConnConfig, log *zap.Logger, extra ...nats.Option) (*nats.Conn, error) {
	opts, err := c.Options(log)
	if err != nil {
		return nil, err
	}
	nc, err := nats.Connect(c.URL, append(opts, extra...)...)
	if err != nil {
		return nil, fmt.Errorf("connect to nats %s: %w", c.URL, err)
	}
	return nc, nil
}

// validSubject reports whether s is a dot-separated subject of valid tokens.
func validSubject(s string) bool {
	for _, tok := range strings.Split(s, ".") {
		if tok != "*" && tok != ">" && !ValidToken(tok) {
			return false
		}
	}
	return s != ""
}

// TLSClientConfig returns the TLS settings of TLSCA, TLSCert and TLSKey for
// clients other than the NATS connection, such as the monitoring endpoints
// of a server that serves them over HTTPS; nil when none is set.
func (c ConnConfig) TLSClientConfig() (*tls.Config, error) {
	if c.TLSCA == "" && c.TLSCert == "" {
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.TLSCA != "" {
		pem, err := os.ReadFile(c.TLSCA)
		if err != nil {
			return nil, fmt.Errorf("NATS TLS CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("NATS TLS CA %s: no PEM certificate in it", c.TLSCA)
		}
		tc.RootCAs = pool
	}
	if c.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("NATS TLS client certificate %s and key %s: %w", c.TLSCert, c.TLSKey, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}
