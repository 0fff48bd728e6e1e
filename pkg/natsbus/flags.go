package natsbus

import (
	"flag"
	"os"
	"strconv"

	"github.com/newsflow/newsflow/pkg/envflag"
)

// EnvNATSURL is the variable the NATS tools (nats CLI, nats.go examples)
// read the server URL from; it is the default of --nats, under
// NEWSFLOW_NATS_URL and the flag.
const EnvNATSURL = "NATS_URL"

// RegisterFlags adds the connection flags to fs: --nats, the server URL
// (--nats-url is its deprecated alias), and RegisterAuthFlags's.
func (c *ConnConfig) RegisterFlags(fs *flag.FlagSet) {
	if v := os.Getenv(EnvNATSURL); v != "" {
		c.URL = v
	}
	fs.StringVar(&c.URL, "nats", c.URL, "NATS server URL(s), comma-separated; nats://host:port or host:port (env "+envflag.NATSURLEnv+", else "+EnvNATSURL+" as the NATS tools read it)")
	envflag.Alias(fs, "nats-url")
	c.RegisterAuthFlags(fs)
}

// RegisterAuthFlags adds the connection flags but the URL to fs: the
// credentials, TLS and the inbox prefix.
func (c *ConnConfig) RegisterAuthFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.CredsFile, "nats-creds", c.CredsFile, "NATS .creds file (JWT and NKey seed)")
	fs.StringVar(&c.NKeyFile, "nats-nkey", c.NKeyFile, "NATS NKey seed file")
	fs.StringVar(&c.User, "nats-user", c.User, "NATS user")
	fs.StringVar(&c.Password, "nats-password", c.Password, "NATS password")
	fs.StringVar(&c.Token, "nats-token", c.Token, "NATS authentication token")
	fs.StringVar(&c.TLSCA, "nats-tls-ca", c.TLSCA, "CA certificate file to verify the NATS server")
	fs.StringVar(&c.TLSCert, "nats-tls-cert", c.TLSCert, "client certificate file for mutual TLS")
	fs.StringVar(&c.TLSKey, "nats-tls-key", c.TLSKey, "client key file for mutual TLS")
	fs.StringVar(&c.InboxPrefix, "nats-inbox-prefix", c.InboxPrefix, "inbox prefix for replies, instead of _INBOX (least-privilege users: _INBOX_<service>)")
}

// RegisterFlags adds the stage's tuning flags to fs.
func (c *StageConfig) RegisterFlags(fs *flag.FlagSet) {
	fs.DurationVar(&c.AckWait, "ack-wait", c.AckWait, "time the server waits for an ack before redelivering")
	fs.IntVar(&c.MaxDeliver, "max-deliver", c.MaxDeliver, "delivery attempts before a message is dead-lettered")
	fs.IntVar(&c.MaxAckPending, "max-ack-pending", c.MaxAckPending, "messages delivered and not yet acked, across replicas")
	fs.IntVar(&c.Concurrency, "concurrency", c.Concurrency, "messages handled at once by this replica")
	fs.IntVar(&c.PullBatch, "pull-batch", c.PullBatch, "messages buffered by the client")
	fs.IntVar(&c.PullMaxBytes, "pull-max-bytes", c.PullMaxBytes, "bytes one pull request may return (at least the largest message)")
	fs.DurationVar(&c.BackoffBase, "backoff-base", c.BackoffBase, "first retry delay, doubled per attempt")
	fs.DurationVar(&c.BackoffMax, "backoff-max", c.BackoffMax, "largest retry delay")
	fs.DurationVar(&c.ShutdownGrace, "shutdown-grace", c.ShutdownGrace, "time in-flight work may take to finish on shutdown")
}

// RegisterFlags adds the stream sizing flags to fs.
func (c *TopologyConfig) RegisterFlags(fs *flag.FlagSet) {
	fs.IntVar(&c.Replicas, "stream-replicas", c.Replicas, "replicas of every stream (3 in a cluster)")
	fs.DurationVar(&c.RawMaxAge, "raw-max-age", c.RawMaxAge, "how long raw submissions are kept for reprocessing (0: no limit)")
	fs.DurationVar(&c.ArticlesMaxAge, "articles-max-age", c.ArticlesMaxAge, "how long stage outputs are kept")
	c.RegisterLimitFlags(fs)
	fs.DurationVar(&c.DuplicateWindow, "duplicate-window", c.DuplicateWindow, "Nats-Msg-Id deduplication window")
	fs.BoolFunc("create-streams", "create or update the streams at start (default true); false only checks they exist, for users without stream-admin permissions ('newsflow setup' creates them)", func(s string) error {
		v, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		c.VerifyStreams = !v
		return nil
	})
}

// RegisterLimitFlags adds the streams' size bounds to fs (max_msgs and
// max_bytes of ARTICLES_RAW and ARTICLES, with discard: new).
func (c *TopologyConfig) RegisterLimitFlags(fs *flag.FlagSet) {
	fs.Int64Var(&c.RawMaxMsgs, "raw-max-msgs", c.RawMaxMsgs, "most messages ARTICLES_RAW holds; past it producers are refused (discard: new; 0: no bound)")
	fs.Int64Var(&c.RawMaxBytes, "raw-max-bytes", c.RawMaxBytes, "most bytes ARTICLES_RAW holds; past it producers are refused (discard: new; 0: no bound)")
	fs.Int64Var(&c.ArticlesMaxMsgs, "articles-max-msgs", c.ArticlesMaxMsgs, "most messages ARTICLES holds; past it stage outputs are refused and retried (discard: new; 0: no bound)")
	fs.Int64Var(&c.ArticlesMaxBytes, "articles-max-bytes", c.ArticlesMaxBytes, "most bytes ARTICLES holds; past it stage outputs are refused and retried (discard: new; 0: no bound)")
}
