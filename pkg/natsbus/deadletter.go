package natsbus

import (
	"context"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// DeadLetter is one dead letter a handler sends on its own: an item of a
// multi-article input that cannot be processed while the others go on.
type DeadLetter struct {
	// Stage is the stage name, the last token of articles.dlq.<stage>.
	Stage string
	// Subject is the subject the input arrived on.
	Subject string
	// Data is the payload to keep (the item's own bytes).
	Data []byte
	// Header is copied onto the dead letter; may be nil.
	Header nats.Header
	// Reason is why the item is dead.
	Reason error
	// Attempts is the delivery attempt of the input.
	Attempts int
	// MsgID makes the dead letter idempotent across redeliveries.
	MsgID string
}

// PublishDeadLetter stores d on articles.dlq.<stage> with the contract's
// reason headers and waits for the stream to confirm it.
func PublishDeadLetter(ctx context.Context, js jetstream.JetStream, d DeadLetter) error {
	hdr := nats.Header{}
	for k, v := range d.Header {
		if k == nats.MsgIdHdr {
			hdr[HeaderMsgID] = v
			continue
		}
		hdr[k] = v
	}
	hdr.Set(HeaderStage, d.Stage)
	hdr.Set(HeaderError, headerSafe(d.Reason.Error(), maxErrorHeader))
	hdr.Set(HeaderAttempts, strconv.Itoa(d.Attempts))
	hdr.Set(HeaderSubject, d.Subject)
	var opts []jetstream.PublishOpt
	if d.MsgID != "" {
		opts = append(opts, jetstream.WithMsgID(d.MsgID))
	}
	if _, err := js.PublishMsg(ctx, &nats.Msg{Subject: SubjectDLQ + "." + d.Stage, Data: d.Data, Header: hdr}, opts...); err != nil {
		return fmt.Errorf("publish dead letter of %s: %w", d.Subject, err)
	}
	return nil
}
