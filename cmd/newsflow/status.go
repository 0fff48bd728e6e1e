package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/natsbus"
)

// streamStatus is one stream in `newsflow status`.
type streamStatus struct {
	Name      string    `json:"name"`
	Missing   bool      `json:"missing,omitempty"`
	Messages  uint64    `json:"messages"`
	Bytes     uint64    `json:"bytes"`
	FirstSeq  uint64    `json:"first_seq"`
	LastSeq   uint64    `json:"last_seq"`
	LastTime  time.Time `json:"last_time,omitzero"`
	Consumers int       `json:"consumers"`
	Replicas  int       `json:"replicas"`
	Storage   string    `json:"storage"`
}

// consumerStatus is one durable consumer in `newsflow status`.
type consumerStatus struct {
	Stage         string    `json:"stage"`
	Stream        string    `json:"stream"`
	Pending       uint64    `json:"pending"`
	AckPending    int       `json:"ack_pending"`
	Redelivered   int       `json:"redelivered"`
	Waiting       int       `json:"waiting"`
	MaxDeliver    int       `json:"max_deliver"`
	AckWait       string    `json:"ack_wait"`
	MaxAckPending int       `json:"max_ack_pending"`
	LastActive    time.Time `json:"last_active,omitzero"`
}

type statusReport struct {
	Streams   []streamStatus    `json:"streams"`
	Consumers []consumerStatus  `json:"consumers"`
	DLQ       map[string]uint64 `json:"dlq"`
}

func statusFlags(fs *flag.FlagSet) runFunc {
	var nf natsFlags
	nf.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	return func(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
		nc, js, err := nf.connect("status")
		if err != nil {
			return err
		}
		defer closeConn(nc)
		rep, err := readStatus(ctx, js)
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(rep)
		}
		return printStatus(stdout, rep)
	}
}

func readStatus(ctx context.Context, js jetstream.JetStream) (*statusReport, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	rep := &statusReport{DLQ: map[string]uint64{}}
	for _, name := range []string{natsbus.StreamRaw, natsbus.StreamArticles, natsbus.StreamDLQ, natsbus.StreamAdvisories, natsbus.StreamAlerts} {
		s, err := js.Stream(ctx, name)
		if errors.Is(err, jetstream.ErrStreamNotFound) && name == natsbus.StreamAlerts {
			continue // no watch worker has run: nothing missing
		}
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			rep.Streams = append(rep.Streams, streamStatus{Name: name, Missing: true})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read stream %s: %w", name, err)
		}
		info := s.CachedInfo()
		rep.Streams = append(rep.Streams, streamStatus{
			Name: name, Messages: info.State.Msgs, Bytes: info.State.Bytes,
			FirstSeq: info.State.FirstSeq, LastSeq: info.State.LastSeq, LastTime: info.State.LastTime,
			Consumers: info.State.Consumers, Replicas: info.Config.Replicas, Storage: info.Config.Storage.String(),
		})
		if name == natsbus.StreamDLQ || name == natsbus.StreamAdvisories {
			continue
		}
		lister := s.ListConsumers(ctx)
		for ci := range lister.Info() {
			rep.Consumers = append(rep.Consumers, consumerStatus{
				Stage: ci.Name, Stream: name, Pending: ci.NumPending, AckPending: ci.NumAckPending,
				Redelivered: ci.NumRedelivered, Waiting: ci.NumWaiting, MaxDeliver: ci.Config.MaxDeliver,
				AckWait: ci.Config.AckWait.String(), MaxAckPending: ci.Config.MaxAckPending, LastActive: lastActive(ci),
			})
		}
		if err := lister.Err(); err != nil {
			return nil, fmt.Errorf("list consumers of %s: %w", name, err)
		}
	}
	sort.SliceStable(rep.Consumers, func(i, j int) bool { return stageRank(rep.Consumers[i].Stage) < stageRank(rep.Consumers[j].Stage) })
	if depth, err := natsbus.NewDLQ(js).Depth(ctx); err == nil {
		rep.DLQ = depth
	} else if !errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, err
	}
	return rep, nil
}

func lastActive(ci *jetstream.ConsumerInfo) time.Time {
	if ci.AckFloor.Last != nil {
		return *ci.AckFloor.Last
	}
	if ci.Delivered.Last != nil {
		return *ci.Delivered.Last
	}
	return time.Time{}
}

func stageRank(s string) int {
	switch s {
	case natsbus.StageIngest:
		return 0
	case natsbus.StageEnrich:
		return 1
	case natsbus.StageIndex:
		return 2
	}
	return 3
}

func printStatus(w io.Writer, rep *statusReport) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "STREAM\tMESSAGES\tBYTES\tFIRST SEQ\tLAST SEQ\tCONSUMERS\tSTORAGE\tREPLICAS\t")
	for _, s := range rep.Streams {
		if s.Missing {
			fmt.Fprintf(tw, "%s\tmissing\t\t\t\t\t\t\t\n", s.Name)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%d\t%s\t%d\t\n", s.Name, s.Messages, humanBytes(s.Bytes), s.FirstSeq, s.LastSeq, s.Consumers, s.Storage, s.Replicas)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "STAGE\tSTREAM\tPENDING\tACK PENDING\tREDELIVERED\tWAITING PULLS\tDEAD LETTERS\tLAST ACTIVE\t")
	now := time.Now()
	for _, c := range rep.Consumers {
		active := "never"
		if !c.LastActive.IsZero() {
			active = now.Sub(c.LastActive).Round(time.Second).String() + " ago"
		}
		dead := "-"
		if n, ok := rep.DLQ[c.Stage]; ok || stageRank(c.Stage) < 3 {
			dead = fmt.Sprint(n)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t\n", c.Stage, c.Stream, c.Pending, c.AckPending, c.Redelivered, c.Waiting, dead, active)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var total uint64
	for _, n := range rep.DLQ {
		total += n
	}
	if total > 0 {
		_, err := fmt.Fprintf(w, "\n%d dead letters: 'newsflow dlq list' shows them with their reasons\n", total)
		return err
	}
	return nil
}

func humanBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
