package pipeline

import (
	"errors"
	"fmt"
	"time"
)

// ErrDuplicate is returned (possibly wrapped) by a handler whose input is an
// exact resubmission of something already processed. The bus acknowledges
// the input and counts it with outcome "duplicate".
var ErrDuplicate = errors.New("duplicate")

// RetryError asks for the input to be delivered again after a delay.
type RetryError struct {
	Err   error
	After time.Duration
}

func (e *RetryError) Error() string { return e.Err.Error() }
func (e *RetryError) Unwrap() error { return e.Err }

// PermanentError marks a failure that no retry can fix: the input goes to the
// dead-letter stream at once.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Retry marks err as transient: deliver the input again after the given
// delay (zero means the bus's backoff decides).
func Retry(err error, after time.Duration) error {
	if err == nil {
		return nil
	}
	return &RetryError{Err: err, After: after}
}

// Permanent marks err as a failure that retrying cannot fix.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &PermanentError{Err: err}
}

// Permanentf is Permanent(fmt.Errorf(format, args...)).
func Permanentf(format string, args ...any) error {
	return Permanent(fmt.Errorf(format, args...))
}

// IsPermanent reports whether err, or an error it wraps, is permanent.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// RetryAfter returns the delay requested by a RetryError in err's chain.
func RetryAfter(err error) (time.Duration, bool) {
	var r *RetryError
	if errors.As(err, &r) {
		return r.After, true
	}
	return 0, false
}

// Backoff returns the delay before delivery attempt number attempt+1:
// base doubled for every earlier attempt, capped at max.
func Backoff(attempt int, base, max time.Duration) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d
}

// ItemError is one bad item of an input that holds several (an NDJSON
// batch, a feed).
type ItemError struct {
	// Index numbers the item within its input, from 1. It names the item
	// on its dead letter and makes the dead letter's id unique.
	Index int
	// Err is why the item is bad.
	Err error
	// Data is the item's own bytes, the payload of its dead letter.
	Data []byte
	// Header is added to the input's headers on the dead letter; may be
	// nil.
	Header Header
}

// BatchError reports the bad items of an input whose other items went on,
// in the spirit of Benthos's service.BatchError. A handler returns it
// beside the outputs of the good items: the bus publishes the outputs,
// dead-letters every bad item on its own (its bytes, its reason), and
// acknowledges the input once all of them are stored. If any of that
// fails, the whole input is delivered again; outputs and dead letters
// carry message ids that make the repeat harmless.
//
// Any other error returned with outputs discards them.
type BatchError struct {
	Items []ItemError
}

// Failed adds a bad item and returns e.
func (e *BatchError) Failed(index int, err error, data []byte, hdr Header) *BatchError {
	e.Items = append(e.Items, ItemError{Index: index, Err: err, Data: data, Header: hdr})
	return e
}

// Err returns e when it holds a bad item, else nil, so that a handler can
// end with `return out, bad.Err()`.
func (e *BatchError) Err() error {
	if e == nil || len(e.Items) == 0 {
		return nil
	}
	return e
}

func (e *BatchError) Error() string {
	switch len(e.Items) {
	case 0:
		return "no bad items"
	case 1:
		return fmt.Sprintf("1 bad item: item %d: %v", e.Items[0].Index, e.Items[0].Err)
	}
	return fmt.Sprintf("%d bad items, the first: item %d: %v", len(e.Items), e.Items[0].Index, e.Items[0].Err)
}

// BadItems returns the bad items err reports when err is, or wraps, a
// BatchError and is neither permanent nor a retry (those fail the whole
// input); ok is false otherwise.
func BadItems(err error) (items []ItemError, ok bool) {
	var be *BatchError
	if !errors.As(err, &be) || IsPermanent(err) {
		return nil, false
	}
	if _, retry := RetryAfter(err); retry {
		return nil, false
	}
	return be.Items, true
}
