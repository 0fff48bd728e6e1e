package bench

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Hops is the number of consume-and-publish hops of the pipeline
// (ingest, enrich, index), which the baseline reproduces.
const Hops = 3

type baselineResult struct {
	perS float64
	lat  Latency
	lost int
}

// baselineHeader carries the article index through the baseline hops.
const baselineHeader = "Bench-I"

// runBaseline sends payloads through Hops pass-through stages written with
// nats.go alone, as fast as it correctly can: a durable pull consumer per
// hop, async publish with a bounded window, and each input acked when the
// PubAck of its output arrives. Each hop has its own connection, as each
// stage of the pipeline has. The stream is file-backed like the pipeline's,
// and deleted afterwards.
func runBaseline(ctx context.Context, cfg Config, nc *nats.Conn, payloads [][]byte) (baselineResult, error) {
	inFlight, idle, progress := cfg.InFlight, cfg.IdleTimeout, cfg.Progress
	run := runID()
	stream := "NEWSFLOW_BENCH_" + run
	prefix := "nfbench." + run
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(inFlight), jetstream.WithPublishAsyncTimeout(time.Minute))
	if err != nil {
		return baselineResult{}, err
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name: stream, Subjects: []string{prefix + ".>"}, Storage: jetstream.FileStorage,
		Duplicates: 2 * time.Minute,
	}); err != nil {
		return baselineResult{}, fmt.Errorf("create stream %s: %w", stream, err)
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = js.DeleteStream(dctx, stream)
	}()
	hopSubject := func(h int) string { return prefix + ".h" + strconv.Itoa(h) }

	var ccs []jetstream.ConsumeContext
	defer func() {
		for _, cc := range ccs {
			cc.Stop()
		}
	}()
	for h := 0; h < Hops; h++ {
		cons, err := js.CreateConsumer(ctx, stream, jetstream.ConsumerConfig{
			Durable: "hop" + strconv.Itoa(h), FilterSubject: hopSubject(h),
			AckPolicy: jetstream.AckExplicitPolicy, AckWait: 30 * time.Second,
			MaxAckPending: inFlight * 2,
		})
		if err != nil {
			return baselineResult{}, fmt.Errorf("create consumer: %w", err)
		}
		next := hopSubject(h + 1)
		hop := h
		hnc, err := cfg.connect("newsflow-bench-hop"+strconv.Itoa(h), nc.ConnectedUrl())
		if err != nil {
			return baselineResult{}, fmt.Errorf("connect hop %d: %w", h, err)
		}
		defer hnc.Close()
		hjs, err := jetstream.New(hnc, jetstream.WithPublishAsyncMaxPending(inFlight), jetstream.WithPublishAsyncTimeout(time.Minute))
		if err != nil {
			return baselineResult{}, err
		}
		hcons, err := hjs.Consumer(ctx, stream, cons.CachedInfo().Name)
		if err != nil {
			return baselineResult{}, err
		}
		cc, err := hcons.Consume(func(m jetstream.Msg) {
			out := nats.NewMsg(next)
			out.Data = m.Data()
			i := m.Headers().Get(baselineHeader)
			out.Header.Set(baselineHeader, i)
			out.Header.Set(nats.MsgIdHdr, strconv.Itoa(hop+1)+":"+i)
			f, err := hjs.PublishMsgAsync(out)
			if err != nil {
				_ = m.Nak()
				return
			}
			go func() {
				select {
				case <-f.Ok():
					_ = m.Ack()
				case <-f.Err():
					_ = m.Nak()
				}
			}()
		}, jetstream.PullMaxMessages(512))
		if err != nil {
			return baselineResult{}, fmt.Errorf("consume: %w", err)
		}
		ccs = append(ccs, cc)
	}

	col := newCollector(len(payloads), func(_ []byte, h nats.Header) int {
		i, err := strconv.Atoi(h.Get(baselineHeader))
		if err != nil {
			return -1
		}
		return i
	})
	sub, err := nc.Subscribe(hopSubject(Hops), col.handle)
	if err != nil {
		return baselineResult{}, err
	}
	_ = sub.SetPendingLimits(-1, -1)
	defer func() { _ = sub.Unsubscribe() }()

	msgs := make([]*nats.Msg, len(payloads))
	for i, p := range payloads {
		m := nats.NewMsg(hopSubject(0))
		m.Data = p
		m.Header.Set(baselineHeader, strconv.Itoa(i))
		m.Header.Set(nats.MsgIdHdr, "0:"+strconv.Itoa(i))
		msgs[i] = m
	}
	if progress != nil {
		fmt.Fprintln(progress, "baseline: raw JetStream, same payloads, same hops")
	}
	pub, err := publishAll(ctx, js, msgs, 0, col.published, progress, col)
	if err != nil {
		return baselineResult{}, err
	}
	col.wait(ctx, pub.ok, idle, progress)
	end := col.lastArrival()
	return baselineResult{
		perS: round2(rate(col.count(), end.Sub(col.start()))),
		lat:  col.latency(),
		lost: pub.ok - col.count(),
	}, nil
}
