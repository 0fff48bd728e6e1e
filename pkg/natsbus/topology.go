// Package natsbus is the JetStream adapter of newsflow: it connects to NATS,
// creates the streams and consumers of the public contract, runs a
// pipeline.Handler as a durable pull consumer, publishes its outputs and maps
// its result to an acknowledgement, a delayed redelivery or a dead letter.
package natsbus

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Stream names of the public contract.
const (
	StreamRaw      = "ARTICLES_RAW"
	StreamArticles = "ARTICLES"
	StreamDLQ      = "ARTICLES_DLQ"
	// StreamAdvisories captures the server's max-deliveries advisories of
	// the stage consumers, so that a message whose last delivery was lost
	// with its worker (crash, SIGKILL, timeout) is still dead-lettered.
	StreamAdvisories = "ARTICLES_ADVISORIES"
	// StreamAlerts holds the alerts of the saved searches (watches), one
	// message per watch and article on alerts.<watch>.
	StreamAlerts = "ALERTS"
)

// SubjectAlerts is the prefix of the alerts of the watches:
// alerts.<watch subject>.
const SubjectAlerts = "alerts"

// SubjectMaxDeliveries is the prefix of the server's advisories for a
// message that reached its consumer's MaxDeliver:
// <prefix>.<stream>.<consumer>.
const SubjectMaxDeliveries = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES"

// Subject prefixes of the public contract; the last token is the source
// (articles.raw.<source>) or, for dead letters, the stage.
const (
	SubjectRaw      = "articles.raw"
	SubjectIngested = "articles.ingested"
	SubjectEnriched = "articles.enriched"
	SubjectIndexed  = "articles.indexed"
	SubjectDLQ      = "articles.dlq"
)

// Dead-letter headers of the public contract.
const (
	HeaderStage    = "Newsflow-Stage"
	HeaderError    = "Newsflow-Error"
	HeaderAttempts = "Newsflow-Attempts"
	HeaderSubject  = "Newsflow-Subject"
	// HeaderMsgID keeps the original Nats-Msg-Id of a dead letter.
	HeaderMsgID = "Newsflow-Msg-Id"
)

// Stage names, used as durable consumer names and metric labels.
const (
	StageIngest = "ingest"
	StageEnrich = "enrich"
	StageIndex  = "index"
)

// ErrInvalidConfig is wrapped by configuration validation errors.
var ErrInvalidConfig = errors.New("invalid configuration")

// TopologyConfig sizes the streams.
type TopologyConfig struct {
	// Replicas of every stream: 1 on a single server, 3 in a cluster.
	Replicas int
	// Storage is file (default) or memory.
	Storage jetstream.StorageType
	// RawMaxAge bounds how long raw submissions are kept for reprocessing;
	// 0 keeps them until the stream's byte limit.
	RawMaxAge time.Duration
	// RawMaxMsgs and RawMaxBytes bound ARTICLES_RAW (0: no bound). The
	// stream discards new messages when full (discard: new): a producer's
	// publish fails ("maximum messages exceeded" or "maximum bytes
	// exceeded") instead of the oldest unread submissions being dropped.
	// With the limits retention of the stream, messages already consumed
	// count until RawMaxAge removes them: set both.
	RawMaxMsgs  int64
	RawMaxBytes int64
	// ArticlesMaxAge bounds how long stage outputs are kept.
	ArticlesMaxAge time.Duration
	// ArticlesMaxMsgs and ArticlesMaxBytes bound ARTICLES the same way
	// (0: no bound, discard: new): a stage whose output is refused
	// retries the input later, so the backlog stays in ARTICLES_RAW.
	ArticlesMaxMsgs  int64
	ArticlesMaxBytes int64
	// DuplicateWindow is JetStream's Nats-Msg-Id deduplication window.
	DuplicateWindow time.Duration
	// AdvisoriesMaxAge bounds how long an unhandled max-deliveries
	// advisory is kept (no stage worker running to dead-letter it).
	AdvisoriesMaxAge time.Duration
	// VerifyStreams makes EnsureStreams only check that the streams exist
	// instead of creating or updating them, so that a worker can run as a
	// user without stream-admin permissions.
	VerifyStreams bool
}

// DefaultTopology returns the defaults for a single server.
func DefaultTopology() TopologyConfig {
	return TopologyConfig{
		Replicas:         1,
		Storage:          jetstream.FileStorage,
		ArticlesMaxAge:   7 * 24 * time.Hour,
		DuplicateWindow:  2 * time.Minute,
		AdvisoriesMaxAge: 30 * 24 * time.Hour,
	}
}

// Validate checks the topology.
func (c TopologyConfig) Validate() error {
	if c.Replicas < 1 || c.Replicas > 5 {
		return fmt.Errorf("%w: --stream-replicas must be 1 to 5, got %d", ErrInvalidConfig, c.Replicas)
	}
	if c.DuplicateWindow <= 0 {
		return fmt.Errorf("%w: --duplicate-window must be positive, got %s", ErrInvalidConfig, c.DuplicateWindow)
	}
	for _, l := range []struct {
		flag string
		v    int64
	}{{"--raw-max-msgs", c.RawMaxMsgs}, {"--raw-max-bytes", c.RawMaxBytes}, {"--articles-max-msgs", c.ArticlesMaxMsgs}, {"--articles-max-bytes", c.ArticlesMaxBytes}} {
		if l.v < 0 {
			return fmt.Errorf("%w: %s must be 0 (no bound) or positive, got %d", ErrInvalidConfig, l.flag, l.v)
		}
	}
	return nil
}

// limit maps 0 (no bound) to JetStream's -1.
func limit(v int64) int64 {
	if v <= 0 {
		return -1
	}
	return v
}

