// Package faulttest helps the fault suite (tests named TestFault*, run by
// `make test-faults` as root in CI) set up what it breaks: a small tmpfs
// to fill, a ballast file to fill it with.
package faulttest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/newsflow/newsflow/pkg/storage"
)

// Tmpfs mounts a tmpfs of size (as mount's size= option: "100m") on a
// fresh directory and unmounts it when the test ends. Without root it
// skips the test, except under CI=true, where the fault suite must run.
func Tmpfs(t testing.TB, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("the fault suite runs as root under CI (it mounts a tmpfs)")
		}
		t.Skip("mounting a tmpfs needs root; run the fault suite as root (make test-faults)")
	}
	dir := filepath.Join(t.TempDir(), "mnt")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// Ballast writes a file in dir that leaves only free bytes free on its
// file system (0: fills it) and returns its path.
func Ballast(t testing.TB, dir string, free uint64) string {
	t.Helper()
	avail, _, err := storage.Free(dir)
	if err != nil {
		t.Fatal(err)
	}
	if avail <= free {
		t.Fatalf("only %d bytes free on %s, want more than %d", avail, dir, free)
	}
	path := filepath.Join(dir, "ballast")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	chunk := make([]byte, 1<<20)
	for left := avail - free; left > 0; {
		n := min(left, uint64(len(chunk)))
		if _, err := f.Write(chunk[:n]); err != nil {
			if free == 0 {
				break // full, as asked
			}
			t.Fatal(err)
		}
		left -= n
	}
	return path
}
