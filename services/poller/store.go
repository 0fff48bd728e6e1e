package poller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/article"
)

// The key-value buckets of the poller.
const (
	// SourcesBucket holds one entry per source: what to poll and how the
	// last polls went (key: the source name).
	SourcesBucket = "NEWSFLOW_SOURCES"
	// SeenBucket holds the items each source has published (key:
	// <source>.<hash of the item's id or URL>), so that an item a feed or
	// sitemap still lists is never published again, long after the
	// stream's duplicate window.
	SeenBucket = "NEWSFLOW_SOURCES_SEEN"
)

// Kind is what a source serves.
type Kind string

// Kinds of sources.
const (
	// KindFeed is RSS, Atom or JSON Feed.
	KindFeed Kind = "feed"
	// KindSitemap is a sitemap (with or without the news extension).
	KindSitemap Kind = "sitemap"
	// KindSitemapIndex is a sitemap index: its newest sitemaps are read.
	KindSitemapIndex Kind = "sitemap_index"
)

// Statuses of a source (State.Status).
const (
	StatusNew         = "new"
	StatusOK          = "ok"
	StatusNotModified = "not_modified"
	StatusError       = "error"
	StatusDisallowed  = "disallowed"
)

// ErrNotFound is returned by Store.Get and Store.Remove for a source that
// does not exist.
var ErrNotFound = errors.New("no such source")

// ErrExists is returned by Store.Add for a name already taken.
var ErrExists = errors.New("source exists")

// ErrInvalidSource is wrapped by Source.Validate's errors.
var ErrInvalidSource = errors.New("invalid source")

// Source is one polled feed or sitemap, as kept in SourcesBucket.
type Source struct {
	Name     string    `json:"name"`
	URL      string    `json:"url"`
	Kind     Kind      `json:"kind"`
	Interval Duration  `json:"interval"`
	AddedAt  time.Time `json:"added_at"`
	// Site is the page the feed was discovered from, when it was.
	Site  string `json:"site,omitempty"`
	State State  `json:"state"`
}

