package ingest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/natsbus"
)

// SeenBucket is the key-value bucket of article versions already ingested,
// shared by every ingest replica and the HTTP API.
const SeenBucket = "NEWSFLOW_SEEN"

// SeenSet remembers, per article id, the content hash of the last version
// ingested, the raw stream sequence it came from and the source that owns
// the id.
type SeenSet struct {
	kv jetstream.KeyValue
}

// OpenSeenSet creates or opens the seen-set bucket; entries expire after ttl.
func OpenSeenSet(ctx context.Context, js jetstream.JetStream, ttl time.Duration, replicas int) (*SeenSet, error) {
	if replicas < 1 {
		replicas = 1
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      SeenBucket,
		Description: "article versions already ingested (id -> content hash, raw sequence, owning source)",
		History:     1,
		TTL:         ttl,
		Storage:     jetstream.FileStorage,
		Replicas:    replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("open key-value bucket %s: %w", SeenBucket, err)
	}
	return &SeenSet{kv: kv}, nil
}

// LookupSeenSet opens the seen-set bucket that ingest created, without
// changing its configuration (for clients such as newsflow publish).
func LookupSeenSet(ctx context.Context, js jetstream.JetStream) (*SeenSet, error) {
	kv, err := js.KeyValue(ctx, SeenBucket)
	if err != nil {
		return nil, fmt.Errorf("open key-value bucket %s: %w", SeenBucket, err)
	}
	return &SeenSet{kv: kv}, nil
}

// ErrOtherSource is returned by Record and Check when the article id
// belongs to another source (see SeenSet).
var ErrOtherSource = errors.New("article id belongs to another source")

// SeenEntry is what the seen-set holds for one article id.
type SeenEntry struct {
	// Hash is the content hash of the last version ingested.
	Hash string
	// Seq is the raw stream sequence that carried it.
	Seq uint64
	// Source owns the id: the source of its first version (empty in
	// entries written before sources were kept).
	Source string
}

func seenValue(e SeenEntry) []byte {
	return []byte(e.Hash + " " + strconv.FormatUint(e.Seq, 10) + " " + e.Source)
}

func parseSeen(v []byte) SeenEntry {
	h, rest, _ := strings.Cut(string(v), " ")
	s, src, _ := strings.Cut(rest, " ")
	seq, _ := strconv.ParseUint(s, 10, 64)
	return SeenEntry{Hash: h, Seq: seq, Source: src}
}

// Lookup returns the entry of id, and false when there is none.
func (s *SeenSet) Lookup(ctx context.Context, id string) (SeenEntry, bool, error) {
	sctx, classify, cancel := natsbus.StoreContext(ctx)
	defer cancel()
	e, err := s.kv.Get(sctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return SeenEntry{}, false, nil
	}
	if err != nil {
		return SeenEntry{}, false, fmt.Errorf("seen-set lookup %s: %w", id, classify(err))
	}
	return parseSeen(e.Value()), true, nil
}

// Contains reports whether this exact version (id and content hash) was
// already ingested.
func (s *SeenSet) Contains(ctx context.Context, id, hash string) (bool, error) {
	e, ok, err := s.Lookup(ctx, id)
	return ok && e.Hash == hash, err
}

// SeenVersion is one version of an article as ingest records it.
type SeenVersion struct {
	ID, Hash, Source string
	// Seq is the raw stream sequence carrying the version.
	Seq uint64
	// AnySource lets this version take over an id that another source
	// owns (ingest's --allow-id-takeover); the id then belongs to Source.
	AnySource bool
}

// ownerConflict returns ErrOtherSource (wrapped, naming the owner) when e,
// the seen-set entry of v's id, belongs to another source and v may not
// take it over; else nil.
func ownerConflict(v SeenVersion, e SeenEntry) error {
	if v.AnySource || e.Source == "" || e.Source == v.Source {
		return nil
	}
	return fmt.Errorf("%w: id %q was first submitted by source %q, not %q (give this article its own id, or run ingest with --allow-id-takeover)",
		ErrOtherSource, v.ID, e.Source, v.Source)
}

// Check returns ErrOtherSource (wrapped) when v's id belongs to another
// source, without recording anything: for reruns, which are never
// duplicates but may not take an id over either.
func (s *SeenSet) Check(ctx context.Context, v SeenVersion) error {
	e, ok, err := s.Lookup(ctx, v.ID)
	if err != nil || !ok {
		return err
	}
	return ownerConflict(v, e)
}

// Claimed reports whether an HTTP edge claimed version v (SeenSet.Claim)
// and v's source may have it: the entry holds v.Hash with sequence 0 and
// the id is v.Source's (or v.AnySource).
func (s *SeenSet) Claimed(ctx context.Context, v SeenVersion) (bool, error) {
	e, ok, err := s.Lookup(ctx, v.ID)
	if err != nil || !ok {
		return false, err
	}
	return e.Seq == 0 && e.Hash == v.Hash && ownerConflict(v, e) == nil, nil
}

