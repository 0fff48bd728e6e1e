package natsembed

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// The users of the embedded server, those of deploy/nats/auth.conf: one
// per stage, a producer and an admin.
const (
	UserAdmin    = "admin"
	UserProducer = "producer"
	UserIngest   = "ingest"
	UserEnrich   = "enrich"
	UserIndex    = "index"
	UserWatch    = "watch"
	UserPoller   = "poller"
)

// Users lists every user, admin first.
var Users = []string{UserAdmin, UserProducer, UserIngest, UserEnrich, UserIndex, UserWatch, UserPoller}

// SeedFileExt ends the name of every NKey seed file in a credentials
// directory: <user>.nk, as nsc and the nats CLI name them.
const SeedFileExt = ".nk"

// ErrNoCredentials is returned by LoadCredentials when a directory holds
// no seed of a user.
var ErrNoCredentials = errors.New("no nats credentials")

// Credentials are the NKey seeds of every user, one file each in Dir
// (mode 0600, the directory 0700). The server keeps only the public keys;
// a client proves it holds a seed by signing the server's nonce.
type Credentials struct {
	// Dir holds <user>.nk for every user.
	Dir   string
	pairs map[string]nkeys.KeyPair
}

// LoadOrCreateCredentials reads the seed of every user from dir, creating
// the directory and any seed missing (a fresh user key) first.
func LoadOrCreateCredentials(dir string) (*Credentials, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create nats credentials directory: %w", err)
	}
	// MkdirAll leaves an existing directory's mode alone.
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("nats credentials directory: %w", err)
	}
	for _, u := range Users {
		path := SeedFile(dir, u)
		if _, err := os.Stat(path); err == nil {
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("nats credentials of %s: %w", u, err)
		}
		kp, err := nkeys.CreateUser()
		if err != nil {
			return nil, fmt.Errorf("create nats key of %s: %w", u, err)
		}
		seed, err := kp.Seed()
		if err != nil {
			return nil, err
		}
		if err := writeSecret(path, append(seed, '\n')); err != nil {
			return nil, fmt.Errorf("write nats credentials of %s: %w", u, err)
		}
	}
	return LoadCredentials(dir)
}

// writeSecret writes data to a new file at path, readable by its owner
// only, through a temporary file so that a crash leaves no half seed.
func writeSecret(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// LoadCredentials reads the seed of every user from dir. A seed file that
// others may read is refused, as ssh refuses such a key.
func LoadCredentials(dir string) (*Credentials, error) {
	c := &Credentials{Dir: dir, pairs: map[string]nkeys.KeyPair{}}
	for _, u := range Users {
		path := SeedFile(dir, u)
		st, err := os.Stat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s is missing", ErrNoCredentials, path)
		}
		if err != nil {
			return nil, fmt.Errorf("nats credentials of %s: %w", u, err)
		}
		if st.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("nats credentials %s: mode %v lets others read it; chmod 600 it", path, st.Mode().Perm())
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("nats credentials of %s: %w", u, err)
		}
		kp, err := nkeys.FromSeed([]byte(strings.TrimSpace(string(data))))
		if err != nil {
			return nil, fmt.Errorf("nats credentials %s: not an NKey seed: %w", path, err)
		}
		c.pairs[u] = kp
	}
	return c, nil
}

// SeedFile is the path of user's seed in dir.
func SeedFile(dir, user string) string { return filepath.Join(dir, user+SeedFileExt) }

// File is the path of user's seed file.
func (c *Credentials) File(user string) string { return SeedFile(c.Dir, user) }

// NkeyUsers are the server's users: each public key with its permissions.
func (c *Credentials) NkeyUsers() ([]*server.NkeyUser, error) {
	var users []*server.NkeyUser
	for _, u := range Users {
		pub, err := c.pairs[u].PublicKey()
		if err != nil {
			return nil, fmt.Errorf("nats key of %s: %w", u, err)
		}
		users = append(users, &server.NkeyUser{Nkey: pub, Permissions: Permissions(u)})
	}
	return users, nil
}

