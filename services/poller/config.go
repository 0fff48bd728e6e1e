// Package poller is the poller worker of newsflow: it polls the feeds and
// sitemaps kept in the NEWSFLOW_SOURCES key-value bucket and publishes
// every new item onto articles.raw.<source>, where ingest takes it like
// any other submission. Any number of replicas may run: each source has
// one owner at a time (a lease in its bucket entry, taken and renewed
// with revision-checked updates).
package poller

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/newsflow/newsflow/pkg/version"
)

// DefaultMaxBytes bounds a fetched feed, sitemap or page.
const DefaultMaxBytes = 16 << 20

// ErrInvalidConfig is wrapped by Config.Validate's errors.
var ErrInvalidConfig = errors.New("invalid poller configuration")

// Config configures a poller.
type Config struct {
	// Concurrency is how many sources are polled at once.
	Concurrency int
	// HostDelay is the pause between two requests to one host (a longer
	// Crawl-delay in its robots.txt wins, up to a minute).
	HostDelay time.Duration
	// Timeout bounds one HTTP request.
	Timeout time.Duration
	// UserAgent is sent with every request and matched against robots.txt.
	UserAgent string
	// MaxBytes bounds a fetched document.
	MaxBytes int64
	// MaxItems bounds the new items published by one poll; the rest wait
	// for the next poll, which comes at once.
	MaxItems int
	// SummaryWords: a feed item without full content whose description
	// has fewer words is fetched from its link and published as HTML.
	SummaryWords int
	// MaxSitemaps is how many sitemaps of a sitemap index are read per
	// poll (those with the newest lastmod).
	MaxSitemaps int
	// Lease is how long a poller owns a source without renewing it; a
	// poller that dies loses its sources after this.
	Lease time.Duration
	// BackoffMax caps the wait after failed polls (the interval doubles
	// with each failure in a row).
	BackoffMax time.Duration
	// SeenTTL is how long a published item is remembered.
	SeenTTL time.Duration
	// Tick is how often due sources are looked for.
	Tick time.Duration
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Concurrency:  16,
		HostDelay:    time.Second,
		Timeout:      30 * time.Second,
		UserAgent:    "newsflow-poller/" + version.Version() + " (+https://github.com/newsflow/newsflow)",
		MaxBytes:     DefaultMaxBytes,
		MaxItems:     200,
		SummaryWords: 150,
		MaxSitemaps:  3,
		Lease:        2 * time.Minute,
		BackoffMax:   6 * time.Hour,
		SeenTTL:      90 * 24 * time.Hour,
		Tick:         time.Second,
	}
}

// RegisterFlags adds the poller's flags to fs, each named prefix+name
// ("" in the poller binary, "poll-" in newsflow up).
func (c *Config) RegisterFlags(fs *flag.FlagSet, prefix string) {
	fs.IntVar(&c.Concurrency, prefix+"concurrency", c.Concurrency, "sources polled at once")
	fs.DurationVar(&c.HostDelay, prefix+"host-delay", c.HostDelay, "pause between two requests to one host (a longer robots.txt Crawl-delay wins, up to 1m)")
	fs.DurationVar(&c.Timeout, prefix+"timeout", c.Timeout, "bound on one HTTP request")
	fs.StringVar(&c.UserAgent, prefix+"user-agent", c.UserAgent, "User-Agent of every request, matched against robots.txt")
	fs.Int64Var(&c.MaxBytes, prefix+"max-bytes", c.MaxBytes, "largest feed, sitemap or page fetched")
	fs.IntVar(&c.MaxItems, prefix+"max-items", c.MaxItems, "most new items one poll publishes (the next poll follows at once)")
	fs.IntVar(&c.SummaryWords, prefix+"summary-words", c.SummaryWords, "a feed item without full content and a shorter description is fetched from its link")
	fs.IntVar(&c.MaxSitemaps, prefix+"max-sitemaps", c.MaxSitemaps, "sitemaps of a sitemap index read per poll (newest lastmod first)")
	fs.DurationVar(&c.Lease, prefix+"lease", c.Lease, "how long a poller owns a source without renewing it (a dead poller's sources move after this)")
	fs.DurationVar(&c.BackoffMax, prefix+"backoff-max", c.BackoffMax, "longest wait after failed polls (the interval doubles per failure in a row)")
	fs.DurationVar(&c.SeenTTL, prefix+"seen-ttl", c.SeenTTL, "how long a published item is remembered, so that it is not published again")
}

// Validate checks the configuration.
func (c Config) Validate() error {
	switch {
	case c.Concurrency < 1:
		return fmt.Errorf("%w: concurrency %d: want at least 1", ErrInvalidConfig, c.Concurrency)
	case c.HostDelay < 0:
		return fmt.Errorf("%w: host delay %s: want 0 or more", ErrInvalidConfig, c.HostDelay)
	case c.Timeout <= 0:
		return fmt.Errorf("%w: timeout %s: want more than 0", ErrInvalidConfig, c.Timeout)
	case c.UserAgent == "":
		return fmt.Errorf("%w: the user agent is empty", ErrInvalidConfig)
	case c.MaxBytes < 1024:
		return fmt.Errorf("%w: max bytes %d: want at least 1024", ErrInvalidConfig, c.MaxBytes)
	case c.MaxItems < 1:
		return fmt.Errorf("%w: max items %d: want at least 1", ErrInvalidConfig, c.MaxItems)
	case c.SummaryWords < 0:
		return fmt.Errorf("%w: summary words %d: want 0 or more", ErrInvalidConfig, c.SummaryWords)
	case c.MaxSitemaps < 1:
		return fmt.Errorf("%w: max sitemaps %d: want at least 1", ErrInvalidConfig, c.MaxSitemaps)
	case c.Lease < time.Second:
		return fmt.Errorf("%w: lease %s: want at least 1s", ErrInvalidConfig, c.Lease)
	case c.BackoffMax < time.Second:
		return fmt.Errorf("%w: backoff max %s: want at least 1s", ErrInvalidConfig, c.BackoffMax)
	case c.SeenTTL < time.Hour:
		return fmt.Errorf("%w: seen ttl %s: want at least 1h (longer than any feed keeps an item)", ErrInvalidConfig, c.SeenTTL)
	case c.Tick <= 0:
		return fmt.Errorf("%w: tick %s: want more than 0", ErrInvalidConfig, c.Tick)
	}
	return nil
}

// Redacted returns c for the start-up log (it holds no secrets).
func (c Config) Redacted() any { return c }