// State is how the polls of a source went; the poller that owns the
// source writes it.
type State struct {
	Status      string    `json:"status"`
	LastFetch   time.Time `json:"last_fetch,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	// Error is the last poll's error ("" after a clean poll).
	Error string `json:"error,omitempty"`
	// ItemsSeen counts the items published so far.
	ItemsSeen int64 `json:"items_seen"`
	// Errors counts failed polls; Failures the failed polls in a row.
	Errors   int64     `json:"errors"`
	Failures int       `json:"failures"`
	NextDue  time.Time `json:"next_due,omitzero"`
	// The validators of the last complete poll, for a conditional GET.
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	// Owner is the poller that holds the source until LeaseUntil.
	Owner      string    `json:"owner,omitempty"`
	LeaseUntil time.Time `json:"lease_until,omitzero"`
}

// Duration is a time.Duration written as "5m0s" in JSON.
type Duration time.Duration

// MarshalJSON writes d as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("interval: %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("interval: %w", err)
	}
	*d = Duration(v)
	return nil
}

// MinInterval is the shortest interval between polls of a source.
const MinInterval = time.Second

// Validate checks a source before it is stored.
func (s Source) Validate() error {
	switch {
	case s.Name == "" || article.SourceToken(s.Name) != s.Name || len(s.Name) > 128:
		return fmt.Errorf("%w: name %q: use lower-case letters, digits, '-' and '_' (e.g. %q)", ErrInvalidSource, s.Name, article.SourceToken(s.Name))
	case s.Kind != KindFeed && s.Kind != KindSitemap && s.Kind != KindSitemapIndex:
		return fmt.Errorf("%w: kind %q: want feed, sitemap or sitemap_index", ErrInvalidSource, s.Kind)
	case time.Duration(s.Interval) < MinInterval:
		return fmt.Errorf("%w: interval %s: want at least %s", ErrInvalidSource, time.Duration(s.Interval), MinInterval)
	}
	if _, err := absURL(s.URL); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSource, err)
	}
	return nil
}

// Store is the sources and seen-set buckets.
type Store struct {
	kv   jetstream.KeyValue
	seen jetstream.KeyValue
}

// StoreConfig sizes the buckets.
type StoreConfig struct {
	// Replicas of each bucket (3 in a cluster).
	Replicas int
	// SeenTTL is how long an item stays in the seen-set.
	SeenTTL time.Duration
}

// OpenStore creates or opens both buckets.
func OpenStore(ctx context.Context, js jetstream.JetStream, cfg StoreConfig) (*Store, error) {
	r := max(cfg.Replicas, 1)
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: SourcesBucket, Description: "feeds and sitemaps polled by the poller, with the state of their polls",
		History: 1, Storage: jetstream.FileStorage, Replicas: r,
	})
	if err != nil {
		return nil, fmt.Errorf("open key-value bucket %s: %w", SourcesBucket, err)
	}
	seen, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: SeenBucket, Description: "items each polled source has published (source.hash -> item id or url)",
		History: 1, TTL: cfg.SeenTTL, Storage: jetstream.FileStorage, Replicas: r,
	})
	if err != nil {
		return nil, fmt.Errorf("open key-value bucket %s: %w", SeenBucket, err)
	}
	return &Store{kv: kv, seen: seen}, nil
}

// Add stores a new source; ErrExists when the name is taken.
func (s *Store) Add(ctx context.Context, src Source) error {
	if err := src.Validate(); err != nil {
		return err
	}
	if src.State.Status == "" {
		src.State.Status = StatusNew
	}
	data, err := json.Marshal(src)
	if err != nil {
		return err
	}
	if _, err := s.kv.Create(ctx, src.Name, data); err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) {
			return fmt.Errorf("%w: %s (remove it first)", ErrExists, src.Name)
		}
		return fmt.Errorf("add source %s: %w", src.Name, err)
	}
	return nil
}

// Remove deletes a source; ErrNotFound when there is none. The items it
// published stay in the seen-set until they expire, so adding it again
// does not publish them again.
func (s *Store) Remove(ctx context.Context, name string) error {
	if _, err := s.Get(ctx, name); err != nil {
		return err
	}
	if err := s.kv.Purge(ctx, name); err != nil {
		return fmt.Errorf("remove source %s: %w", name, err)
	}
	return nil
}

// Get reads one source.
func (s *Store) Get(ctx context.Context, name string) (Source, error) {
	src, _, err := s.get(ctx, name)
	return src, err
}

func (s *Store) get(ctx context.Context, name string) (Source, uint64, error) {
	e, err := s.kv.Get(ctx, name)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrInvalidKey) {
		return Source{}, 0, fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	if err != nil {
		return Source{}, 0, fmt.Errorf("read source %s: %w", name, err)
	}
	src, err := decodeSource(e.Value())
	if err != nil {
		return Source{}, 0, fmt.Errorf("source %s: %w", name, err)
	}
	return src, e.Revision(), nil
}

func decodeSource(b []byte) (Source, error) {
	var src Source
	if err := json.Unmarshal(b, &src); err != nil {
		return Source{}, fmt.Errorf("decode source: %w", err)
	}
	return src, nil
}

// List reads every source, by name.
func (s *Store) List(ctx context.Context) ([]Source, error) {
	lister, err := s.kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	var names []string
	for k := range lister.Keys() {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]Source, 0, len(names))
	for _, n := range names {
		src, err := s.Get(ctx, n)
		if errors.Is(err, ErrNotFound) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, src)
	}
	return out, nil
}

// update writes src over revision rev; jetstream.ErrKeyExists (wrong
// last sequence) when another writer came first.
func (s *Store) update(ctx context.Context, src Source, rev uint64) (uint64, error) {
	data, err := json.Marshal(src)
	if err != nil {
		return 0, err
	}
	return s.kv.Update(ctx, src.Name, data, rev)
}

// seenKey is the seen-set key of an item of source.
func seenKey(source, item string) string {
	h := sha256.Sum256([]byte(item))
	return source + "." + hex.EncodeToString(h[:16])
}

// Seen reports whether source has published item.
func (s *Store) Seen(ctx context.Context, source, item string) (bool, error) {
	_, err := s.seen.Get(ctx, seenKey(source, item))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return false, nil
	}
	return false, fmt.Errorf("read seen-set of %s: %w", source, err)
}

// MarkSeen records that source published item.
func (s *Store) MarkSeen(ctx context.Context, source, item string) error {
	if _, err := s.seen.Put(ctx, seenKey(source, item), []byte(item)); err != nil {
		return fmt.Errorf("write seen-set of %s: %w", source, err)
	}
	return nil
}

// LookupStore opens the sources bucket for the command line, creating it
// with replicas when no poller has yet; it never changes an existing
// bucket. The seen-set is not opened (Seen and MarkSeen are the poller's).
func LookupStore(ctx context.Context, js jetstream.JetStream, replicas int) (*Store, error) {
	kv, err := js.KeyValue(ctx, SourcesBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: SourcesBucket, Description: "feeds and sitemaps polled by the poller, with the state of their polls",
			History: 1, Storage: jetstream.FileStorage, Replicas: max(replicas, 1),
		})
	}
	if err != nil {
		return nil, fmt.Errorf("open key-value bucket %s: %w", SourcesBucket, err)
	}
	return &Store{kv: kv}, nil
}
