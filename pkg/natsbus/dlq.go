package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/pipeline"
)

// Sentinel errors of the dead-letter API.
var (
	// ErrDeadLetterNotFound is returned for a dead-letter id that is not
	// (or no longer) in ARTICLES_DLQ.
	ErrDeadLetterNotFound = errors.New("dead letter not found")
	// ErrNotReplayable is returned for a dead letter without a usable
	// Newsflow-Subject header.
	ErrNotReplayable = errors.New("dead letter cannot be replayed")
)

// DLQEntry is one message of ARTICLES_DLQ.
type DLQEntry struct {
	// ID is the message's sequence in ARTICLES_DLQ; `newsflow dlq show`,
	// `replay` take it.
	ID        uint64      `json:"id"`
	Time      time.Time   `json:"time"`
	Stage     string      `json:"stage"`
	Error     string      `json:"error"`
	Attempts  int         `json:"attempts"`
	Subject   string      `json:"subject"`
	ArticleID string      `json:"article_id,omitempty"`
	MsgID     string      `json:"msg_id,omitempty"`
	Stream    string      `json:"stream,omitempty"`
	StreamSeq uint64      `json:"stream_seq,omitempty"`
	Header    nats.Header `json:"headers,omitempty"`
	Data      []byte      `json:"-"`
}

// MarshalJSON adds the payload: as JSON when it is JSON, else as a string.
func (d DLQEntry) MarshalJSON() ([]byte, error) {
	type plain DLQEntry
	out := struct {
		plain
		Payload       json.RawMessage `json:"payload,omitempty"`
		PayloadText   string          `json:"payload_text,omitempty"`
		PayloadLength int             `json:"payload_bytes"`
	}{plain: plain(d), PayloadLength: len(d.Data)}
	if json.Valid(d.Data) {
		out.Payload = d.Data
	} else {
		out.PayloadText = string(d.Data)
	}
	return json.Marshal(out)
}

func deadLetterFrom(seq uint64, t time.Time, subject string, hdr nats.Header, data []byte) DLQEntry {
	d := DLQEntry{ID: seq, Time: t, Header: hdr, Data: data}
	d.Stage = hdr.Get(HeaderStage)
	if d.Stage == "" {
		d.Stage = lastToken(subject)
	}
	d.Error = hdr.Get(HeaderError)
	d.Attempts, _ = strconv.Atoi(hdr.Get(HeaderAttempts))
	d.Subject = hdr.Get(HeaderSubject)
	d.ArticleID = hdr.Get(pipeline.HeaderArticleID)
	d.MsgID = hdr.Get(HeaderMsgID)
	d.Stream = hdr.Get(HeaderStream)
	d.StreamSeq, _ = strconv.ParseUint(hdr.Get(HeaderStreamSeq), 10, 64)
	return d
}

// DLQ reads and manages ARTICLES_DLQ.
type DLQ struct {
	js jetstream.JetStream
}

// NewDLQ returns the dead-letter API over js.
func NewDLQ(js jetstream.JetStream) *DLQ { return &DLQ{js: js} }

func dlqFilter(stage string) string {
	if stage == "" {
		return SubjectDLQ + ".>"
	}
	return SubjectDLQ + "." + stage
}

// DeadLetterDepth returns the number of dead letters of stage ("" for all).
func DeadLetterDepth(ctx context.Context, js jetstream.JetStream, stage string) (uint64, error) {
	counts, err := NewDLQ(js).Depth(ctx)
	if err != nil {
		return 0, err
	}
	if stage != "" {
		return counts[stage], nil
	}
	var n uint64
	for _, c := range counts {
		n += c
	}
	return n, nil
}

