package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/newsflow/newsflow/pkg/intake"
)

// reporter shows progress: a bar with rate and ETA on a terminal, a line
// per finished file otherwise.
type reporter struct {
	mode string
	w    io.Writer
	bar  *progressbar.ProgressBar
	mu   sync.Mutex
}

func newReporter(mode string, w io.Writer, total int64) *reporter {
	if mode == "auto" {
		mode = "lines"
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			mode = "bar"
		}
	}
	r := &reporter{mode: mode, w: w}
	if mode == "bar" {
		r.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionShowBytes(true),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
			progressbar.OptionSetDescription("publishing"),
		)
	}
	return r
}

func (r *reporter) done(j job, sum *summary) {
	acc, dup, rej := sum.counts()
	switch r.mode {
	case "bar":
		r.bar.Describe(fmt.Sprintf("%d ok, %d dup, %d rejected", acc, dup, rej))
		_ = r.bar.Add64(j.size)
	case "lines":
		r.mu.Lock()
		defer r.mu.Unlock()
		what := j.name
		if j.f == intake.FormatNDJSON {
			what = fmt.Sprintf("%s lines %d-%d", j.name, j.first, j.first+itemCount(j)-1)
		}
		fmt.Fprintf(r.w, "done %s (so far: accepted %d, duplicates %d, rejected %d)\n", what, acc, dup, rej)
	}
}

func itemCount(j job) int {
	if j.f != intake.FormatNDJSON {
		return 1
	}
	return bytes.Count(j.data, []byte("\n"))
}

func (r *reporter) finish() {
	if r.bar != nil {
		_ = r.bar.Finish()
	}
}
