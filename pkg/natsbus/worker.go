package natsbus

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/pipeline"
)

// Recorder receives what a worker did with each message and the state of
// its consumer. telemetry.StageMetrics implements it.
type Recorder interface {
	Outcome(outcome string)
	ConsumerInfo(pending, ackPending, redelivered uint64)
}

// StageConfig configures one stage's durable pull consumer and its worker.
type StageConfig struct {
	// Name is the stage name: the durable consumer name, the dead-letter
	// subject token and the metric label.
	Name string
	// Stream and FilterSubject select the input.
	Stream        string
	FilterSubject string
	// Output is the subject prefix of the outputs; an output goes to
	// Output.<source>. Empty means the handler must not return outputs.
	Output string
	// AckWait is how long the server waits for an ack before redelivering.
	// Slow handlers send InProgress heartbeats at half of it.
	AckWait time.Duration
	// HandlerTimeout bounds one handler call in a stage built by NewStage
	// (pipeline.Timeout); zero means AckWait. A stage whose handlers wait
	// for a shared write (the index's batches) sets it longer: heartbeats
	// keep the message while it waits, and a batch slower than AckWait
	// (a starved machine) no longer sends every article in it back for
	// redelivery and, after MaxDeliver, to the dead-letter stream.
	HandlerTimeout time.Duration
	// MaxDeliver bounds delivery attempts; after the last one a retryable
	// failure becomes a dead letter.
	MaxDeliver int
	// MaxAckPending bounds the messages delivered and not yet acknowledged
	// across all replicas.
	MaxAckPending int
	// Concurrency is the number of messages this replica handles at once.
	Concurrency int
	// PullBatch is how many messages the client keeps buffered.
	PullBatch int
	// PullMaxBytes bounds the bytes one pull request may return, so that
	// large messages (NDJSON batches, 1 MiB articles) cannot pile up beyond
	// the server's per-client pending limit (64 MiB by default) and get the
	// connection cut as a slow consumer. It is raised to the server's
	// largest message when that is bigger.
	PullMaxBytes int
	// BackoffBase and BackoffMax bound the delay before a redelivery after
	// a retryable failure: base doubled per attempt, capped at max.
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// ShutdownGrace is how long in-flight work may take to finish after
	// the context is cancelled; what is left is handed back to the server.
	ShutdownGrace time.Duration
	// InfoInterval is how often the consumer's state is read for metrics.
	InfoInterval time.Duration
	// DeliverPolicy is where a new durable consumer starts: the zero value
	// is the whole stream; the watch stage starts at new messages, so that
	// its first start does not alert on a week of old articles.
	DeliverPolicy jetstream.DeliverPolicy
}

// DefaultStageConfig returns the defaults for a stage reading stream and
// filter and publishing to output.
func DefaultStageConfig(name, stream, filter, output string) StageConfig {
	return StageConfig{
		Name:          name,
		Stream:        stream,
		FilterSubject: filter,
		Output:        output,
		AckWait:       30 * time.Second,
		MaxDeliver:    5,
		MaxAckPending: 2048,
		Concurrency:   256,
		PullBatch:     512,
		PullMaxBytes:  32 << 20,
		BackoffBase:   time.Second,
		BackoffMax:    time.Minute,
		ShutdownGrace: 20 * time.Second,
		InfoInterval:  5 * time.Second,
	}
}

