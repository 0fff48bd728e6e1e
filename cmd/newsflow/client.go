package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// defaultURL is where `newsflow up` serves its API.
const defaultURL = "http://127.0.0.1:8080"

// apiClient talks to the newsflow HTTP API.
type apiClient struct {
	base  string
	token string
	http  *http.Client
	retry retryPolicy
}

// retryPolicy says how often and how long a request answered 503 or 429
// (or whose connection was reset) is sent again: every submission is
// idempotent (a resubmitted article is a duplicate), so is every read.
type retryPolicy struct {
	// Retries is the most times a request is sent again.
	Retries int
	// MaxWait bounds one wait, whatever Retry-After asks.
	MaxWait time.Duration
	// sleep waits d or until ctx is done (tests replace it).
	sleep func(ctx context.Context, d time.Duration) error
}

func defaultRetryPolicy() retryPolicy {
	return retryPolicy{Retries: 5, MaxWait: 30 * time.Second}
}

// retryBase is the first wait when the answer has no Retry-After; it
// doubles with each retry.
const retryBase = 500 * time.Millisecond

// wait returns how long to wait before retry number attempt (from 0),
// honouring a Retry-After of seconds or an HTTP date.
func (p retryPolicy) wait(attempt int, retryAfter string, now time.Time) time.Duration {
	d := retryBase << min(attempt, 10)
	if s := strings.TrimSpace(retryAfter); s != "" {
		if secs, err := strconv.Atoi(s); err == nil && secs >= 0 {
			d = time.Duration(secs) * time.Second
		} else if t, err := http.ParseTime(s); err == nil {
			d = t.Sub(now)
		}
	}
	return min(max(d, 100*time.Millisecond), p.MaxWait)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func newAPIClient(base, token string) (*apiClient, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--url %q: want an http or https URL such as %s", base, defaultURL)
	}
	return &apiClient{base: strings.TrimRight(base, "/"), token: token, http: &http.Client{Timeout: 5 * time.Minute},
		retry: defaultRetryPolicy()}, nil
}

// apiError is an error answer of the API.
type apiError struct {
	Status  int
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field"`
}

func (e *apiError) Error() string {
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	return fmt.Sprintf("%s (HTTP %d)", msg, e.Status)
}

// do sends a request and decodes a JSON answer into out. Answers with a
// status outside okStatuses become *apiError. A 503 or 429 answer, or a
// connection reset, is retried as c.retry says (Retry-After honoured).
func (c *apiClient) do(ctx context.Context, method, path string, contentType string, body []byte, out any, okStatuses ...int) (int, error) {
	sleep := c.retry.sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	for attempt := 0; ; attempt++ {
		status, retryAfter, err := c.once(ctx, method, path, contentType, body, out, okStatuses...)
		retryable := status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests ||
			(status == 0 && errors.Is(err, syscall.ECONNRESET))
		if err == nil || !retryable || attempt >= c.retry.Retries || ctx.Err() != nil {
			return status, err
		}
		if serr := sleep(ctx, c.retry.wait(attempt, retryAfter, time.Now())); serr != nil {
			return status, err
		}
	}
}

// once sends a request once; it also returns the answer's Retry-After.
func (c *apiClient) once(ctx context.Context, method, path string, contentType string, body []byte, out any, okStatuses ...int) (int, string, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, "", err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("%s %s: %w (is newsflow running? start it with 'make run')", method, c.base+path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	retryAfter := resp.Header.Get("Retry-After")
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return resp.StatusCode, retryAfter, fmt.Errorf("read answer of %s %s: %w", method, path, err)
	}
	ok := false
	for _, s := range okStatuses {
		ok = ok || s == resp.StatusCode
	}
	if !ok {
		var eb struct {
			Error *apiError `json:"error"`
		}
		if json.Unmarshal(data, &eb) == nil && eb.Error != nil {
			eb.Error.Status = resp.StatusCode
			return resp.StatusCode, retryAfter, eb.Error
		}
		return resp.StatusCode, retryAfter, &apiError{Status: resp.StatusCode, Message: strings.TrimSpace(string(data))}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, retryAfter, fmt.Errorf("decode answer of %s %s: %w", method, path, err)
		}
	}
	return resp.StatusCode, retryAfter, nil
}
