package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/newsflow/newsflow/pkg/natsbus"
)

const dlqHelp = `Dead letters: articles a stage gave up on, with the reason.

ID is the dead letter's sequence in ARTICLES_DLQ, as list shows it.
Connection flags (every subcommand): --nats URL, --nats-creds, --nats-nkey,
--nats-user/--nats-password, --nats-token, --nats-tls-ca/--nats-tls-cert/--nats-tls-key.
`

func dlqCommand() *cobra.Command {
	sub := func(use, short string, args cobra.PositionalArgs) *cobra.Command {
		name, _, _ := strings.Cut(use, " ")
		return leaf(use, short, args, func(fs *flag.FlagSet) runFunc { return dlqFlags(name, fs) })
	}
	g := group("dlq", "dead letters: list, show, replay, purge",
		sub("list", "dead letters with their reasons", nil),
		sub("show ID", "one dead letter: reason, headers, payload", cobra.ExactArgs(1)),
		sub("replay [ID...]", "send back to the stage it failed in (all without IDs)", cobra.ArbitraryArgs),
		sub("purge", "remove dead letters (asks first on a terminal; without one, --yes is required)", nil))
	g.Long = dlqHelp
	return g
}

// dlqFlags declares the flags of dlq sub on fs.
func dlqFlags(sub string, fs *flag.FlagSet) runFunc {
	var nf natsFlags
	nf.register(fs)
	on := subFlags(sub, fs)
	stage := on("list", "replay", "purge").String("stage", "", "only dead letters of this stage (ingest, enrich, index)")
	asJSON := on("list", "show", "replay", "purge").Bool("json", false, "print JSON")
	limit := on("list").Int("limit", 0, "list at most this many, oldest first (0: all)")
	yes := on("purge").Bool("yes", false, "do not ask for confirmation")
	return func(ctx context.Context, pos []string, stdout, stderr io.Writer) error {
		if *stage != "" && !natsbus.ValidToken(*stage) {
			return fmt.Errorf("--stage %q is not a stage name", *stage)
		}
		var ids []uint64
		for _, p := range pos {
			id, err := strconv.ParseUint(p, 10, 64)
			if err != nil || id == 0 {
				return fmt.Errorf("%q is not a dead-letter id (a positive number, as 'newsflow dlq list' shows)", p)
			}
			ids = append(ids, id)
		}
		switch sub {
		case "list", "purge":
			if len(ids) > 0 {
				return usageError{fmt.Errorf("dlq %s takes no ids", sub)}
			}
		}
		if sub == "purge" && !*yes {
			ok, err := confirm(stderr, purgeQuestion(*stage))
			if err != nil {
				return err
			}
			if !ok {
				fmt.Fprintln(stderr, "nothing purged")
				return exitError{1}
			}
		}
		nc, js, err := nf.connect("dlq")
		if err != nil {
			return err
		}
		defer closeConn(nc)
		dlq := natsbus.NewDLQ(js)
		switch sub {
		case "list":
			return dlqList(ctx, dlq, *stage, *limit, *asJSON, stdout)
		case "show":
			return dlqShow(ctx, dlq, ids[0], *asJSON, stdout)
		case "replay":
			return dlqReplay(ctx, dlq, *stage, ids, *asJSON, stdout, stderr)
		default:
			n, err := dlq.Purge(ctx, *stage)
			if err != nil {
				return err
			}
			if *asJSON {
				return writeJSON(stdout, purgeReport{Purged: n, Stage: *stage})
			}
			what := "dead letters"
			if *stage != "" {
				what += " of stage " + *stage
			}
			_, err = fmt.Fprintf(stdout, "purged %d %s\n", n, what)
			return err
		}
	}
}

// errEnough stops a listing at --limit.
var errEnough = errors.New("enough")