// Validate checks the configuration.
func (c StageConfig) Validate() error {
	switch {
	case !ValidToken(c.Name):
		return fmt.Errorf("%w: stage name %q is not a subject token", ErrInvalidConfig, c.Name)
	case c.Stream == "" || c.FilterSubject == "":
		return fmt.Errorf("%w: stage %s needs a stream and a filter subject", ErrInvalidConfig, c.Name)
	case c.AckWait < time.Second:
		return fmt.Errorf("%w: stage %s: --ack-wait must be at least 1s, got %s", ErrInvalidConfig, c.Name, c.AckWait)
	case c.MaxDeliver < 1:
		return fmt.Errorf("%w: stage %s: --max-deliver must be at least 1, got %d", ErrInvalidConfig, c.Name, c.MaxDeliver)
	case c.Concurrency < 1:
		return fmt.Errorf("%w: stage %s: --concurrency must be at least 1, got %d", ErrInvalidConfig, c.Name, c.Concurrency)
	case c.MaxAckPending < c.Concurrency:
		return fmt.Errorf("%w: stage %s: --max-ack-pending (%d) must be at least --concurrency (%d)", ErrInvalidConfig, c.Name, c.MaxAckPending, c.Concurrency)
	case c.PullMaxBytes < 1<<20:
		return fmt.Errorf("%w: stage %s: --pull-max-bytes must be at least 1 MiB, got %d", ErrInvalidConfig, c.Name, c.PullMaxBytes)
	case c.PullBatch < 1:
		return fmt.Errorf("%w: stage %s: --pull-batch must be at least 1, got %d", ErrInvalidConfig, c.Name, c.PullBatch)
	case c.BackoffBase <= 0 || c.BackoffMax < c.BackoffBase:
		return fmt.Errorf("%w: stage %s: --backoff-base (%s) must be positive and at most --backoff-max (%s)", ErrInvalidConfig, c.Name, c.BackoffBase, c.BackoffMax)
	}
	return nil
}

func (c StageConfig) consumerConfig() jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:       c.Name,
		Description:   "newsflow " + c.Name + " stage",
		FilterSubject: c.FilterSubject,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       c.AckWait,
		MaxDeliver:    c.MaxDeliver,
		MaxAckPending: c.MaxAckPending,
		DeliverPolicy: c.DeliverPolicy,
		MaxWaiting:    512,
	}
}

// Worker runs a handler as one replica of a stage.
type Worker struct {
	js  jetstream.JetStream
	cfg StageConfig
	h   pipeline.Handler
	log *zap.Logger
	rec Recorder
	dlq string
	out string // last token of Output, the Nats-Msg-Id namespace
}

// NewWorker returns a worker for cfg. rec may be nil.
func NewWorker(js jetstream.JetStream, cfg StageConfig, h pipeline.Handler, log *zap.Logger, rec Recorder) (*Worker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if rec == nil {
		rec = nopRecorder{}
	}
	return &Worker{
		js: js, cfg: cfg, h: h, rec: rec,
		log: log.With(zap.String("stage", cfg.Name)),
		dlq: SubjectDLQ + "." + cfg.Name,
		out: lastToken(cfg.Output),
	}, nil
}

// EnsureConsumer creates or updates the stage's durable consumer.
func (w *Worker) EnsureConsumer(ctx context.Context) (jetstream.Consumer, error) {
	c, err := w.js.CreateOrUpdateConsumer(ctx, w.cfg.Stream, w.cfg.consumerConfig())
	if err != nil {
		return nil, fmt.Errorf("create or update consumer %s on %s: %w", w.cfg.Name, w.cfg.Stream, err)
	}
	return c, nil
}

// pullMaxBytes is the configured bound, raised to the server's largest
// message when that is bigger: a message larger than a pull request's byte
// limit could never be delivered and would stall the consumer.
func (w *Worker) pullMaxBytes() int {
	if mp := int(w.js.Conn().MaxPayload()); mp > w.cfg.PullMaxBytes {
		return mp
	}
	return w.cfg.PullMaxBytes
}

