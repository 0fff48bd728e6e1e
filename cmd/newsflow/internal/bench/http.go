package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// httpResult is what became of the articles posted to the HTTP edge.
type httpResult struct {
	pubResult
	// refused were answered 429 or 503 (told to come back later).
	refused int
	// failed got any other answer or no answer.
	failed int
}

// postAll posts each payload to base/v1/articles, paced to rate (0: as
// fast as inFlight requests at once allow), and sorts the answers: 202
// "accepted" is published, 429 and 503 are refused (the edge said so),
// anything else failed. A refused article is not sent again, so that the
// run measures what the edge takes at the offered rate.
func postAll(ctx context.Context, base, token string, payloads [][]byte, rate float64, inFlight int, mark func(int, time.Time)) (httpResult, error) {
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: inFlight}}
	defer client.CloseIdleConnections()
	endpoint := strings.TrimRight(base, "/") + "/v1/articles"
	var (
		mu      sync.Mutex
		res     httpResult
		wg      sync.WaitGroup
		slots   = make(chan struct{}, inFlight)
		firstEr error
	)
	start := time.Now()
	for i, p := range payloads {
		if rate > 0 {
			if d := time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))); d > 0 {
				select {
				case <-ctx.Done():
					return res, ctx.Err()
				case <-time.After(d):
				}
			}
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return res, ctx.Err()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(p))
			if err != nil {
				mu.Lock()
				res.failed++
				firstEr = err
				mu.Unlock()
				return
			}
			req.Header.Set("Content-Type", "application/json")
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			mark(i, time.Now())
			resp, err := client.Do(req)
			var body struct {
				Status string `json:"status"`
			}
			if err == nil {
				err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body)
				_ = resp.Body.Close()
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable):
				res.refused++
			case err == nil && resp.StatusCode == http.StatusAccepted && body.Status == "accepted":
				res.ok++
			default:
				res.failed++
				if firstEr == nil {
					if err == nil {
						err = fmt.Errorf("HTTP %d, status %q", resp.StatusCode, body.Status)
					}
					firstEr = fmt.Errorf("article %d: %w", i, err)
				}
			}
		}()
	}
	wg.Wait()
	res.end = time.Now()
	if res.ok == 0 && firstEr != nil {
		return res, fmt.Errorf("no article accepted by %s: %w", endpoint, firstEr)
	}
	return res, nil
}
