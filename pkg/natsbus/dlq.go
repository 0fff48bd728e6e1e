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
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/pipeline"
)

// Headers newsflow adds besides the contract's dead-letter headers.
const (
	// HeaderStream and HeaderStreamSeq name the stream and sequence the
	// dead-lettered message was read from.
	HeaderStream    = "Newsflow-Stream"
	HeaderStreamSeq = "Newsflow-Stream-Seq"
)

// deadLetterHeaders are the headers a dead letter adds to the original's;
// a replay removes them again.
var deadLetterHeaders = []string{HeaderStage, HeaderError, HeaderAttempts, HeaderSubject, HeaderMsgID, HeaderStream, HeaderStreamSeq}

// Sentinel errors of the dead-letter API.
var (
	// ErrDeadLetterNotFound is returned for a dead-letter id that is not
	// (or no longer) in ARTICLES_DLQ.
	ErrDeadLetterNotFound = errors.New("dead letter not found")
	// ErrNotReplayable is returned for a dead letter without a usable
	// Newsflow-Subject header.
	ErrNotReplayable = errors.New("dead letter cannot be replayed")
)

// deadLetterMsgID is the Nats-Msg-Id of the dead letter of one stream
// message, or of its item number item (from 1; 0 for the whole message):
// the worker and the max-deliveries path use the same id, so within the
// duplicate window a message, or an item, is dead-lettered once.
func deadLetterMsgID(stage, stream string, seq uint64, item int) string {
	id := "dlq:" + stage + ":" + stream + ":" + strconv.FormatUint(seq, 10)
	if item > 0 {
		id += ":" + strconv.Itoa(item)
	}
	return id
}

// deadLetterMsg builds the dead letter of a message read from subject
// (stream, seq) by stage: the original payload and headers, the original
// Nats-Msg-Id as Newsflow-Msg-Id, and the reason headers.
func deadLetterMsg(stage, subject string, orig nats.Header, data []byte, stream string, seq uint64, attempts int, reason string) *nats.Msg {
	hdr := nats.Header{}
	for k, v := range orig {
		if k == nats.MsgIdHdr {
			hdr[HeaderMsgID] = v
			continue
		}
		hdr[k] = v
	}
	hdr.Set(HeaderStage, stage)
	hdr.Set(HeaderError, headerSafe(reason, maxErrorHeader))
	hdr.Set(HeaderAttempts, strconv.Itoa(attempts))
	hdr.Set(HeaderSubject, subject)
	hdr.Set(HeaderStream, stream)
	hdr.Set(HeaderStreamSeq, strconv.FormatUint(seq, 10))
	return &nats.Msg{Subject: SubjectDLQ + "." + stage, Data: data, Header: hdr}
}

// MaxDeliveriesAdvisory is the server's advisory for a message that
// reached its consumer's MaxDeliver without an acknowledgement.
type MaxDeliveriesAdvisory struct {
	Type       string    `json:"type"`
	ID         string    `json:"id"`
	Time       time.Time `json:"timestamp"`
	Stream     string    `json:"stream"`
	Consumer   string    `json:"consumer"`
	StreamSeq  uint64    `json:"stream_seq"`
	Deliveries uint64    `json:"deliveries"`
}

// ErrBadAdvisory is returned by DecodeMaxDeliveriesAdvisory.
var ErrBadAdvisory = errors.New("bad max-deliveries advisory")

// DecodeMaxDeliveriesAdvisory parses an advisory and checks the fields the
// dead-lettering needs.
func DecodeMaxDeliveriesAdvisory(data []byte) (*MaxDeliveriesAdvisory, error) {
	var a MaxDeliveriesAdvisory
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadAdvisory, err)
	}
	switch {
	case a.Stream == "" || a.Consumer == "":
		return nil, fmt.Errorf("%w: no stream or consumer", ErrBadAdvisory)
	case a.StreamSeq == 0:
		return nil, fmt.Errorf("%w: no stream sequence", ErrBadAdvisory)
	}
	return &a, nil
}

// advisorySubject is the max-deliveries advisory subject of a consumer.
func advisorySubject(stream, consumer string) string {
	return SubjectMaxDeliveries + "." + stream + "." + consumer
}

// ExhaustedReason is the Newsflow-Error of a message the server gave up on.
func ExhaustedReason(deliveries uint64) string {
	return fmt.Sprintf("delivery attempts exhausted: delivered %d times without an acknowledgement "+
		"(the worker crashed, was killed, timed out or was stopped while handling it)", deliveries)
}