// Run consumes until ctx is cancelled. Then it stops fetching, hands
// messages that were fetched but not started back to the server, lets
// in-flight messages finish within the shutdown grace period, hands the
// rest back, and returns nil.
//
// Run survives NATS restarts and network blips: the client reconnects and
// resumes pulling; a consumer that disappeared (deleted by an operator, or
// lost with a memory-backed server) is created again. Alongside the stage
// it dead-letters the messages the server gave up on after MaxDeliver
// deliveries without an acknowledgement (see StreamAdvisories).
func (w *Worker) Run(ctx context.Context) error {
	// Handlers run on a context that outlives ctx by the grace period.
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()

	sem := make(chan struct{}, w.cfg.Concurrency)
	var wg sync.WaitGroup
	onMsg := func(m jetstream.Msg) {
		if ctx.Err() != nil && w.handBack(m) {
			return
		}
		select {
		case sem <- struct{}{}:
		default:
			// Every slot is busy (perhaps holding messages while a store
			// cannot take writes): keep this one from being redelivered
			// while it waits.
			stopBeat := w.heartbeat(m)
			select {
			case sem <- struct{}{}:
				stopBeat()
			case <-ctx.Done():
				stopBeat()
				// Shutdown began while this message waited for a slot.
				if w.handBack(m) {
					return
				}
				sem <- struct{}{}
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			w.handle(workCtx, m)
		}()
	}
	missing := make(chan struct{}, 1)
	// The info poller and the advisory consumer live as long as Run.
	bgCtx, stopBG := context.WithCancel(ctx)
	var bg sync.WaitGroup
	defer func() {
		stopBG()
		bg.Wait()
	}()
	started := false
	wait := 250 * time.Millisecond
	for {
		cons, err := w.ensureConsumerRetry(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			w.shutdown(nil, &wg, cancelWork)
			return err
		}
		cc, err := cons.Consume(onMsg,
			jetstream.PullMaxMessagesWithBytesLimit(w.cfg.PullBatch, w.pullMaxBytes()),
			jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
				if errors.Is(err, jetstream.ErrNoHeartbeat) || errors.Is(err, nats.ErrConnectionClosed) {
					w.log.Debug("consume", zap.Error(err))
					return
				}
				w.log.Warn("consume error", zap.Error(err))
			}))
		if err != nil {
			w.log.Warn("consume failed, retrying", zap.Duration("wait", wait), zap.Error(err))
			if !sleepCtx(ctx, wait) {
				break
			}
			wait = min(wait*2, 5*time.Second)
			continue
		}
		if !started {
			started = true
			w.log.Info("stage started", zap.String("stream", w.cfg.Stream), zap.String("subject", w.cfg.FilterSubject),
				zap.Int("concurrency", w.cfg.Concurrency), zap.Int("max_deliver", w.cfg.MaxDeliver),
				zap.Duration("ack_wait", w.cfg.AckWait))
			bg.Add(2)
			go func() {
				defer bg.Done()
				w.pollInfo(bgCtx, missing)
			}()
			go func() {
				defer bg.Done()
				w.runAdvisories(bgCtx)
			}()
		}
		if stopped := w.watch(ctx, cc, missing); stopped {
			w.shutdown(cc, &wg, cancelWork)
			w.log.Info("stage stopped")
			return nil
		}
		if !sleepCtx(ctx, wait) {
			break
		}
		wait = min(wait*2, 5*time.Second)
	}
	// ctx ended while (re)creating the consumer: finish what is in flight.
	w.shutdown(nil, &wg, cancelWork)
	w.log.Info("stage stopped")
	return nil
}

// watch waits while cc consumes. It returns true when ctx ends, false when
// consuming stopped or the consumer is gone (then cc is stopped and the
// caller creates the consumer again). A consumer created again starts from
// the beginning of its stream: what the old one had acknowledged is handled
// again, idempotently, rather than anything being skipped.
func (w *Worker) watch(ctx context.Context, cc jetstream.ConsumeContext, missing <-chan struct{}) bool {
	for {
		select {
		case <-ctx.Done():
			return true
		case <-cc.Closed():
			w.log.Warn("consuming stopped (was the consumer deleted?); creating it again", zap.String("consumer", w.cfg.Name))
			return false
		case <-missing:
			// The signal may predate the consumer this consume runs on:
			// look again before tearing down a healthy consume (its buffered
			// messages would wait AckWait).
			lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, err := w.js.Consumer(lctx, w.cfg.Stream, w.cfg.Name)
			cancel()
			if !errors.Is(err, jetstream.ErrConsumerNotFound) {
				continue
			}
			w.log.Warn("consumer is missing; creating it again", zap.String("consumer", w.cfg.Name))
			cc.Stop()
			return false
		}
	}
}

