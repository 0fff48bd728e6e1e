package bench

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// monitor samples the pipeline's /metrics during a run.
type monitor struct {
	urls   []string
	client *http.Client
	before sample
	peak   float64
	// peakAnon is the peak of newsflow_process_resident_anonymous_bytes
	// (resident memory without mapped files), 0 where not exported.
	peakAnon float64
	stopc    chan struct{}
	done     chan struct{}
	mu       sync.Mutex
}

type sample struct {
	stageMsgs map[string]float64 // ok outcomes per stage
	cpu       float64
	rss       float64
	anon      float64
}

type monitorResult struct {
	stageMsgs  map[string]float64
	cpuSeconds float64
	peakRSS    float64
	peakAnon   float64
	warning    string
}

func newMonitor(urls []string) *monitor {
	return &monitor{urls: urls, client: &http.Client{Timeout: 3 * time.Second}}
}

func (m *monitor) start() error {
	if len(m.urls) == 0 {
		return fmt.Errorf("no metrics URL: per-stage rates, CPU and memory are not reported")
	}
	s, err := m.scrape()
	if err != nil {
		return fmt.Errorf("read pipeline metrics: %v: per-stage rates, CPU and memory are not reported", err)
	}
	m.before, m.peak, m.peakAnon = s, s.rss, s.anon
	m.stopc, m.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(m.done)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-m.stopc:
				return
			case <-t.C:
			}
			if s, err := m.scrape(); err == nil {
				m.mu.Lock()
				m.peak = max(m.peak, s.rss)
				m.peakAnon = max(m.peakAnon, s.anon)
				m.mu.Unlock()
			}
		}
	}()
	return nil
}

func (m *monitor) stop() monitorResult {
	close(m.stopc)
	<-m.done
	res := monitorResult{stageMsgs: map[string]float64{}, peakRSS: m.peak, peakAnon: m.peakAnon}
	after, err := m.scrape()
	if err != nil {
		res.warning = "read pipeline metrics at the end: " + err.Error()
		return res
	}
	res.peakRSS = max(res.peakRSS, after.rss)
	res.peakAnon = max(res.peakAnon, after.anon)
	for stage, n := range after.stageMsgs {
		res.stageMsgs[stage] = n - m.before.stageMsgs[stage]
	}
	res.cpuSeconds = after.cpu - m.before.cpu
	return res
}

func (m *monitor) scrape() (sample, error) {
	s := sample{stageMsgs: map[string]float64{}}
	for _, u := range m.urls {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			cancel()
			return s, err
		}
		resp, err := m.client.Do(req)
		if err != nil {
			cancel()
			return s, err
		}
		parser := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := parser.TextToMetricFamilies(resp.Body)
		_ = resp.Body.Close()
		cancel()
		if err != nil {
			return s, fmt.Errorf("parse %s: %w", u, err)
		}
		if f := fams["newsflow_stage_messages_total"]; f != nil {
			for _, mt := range f.GetMetric() {
				if label(mt, "outcome") == "ok" {
					s.stageMsgs[label(mt, "stage")] += mt.GetCounter().GetValue()
				}
			}
		}
		if f := fams["process_cpu_seconds_total"]; f != nil && len(f.GetMetric()) > 0 {
			s.cpu += f.GetMetric()[0].GetCounter().GetValue()
		}
		if f := fams["process_resident_memory_bytes"]; f != nil && len(f.GetMetric()) > 0 {
			s.rss += f.GetMetric()[0].GetGauge().GetValue()
		}
		if f := fams["newsflow_process_resident_anonymous_bytes"]; f != nil && len(f.GetMetric()) > 0 {
			s.anon += f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return s, nil
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if strings.EqualFold(l.GetName(), name) {
			return l.GetValue()
		}
	}
	return ""
}