// ConnectOptions are the nats.go options to connect as user: its key and
// its own inbox prefix (InboxPrefix), which no other user may read.
func (c *Credentials) ConnectOptions(user string) ([]nats.Option, error) {
	kp, ok := c.pairs[user]
	if !ok {
		return nil, fmt.Errorf("nats credentials: no user %q", user)
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return nil, err
	}
	return []nats.Option{nats.Nkey(pub, kp.Sign), nats.CustomInboxPrefix(InboxPrefix(user))}, nil
}

// InboxPrefix is the reply-subject prefix of user: _INBOX_<stage> for the
// stages, the default _INBOX for the producer and the admin (as in
// deploy/nats/auth.conf).
func InboxPrefix(user string) string {
	switch user {
	case UserIngest, UserEnrich, UserIndex, UserWatch, UserPoller:
		return "_INBOX_" + user
	}
	return nats.InboxPrefix[:len(nats.InboxPrefix)-1]
}

// Permissions are user's permissions, those of deploy/nats/auth.conf
// (cmd/newsflow's TestEmbeddedPermissionsMatchAuthConf keeps them equal);
// nil for the admin, who may do anything.
func Permissions(user string) *server.Permissions {
	var pub []string
	switch user {
	case UserAdmin:
		return nil
	case UserProducer:
		return &server.Permissions{
			Publish: &server.SubjectPermission{Allow: []string{
				"articles.raw.>",
				"$JS.API.STREAM.INFO.ARTICLES_RAW",
				"$JS.API.STREAM.INFO.KV_NEWSFLOW_SEEN",
				"$JS.API.DIRECT.GET.KV_NEWSFLOW_SEEN.>",
			}},
			Subscribe: &server.SubjectPermission{Allow: []string{"_INBOX.>"}},
		}
	case UserIngest:
		pub = append(stagePublish("ARTICLES_RAW", user),
			"$JS.API.INFO")
		pub = append(pub, kvPublish("NEWSFLOW_SEEN")...)
		pub = append(pub, kvPublish("NEWSFLOW_TITLE_AFFIXES")...)
		// --max-backlog counts the later stages' lag too.
		pub = append(pub, "$JS.API.CONSUMER.INFO.ARTICLES.enrich", "$JS.API.CONSUMER.INFO.ARTICLES.index")
		pub = append(pub, "articles.raw.>", "articles.ingested.>", "articles.dlq.ingest")
	case UserEnrich:
		pub = append(stagePublish("ARTICLES", user),
			"$JS.API.INFO")
		pub = append(pub, kvPublish("NEWSFLOW_BOILERPLATE")...)
		pub = append(pub, kvPublish("NEWSFLOW_SIMHASH")...)
		pub = append(pub,
			"$JS.API.CONSUMER.CREATE.KV_NEWSFLOW_SIMHASH",
			"$JS.API.CONSUMER.CREATE.KV_NEWSFLOW_SIMHASH.>",
			"$JS.API.CONSUMER.INFO.KV_NEWSFLOW_SIMHASH.>",
			"$JS.API.CONSUMER.DELETE.KV_NEWSFLOW_SIMHASH.>",
			"$JS.FC.KV_NEWSFLOW_SIMHASH.>")
		pub = append(pub, kvPublish("NEWSFLOW_STORIES")...)
		pub = append(pub,
			"$JS.API.CONSUMER.CREATE.KV_NEWSFLOW_STORIES",
			"$JS.API.CONSUMER.CREATE.KV_NEWSFLOW_STORIES.>",
			"$JS.API.CONSUMER.INFO.KV_NEWSFLOW_STORIES.>",
			"$JS.API.CONSUMER.DELETE.KV_NEWSFLOW_STORIES.>",
			"$JS.FC.KV_NEWSFLOW_STORIES.>",
			"articles.enriched.>", "articles.dlq.enrich")
	case UserIndex:
		pub = append(stagePublish("ARTICLES", user), "articles.indexed.>", "articles.dlq.index")
	case UserWatch:
		// The watch stage on ARTICLES (reading enriched articles by
		// sequence), the webhook stage on ALERTS, the ALERTS stream and the
		// watches' bucket, its own, watched by every replica.
		pub = append(stagePublish("ARTICLES", user), "$JS.API.INFO",
			"$JS.API.STREAM.INFO.ALERTS", "$JS.API.STREAM.CREATE.ALERTS", "$JS.API.STREAM.UPDATE.ALERTS",
			"$JS.API.STREAM.MSG.GET.ALERTS")
		pub = append(pub, consumerPublish("ALERTS", "webhook")...)
		pub = append(pub, consumerPublish("ARTICLES_ADVISORIES", "webhook-max-deliveries")...)
		pub = append(pub, kvPublish("NEWSFLOW_WATCHES")...)
		pub = append(pub,
			"$JS.API.CONSUMER.CREATE.KV_NEWSFLOW_WATCHES",
			"$JS.API.CONSUMER.CREATE.KV_NEWSFLOW_WATCHES.>",
			"$JS.API.CONSUMER.INFO.KV_NEWSFLOW_WATCHES.>",
			"$JS.API.CONSUMER.DELETE.KV_NEWSFLOW_WATCHES.>",
			"$JS.FC.KV_NEWSFLOW_WATCHES.>",
			"alerts.>", "articles.dlq.watch", "articles.dlq.webhook")
	case UserPoller:
		// Readiness and --create-streams=false check the contract's
		// streams, as every stage does.
		pub = []string{"$JS.API.INFO", "$JS.API.STREAM.INFO.ARTICLES_RAW", "$JS.API.STREAM.INFO.ARTICLES",
			"$JS.API.STREAM.INFO.ARTICLES_DLQ", "$JS.API.STREAM.INFO.ARTICLES_ADVISORIES"}
		pub = append(pub, kvPublish("NEWSFLOW_SOURCES")...)
		pub = append(pub, kvPublish("NEWSFLOW_SOURCES_SEEN")...)
		pub = append(pub,
			"$JS.API.CONSUMER.CREATE.KV_NEWSFLOW_SOURCES",
			"$JS.API.CONSUMER.CREATE.KV_NEWSFLOW_SOURCES.>",
			"$JS.API.CONSUMER.INFO.KV_NEWSFLOW_SOURCES.>",
			"$JS.API.CONSUMER.DELETE.KV_NEWSFLOW_SOURCES.>",
			"$JS.FC.KV_NEWSFLOW_SOURCES.>",
			"articles.raw.>")
	default:
		// An unknown user may do nothing.
		return &server.Permissions{Publish: &server.SubjectPermission{Deny: []string{">"}}, Subscribe: &server.SubjectPermission{Deny: []string{">"}}}
	}
	return &server.Permissions{
		Publish:   &server.SubjectPermission{Allow: pub},
		Subscribe: &server.SubjectPermission{Allow: []string{InboxPrefix(user) + ".>"}},
	}
}

