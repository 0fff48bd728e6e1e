package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/newsflow/newsflow/pkg/intake"
)

// job is one submission: a whole file, or a batch of NDJSON lines.
type job struct {
	name  string // file name, "stdin"
	first int    // line of the first item in name (NDJSON), else 1
	f     intake.Format
	data  []byte
	size  int64 // bytes of the file this job accounts for, for progress
}

// expandPaths turns arguments into files: folders are walked recursively
// for known extensions, globs are expanded, "-" is standard input.
func expandPaths(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		if a == "-" {
			out = append(out, a)
			continue
		}
		matches := []string{a}
		if strings.ContainsAny(a, "*?[") {
			m, err := filepath.Glob(a)
			if err != nil {
				return nil, fmt.Errorf("pattern %q: %w", a, err)
			}
			if len(m) == 0 {
				return nil, fmt.Errorf("pattern %q matches no file", a)
			}
			matches = m
		}
		for _, p := range matches {
			st, err := os.Stat(p)
			if err != nil {
				return nil, err
			}
			if !st.IsDir() {
				out = append(out, p)
				continue
			}
			var found []string
			err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if d.IsDir() {
					return nil
				}
				if _, ferr := intake.FormatFromPath(path); ferr == nil {
					found = append(found, path)
				}
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("walk %s: %w", p, err)
			}
			sort.Strings(found)
			out = append(out, found...)
		}
	}
	return out, nil
}

// readJobs turns one file into jobs: NDJSON is streamed in batches of
// lines (never loaded whole), other formats are one job. The format comes
// from the extension, or from the content for standard input and unknown
// extensions.
func readJobs(ctx context.Context, path string, batch int, jobs chan<- job) error {
	var r io.Reader
	name := path
	var size int64
	if path == "-" {
		name = "stdin"
		r = os.Stdin
	} else {
		fh, err := os.Open(path)
		if err != nil {
			return err
		}
		defer func() { _ = fh.Close() }()
		if st, err := fh.Stat(); err == nil {
			size = st.Size()
		}
		r = fh
	}
	br := bufio.NewReaderSize(r, 64<<10)
	f, err := intake.FormatFromPath(path)
	if err != nil {
		head, _ := br.Peek(4096)
		f = intake.Sniff(head)
	}
	send := func(j job) error {
		select {
		case jobs <- j:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if f != intake.FormatNDJSON {
		data, err := io.ReadAll(br)
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		return send(job{name: name, first: 1, f: f, data: data, size: size})
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 0, 64<<10), intake.MaxLineBytes)
	var buf bytes.Buffer
	first, line, n := 1, 0, 0
	var sent int64
	flush := func() error {
		if n == 0 {
			return nil
		}
		data := bytes.Clone(buf.Bytes())
		part := int64(len(data))
		if sent+part > size {
			part = max(size-sent, 0)
		}
		sent += part
		buf.Reset()
		n = 0
		return send(job{name: name, first: first, f: f, data: data, size: part})
	}
	for sc.Scan() {
		line++
		if n == 0 {
			first = line
		}
		buf.Write(sc.Bytes())
		buf.WriteByte('\n')
		n++
		if n >= batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s line %d: %w", name, line+1, err)
	}
	return flush()
}

// lineOffset reads the 1-based index a submitter put in where ("#3") and
// returns it 0-based.
func lineOffset(where string) int {
	var i int
	if _, err := fmt.Sscanf(where, "#%d", &i); err != nil || i < 1 {
		return 0
	}
	return i - 1
}
