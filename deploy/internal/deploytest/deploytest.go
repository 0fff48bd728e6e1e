// Package deploytest holds what the deployment tests share: the repository
// root, the outside tools they run (promtool, prometheus, docker) and free
// loopback ports.
package deploytest

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// RepoRoot returns the repository's root directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the source of deploytest")
	}
	root, err := filepath.Abs(filepath.Join(filepath.Dir(file), "..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.work")); err != nil {
		t.Fatalf("repository root %s has no go.work: %v", root, err)
	}
	return root
}

// InCI reports whether the tests run under CI (CI=true), where a missing
// tool is a failure rather than a skip.
func InCI() bool { return os.Getenv("CI") == "true" }

// Tool returns the path of an outside program the test needs. It skips the
// test when the program is missing, and fails it under CI, where .ci/run
// installs it (hint says how).
func Tool(t testing.TB, name, hint string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if InCI() {
			t.Fatalf("%s is not installed (%s); .ci/run must install it", name, hint)
		}
		t.Skipf("%s is not installed (%s)", name, hint)
	}
	return p
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port
}
