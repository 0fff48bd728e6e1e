package article

import "math"

// MaxRevision is the largest revision a stored article may carry: 2^53-1,
// the largest integer a JSON reader with float64 numbers (JavaScript) reads
// exactly. A revision is a stream sequence, which never comes near it; an
// absurd one (2^62) would make every later version look older and so
// never be indexed.
const MaxRevision = 1<<53 - 1

// ValidateStored checks an article as a stage consumes it from the bus (an
// ingested or an enriched article): the input rules of Validate, which
// ingest applied before publishing it, and a plausible revision. A stage
// dead-letters an article that fails it instead of processing it, so that
// a message injected on the bus behind ingest's back (a javascript: URL, a
// missing id, a 1 MB tag) is never indexed. The body's size is not checked
// here (ingest's --max-body-bytes may be raised; the bus's max payload
// bounds it). Errors are *FieldError values wrapping ErrInvalid.
func ValidateStored(a *Article) error {
	c := *a
	if c.Body == "" {
		// An enriched article may carry its text as clean_body only.
		c.Body = a.CleanBody
	}
	if err := Validate(&c, Limits{MaxBodyBytes: math.MaxInt}); err != nil {
		return err
	}
	if a.Revision > MaxRevision {
		return fieldErr("revision", CodeInvalid, "revision %d is over %d: not a stream sequence", a.Revision, uint64(MaxRevision))
	}
	return nil
}