// stagePublish is what every stage may publish: readiness and dead-letter
// depth of the contract's streams, its durable consumer on stream and the
// one that turns its max-deliveries advisories into dead letters.
func stagePublish(stream, stage string) []string {
	p := []string{
		"$JS.API.STREAM.INFO.ARTICLES_RAW",
		"$JS.API.STREAM.INFO.ARTICLES",
		"$JS.API.STREAM.INFO.ARTICLES_DLQ",
		"$JS.API.STREAM.INFO.ARTICLES_ADVISORIES",
	}
	p = append(p, consumerPublish(stream, stage)...)
	p = append(p, "$JS.API.STREAM.MSG.GET."+stream)
	return append(p, consumerPublish("ARTICLES_ADVISORIES", stage+"-max-deliveries")...)
}

func consumerPublish(stream, durable string) []string {
	return []string{
		"$JS.API.CONSUMER.CREATE." + stream + "." + durable,
		"$JS.API.CONSUMER.CREATE." + stream + "." + durable + ".>",
		"$JS.API.CONSUMER.INFO." + stream + "." + durable,
		"$JS.API.CONSUMER.MSG.NEXT." + stream + "." + durable,
		"$JS.ACK." + stream + "." + durable + ".>",
	}
}

// kvPublish is what the owner of key-value bucket may publish.
func kvPublish(bucket string) []string {
	s := "KV_" + bucket
	return []string{
		"$JS.API.STREAM.INFO." + s,
		"$JS.API.STREAM.CREATE." + s,
		"$JS.API.STREAM.UPDATE." + s,
		"$JS.API.STREAM.MSG.GET." + s,
		"$JS.API.DIRECT.GET." + s + ".>",
		"$KV." + bucket + ".>",
	}
}