// shutdown stops fetching, waits for in-flight messages up to the grace
// period, then cancels the handlers so that they hand their messages back.
func (w *Worker) shutdown(cc jetstream.ConsumeContext, wg *sync.WaitGroup, cancelWork context.CancelFunc) {
	done := make(chan struct{})
	go func() {
		if cc != nil {
			cc.Drain()
			<-cc.Closed()
		}
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(w.cfg.ShutdownGrace):
		w.log.Warn("shutdown grace period over, handing in-flight messages back", zap.Duration("grace", w.cfg.ShutdownGrace))
		cancelWork()
		if cc != nil {
			cc.Stop()
		}
		<-done
	}
}

// handBack returns a message fetched during shutdown to the server at once,
// so that another replica takes it without waiting for AckWait. A message
// on its last delivery is handled instead: handing it back would exhaust
// its deliveries.
func (w *Worker) handBack(m jetstream.Msg) bool {
	meta, err := m.Metadata()
	if err != nil || int(meta.NumDelivered) >= w.cfg.MaxDeliver {
		return false
	}
	if err := m.Nak(); err != nil {
		w.log.Debug("hand back on shutdown", zap.Uint64("stream_seq", meta.Sequence.Stream), zap.Error(err))
	}
	return true
}

// ensureConsumerRetry creates or updates the stage's consumer, retrying
// while NATS is unreachable. It fails at once on a configuration the
// server rejects.
func (w *Worker) ensureConsumerRetry(ctx context.Context) (jetstream.Consumer, error) {
	wait := 250 * time.Millisecond
	for {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		c, err := w.EnsureConsumer(cctx)
		cancel()
		if err == nil {
			return c, nil
		}
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && apiErr.Code == 400 {
			return nil, err
		}
		w.log.Warn("create consumer failed, retrying", zap.Duration("wait", wait), zap.Error(err))
		if !sleepCtx(ctx, wait) {
			return nil, fmt.Errorf("create consumer %s: %w", w.cfg.Name, ctx.Err())
		}
		wait = min(wait*2, 5*time.Second)
	}
}

// sleepCtx waits d or until ctx ends; it reports whether d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// DeadLetterRecorder is implemented by recorders that also show the depth
// of the stage's dead-letter subject (telemetry.StageMetrics does).
type DeadLetterRecorder interface {
	DeadLetters(n uint64)
}

