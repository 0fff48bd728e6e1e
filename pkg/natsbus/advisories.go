package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/pipeline"
)

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
