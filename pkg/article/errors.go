package article

import (
	"errors"
	"fmt"
)

// Error codes carried by FieldError.Code. They appear in HTTP error bodies
// and dead-letter reasons, so they are part of the public contract.
const (
	CodeRequired  = "required"
	CodeInvalid   = "invalid"
	CodeTooLarge  = "too_large"
	CodeWrongType = "wrong_type"
	CodeMalformed = "malformed"
	// CodeConflict: the id belongs to another source.
	CodeConflict = "conflict"
)

// ErrInvalid is wrapped by every validation error of this package.
var ErrInvalid = errors.New("invalid article")

// FieldError names what is wrong with one field of an article.
type FieldError struct {
	// Field is the JSON name of the field, or empty for the whole document.
	Field string
	// Code is one of the Code* constants.
	Code string
	// Message says what is wrong in words a person can act on.
	Message string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("%s: %s: %s", e.Field, e.Code, e.Message)
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Unwrap() error { return ErrInvalid }

func fieldErr(field, code, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)}
}
