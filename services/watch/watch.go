// Package watch is the watch worker of newsflow: saved searches (watches)
// kept in the NEWSFLOW_WATCHES key-value bucket, matched in memory against
// every article announced on articles.indexed.>, with an alert on
// alerts.<watch> (stream ALERTS) for each match and, where a watch has a
// webhook, a signed HTTP POST driven from the ALERTS stream.
package watch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/search"
	"github.com/newsflow/newsflow/pkg/search/analysis"
)

// Bucket is the key-value bucket of the watches, one key per watch name.
const Bucket = "NEWSFLOW_WATCHES"

// MaxNameBytes bounds a watch name.
const MaxNameBytes = 64

var (
	// ErrNotFound is returned for a watch that does not exist.
	ErrNotFound = errors.New("watch not found")
	// ErrExists is returned by Store.Create for a name already taken.
	ErrExists = errors.New("watch exists")
	// ErrInvalid wraps every error in a watch a person wrote.
	ErrInvalid = errors.New("invalid watch")
)

// Watch is a saved search.
type Watch struct {
	Name string `json:"name"`
	// Query is in the search query language (docs/search.md).
	Query string `json:"query"`
	// Filters as in /v1/search: an article must match one value of each.
	Langs     []string `json:"lang,omitempty"`
	Sources   []string `json:"source,omitempty"`
	Entities  []string `json:"entity,omitempty"`
	EntityIDs []string `json:"entity_id,omitempty"`
	// Subject is the last token of the alert subject, alerts.<subject>;
	// empty means the watch's name.
	Subject string `json:"subject,omitempty"`
	// Webhook, when set, receives every alert as a signed POST.
	Webhook string `json:"webhook,omitempty"`
	// Secret keys the HMAC-SHA256 signature of webhook bodies. Never
	// shown by the API or the CLI (SecretSet says whether there is one).
	Secret    string    `json:"secret,omitempty"`
	SecretSet bool      `json:"secret_set,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Revision is the key-value revision of this version (set on read).
	Revision uint64 `json:"revision,omitempty"`
}

// AlertSubject is the subject of the watch's alerts.
func (w *Watch) AlertSubject() string { return natsbus.SubjectAlerts + "." + w.subjectToken() }

func (w *Watch) subjectToken() string {
	if w.Subject != "" {
		return w.Subject
	}
	return w.Name
}

// SearchQuery is the watch as a search query (for Compile and for
// running it against the index).
func (w *Watch) SearchQuery() search.Query {
	return search.Query{Text: w.Query, Langs: w.Langs, Sources: w.Sources, Entities: w.Entities, EntityIDs: w.EntityIDs}
}

// Redacted returns a copy without the secret, for showing.
func (w Watch) Redacted() Watch {
	w.SecretSet = w.Secret != ""
	w.Secret = ""
	return w
}

// FieldError is a bad field of a watch; it wraps ErrInvalid, and the
// query's own parse error when the query is bad.
type FieldError struct {
	Field string
	Msg   string
	Err   error
}

func (e *FieldError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("invalid watch: %s: %v", e.Field, e.Err)
	}
	return fmt.Sprintf("invalid watch: %s %s", e.Field, e.Msg)
}

// Unwrap returns ErrInvalid and the cause.
func (e *FieldError) Unwrap() []error { return []error{ErrInvalid, e.Err} }

// ValidName reports why name cannot name a watch, or nil: 1 to 64 ASCII
// letters, digits, '-' or '_' (a subject token and a key).
func ValidName(name string) error {
	if name == "" {
		return errors.New("is empty")
	}
	if len(name) > MaxNameBytes {
		return fmt.Errorf("is %d bytes long, the limit is %d", len(name), MaxNameBytes)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("%q has %q: use letters, digits, - and _", name, string(rune(c)))
		}
	}
	return nil
}

// Validate checks w and compiles its query with set; the error names the
// field and, for a bad query, carries the parser's message.
func (w *Watch) Validate(set *analysis.Set) (*search.Compiled, error) {
	if err := ValidName(w.Name); err != nil {
		return nil, &FieldError{Field: "name", Msg: err.Error()}
	}
	if w.Subject != "" {
		if err := ValidName(w.Subject); err != nil {
			return nil, &FieldError{Field: "subject", Msg: err.Error()}
		}
	}
	if strings.TrimSpace(w.Query) == "" {
		return nil, &FieldError{Field: "query", Msg: "is empty (use * to match every article)"}
	}
	if w.Webhook != "" {
		u, err := url.Parse(w.Webhook)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, &FieldError{Field: "webhook", Msg: fmt.Sprintf("%q is not an http:// or https:// URL", w.Webhook)}
		}
	}
	if w.Secret != "" && w.Webhook == "" {
		return nil, &FieldError{Field: "secret", Msg: "is set without a webhook"}
	}
	c, err := search.Compile(set, w.SearchQuery())
	if err != nil {
		return nil, &FieldError{Field: "query", Err: err}
	}
	return c, nil
}

// Store keeps the watches in the NEWSFLOW_WATCHES bucket.
type Store struct {
	kv jetstream.KeyValue
}

// OpenStore creates the bucket (or updates it) with replicas copies and
// returns the store.
func OpenStore(ctx context.Context, js jetstream.JetStream, replicas int) (*Store, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      Bucket,
		Description: "newsflow saved searches (watches), one key per name",
		History:     5,
		Replicas:    max(replicas, 1),
		Storage:     jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("open key-value bucket %s: %w", Bucket, err)
	}
	return &Store{kv: kv}, nil
}

// NewStore returns the store over an open bucket.
func NewStore(kv jetstream.KeyValue) *Store { return &Store{kv: kv} }

// Create stores a new watch; ErrExists when the name is taken.
func (s *Store) Create(ctx context.Context, w *Watch) error {
	data, err := json.Marshal(w)
	if err != nil {
		return err
	}
	rev, err := s.kv.Create(ctx, w.Name, data)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return fmt.Errorf("%w: %s (remove it first, or replace it)", ErrExists, w.Name)
	}
	if err != nil {
		return fmt.Errorf("store watch %s: %w", w.Name, err)
	}
	w.Revision = rev
	return nil
}

// Put stores w, replacing any watch of the same name.
func (s *Store) Put(ctx context.Context, w *Watch) error {
	data, err := json.Marshal(w)
	if err != nil {
		return err
	}
	rev, err := s.kv.Put(ctx, w.Name, data)
	if err != nil {
		return fmt.Errorf("store watch %s: %w", w.Name, err)
	}
	w.Revision = rev
	return nil
}

// Get returns the watch name, or ErrNotFound.
func (s *Store) Get(ctx context.Context, name string) (*Watch, error) {
	if ValidName(name) != nil {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	e, err := s.kv.Get(ctx, name)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	if err != nil {
		return nil, fmt.Errorf("read watch %s: %w", name, err)
	}
	return decode(e)
}

func decode(e jetstream.KeyValueEntry) (*Watch, error) {
	var w Watch
	if err := json.Unmarshal(e.Value(), &w); err != nil {
		return nil, fmt.Errorf("decode watch %s: %w", e.Key(), err)
	}
	w.Name = e.Key()
	w.Revision = e.Revision()
	return &w, nil
}

// List returns every watch, by name.
func (s *Store) List(ctx context.Context) ([]*Watch, error) {
	lister, err := s.kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list watches: %w", err)
	}
	var out []*Watch
	for k := range lister.Keys() {
		w, err := s.Get(ctx, k)
		if errors.Is(err, ErrNotFound) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Delete removes the watch name; ErrNotFound when there is none.
func (s *Store) Delete(ctx context.Context, name string) error {
	if _, err := s.Get(ctx, name); err != nil {
		return err
	}
	if err := s.kv.Delete(ctx, name); err != nil {
		return fmt.Errorf("remove watch %s: %w", name, err)
	}
	return nil
}
