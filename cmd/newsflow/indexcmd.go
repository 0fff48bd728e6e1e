package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/newsflow/newsflow/pkg/article"
	"github.com/newsflow/newsflow/pkg/natsbus"
	"github.com/newsflow/newsflow/pkg/natsembed"
	"github.com/newsflow/newsflow/pkg/search/bleveindex"
)

// rebuildReport is what `newsflow index rebuild` did.
type rebuildReport struct {
	Index      string    `json:"index"`
	Old        string    `json:"old,omitempty"`
	Read       int       `json:"read"`
	Indexed    uint64    `json:"indexed"`
	Unreadable int       `json:"unreadable"`
	From       time.Time `json:"from,omitzero"`
	To         time.Time `json:"to,omitzero"`
	Seconds    float64   `json:"seconds"`
}

const indexRebuildHelp = `Builds the embedded search index again from the enriched articles kept in
the ARTICLES stream, for an index that is damaged (newsflow refuses to start
on one, naming this command) or lost. The new index is written beside the
old one and takes its place when complete; the old one is kept, renamed
*.old-<time>. Articles older than ARTICLES' retention (--articles-max-age,
7 days by default) are not there: run 'newsflow reprocess --to <from>' for
them afterwards (the summary gives <from>).

With --data (newsflow up's data directory, newsflow up stopped) it reads
DIR/nats itself and writes DIR/index; with --nats it reads a running NATS
and writes --index (stop the index stage that uses it first).`

func indexCommand() *cobra.Command {
	g := group("index", "rebuild the embedded search index from the ARTICLES stream",
		long(leaf("rebuild", "build the embedded search index again from the ARTICLES stream", nil, indexRebuildFlags), indexRebuildHelp))
	return g
}

// indexRebuildFlags declares the flags of index rebuild.
func indexRebuildFlags(fs *flag.FlagSet) runFunc {
	// --data first: the NATS flags then take it as theirs too (the
	// credentials of a running up are under DIR/credentials).
	data := fs.String("data", "", "newsflow up's data directory (newsflow up stopped): read DIR/nats, write DIR/index")
	var nf natsFlags
	nf.register(fs)
	indexDir := fs.String("index", "", "the index directory to rebuild (default DIR/index with --data)")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	return func(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
		dir := *indexDir
		if dir == "" && *data != "" {
			dir = filepath.Join(*data, "index")
		}
		if dir == "" {
			return errors.New("index rebuild: give --data DIR (newsflow up's) or --index DIR with --nats URL")
		}
		// The index must not be open elsewhere: with --data that also says
		// newsflow up is not running on the same NATS store.
		if err := bleveindex.Verify(dir); errors.Is(err, bleveindex.ErrInUse) {
			return fmt.Errorf("index rebuild: %w: stop newsflow up (or the index stage) first", err)
		}

		var js jetstream.JetStream
		if *data != "" {
			// In process only: no listener that another local client could use
			// while the store is open without credentials.
			srv, err := natsembed.Start(natsembed.Config{StoreDir: filepath.Join(*data, "nats"), Addr: "127.0.0.1:-1", ServerName: "newsflow-rebuild",
				Options: func(o *server.Options) { o.DontListen = true }})
			if err != nil {
				return fmt.Errorf("index rebuild: read %s: %w", filepath.Join(*data, "nats"), err)
			}
			defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
			nc, err := nats.Connect("", nats.InProcessServer(srv), nats.Name("newsflow-index-rebuild"))
			if err != nil {
				return fmt.Errorf("index rebuild: connect to the store: %w", err)
			}
			defer nc.Close()
			if js, err = jetstream.New(nc); err != nil {
				return err
			}
		} else {
			nc, j, err := nf.connect("index-rebuild")
			if err != nil {
				return err
			}
			defer closeConn(nc)
			js = j
		}
		rep, err := rebuildIndex(ctx, js, dir, stderr)
		if err != nil {
			return fmt.Errorf("index rebuild: %w", err)
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(rep)
		}
		_, err = fmt.Fprintf(stdout, "index rebuild: %d enriched articles read from %s, %d articles in the new index %s, %d unreadable or invalid (skipped), in %.1fs\n",
			rep.Read, natsbus.StreamArticles, rep.Indexed, rep.Index, rep.Unreadable, rep.Seconds)
		if err == nil && rep.Old != "" {
			_, err = fmt.Fprintf(stdout, "the old index is kept at %s (remove it when the new one is good)\n", rep.Old)
		}
		if err == nil && !rep.From.IsZero() {
			_, err = fmt.Fprintf(stdout, "ARTICLES holds articles enriched since %s; for older ones: newsflow reprocess --to %s\n",
				rep.From.Format(time.RFC3339), rep.From.Format(time.RFC3339))
		}
		return err
	}
}

