// Package corpus locates the shared test corpus (real articles that are not
// ours to redistribute, so they live outside the repository). Tests and
// benchmarks that need it call Dir: outside this environment they skip with
// a message, but under CI=true a missing corpus fails the test.
package corpus

import (
	"os"
	"path/filepath"
	"testing"
)

// EnvVar overrides the corpus location.
const EnvVar = "NEWSFLOW_CORPUS"

// Find returns the corpus directory: $NEWSFLOW_CORPUS, or ../shared/corpus
// next to the repository root (the directory holding go.work). It returns
// "" when there is none.
func Find() string {
	if d := os.Getenv(EnvVar); d != "" {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
		return ""
	}
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			c := filepath.Join(filepath.Dir(dir), "shared", "corpus")
			if st, err := os.Stat(c); err == nil && st.IsDir() {
				return c
			}
			return ""
		}
		if filepath.Dir(dir) == dir {
			return ""
		}
	}
}

// Dir returns the corpus directory or ends the test: Skip normally, Fatal
// when CI=true, where a missing corpus is a broken environment.
func Dir(tb testing.TB) string {
	tb.Helper()
	d := Find()
	if d != "" {
		return d
	}
	if os.Getenv("CI") == "true" {
		tb.Fatalf("test corpus not found: set %s or place it at ../shared/corpus beside the repository", EnvVar)
	}
	tb.Skipf("test corpus not found (set %s or place it at ../shared/corpus); skipping", EnvVar)
	return ""
}

// Path returns a file of the corpus, ending the test like Dir when the
// corpus is missing.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	return filepath.Join(append([]string{Dir(tb)}, elem...)...)
}