// pollInfo reads the consumer's state (and the stage's dead-letter depth)
// every InfoInterval for the recorder. It signals missing when the
// consumer no longer exists.
func (w *Worker) pollInfo(ctx context.Context, missing chan<- struct{}) {
	interval := w.cfg.InfoInterval
	if interval <= 0 {
		interval = 5 * time.Second
	}
	dr, wantDLQ := w.rec.(DeadLetterRecorder)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		ictx, cancel := context.WithTimeout(ctx, 5*time.Second)
		c, err := w.js.Consumer(ictx, w.cfg.Stream, w.cfg.Name)
		switch {
		case err == nil:
			info := c.CachedInfo()
			w.rec.ConsumerInfo(info.NumPending, uint64(info.NumAckPending), uint64(info.NumRedelivered))
		case errors.Is(err, jetstream.ErrConsumerNotFound):
			select {
			case missing <- struct{}{}:
			default:
			}
		case ctx.Err() == nil:
			w.log.Debug("read consumer info", zap.Error(err))
		}
		if wantDLQ {
			if n, err := DeadLetterDepth(ictx, w.js, w.cfg.Name); err == nil {
				dr.DeadLetters(n)
			} else if ctx.Err() == nil {
				w.log.Debug("read dead-letter depth", zap.Error(err))
			}
		}
		cancel()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (w *Worker) handle(ctx context.Context, m jetstream.Msg) {
	meta, err := m.Metadata()
	if err != nil {
		w.log.Error("message without jetstream metadata", zap.String("subject", m.Subject()), zap.Error(err))
		_ = m.Term()
		return
	}
	in := &pipeline.Message{
		ID:      m.Headers().Get(nats.MsgIdHdr),
		Source:  lastToken(m.Subject()),
		Data:    m.Data(),
		Header:  pipeline.Header(m.Headers()),
		Attempt: int(meta.NumDelivered),
		Seq:     meta.Sequence.Stream,
		Stored:  meta.Timestamp,
	}
	if in.Header == nil {
		in.Header = pipeline.Header{}
	}
	if in.Header.Get(pipeline.HeaderPublishedAt) == "" {
		in.Header.Set(pipeline.HeaderPublishedAt, meta.Timestamp.UTC().Format(time.RFC3339Nano))
	}

	// The heartbeat runs until the message is settled: while a store
	// cannot take writes the message is held here, not handed back, so
	// that waiting for storage uses up none of its deliveries.
	stopBeat := w.heartbeat(m)
	defer stopBeat()

	var out []*pipeline.Message
	var herr error
	log := func() *zap.Logger {
		id := in.Header.Get(pipeline.HeaderArticleID)
		for _, o := range out {
			if id != "" {
				break
			}
			id = o.Header.Get(pipeline.HeaderArticleID)
		}
		return w.log.With(zap.String("article_id", id), zap.String("subject", m.Subject()),
			zap.Uint64("stream_seq", meta.Sequence.Stream), zap.Int("attempt", in.Attempt))
	}
	for held := 1; ; held++ {
		out, herr = w.h.Process(ctx, in)
		var bad []pipeline.ItemError
		if items, ok := pipeline.BadItems(herr); ok {
			bad, herr = items, nil
		}
		if herr == nil {
			dup, perr := w.publish(ctx, m, meta, in, out, bad)
			if perr == nil {
				if err := m.Ack(); err != nil {
					log().Warn("ack failed; the message will be redelivered", zap.Error(err))
				}
				for _, it := range bad {
					w.log.Warn("item dead-lettered", zap.String("subject", m.Subject()), zap.Uint64("stream_seq", meta.Sequence.Stream),
						zap.Int("attempt", in.Attempt), zap.Int("item", it.Index), zap.String("dlq_subject", w.dlq), zap.Error(it.Err))
				}
				if dup {
					w.rec.Outcome(pipeline.OutcomeDuplicate)
				} else {
					w.rec.Outcome(pipeline.OutcomeOK)
				}
				return
			}
			if pipeline.IsPermanent(perr) {
				herr = perr
			} else if isPayloadTooLarge(perr) {
				herr = pipeline.Permanent(fmt.Errorf("publish downstream: %w", perr))
			} else {
				// Not the message's fault: the bus did not store it.
				herr = fmt.Errorf("publish downstream: %w: %w", ErrStorageUnavailable, perr)
			}
		}
		if ctx.Err() != nil || pipeline.IsPermanent(herr) || errors.Is(herr, pipeline.ErrDuplicate) || !IsStorageFailure(herr) {
			break
		}
		if !w.holdForStorage(ctx, held, log, herr) {
			break
		}
	}

	switch {
	case errors.Is(herr, pipeline.ErrDuplicate):
		if err := m.Ack(); err != nil {
			log().Warn("ack failed; the message will be redelivered", zap.Error(err))
		}
		w.rec.Outcome(pipeline.OutcomeDuplicate)
	case ctx.Err() != nil:
		// Shutting down past the grace period: hand the message back. On
		// its last delivery the server gives up on it and the
		// max-deliveries advisory dead-letters it.
		_ = m.Nak()
		w.rec.Outcome(pipeline.OutcomeRetry)
	case pipeline.IsPermanent(herr) || in.Attempt >= w.cfg.MaxDeliver:
		w.deadLetter(ctx, m, meta, in, herr, log())
	default:
		delay, ok := pipeline.RetryAfter(herr)
		if !ok || delay <= 0 {
			delay = pipeline.Backoff(in.Attempt, w.cfg.BackoffBase, w.cfg.BackoffMax)
		}
		log().Warn("handler failed, will retry", zap.Duration("delay", delay), zap.Error(herr))
		if err := m.NakWithDelay(delay); err != nil {
			log().Warn("nak failed; the message will be redelivered after ack wait", zap.Error(err))
		}
		w.rec.Outcome(pipeline.OutcomeRetry)
	}
}

// maxStorageWait caps the wait between attempts at a held message, so that
// the pipeline resumes within seconds of the store taking writes again.
const maxStorageWait = 5 * time.Second

// holdForStorage waits before the held-th attempt at a message whose
// store could not take writes, and reports whether to try again (false
// once ctx ends). The message stays delivered to this worker (its
// heartbeat keeps it so), which is what keeps a full disk from turning
// into dead letters.
func (w *Worker) holdForStorage(ctx context.Context, held int, log func() *zap.Logger, err error) bool {
	delay := min(pipeline.Backoff(held, w.cfg.BackoffBase, w.cfg.BackoffMax), maxStorageWait)
	if held == 1 || held%10 == 0 {
		log().Warn("storage cannot take writes; holding the message and retrying",
			zap.Int("held", held), zap.Duration("delay", delay), zap.Error(err))
	}
	w.rec.Outcome(pipeline.OutcomeRetry)
	if sr, ok := w.rec.(StorageRecorder); ok {
		sr.StorageWait()
	}
	return sleepCtx(ctx, delay)
}

// heartbeat sends InProgress every half AckWait until the returned func is
// called, so that slow work is not redelivered while it runs.
func (w *Worker) heartbeat(m jetstream.Msg) func() {
	every := w.cfg.AckWait / 2
	var mu sync.Mutex
	stopped := false
	var t *time.Timer
	// t is set under mu: the callback reads it under mu.
	mu.Lock()
	t = time.AfterFunc(every, func() {
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			return
		}
		_ = m.InProgress()
		t.Reset(every)
	})
	mu.Unlock()
	return func() {
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		t.Stop()
	}
}