// StreamConfigs returns the configurations of the contract's streams.
func (c TopologyConfig) StreamConfigs() []jetstream.StreamConfig {
	base := func(name, desc string, subjects ...string) jetstream.StreamConfig {
		return jetstream.StreamConfig{
			Name:        name,
			Description: desc,
			Subjects:    subjects,
			Storage:     c.Storage,
			Replicas:    c.Replicas,
			Retention:   jetstream.LimitsPolicy,
			Discard:     jetstream.DiscardOld,
			Duplicates:  c.DuplicateWindow,
		}
	}
	raw := base(StreamRaw, "raw article submissions, read by ingest", SubjectRaw+".>")
	raw.MaxAge = c.RawMaxAge
	// discard: new on the streams the pipeline flows through: when a
	// limit is reached the publisher is refused and told, nothing unread
	// is dropped. Without a limit the policy changes nothing.
	raw.Discard = jetstream.DiscardNew
	raw.MaxMsgs, raw.MaxBytes = limit(c.RawMaxMsgs), limit(c.RawMaxBytes)
	arts := base(StreamArticles, "canonical, enriched and indexed articles", SubjectIngested+".>", SubjectEnriched+".>", SubjectIndexed+".>")
	arts.MaxAge = c.ArticlesMaxAge
	arts.Discard = jetstream.DiscardNew
	arts.MaxMsgs, arts.MaxBytes = limit(c.ArticlesMaxMsgs), limit(c.ArticlesMaxBytes)
	dlq := base(StreamDLQ, "dead letters of every stage, with their reasons", SubjectDLQ+".>")
	adv := base(StreamAdvisories, "max-deliveries advisories of the stage consumers, turned into dead letters",
		SubjectMaxDeliveries+"."+StreamRaw+".*", SubjectMaxDeliveries+"."+StreamArticles+".*",
		SubjectMaxDeliveries+"."+StreamAlerts+".*")
	adv.MaxAge = c.AdvisoriesMaxAge
	adv.MaxMsgs = 1_000_000
	return []jetstream.StreamConfig{raw, arts, dlq, adv}
}

// AlertsStreamConfig returns the configuration of StreamAlerts. The watch
// worker creates it (EnsureStreams leaves it out, so that the other
// stages need no rights on it).
func (c TopologyConfig) AlertsStreamConfig() jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        StreamAlerts,
		Description: "alerts of the saved searches (watches), read by the webhook deliverer and subscribers",
		Subjects:    []string{SubjectAlerts + ".>"},
		Storage:     c.Storage,
		Replicas:    c.Replicas,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		Duplicates:  c.DuplicateWindow,
		MaxAge:      c.ArticlesMaxAge,
	}
}

// EnsureStreams creates the contract's streams or updates them to cfg (with
// cfg.VerifyStreams it only checks they exist). It is idempotent and
// safe to call from every replica at start.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, cfg TopologyConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	for _, sc := range cfg.StreamConfigs() {
		if cfg.VerifyStreams {
			if _, err := js.Stream(ctx, sc.Name); err != nil {
				return fmt.Errorf("stream %s (not created by this process: --create-streams=false): %w", sc.Name, err)
			}
			continue
		}
		if _, err := js.CreateOrUpdateStream(ctx, sc); err != nil {
			return fmt.Errorf("create or update stream %s: %w", sc.Name, err)
		}
	}
	return nil
}

// RawSubject returns the subject a raw article of source is published on.
func RawSubject(source string) string { return SubjectRaw + "." + source }

// lastToken returns the last token of a subject.
func lastToken(subject string) string {
	if i := strings.LastIndexByte(subject, '.'); i >= 0 {
		return subject[i+1:]
	}
	return subject
}

// ValidToken reports whether s can be used as one subject token.
func ValidToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.' || c == '*' || c == '>' || c <= ' ' || c == 0x7f:
			return false
		}
	}
	return true
}

// Ready returns a readiness check: the connection is up and the contract's
// streams exist.
func Ready(nc *nats.Conn, js jetstream.JetStream) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		if st := nc.Status(); st != nats.CONNECTED {
			return fmt.Errorf("nats connection is %s", st)
		}
		for _, name := range []string{StreamRaw, StreamArticles, StreamDLQ, StreamAdvisories} {
			if _, err := js.Stream(ctx, name); err != nil {
				return fmt.Errorf("stream %s: %w", name, err)
			}
		}
		return nil
	}
}

// EnsureStreamsRetry calls EnsureStreams until it succeeds or ctx ends, so
// that a worker started before its NATS server waits for it.
func EnsureStreamsRetry(ctx context.Context, js jetstream.JetStream, cfg TopologyConfig, logf func(err error, wait time.Duration)) error {
	wait := 250 * time.Millisecond
	for {
		actx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := EnsureStreams(actx, js, cfg)
		cancel()
		if err == nil || errors.Is(err, ErrInvalidConfig) {
			return err
		}
		if logf != nil {
			logf(err, wait)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("ensure streams: %w (last error: %v)", ctx.Err(), err)
		case <-time.After(wait):
		}
		if wait < 5*time.Second {
			wait *= 2
		}
	}
}

// NewJetStream returns the JetStream context the stages use: bounded async
// publishing with a timeout on every PubAck.
func NewJetStream(nc *nats.Conn) (jetstream.JetStream, error) {
	js, err := jetstream.New(nc,
		jetstream.WithPublishAsyncMaxPending(4096),
		jetstream.WithPublishAsyncTimeout(30*time.Second),
	)
	if err != nil {
		return nil, fmt.Errorf("jetstream context: %w", err)
	}
	return js, nil
}