// runAdvisories dead-letters, until ctx ends, every message of the stage's
// consumer that the server gave up on. The advisories are kept in
// StreamAdvisories and read through a durable consumer shared by the
// stage's replicas, so each is handled once even when no worker was
// running when it was sent; the dead letter's Nats-Msg-Id makes a repeat
// harmless.
func (w *Worker) runAdvisories(ctx context.Context) {
	name := w.cfg.Name + "-max-deliveries"
	cfg := jetstream.ConsumerConfig{
		Durable:       name,
		Description:   "newsflow " + w.cfg.Name + " stage: dead-letters messages that exhausted their deliveries",
		FilterSubject: advisorySubject(w.cfg.Stream, w.cfg.Name),
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       30 * time.Second,
		MaxDeliver:    -1,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}
	wait := 250 * time.Millisecond
	for {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		cons, err := w.js.CreateOrUpdateConsumer(cctx, StreamAdvisories, cfg)
		cancel()
		if err == nil {
			cc, err := cons.Consume(func(m jetstream.Msg) { w.onAdvisory(ctx, m) },
				jetstream.PullMaxMessages(16),
				jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
					w.log.Debug("consume advisories", zap.Error(err))
				}))
			if err == nil {
				select {
				case <-ctx.Done():
					cc.Stop()
					return
				case <-cc.Closed():
				}
			}
		}
		if err != nil && ctx.Err() == nil {
			w.log.Warn("max-deliveries advisories: consumer not ready, retrying", zap.Duration("wait", wait), zap.Error(err))
		}
		if !sleepCtx(ctx, wait) {
			return
		}
		wait = min(wait*2, 5*time.Second)
	}
}

func (w *Worker) onAdvisory(ctx context.Context, m jetstream.Msg) {
	adv, err := DecodeMaxDeliveriesAdvisory(m.Data())
	if err != nil {
		w.log.Error("ignoring undecodable advisory", zap.String("subject", m.Subject()), zap.Error(err))
		_ = m.Term()
		return
	}
	if adv.Stream != w.cfg.Stream || adv.Consumer != w.cfg.Name {
		_ = m.Ack()
		return
	}
	actx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := w.deadLetterExhausted(actx, adv); err != nil {
		meta, _ := m.Metadata()
		attempt := 1
		if meta != nil {
			attempt = int(meta.NumDelivered)
		}
		w.log.Warn("dead-lettering an exhausted message failed, will retry",
			zap.Uint64("stream_seq", adv.StreamSeq), zap.Error(err))
		_ = m.NakWithDelay(min(time.Duration(attempt)*time.Second, 30*time.Second))
		return
	}
	_ = m.Ack()
}

// deadLetterExhausted fetches the message an advisory names from the
// stage's input stream and dead-letters it.
func (w *Worker) deadLetterExhausted(ctx context.Context, adv *MaxDeliveriesAdvisory) error {
	log := w.log.With(zap.Uint64("stream_seq", adv.StreamSeq), zap.Int("attempt", int(adv.Deliveries)))
	stream, err := w.js.Stream(ctx, adv.Stream)
	if err != nil {
		return fmt.Errorf("look up stream %s: %w", adv.Stream, err)
	}
	raw, err := stream.GetMsg(ctx, adv.StreamSeq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		log.Error("message exhausted its deliveries but is no longer in its stream (removed by a limit); it cannot be dead-lettered",
			zap.String("stream", adv.Stream))
		return nil
	}
	if err != nil {
		return fmt.Errorf("get message %d of %s: %w", adv.StreamSeq, adv.Stream, err)
	}
	reason := ExhaustedReason(adv.Deliveries)
	dl := deadLetterMsg(w.cfg.Name, raw.Subject, raw.Header, raw.Data, adv.Stream, adv.StreamSeq, int(adv.Deliveries), reason)
	ack, err := w.js.PublishMsg(ctx, dl, jetstream.WithMsgID(deadLetterMsgID(w.cfg.Name, adv.Stream, adv.StreamSeq, 0)))
	if err != nil {
		return fmt.Errorf("publish dead letter: %w", err)
	}
	if ack.Duplicate {
		log.Info("exhausted message was already dead-lettered")
		return nil
	}
	log.Error("message dead-lettered", zap.String("subject", raw.Subject),
		zap.String("article_id", raw.Header.Get(pipeline.HeaderArticleID)), zap.String("dlq_subject", w.dlq), zap.String("reason", reason))
	w.rec.Outcome(pipeline.OutcomeDLQ)
	return nil
}

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