// publish sends the outputs and the dead letters of the bad items, and
// waits for every PubAck. It reports whether every output was a duplicate
// the stream had already stored.
func (w *Worker) publish(ctx context.Context, m jetstream.Msg, meta *jetstream.MsgMetadata, in *pipeline.Message, out []*pipeline.Message, bad []pipeline.ItemError) (bool, error) {
	if len(out) == 0 && len(bad) == 0 {
		return false, nil
	}
	if len(out) > 0 && w.cfg.Output == "" {
		return false, pipeline.Permanentf("stage %s has no output subject but its handler returned %d messages", w.cfg.Name, len(out))
	}
	futures := make([]jetstream.PubAckFuture, 0, len(out)+len(bad))
	for _, o := range out {
		source := o.Source
		if source == "" {
			source = in.Source
		}
		if !ValidToken(source) {
			return false, pipeline.Permanentf("output source %q is not a valid subject token", source)
		}
		hdr := nats.Header{}
		for k, v := range o.Header {
			hdr[k] = v
		}
		if hdr.Get(pipeline.HeaderPublishedAt) == "" {
			hdr.Set(pipeline.HeaderPublishedAt, in.Header.Get(pipeline.HeaderPublishedAt))
		}
		hdr.Del(nats.MsgIdHdr)
		msgID := o.ID
		if rerun := in.Header.Get(pipeline.HeaderRerun); rerun != "" {
			// A replay or reprocessing run: the outputs carry the mark on,
			// and their ids differ from the first run's, so that the
			// streams' duplicate windows do not swallow them.
			hdr.Set(pipeline.HeaderRerun, rerun)
			if msgID != "" {
				msgID += ":rerun:" + rerun
			}
		}
		msg := &nats.Msg{Subject: w.cfg.Output + "." + source, Data: o.Data, Header: hdr}
		var opts []jetstream.PublishOpt
		if msgID != "" {
			opts = append(opts, jetstream.WithMsgID(w.out+":"+msgID))
		}
		f, err := w.js.PublishMsgAsync(msg, opts...)
		if err != nil {
			return false, err
		}
		futures = append(futures, f)
	}
	for _, it := range bad {
		if it.Index < 1 {
			return false, pipeline.Permanentf("stage %s: bad item numbered %d, want 1 or more", w.cfg.Name, it.Index)
		}
		hdr := nats.Header{}
		for k, v := range m.Headers() {
			hdr[k] = v
		}
		for k, v := range it.Header {
			hdr[k] = v
		}
		dl := deadLetterMsg(w.cfg.Name, m.Subject(), hdr, it.Data, meta.Stream, meta.Sequence.Stream, in.Attempt, it.Err.Error())
		f, err := w.js.PublishMsgAsync(dl, jetstream.WithMsgID(deadLetterMsgID(w.cfg.Name, meta.Stream, meta.Sequence.Stream, it.Index)))
		if err != nil {
			return false, fmt.Errorf("dead-letter item %d: %w", it.Index, err)
		}
		futures = append(futures, f)
	}
	allDup := len(out) > 0
	for i, f := range futures {
		select {
		case ack := <-f.Ok():
			if i < len(out) && !ack.Duplicate {
				allDup = false
			}
		case err := <-f.Err():
			return false, err
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
	return allDup, nil
}

func (w *Worker) deadLetter(ctx context.Context, m jetstream.Msg, meta *jetstream.MsgMetadata, in *pipeline.Message, cause error, log *zap.Logger) {
	dl := deadLetterMsg(w.cfg.Name, m.Subject(), m.Headers(), m.Data(), meta.Stream, meta.Sequence.Stream, in.Attempt, cause.Error())
	var err error
	for held := 1; ; held++ {
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err = w.js.PublishMsg(pctx, dl, jetstream.WithMsgID(deadLetterMsgID(w.cfg.Name, meta.Stream, meta.Sequence.Stream, 0)))
		cancel()
		// A dead letter the bus cannot store is held like any message:
		// handing it back on its last delivery would lose it.
		if err == nil || !IsStorageFailure(err) || ctx.Err() != nil ||
			!w.holdForStorage(ctx, held, func() *zap.Logger { return log }, fmt.Errorf("publish dead letter: %w", err)) {
			break
		}
	}
	if err != nil {
		log.Error("dead letter publish failed; the message will be redelivered", zap.NamedError("cause", cause), zap.Error(err))
		_ = m.NakWithDelay(pipeline.Backoff(in.Attempt, w.cfg.BackoffBase, w.cfg.BackoffMax))
		w.rec.Outcome(pipeline.OutcomeRetry)
		return
	}
	if err := m.Term(); err != nil {
		log.Warn("term failed after dead letter", zap.Error(err))
	}
	log.Error("message dead-lettered", zap.String("dlq_subject", w.dlq), zap.Error(cause))
	w.rec.Outcome(pipeline.OutcomeDLQ)
}

type nopRecorder struct{}

func (nopRecorder) Outcome(string)                      {}
func (nopRecorder) ConsumerInfo(uint64, uint64, uint64) {}