// rebuildBatch is how many articles go into one index batch.
const rebuildBatch = 512

// rebuildIndex writes every enriched article of ARTICLES into a new index
// beside dir, then puts it in dir's place, keeping the old one.
func rebuildIndex(ctx context.Context, js jetstream.JetStream, dir string, progress io.Writer) (*rebuildReport, error) {
	start := time.Now()
	rep := &rebuildReport{Index: dir}
	tmp := dir + ".rebuild"
	if err := os.RemoveAll(tmp); err != nil {
		return nil, fmt.Errorf("remove an earlier unfinished rebuild: %w", err)
	}
	idx, err := bleveindex.OpenWith(tmp, os.Getenv(bleveindex.ConfigEnv))
	if err != nil {
		return nil, err
	}
	closed := false
	defer func() {
		if !closed {
			_ = idx.Close()
		}
	}()
	filter := natsbus.SubjectEnriched + ".>"
	s, err := js.Stream(ctx, natsbus.StreamArticles)
	if err != nil {
		return nil, fmt.Errorf("look up stream %s: %w", natsbus.StreamArticles, err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return nil, fmt.Errorf("read stream %s: %w", natsbus.StreamArticles, err)
	}
	var total uint64
	for _, n := range info.State.Subjects {
		total += n
	}
	var batch []*article.Article
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := idx.Upsert(ctx, batch); err != nil {
			return fmt.Errorf("write %d articles: %w", len(batch), err)
		}
		batch = batch[:0]
		return nil
	}
	if total > 0 {
		c, err := js.OrderedConsumer(ctx, natsbus.StreamArticles, jetstream.OrderedConsumerConfig{
			FilterSubjects: []string{filter}, DeliverPolicy: jetstream.DeliverAllPolicy, InactiveThreshold: 10 * time.Second,
		})
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", natsbus.StreamArticles, err)
		}
		defer natsbus.DeleteOrdered(js, natsbus.StreamArticles, c)
		for uint64(rep.Read+rep.Unreadable) < total {
			want := min(uint64(rebuildBatch), total-uint64(rep.Read+rep.Unreadable))
			msgs, err := c.Fetch(int(want), jetstream.FetchMaxWait(5*time.Second))
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", natsbus.StreamArticles, err)
			}
			n := 0
			last := false
			for m := range msgs.Messages() {
				n++
				meta, err := m.Metadata()
				if err != nil {
					return nil, fmt.Errorf("read %s: %w", natsbus.StreamArticles, err)
				}
				last = meta.NumPending == 0
				a, err := article.Decode(m.Data())
				if err == nil {
					// What the index stage would refuse (dead-letter) is
					// not indexed by a rebuild either.
					err = article.ValidateStored(a)
				}
				if err != nil {
					rep.Unreadable++
					continue
				}
				if rep.From.IsZero() {
					rep.From = meta.Timestamp.UTC()
				}
				rep.To = meta.Timestamp.UTC()
				if a.IndexedAt.IsZero() {
					a.IndexedAt = meta.Timestamp.UTC()
				}
				batch = append(batch, a)
				rep.Read++
			}
			if err := msgs.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
				return nil, fmt.Errorf("read %s: %w", natsbus.StreamArticles, err)
			}
			if err := flush(); err != nil {
				return nil, err
			}
			fmt.Fprintf(progress, "\rindex rebuild: %d of %d", rep.Read+rep.Unreadable, total)
			if last || n == 0 {
				break
			}
		}
		fmt.Fprintln(progress)
	}
	if rep.Indexed, err = idx.Count(); err != nil {
		return nil, fmt.Errorf("count the new index: %w", err)
	}
	closed = true
	if err := idx.Close(); err != nil {
		return nil, fmt.Errorf("close the new index: %w", err)
	}
	if _, err := os.Stat(dir); err == nil {
		rep.Old = dir + ".old-" + time.Now().UTC().Format("20060102T150405")
		if err := os.Rename(dir, rep.Old); err != nil {
			return nil, fmt.Errorf("move the old index away: %w", err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		return nil, fmt.Errorf("put the new index in place: %w", err)
	}
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}
