package compose_test

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// failures holds the first failure of each test, to repeat after the
// container logs that a failed test dumps: a CI log cut to its tail must
// still say what failed.
var failures sync.Map // test name -> string

func record(t testing.TB, msg string) {
	failures.LoadOrStore(t.Name(), msg)
}

func fatalf(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	record(t, msg)
	t.Fatal(msg)
}

func fatal(t testing.TB, args ...any) {
	t.Helper()
	msg := fmt.Sprint(args...)
	record(t, msg)
	t.Fatal(msg)
}

func errorf(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	record(t, msg)
	t.Error(msg)
}

// failure returns the first failure recorded for t, if any.
func failure(t testing.TB) (string, bool) {
	v, ok := failures.Load(t.Name())
	if !ok {
		return "", false
	}
	return v.(string), true
}

var (
	logStamp  = regexp.MustCompile(`\d{4}[/-]\d\d[/-]\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?Z?`)
	logNumber = regexp.MustCompile(`\d+`)
)

// squeeze keeps the first of the log lines that differ only in their
// timestamps and numbers (a node retrying a route to a killed peer logs the
// same line every second), and says how many it left out.
func squeeze(logs string) string {
	var out strings.Builder
	seen := map[string]bool{}
	left := 0
	for l := range strings.SplitSeq(logs, "\n") {
		prefix, msg, ok := strings.Cut(l, " | ")
		if !ok {
			prefix, msg = "", l
		}
		key := prefix + "|" + logNumber.ReplaceAllString(logStamp.ReplaceAllString(msg, ""), "N")
		if seen[key] {
			left++
			continue
		}
		seen[key] = true
		out.WriteString(l)
		out.WriteByte('\n')
	}
	if left > 0 {
		fmt.Fprintf(&out, "(%d lines like those above left out)\n", left)
	}
	return out.String()
}

func TestSqueeze(t *testing.T) {
	in := "nats-3_1 | [1] 2026/11/26 00:23:38.577794 [ERR] Error trying to connect to route (attempt 28): lookup nats-1\n" +
		"nats-2_1 | [1] 2026/11/26 00:23:38.577794 [ERR] Error trying to connect to route (attempt 28): lookup nats-1\n" +
		"nats-3_1 | [1] 2026/11/26 00:23:39.577794 [ERR] Error trying to connect to route (attempt 29): lookup nats-1\n" +
		"index_1 | {\"level\":\"info\",\"msg\":\"indexed\"}"
	want := "nats-3_1 | [1] 2026/11/26 00:23:38.577794 [ERR] Error trying to connect to route (attempt 28): lookup nats-1\n" +
		"nats-2_1 | [1] 2026/11/26 00:23:38.577794 [ERR] Error trying to connect to route (attempt 28): lookup nats-1\n" +
		"index_1 | {\"level\":\"info\",\"msg\":\"indexed\"}\n" +
		"(1 lines like those above left out)\n"
	if got := squeeze(in); got != want {
		t.Errorf("squeeze:\n%s\nwant:\n%s", got, want)
	}
}