// Depth returns the number of dead letters per stage.
func (d *DLQ) Depth(ctx context.Context) (map[string]uint64, error) {
	s, err := d.js.Stream(ctx, StreamDLQ)
	if err != nil {
		return nil, fmt.Errorf("look up stream %s: %w", StreamDLQ, err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(SubjectDLQ+".>"))
	if err != nil {
		return nil, fmt.Errorf("read stream %s: %w", StreamDLQ, err)
	}
	counts := make(map[string]uint64, len(info.State.Subjects))
	for subj, n := range info.State.Subjects {
		counts[lastToken(subj)] += n
	}
	return counts, nil
}

// List calls fn with every dead letter of stage ("" for every stage), oldest
// first. It stops early when fn returns an error, and returns that error.
func (d *DLQ) List(ctx context.Context, stage string, fn func(DLQEntry) error) error {
	counts, err := d.Depth(ctx)
	if err != nil {
		return err
	}
	total := uint64(0)
	for st, n := range counts {
		if stage == "" || st == stage {
			total += n
		}
	}
	if total == 0 {
		return nil
	}
	c, err := d.js.OrderedConsumer(ctx, StreamDLQ, jetstream.OrderedConsumerConfig{
		FilterSubjects:    []string{dlqFilter(stage)},
		DeliverPolicy:     jetstream.DeliverAllPolicy,
		InactiveThreshold: 10 * time.Second,
	})
	if err != nil {
		return fmt.Errorf("read %s: %w", StreamDLQ, err)
	}
	defer DeleteOrdered(d.js, StreamDLQ, c)
	read := uint64(0)
	for read < total {
		batch, err := c.Fetch(int(min(256, total-read)), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return fmt.Errorf("read %s: %w", StreamDLQ, err)
		}
		n := 0
		last := false
		for m := range batch.Messages() {
			n++
			read++
			meta, err := m.Metadata()
			if err != nil {
				return fmt.Errorf("read %s: %w", StreamDLQ, err)
			}
			if err := fn(deadLetterFrom(meta.Sequence.Stream, meta.Timestamp, m.Subject(), m.Headers(), m.Data())); err != nil {
				return err
			}
			last = meta.NumPending == 0
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			return fmt.Errorf("read %s: %w", StreamDLQ, err)
		}
		if last || n == 0 {
			break
		}
	}
	return ctx.Err()
}

// Get returns one dead letter by id.
func (d *DLQ) Get(ctx context.Context, id uint64) (*DLQEntry, error) {
	s, err := d.js.Stream(ctx, StreamDLQ)
	if err != nil {
		return nil, fmt.Errorf("look up stream %s: %w", StreamDLQ, err)
	}
	m, err := s.GetMsg(ctx, id)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, fmt.Errorf("%w: %d", ErrDeadLetterNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("get dead letter %d: %w", id, err)
	}
	dl := deadLetterFrom(m.Sequence, m.Time, m.Subject, m.Header, m.Data)
	return &dl, nil
}

// Replay sends dead letter id back to the stage it failed in (its
// Newsflow-Subject), with its original payload and headers and a
// Newsflow-Rerun mark, then removes it from ARTICLES_DLQ. It returns the
// subject it was sent to. Replaying the same id twice, concurrently or
// after a crash between the two steps, sends it once.
func (d *DLQ) Replay(ctx context.Context, id uint64) (string, error) {
	dl, err := d.Get(ctx, id)
	if err != nil {
		return "", err
	}
	subject := dl.Subject
	if !replayable(subject) {
		return "", fmt.Errorf("%w: dead letter %d names subject %q, not a stage input (%s.*, %s.*, %s.*)",
			ErrNotReplayable, id, subject, SubjectRaw, SubjectIngested, SubjectEnriched)
	}
	hdr := nats.Header{}
	for k, v := range dl.Header {
		hdr[k] = v
	}
	for _, k := range deadLetterHeaders {
		hdr.Del(k)
	}
	hdr.Del(nats.MsgIdHdr)
	rerun := "dlq-" + strconv.FormatUint(id, 10)
	hdr.Set(pipeline.HeaderRerun, rerun)
	if dl.Stream == StreamRaw && dl.StreamSeq > 0 {
		hdr.Set(pipeline.HeaderRevision, strconv.FormatUint(dl.StreamSeq, 10))
	}
	msg := &nats.Msg{Subject: subject, Data: dl.Data, Header: hdr}
	if _, err := d.js.PublishMsg(ctx, msg, jetstream.WithMsgID("replay:"+rerun)); err != nil {
		return "", fmt.Errorf("replay dead letter %d to %s: %w", id, subject, err)
	}
	if err := d.delete(ctx, id); err != nil {
		return subject, err
	}
	return subject, nil
}

func (d *DLQ) delete(ctx context.Context, id uint64) error {
	s, err := d.js.Stream(ctx, StreamDLQ)
	if err != nil {
		return fmt.Errorf("look up stream %s: %w", StreamDLQ, err)
	}
	err = s.DeleteMsg(ctx, id)
	if err == nil || errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil
	}
	// The server's "no message found" comes back as
	// ErrMsgDeleteUnsuccessful with the reason as text only: a message that
	// is gone (removed by a concurrent replay) is what GetMsg reports as
	// ErrMsgNotFound.
	if _, gerr := s.GetMsg(ctx, id); errors.Is(gerr, jetstream.ErrMsgNotFound) {
		return nil
	}
	return fmt.Errorf("remove dead letter %d: %w", id, err)
}

func replayable(subject string) bool {
	for _, p := range []string{SubjectRaw, SubjectIngested, SubjectEnriched} {
		if tok, ok := strings.CutPrefix(subject, p+"."); ok && ValidToken(tok) {
			return true
		}
	}
	return false
}

// Purge removes the dead letters of stage ("" for every stage) and returns
// how many there were.
func (d *DLQ) Purge(ctx context.Context, stage string) (uint64, error) {
	counts, err := d.Depth(ctx)
	if err != nil {
		return 0, err
	}
	var n uint64
	for st, c := range counts {
		if stage == "" || st == stage {
			n += c
		}
	}
	s, err := d.js.Stream(ctx, StreamDLQ)
	if err != nil {
		return 0, fmt.Errorf("look up stream %s: %w", StreamDLQ, err)
	}
	var opts []jetstream.StreamPurgeOpt
	if stage != "" {
		opts = append(opts, jetstream.WithPurgeSubject(dlqFilter(stage)))
	}
	if err := s.Purge(ctx, opts...); err != nil {
		return 0, fmt.Errorf("purge %s: %w", StreamDLQ, err)
	}
	return n, nil
}

// DeleteOrdered removes the server side of an ordered consumer once its
// reader is done, instead of leaving it to its inactivity threshold.
func DeleteOrdered(js jetstream.JetStream, stream string, c jetstream.Consumer) {
	info := c.CachedInfo()
	if info == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = js.DeleteConsumer(ctx, stream, info.Name)
}