func dlqList(ctx context.Context, dlq *natsbus.DLQ, stage string, limit int, asJSON bool, w io.Writer) error {
	var all []natsbus.DLQEntry
	if err := dlq.List(ctx, stage, func(d natsbus.DLQEntry) error {
		all = append(all, d)
		if limit > 0 && len(all) >= limit {
			return errEnough
		}
		return nil
	}); err != nil && !errors.Is(err, errEnough) {
		return err
	}
	if asJSON {
		if all == nil {
			all = []natsbus.DLQEntry{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(all)
	}
	if len(all) == 0 {
		_, err := fmt.Fprintln(w, "no dead letters")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTIME\tSTAGE\tATTEMPTS\tARTICLE\tSUBJECT\tREASON")
	byStage := map[string]int{}
	for _, d := range all {
		byStage[d.Stage]++
		article := d.ArticleID
		if article == "" {
			article = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\n", d.ID, d.Time.Local().Format(time.DateTime), d.Stage, d.Attempts,
			truncate(article, 24), d.Subject, truncate(firstLine(d.Error), 90))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if limit > 0 && len(all) == limit {
		depth, err := dlq.Depth(ctx)
		if err != nil {
			return err
		}
		var total uint64
		for st, n := range depth {
			if stage == "" || st == stage {
				total += n
			}
		}
		_, err = fmt.Fprintf(w, "the first %d of %d dead letters; 'newsflow dlq show ID' for one in full\n", len(all), total)
		return err
	}
	_, err := fmt.Fprintf(w, "%d dead letters (%s); 'newsflow dlq show ID' for one in full\n", len(all), countsLine(byStage))
	return err
}

func countsLine(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func dlqShow(ctx context.Context, dlq *natsbus.DLQ, id uint64, asJSON bool, w io.Writer) error {
	d, err := dlq.Get(ctx, id)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(d)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s\t%s\n", k, v)
		}
	}
	row("id:", strconv.FormatUint(d.ID, 10))
	row("time:", d.Time.Local().Format(time.RFC3339))
	row("stage:", d.Stage)
	row("attempts:", strconv.Itoa(d.Attempts))
	row("article:", d.ArticleID)
	row("subject:", d.Subject)
	if d.Stream != "" {
		row("from:", fmt.Sprintf("%s sequence %d", d.Stream, d.StreamSeq))
	}
	row("reason:", d.Error)
	if err := tw.Flush(); err != nil {
		return err
	}
	keys := make([]string, 0, len(d.Header))
	for k := range d.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintln(w, "headers:")
	for _, k := range keys {
		for _, v := range d.Header[k] {
			fmt.Fprintf(w, "  %s: %s\n", k, v)
		}
	}
	fmt.Fprintf(w, "payload (%d bytes):\n", len(d.Data))
	var buf bytes.Buffer
	if json.Valid(d.Data) && json.Indent(&buf, d.Data, "  ", "  ") == nil {
		fmt.Fprintf(w, "  %s\n", buf.String())
		return nil
	}
	_, err = fmt.Fprintf(w, "  %q\n", d.Data)
	return err
}

// purgeReport is what dlq purge --json prints.
type purgeReport struct {
	Purged uint64 `json:"purged"`
	Stage  string `json:"stage,omitempty"`
}

// replayReport is what dlq replay --json prints.
type replayReport struct {
	Replayed []replayed `json:"replayed"`
	Failed   []failed   `json:"failed"`
}

type replayed struct {
	ID      uint64 `json:"id"`
	Subject string `json:"subject"`
}

type failed struct {
	ID    uint64 `json:"id"`
	Error string `json:"error"`
}

func dlqReplay(ctx context.Context, dlq *natsbus.DLQ, stage string, ids []uint64, asJSON bool, stdout, stderr io.Writer) error {
	rep := replayReport{Replayed: []replayed{}, Failed: []failed{}}
	if len(ids) == 0 {
		if err := dlq.List(ctx, stage, func(d natsbus.DLQEntry) error {
			ids = append(ids, d.ID)
			return nil
		}); err != nil {
			return err
		}
		if len(ids) == 0 && !asJSON {
			_, err := fmt.Fprintln(stdout, "no dead letters to replay")
			return err
		}
	}
	for _, id := range ids {
		subject, err := dlq.Replay(ctx, id)
		if err != nil {
			rep.Failed = append(rep.Failed, failed{id, err.Error()})
			if !asJSON {
				fmt.Fprintf(stderr, "dead letter %d: %v\n", id, err)
			}
			if errors.Is(err, context.Canceled) {
				break
			}
			continue
		}
		rep.Replayed = append(rep.Replayed, replayed{id, subject})
		if !asJSON {
			fmt.Fprintf(stdout, "replayed %d to %s\n", id, subject)
		}
	}
	if asJSON {
		if err := writeJSON(stdout, rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "%d replayed, %d failed\n", len(rep.Replayed), len(rep.Failed))
	}
	if len(rep.Failed) > 0 {
		return exitError{1}
	}
	return nil
}

func purgeQuestion(stage string) string {
	if stage != "" {
		return "Delete every dead letter of stage " + stage + " from ARTICLES_DLQ?"
	}
	return "Delete every dead letter from ARTICLES_DLQ?"
}

// confirmInput is where confirm reads the answer (standard input).
var confirmInput = os.Stdin

// confirm asks question on w and reads y or yes from the terminal. Without
// a terminal it is a usage error that asks for --yes, as gh does.
func confirm(w io.Writer, question string) (bool, error) {
	if !term.IsTerminal(int(confirmInput.Fd())) {
		return false, usageError{fmt.Errorf("%s Standard input is not a terminal: confirm with --yes", question)}
	}
	fmt.Fprintf(w, "%s [y/N] ", question)
	line, _ := bufio.NewReader(confirmInput).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}
