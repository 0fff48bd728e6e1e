package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/corpus"
)

// tourStart opens the README's tour; the sh block after it is the tour.
const tourStart = "A five-line tour"

func readmeText(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// readmeTour returns the command lines of the README's tour.
func readmeTour(t *testing.T) []string {
	t.Helper()
	_, rest, ok := strings.Cut(readmeText(t), tourStart)
	if !ok {
		t.Fatalf("README.md has no %q", tourStart)
	}
	_, rest, ok = strings.Cut(rest, "```sh\n")
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("README.md: the tour's sh block is not closed")
	}
	var lines []string
	for _, l := range strings.Split(block, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	return lines
}

// shellWords splits a command line as sh does for the tour's simple
// lines: words, '...' and "..." quotes, a # comment.
func shellWords(line string) []string {
	var words []string
	var w strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\'' || c == '"':
			j := strings.IndexByte(line[i+1:], c)
			if j < 0 {
				j = len(line) - i - 1
			}
			w.WriteString(line[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case c == '#' && !inWord:
			return words
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

// newIDLine is how publish prints a new article's id.
var newIDLine = regexp.MustCompile(`(?m)^  new (\S+)  `)

// TestReadmeTour runs the README's tour as written (bin/newsflow is this
// package's run) against newsflow up on non-default ports, with the
// environment up's start-up hints say to export, and the corpus in place of
// ../shared/corpus. Every command must succeed; the searches are retried
// until the stages have indexed what the tour published.
func TestReadmeTour(t *testing.T) {
	dir := corpus.Dir(t)
	lines := readmeTour(t)
	if len(lines) < 5 || !strings.Contains(readmeText(t), foreignID) {
		t.Fatalf("the tour has %d commands: %q", len(lines), lines)
	}
	data := t.TempDir()
	p := startPipeline(t, data)
	hints := upHints("bin/newsflow", p.HTTPAddr(), p.NATSURL(), data)
	exported := 0
	for _, l := range strings.Split(hints, "\n") {
		l = strings.TrimSpace(strings.TrimPrefix(l, "or set them once:"))
		rest, ok := strings.CutPrefix(l, "export ")
		if !ok {
			continue
		}
		for _, kv := range strings.Fields(rest) {
			k, v, _ := strings.Cut(kv, "=")
			t.Setenv(k, v)
			exported++
		}
	}
	if exported < 2 {
		t.Fatalf("up's hints export nothing to use:\n%s", hints)
	}
	base := "http://" + p.HTTPAddr()
	id := ""
	for _, line := range lines {
		words := shellWords(line)
		for i, w := range words {
			if rest, ok := strings.CutPrefix(w, "../shared/corpus"); ok {
				words[i] = dir + rest
			}
			if w == "<ID>" {
				if id == "" {
					t.Fatalf("%s: no id printed by the publish before", line)
				}
				words[i] = id
			}
		}
		switch {
		case words[0] == "curl":
			checkTourCurl(t, line, words, base)
		case words[0] == "bin/newsflow" && len(words) > 2 && words[1] == "sources" && words[2] == "add":
			t.Logf("%s: not run (it fetches a site on the Internet)", line)
		case words[0] == "bin/newsflow":
			out := runTourCommand(t, line, words[1:])
			if m := newIDLine.FindStringSubmatch(out); m != nil && id == "" {
				id = m[1]
			}
		default:
			t.Errorf("%s: not a command the tour test knows", line)
		}
	}
}

// runTourCommand runs one newsflow command of the tour; searches and gets
// are retried while the pipeline has not indexed their article yet.
func runTourCommand(t *testing.T, line string, args []string) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, out := cli(t, args...)
		retry := args[0] == "get" && code != 0 ||
			args[0] == "search" && (code != 0 || strings.Contains(out, "no articles found") || strings.Contains(out, `"total":0`))
		if !retry && (code == 0 || code == 1 && onlyForeignIDs(out)) {
			return out
		}
		if !retry || time.Now().After(deadline) {
			t.Errorf("%s: exit %d:\n%s", line, code, out)
			return out
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// foreignID is the reason the README's tour gives for the rejections of
// its feeds publish: the sample bg feed reuses ids of bg.jsonl.
const foreignID = "belongs to another source"

// onlyForeignIDs reports whether a publish that exited 1 rejected articles
// for foreignID only, as the tour says it will.
func onlyForeignIDs(out string) bool {
	n := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "  rejected ") {
			if !strings.Contains(l, foreignID) {
				return false
			}
			n++
		}
	}
	return n > 0
}

// checkTourCurl fetches the URL of a "curl -s URL | grep PATTERN" line from
// this pipeline and checks the pattern is in the answer.
func checkTourCurl(t *testing.T, line string, words []string, base string) {
	t.Helper()
	var url, pattern string
	for i, w := range words {
		if strings.Contains(w, "127.0.0.1:8080") {
			url = "http://" + strings.TrimPrefix(strings.Replace(w, "127.0.0.1:8080", strings.TrimPrefix(base, "http://"), 1), "http://")
		}
		if w == "grep" && i+1 < len(words) {
			pattern = words[i+1]
		}
	}
	if url == "" || pattern == "" {
		t.Errorf("%s: no URL or pattern", line)
		return
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Errorf("%s: %v", line, err)
		return
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), pattern) {
		t.Errorf("%s: %s, %q not in the answer", line, resp.Status, pattern)
	}
}
