package article

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	// A drop-in for encoding/json at about half its CPU: the article codec
	// runs at least twice per article per stage.
	json "github.com/goccy/go-json"
)

// DefaultMaxBodyBytes is the default limit on the size of a body.
const DefaultMaxBodyBytes = 1 << 20

// DefaultMaxHTMLBytes is the default limit on the size of an html page:
// real news pages of 1-5 MB are common, most of it inline scripts.
const DefaultMaxHTMLBytes = 16 << 20

// input mirrors the accepted JSON input; published_at is a string so that a
// bad date is reported with its field name.
type input struct {
	ID           string   `json:"id"`
	Source       string   `json:"source"`
	URL          string   `json:"url"`
	URLOriginal  string   `json:"url_original"`
	Title        string   `json:"title"`
	Body         string   `json:"body"`
	HTML         string   `json:"html"`
	PublishedAt  string   `json:"published_at"`
	Lang         string   `json:"lang"`
	Authors      []string `json:"authors"`
	Tags         []string `json:"tags"`
	Image        string   `json:"image"`
	ImageCaption string   `json:"image_caption"`
	// Set by ingest, kept when an article is prepared again.
	Warnings []string `json:"warnings"`
}

func (in *input) hasReplacementChar() bool {
	const rc = "\uFFFD"
	for _, s := range []string{in.ID, in.Source, in.URL, in.URLOriginal, in.Title, in.Image, in.ImageCaption, in.Body, in.HTML, in.PublishedAt, in.Lang} {
		if strings.Contains(s, rc) {
			return true
		}
	}
	for _, l := range [][]string{in.Authors, in.Tags, in.Warnings} {
		for _, s := range l {
			if strings.Contains(s, rc) {
				return true
			}
		}
	}
	return false
}

// DecodeInput parses one JSON article as a producer sends it. It checks the
// JSON shape and types only; call Validate after Normalize for the rules.
// Errors are *FieldError values wrapping ErrInvalid.
func DecodeInput(data []byte) (*Article, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var in input
	if err := json.Unmarshal(data, &in); err != nil {
		if !utf8.Valid(data) {
			return nil, fieldErr("", CodeInvalid, "JSON must be UTF-8: invalid byte sequence at byte %d", invalidUTF8At(data))
		}
		return nil, jsonError(err)
	}
	// The decoder turns invalid UTF-8 into U+FFFD; only then is the whole
	// document checked (most are valid, and checking is not free).
	if in.hasReplacementChar() && !utf8.Valid(data) {
		return nil, fieldErr("", CodeInvalid, "JSON must be UTF-8: invalid byte sequence at byte %d", invalidUTF8At(data))
	}
	a := &Article{
		ID: in.ID, Source: in.Source, URL: in.URL, URLOriginal: in.URLOriginal, Title: in.Title, Body: in.Body,
		HTML: in.HTML, Lang: in.Lang, Authors: in.Authors, Tags: in.Tags, Warnings: in.Warnings,
		Image: in.Image, ImageCaption: in.ImageCaption,
	}
	if s := strings.TrimSpace(in.PublishedAt); s != "" {
		t, err := ParseTime(s)
		if err != nil {
			return nil, fieldErr("published_at", CodeInvalid, "%q is not a time: use RFC 3339 (2026-11-25T14:05:00+02:00); RFC 1123, \"25.11.2026 14:05\" and dates with month names are read too", s)
		}
		a.PublishedAt = t
	}
	return a, nil
}

// Decode parses an article as it travels between stages.
func Decode(data []byte) (*Article, error) {
	var a Article
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, jsonError(err)
	}
	return &a, nil
}

// Encode returns the JSON form of a.
func Encode(a *Article) ([]byte, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("encode article %s: %w", a.ID, err)
	}
	return b, nil
}

func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fieldErr(te.Field, CodeWrongType, "expected %s, got JSON %s", goTypeName(te.Type.String()), te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fieldErr("", CodeMalformed, "invalid JSON at byte %d: %v", se.Offset, se)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fieldErr("", CodeMalformed, "empty or truncated JSON document")
	}
	return fieldErr("", CodeMalformed, "invalid JSON: %v", err)
}

func goTypeName(t string) string {
	switch t {
	case "string":
		return "a string"
	case "[]string":
		return "an array of strings"
	case "article.input":
		return "a JSON object"
	}
	return t
}

// invalidUTF8At returns the offset of the first invalid UTF-8 sequence.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}
