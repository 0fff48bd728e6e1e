package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/natsbus"
)

// Stages splits the end-to-end latency of each indexed article into the
// parts between the times the pipeline leaves on it: its raw submission's
// stored time (the raw stream's sequence is the article's revision),
// ingested_at (set by ingest as it writes its output), enriched_at (set
// by enrich when its steps are done), the enriched article's stored time,
// indexed_at (set by index as it takes the article into a batch), and the
// arrival of its indexed event at the bench. The clocks are the one
// machine's when bench runs beside newsflow up.
type Stages struct {
	// Parts are the splits, in pipeline order, named as in StagePartNames.
	Parts []StagePart `json:"parts"`
	// Articles is how many indexed articles were split (those whose
	// enriched article and raw submission could still be read).
	Articles int `json:"articles"`
	// TailMeanMs is the mean end-to-end latency of the slowest 1%: the
	// parts' TailMeanMs add up to it.
	TailMeanMs float64 `json:"tail_mean_ms"`
}

// StagePart is one part of the end-to-end latency: its distribution over
// every article, and its mean over the slowest 1% (the articles at or
// above the end-to-end p99), which says what the tail is made of.
type StagePart struct {
	Name       string  `json:"name"`
	Ms         Latency `json:"ms"`
	TailMeanMs float64 `json:"tail_mean_ms"`
}

// StagePartNames are the parts of Stages, in order.
var StagePartNames = []string{
	"submit (publish to raw stored)",
	"ingest (raw stored to ingested_at)",
	"enrich wait + handler (ingested_at to enriched_at)",
	"enriched publish (enriched_at to stored)",
	"index wait (stored to indexed_at)",
	"index write + event (indexed_at to event)",
}

// indexedEvent is what the collector keeps of an indexed event.
type indexedEvent struct {
	enrichedSeq uint64
	indexedAt   int64 // unix nanos
}

// splitStages reads, for every article with an indexed event, its
// enriched article and its raw submission from the streams, and splits
// its latency.
func splitStages(ctx context.Context, js jetstream.JetStream, col *collector) (*Stages, error) {
	arts, err := js.Stream(ctx, natsbus.StreamArticles)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", natsbus.StreamArticles, err)
	}
	raw, err := js.Stream(ctx, natsbus.StreamRaw)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", natsbus.StreamRaw, err)
	}
	type row struct {
		e2e   float64
		parts []float64
	}
	var rows []row
	for i := range col.gotAt {
		g, p := col.gotAt[i].Load(), col.pubAt[i].Load()
		ev := col.events[i].Load()
		if g == 0 || p == 0 || ev == nil || ev.enrichedSeq == 0 {
			continue
		}
		m, err := arts.GetMsg(ctx, ev.enrichedSeq)
		if err != nil {
			continue
		}
		var a struct {
			Revision   uint64    `json:"revision"`
			IngestedAt time.Time `json:"ingested_at"`
			EnrichedAt time.Time `json:"enriched_at"`
		}
		if json.Unmarshal(m.Data, &a) != nil || a.Revision == 0 {
			continue
		}
		r, err := raw.GetMsg(ctx, a.Revision)
		if err != nil {
			continue
		}
		ts := []int64{p, r.Time.UnixNano(), a.IngestedAt.UnixNano(), a.EnrichedAt.UnixNano(), m.Time.UnixNano(), ev.indexedAt, g}
		parts := make([]float64, len(ts)-1)
		for k := range parts {
			parts[k] = float64(ts[k+1]-ts[k]) / 1e6
		}
		rows = append(rows, row{e2e: float64(g-p) / 1e6, parts: parts})
	}
	st := &Stages{Articles: len(rows)}
	if len(rows) == 0 {
		return st, nil
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].e2e < rows[j].e2e })
	tail := rows[max(0, len(rows)-max(1, len(rows)/100)):]
	e2e := 0.0
	for _, r := range tail {
		e2e += r.e2e
	}
	st.TailMeanMs = round2(e2e / float64(len(tail)))
	for k, name := range StagePartNames {
		ds := make([]float64, len(rows))
		for i, r := range rows {
			ds[i] = r.parts[k]
		}
		sum := 0.0
		for _, r := range tail {
			sum += r.parts[k]
		}
		st.Parts = append(st.Parts, StagePart{Name: name, Ms: percentiles(ds), TailMeanMs: round2(sum / float64(len(tail)))})
	}
	return st, nil
}
