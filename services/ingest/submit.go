package ingest

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/natsbus"
)

// ErrUnavailable is wrapped by the error of an article the queue did not
// take (seen-set unreadable, publish failed or unconfirmed): trying again
// later may work.
var ErrUnavailable = errors.New("queue unavailable")

// unavailableError is an ErrUnavailable with a message of its own.
type unavailableError string

func (e unavailableError) Error() string        { return string(e) }
func (e unavailableError) Is(target error) bool { return target == ErrUnavailable }

// SubmitterConfig configures a Submitter.
type SubmitterConfig struct {
	// AllowIDTakeover publishes a version of an id that another source
	// submitted first (see Config); by default it is refused.
	AllowIDTakeover bool
	// SeenBestEffort takes a seen-set that cannot be read for "not seen":
	// the article is published and the ingest stage drops it if it is an
	// exact resubmission. Otherwise the article fails with ErrUnavailable.
	SeenBestEffort bool
	// ConfirmTimeout bounds the wait for the PubAcks of one Submit; zero
	// waits as long as ctx.
	ConfirmTimeout time.Duration
	// DuplicateWindow is the raw stream's Nats-Msg-Id duplicate window
	// (natsbus.Topology.DuplicateWindow; zero: its default, 2m). See
	// SeenSet.Claim.
	DuplicateWindow time.Duration
}

// Submitter publishes prepared articles onto articles.raw.<source>: the one
// raw-publish path of the HTTP API and of `newsflow publish --nats`. It
// claims each version in the seen-set (SeenSet.Claim), answers what the
// seen-set already holds (a duplicate, an id of another source), publishes
// the rest asynchronously with RawMsgID and HeaderSeen, and waits for
// every PubAck. A claim whose publish failed is taken back.
type Submitter struct {
	js   jetstream.JetStream
	seen *SeenSet
	cfg  SubmitterConfig
}

// NewSubmitter returns a submitter on js. seen may be nil (no ingest has
// created it yet): then nothing is answered from it.
func NewSubmitter(js jetstream.JetStream, seen *SeenSet, cfg SubmitterConfig) *Submitter {
	if cfg.DuplicateWindow <= 0 {
		cfg.DuplicateWindow = natsbus.DefaultTopology().DuplicateWindow
	}
	return &Submitter{js: js, seen: seen, cfg: cfg}
}

// Submitted is what became of one submitted article.
type Submitted struct {
	// Status is StatusAccepted, StatusDuplicate or StatusRejected.
	Status string
	// Err is why it was rejected: an id another source owns (an
	// *article.FieldError with code article.CodeConflict) or ErrUnavailable.
	Err error
}

// Submit publishes arts, prepared by intake.Prepare, and returns what
// became of each, in order.
func (s *Submitter) Submit(ctx context.Context, arts []*article.Article) []Submitted {
	res := make([]Submitted, len(arts))
	futures := make([]jetstream.PubAckFuture, len(arts))
	claims := make([]uint64, len(arts)) // revision of each new claim, to take back on failure
	for i, a := range arts {
		claimed, done := s.claim(ctx, a, &res[i], &claims[i])
		if done {
			continue
		}
		data, err := article.Encode(a)
		if err == nil {
			msg := &nats.Msg{Subject: natsbus.RawSubject(a.Source), Data: data}
			if claimed {
				msg.Header = nats.Header{HeaderSeen: []string{a.ContentHash}}
			}
			futures[i], err = s.js.PublishMsgAsync(msg, jetstream.WithMsgID(RawMsgID(a)))
		}
		if err != nil {
			res[i] = Submitted{Status: StatusRejected, Err: publishError(err)}
		}
	}
	var timeout <-chan time.Time
	if s.cfg.ConfirmTimeout > 0 {
		t := time.NewTimer(s.cfg.ConfirmTimeout)
		defer t.Stop()
		timeout = t.C
	}
	for i, f := range futures {
		if f == nil {
			continue
		}
		select {
		case ack := <-f.Ok():
			res[i].Status = StatusAccepted
			if ack.Duplicate {
				res[i].Status = StatusDuplicate
			}
			claims[i] = 0
		case err := <-f.Err():
			res[i] = Submitted{Status: StatusRejected, Err: publishError(err)}
		case <-ctx.Done():
			res[i] = Submitted{Status: StatusRejected, Err: unavailableError("request cancelled before the queue confirmed the article")}
		case <-timeout:
			res[i] = Submitted{Status: StatusRejected, Err: unavailableError("the queue did not confirm the article in time, try again")}
		}
	}
	s.unclaim(ctx, arts, res, claims)
	return res
}

// unclaim takes back the claims of the articles that were not published
// (best effort: a claim left behind makes a retry within the duplicate
// window publish again, and after it answer "duplicate").
func (s *Submitter) unclaim(ctx context.Context, arts []*article.Article, res []Submitted, claims []uint64) {
	for i, rev := range claims {
		if rev == 0 || res[i].Status != StatusRejected {
			continue
		}
		// Not ctx alone: a cancelled request must still take its claims back.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_ = s.seen.Unclaim(uctx, arts[i].ID, rev)
		cancel()
	}
}

// claim claims a in the seen-set when it can: it reports done when r is
// final (a duplicate, a conflict, the seen-set unavailable), and claimed
// when the stage may take the claim for its own record (HeaderSeen); *rev
// is set to the revision of a new claim.
func (s *Submitter) claim(ctx context.Context, a *article.Article, r *Submitted, rev *uint64) (claimed, done bool) {
	if s.seen == nil {
		return false, false
	}
	c, n, err := s.seen.Claim(ctx, SeenVersion{ID: a.ID, Hash: a.ContentHash, Source: a.Source, AnySource: s.cfg.AllowIDTakeover}, s.cfg.DuplicateWindow)
	if fe := conflict(err); fe != nil {
		// Told now; the ingest stage would refuse it too.
		*r = Submitted{Status: StatusRejected, Err: fe}
		return false, true
	}
	switch {
	case err != nil && s.cfg.SeenBestEffort:
		return false, false // the stage records it
	case err != nil:
		*r = Submitted{Status: StatusRejected, Err: unavailableError("the queue is not available, try again: " + err.Error())}
		return false, true
	case c == ClaimDuplicate:
		*r = Submitted{Status: StatusDuplicate}
		return false, true
	}
	*rev = n
	return true, false
}

// publishError names a refused publish: a full stream (its max_msgs or
// max_bytes with discard: new) or any other failure, both worth retrying.
func publishError(err error) error {
	if StreamFull(err) {
		return unavailableError("the queue is full (" + natsbus.StreamRaw + " reached its max_msgs or max_bytes), try again later: " + err.Error())
	}
	return unavailableError("publish failed, try again: " + err.Error())
}

// StreamFull reports whether err is JetStream refusing a message because
// the stream reached a limit with discard: new.
func StreamFull(err error) bool {
	if err == nil {
		return false
	}
	m := err.Error()
	return strings.Contains(m, "maximum messages exceeded") || strings.Contains(m, "maximum bytes exceeded")
}
