package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/pipeline"
)

// reprocessReport is what `newsflow reprocess` did.
type reprocessReport struct {
	Run     string    `json:"run"`
	Source  string    `json:"source,omitempty"`
	From    time.Time `json:"from,omitzero"`
	To      time.Time `json:"to"`
	Scanned int       `json:"scanned"`
	Sent    int       `json:"sent"`
	Skipped int       `json:"skipped"`
	DryRun  bool      `json:"dry_run,omitempty"`
}

const reprocessHelp = `Runs ingest, enrich and index again over the raw submissions kept in
ARTICLES_RAW (for example after an upgrade). Each is sent again with a
Newsflow-Rerun mark: ingest does not call it a duplicate, the article keeps
the revision of its original submission (a newer version is never replaced
by an older one), and the index upserts by id, so no article appears twice.`

func reprocessFlags(fs *flag.FlagSet) runFunc {
	var nf natsFlags
	nf.register(fs)
	source := fs.String("source", "", "only submissions of this source (default: every source)")
	from := fs.String("from", "", "submissions stored at or after this time (RFC 3339 or 2006-01-02; default: the oldest kept)")
	to := fs.String("to", "", "submissions stored at or before this time (RFC 3339 or 2006-01-02; default: now)")
	dryRun := fs.Bool("dry-run", false, "count what would be sent, send nothing")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	return func(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
		if *source != "" && !natsbus.ValidToken(*source) {
			return fmt.Errorf("--source %q is not a valid source name", *source)
		}
		rep := reprocessReport{Source: *source, DryRun: *dryRun, To: time.Now().UTC()}
		var err error
		if *from != "" {
			if rep.From, err = parseTimeFlag(*from, false); err != nil {
				return fmt.Errorf("--from: %w", err)
			}
		}
		if *to != "" {
			if rep.To, err = parseTimeFlag(*to, true); err != nil {
				return fmt.Errorf("--to: %w", err)
			}
		}
		if !rep.From.IsZero() && rep.To.Before(rep.From) {
			return fmt.Errorf("--to %s is before --from %s", rep.To.Format(time.RFC3339), rep.From.Format(time.RFC3339))
		}
		nc, js, err := nf.connect("reprocess")
		if err != nil {
			return err
		}
		defer closeConn(nc)
		rep.Run = "rp" + strconv.FormatInt(time.Now().UnixNano(), 36)
		if err := reprocess(ctx, js, &rep, stderr); err != nil {
			return err
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(rep)
		}
		verb := "sent again"
		if rep.DryRun {
			verb = "would be sent again (dry run)"
		}
		_, err = fmt.Fprintf(stdout, "reprocess %s: %d raw submissions scanned, %d %s, %d skipped (earlier reruns of submissions still kept)\n",
			rep.Run, rep.Scanned, rep.Sent, verb, rep.Skipped)
		return err
	}
}

func parseTimeFlag(s string, end bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return t, fmt.Errorf("%q is not an RFC 3339 time or a date (2006-01-02)", s)
	}
	if end {
		t = t.Add(24*time.Hour - time.Nanosecond)
	}
	return t, nil
}

// reprocess republishes the raw submissions rep selects. It reads
// ARTICLES_RAW up to the last message present when it started, so it never
// chases its own copies.
func reprocess(ctx context.Context, js jetstream.JetStream, rep *reprocessReport, progress io.Writer) error {
	s, err := js.Stream(ctx, natsbus.StreamRaw)
	if err != nil {
		return fmt.Errorf("look up stream %s: %w", natsbus.StreamRaw, err)
	}
	filter := natsbus.SubjectRaw + ".>"
	if rep.Source != "" {
		filter = natsbus.RawSubject(rep.Source)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return fmt.Errorf("read stream %s: %w", natsbus.StreamRaw, err)
	}
	var inRange uint64
	for _, n := range info.State.Subjects {
		inRange += n
	}
	first, last := info.State.FirstSeq, info.State.LastSeq
	if inRange == 0 || last == 0 {
		return nil
	}
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}, DeliverPolicy: jetstream.DeliverAllPolicy, InactiveThreshold: 10 * time.Second}
	if !rep.From.IsZero() {
		cfg.DeliverPolicy = jetstream.DeliverByStartTimePolicy
		from := rep.From
		cfg.OptStartTime = &from
	}
	c, err := js.OrderedConsumer(ctx, natsbus.StreamRaw, cfg)
	if err != nil {
		return fmt.Errorf("read %s: %w", natsbus.StreamRaw, err)
	}
	defer natsbus.DeleteOrdered(js, natsbus.StreamRaw, c)
	var futures []jetstream.PubAckFuture
	wait := func() error {
		for _, f := range futures {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				return fmt.Errorf("republish %s: %w", f.Msg().Subject, err)
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		futures = futures[:0]
		return nil
	}
	lastReport := time.Now()
	for {
		batch, err := c.Fetch(256, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return fmt.Errorf("read %s: %w", natsbus.StreamRaw, err)
		}
		n, done := 0, false
		for m := range batch.Messages() {
			n++
			meta, err := m.Metadata()
			if err != nil {
				return fmt.Errorf("read %s: %w", natsbus.StreamRaw, err)
			}
			seq := meta.Sequence.Stream
			if seq > last || meta.Timestamp.After(rep.To) {
				done = true
				break
			}
			rep.Scanned++
			if earlierRerun(m.Headers(), first) {
				rep.Skipped++
			} else {
				rep.Sent++
				if !rep.DryRun {
					f, err := js.PublishMsgAsync(rerunMsg(m, rep.Run, seq), jetstream.WithMsgID("reprocess:"+rep.Run+":"+strconv.FormatUint(seq, 10)))
					if err != nil {
						return fmt.Errorf("republish raw message %d: %w", seq, err)
					}
					futures = append(futures, f)
				}
			}
			if meta.NumPending == 0 || seq == last {
				done = true
				break
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			return fmt.Errorf("read %s: %w", natsbus.StreamRaw, err)
		}
		if err := wait(); err != nil {
			return err
		}
		if time.Since(lastReport) > 2*time.Second {
			lastReport = time.Now()
			fmt.Fprintf(progress, "reprocess: %d scanned, %d sent\n", rep.Scanned, rep.Sent)
		}
		if done || n == 0 {
			return ctx.Err()
		}
	}
}

// earlierRerun reports whether a raw message is itself a rerun copy whose
// original submission is still in the stream (and so is reprocessed, or
// deliberately left out by the time range).
func earlierRerun(h nats.Header, firstSeq uint64) bool {
	if h.Get(pipeline.HeaderRerun) == "" {
		return false
	}
	orig, err := strconv.ParseUint(h.Get(pipeline.HeaderRevision), 10, 64)
	return err == nil && orig >= firstSeq
}

// rerunMsg is the copy of raw message m sent by reprocessing run run.
func rerunMsg(m jetstream.Msg, run string, seq uint64) *nats.Msg {
	hdr := nats.Header{}
	for k, v := range m.Headers() {
		hdr[k] = v
	}
	hdr.Del(nats.MsgIdHdr)
	revision := seq
	if orig, err := strconv.ParseUint(hdr.Get(pipeline.HeaderRevision), 10, 64); err == nil && orig > 0 && hdr.Get(pipeline.HeaderRerun) != "" {
		revision = orig // a copy whose original aged out keeps the original's revision
	}
	hdr.Set(pipeline.HeaderRerun, run)
	hdr.Set(pipeline.HeaderRevision, strconv.FormatUint(revision, 10))
	return &nats.Msg{Subject: m.Subject(), Data: m.Data(), Header: hdr}
}
