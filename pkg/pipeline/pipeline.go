// Package pipeline defines the stage contract of newsflow: a Handler turns
// one input message into zero or more output messages, and Middleware wraps
// handlers with cross-cutting behaviour (metrics, timeouts, panic recovery).
//
// Handlers never acknowledge messages and never see subjects: the bus adapter
// (package natsbus) publishes the outputs, acknowledges the input once every
// output is stored, and turns the error into a retry or a dead letter.
package pipeline

import (
	"context"
	"time"
)

// Message is what a handler receives and returns.
type Message struct {
	// ID identifies the message for deduplication: outputs are published
	// with a Nats-Msg-Id derived from it. Set it on every output.
	ID string
	// Source is the publisher token, the last token of the subject.
	Source string
	// Data is the payload.
	Data []byte
	// Header carries metadata. The bus copies trace headers (see
	// HeaderPublishedAt) from the input to the outputs.
	Header Header

	// The fields below are set by the bus on input messages only.

	// Attempt is the delivery attempt, 1 on the first delivery.
	Attempt int
	// Seq is the stream sequence of the input message.
	Seq uint64
	// Stored is when the input message was stored in its stream.
	Stored time.Time
}

// Header names shared by the stages.
const (
	// HeaderPublishedAt carries the time the article entered the pipeline
	// (raw publish), RFC 3339 with nanoseconds, for end-to-end latency.
	HeaderPublishedAt = "Newsflow-Published-At"
	// HeaderContentType carries the media type of a raw submission that is
	// not JSON (text/plain, text/html, application/rss+xml).
	HeaderContentType = "Content-Type"
	// HeaderArticleID carries the article id once ingest has assigned it.
	HeaderArticleID = "Newsflow-Article-Id"
	// HeaderRerun marks a message sent again by `newsflow dlq replay` or
	// `newsflow reprocess`; its value is unique to that rerun. The bus
	// carries it to the outputs and makes their Nats-Msg-Id unique to it,
	// and ingest does not treat a rerun as an exact resubmission.
	HeaderRerun = "Newsflow-Rerun"
	// HeaderRevision carries, on a rerun raw message, the stream sequence
	// of the original submission: ingest uses it as the article's revision,
	// so that rerunning an old version never hides a newer one.
	HeaderRevision = "Newsflow-Revision"
)

// Outcomes of a message, as the bus reports them to its Recorder: the
// values of the outcome label of newsflow_stage_messages_total.
const (
	OutcomeOK        = "ok"
	OutcomeDuplicate = "duplicate"
	OutcomeRetry     = "retry"
	OutcomeDLQ       = "dlq"
)

// Header is message metadata. Keys are case-sensitive, as in NATS.
type Header map[string][]string

// Get returns the first value of key, or "".
func (h Header) Get(key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Set replaces the values of key with value.
func (h Header) Set(key, value string) { h[key] = []string{value} }

// Handler processes one message. Returning no messages and a nil error means
// the input was consumed without output (filtered).
type Handler interface {
	Process(ctx context.Context, msg *Message) ([]*Message, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, msg *Message) ([]*Message, error)

// Process calls f.
func (f HandlerFunc) Process(ctx context.Context, msg *Message) ([]*Message, error) {
	return f(ctx, msg)
}

// Middleware wraps a handler.
type Middleware func(Handler) Handler

// Chain wraps h with mws; the first middleware is the outermost.
func Chain(h Handler, mws ...Middleware) Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}