// Record notes that the raw message v.Seq carries version v.Hash of
// article v.ID. It reports true when another raw message already carried
// that version: the caller has an exact resubmission. A redelivery of the
// same raw message is not a duplicate, so a crash between Record and the
// downstream publish loses nothing.
//
// An id belongs to the source of its first version for as long as the
// entry lives (the bucket's TTL, counted from the last version): a new
// version from another source is refused with ErrOtherSource (wrapped)
// unless v.AnySource.
func (s *SeenSet) Record(ctx context.Context, v SeenVersion) (_ bool, err error) {
	if !article.ValidID(v.ID) {
		return false, fmt.Errorf("seen-set: invalid id %q", v.ID)
	}
	ctx, classify, cancel := natsbus.StoreContext(ctx)
	defer cancel()
	defer func() { err = classify(err) }()
	for attempt := 0; attempt < 5; attempt++ {
		// Most articles are new: try to create the key first, so that a new
		// article costs one round trip. The server's compare-and-set makes
		// exactly one of two racing replicas win.
		_, err := s.kv.Create(ctx, v.ID, seenValue(SeenEntry{Hash: v.Hash, Seq: v.Seq, Source: v.Source}))
		if err == nil {
			return false, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return false, fmt.Errorf("seen-set create %s: %w", v.ID, err)
		}
		kve, err := s.kv.Get(ctx, v.ID)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			continue // expired or deleted in between: create again
		case err != nil:
			return false, fmt.Errorf("seen-set lookup %s: %w", v.ID, err)
		}
		e := parseSeen(kve.Value())
		if err := ownerConflict(v, e); err != nil {
			return false, err
		}
		if e.Hash == v.Hash {
			return e.Seq != v.Seq, nil
		}
		// A new version of the article: take it over. The owner stays
		// (or, for an old entry without one, becomes this source).
		owner := e.Source
		if owner == "" || v.AnySource {
			owner = v.Source
		}
		_, err = s.kv.Update(ctx, v.ID, seenValue(SeenEntry{Hash: v.Hash, Seq: v.Seq, Source: owner}), kve.Revision())
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("seen-set update %s: %w", v.ID, err)
		}
		return false, nil
	}
	return false, fmt.Errorf("seen-set %s: too many concurrent updates", v.ID)
}

// HeaderSeen marks a raw message whose article version the HTTP edge
// already recorded in the seen-set (SeenSet.Claim) before publishing it;
// its value is that version's content hash. The ingest stage then takes
// the edge's decision instead of recording the version a second time.
const HeaderSeen = "Newsflow-Seen"

// Claim is what SeenSet.Claim found.
type Claim int

const (
	// ClaimNew: the version was recorded for this submission (a new id or
	// a new version of one); publish it with HeaderSeen.
	ClaimNew Claim = iota
	// ClaimDuplicate: another raw message already carried this version.
	ClaimDuplicate
	// ClaimPending: an edge claimed this version earlier and whether its
	// publish landed is not known here: publish it again with the same
	// RawMsgID, and the stream's duplicate window tells.
	ClaimPending
)

// Claim records version v (v.Seq is ignored) for a submission about to be
// published with HeaderSeen: one key-value create for a new article, where
// a lookup at the edge and a create in the stage took two. The entry's
// sequence is 0 (claimed by an edge); the stage does not touch it when the
// message arrives. An earlier edge claim of the same version is
// ClaimPending while younger than window (the raw stream's duplicate
// window), ClaimDuplicate after it. Ownership is checked as in Record.
//
// Unclaim takes a claim back when its publish failed.
func (s *SeenSet) Claim(ctx context.Context, v SeenVersion, window time.Duration) (_ Claim, rev uint64, err error) {
	if !article.ValidID(v.ID) {
		return 0, 0, fmt.Errorf("seen-set: invalid id %q", v.ID)
	}
	ctx, classify, cancel := natsbus.StoreContext(ctx)
	defer cancel()
	defer func() { err = classify(err) }()
	for attempt := 0; attempt < 5; attempt++ {
		rev, err := s.kv.Create(ctx, v.ID, seenValue(SeenEntry{Hash: v.Hash, Source: v.Source}))
		if err == nil {
			return ClaimNew, rev, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return 0, 0, fmt.Errorf("seen-set create %s: %w", v.ID, err)
		}
		kve, err := s.kv.Get(ctx, v.ID)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			continue
		case err != nil:
			return 0, 0, fmt.Errorf("seen-set lookup %s: %w", v.ID, err)
		}
		e := parseSeen(kve.Value())
		if err := ownerConflict(v, e); err != nil {
			return 0, 0, err
		}
		if e.Hash == v.Hash {
			if e.Seq == 0 && time.Since(kve.Created()) < window {
				return ClaimPending, 0, nil
			}
			return ClaimDuplicate, 0, nil
		}
		owner := e.Source
		if owner == "" || v.AnySource {
			owner = v.Source
		}
		rev, err = s.kv.Update(ctx, v.ID, seenValue(SeenEntry{Hash: v.Hash, Source: owner}), kve.Revision())
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			continue
		}
		if err != nil {
			return 0, 0, fmt.Errorf("seen-set update %s: %w", v.ID, err)
		}
		return ClaimNew, rev, nil
	}
	return 0, 0, fmt.Errorf("seen-set %s: too many concurrent updates", v.ID)
}

// Unclaim deletes the entry of id written by Claim at revision rev, unless
// it changed since: its publish failed, and a retry must not be taken for
// a duplicate.
func (s *SeenSet) Unclaim(ctx context.Context, id string, rev uint64) error {
	ctx, classify, cancel := natsbus.StoreContext(ctx)
	defer cancel()
	if err := s.kv.Delete(ctx, id, jetstream.LastRevision(rev)); err != nil {
		return fmt.Errorf("seen-set unclaim %s: %w", id, classify(err))
	}
	return nil
}

// RawMsgID is the Nats-Msg-Id of a raw submission of a prepared article:
// the same version submitted twice within the duplicate window is stored
// once.
func RawMsgID(a *article.Article) string { return "raw:" + a.ID + ":" + a.ContentHash }
