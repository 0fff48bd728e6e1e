//go:build chaos

package chaos_test

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// repoRoot is the directory holding go.work.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for ; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		if filepath.Dir(dir) == dir {
			t.Fatal("go.work not found above the test's directory")
		}
	}
}

// binaries returns a directory holding ingest, enrich, index and
// nats-server: $NEWSFLOW_BIN (make test-chaos builds them there), or a
// fresh build.
func binaries(t *testing.T) string {
	t.Helper()
	names := []string{"ingest", "enrich", "index", "nats-server"}
	if dir := os.Getenv("NEWSFLOW_BIN"); dir != "" {
		for _, n := range names {
			if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
				t.Fatalf("NEWSFLOW_BIN=%s lacks %s (make test-chaos builds it): %v", dir, n, err)
			}
		}
		return dir
	}
	dir := t.TempDir()
	root := repoRoot(t)
	for _, args := range [][]string{
		{"build", "-o", dir + "/", "./services/ingest/cmd/ingest", "./services/enrich/cmd/enrich", "./services/index/cmd/index"},
		{"build", "-o", filepath.Join(dir, "nats-server"), "github.com/nats-io/nats-server/v2"},
	} {
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %v: %v\n%s", args, err, out)
		}
	}
	return dir
}

// freePort returns a TCP port nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port
}

// proc is one OS process of the test, which the driver kills and restarts.
type proc struct {
	name, kind string
	bin        string
	args       []string
	env        []string
	logPath    string

	mu        sync.Mutex
	cmd       *exec.Cmd
	exited    chan struct{}
	killing   bool
	starts    int
	kills     int
	selfExits []string // exits the driver did not cause
}

func (p *proc) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	f, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(f, "---- start %d at %s\n", p.starts+1, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	p.starts++
	p.cmd, p.killing = cmd, false
	exited := make(chan struct{})
	p.exited = exited
	go func() {
		err := cmd.Wait()
		_ = f.Close()
		p.mu.Lock()
		if !p.killing {
			p.selfExits = append(p.selfExits, fmt.Sprintf("%s exited by itself: %v", p.name, err))
		}
		p.mu.Unlock()
		close(exited)
	}()
	return nil
}

func (p *proc) running() bool {
	p.mu.Lock()
	ch := p.exited
	p.mu.Unlock()
	if ch == nil {
		return false
	}
	select {
	case <-ch:
		return false
	default:
		return true
	}
}

// signal sends sig and waits for the process to end, SIGKILLing it after
// grace.
func (p *proc) signal(sig syscall.Signal, grace time.Duration) error {
	p.mu.Lock()
	cmd, ch := p.cmd, p.exited
	p.killing = true
	if sig == syscall.SIGKILL {
		p.kills++
	}
	p.mu.Unlock()
	if cmd == nil {
		return nil
	}
	if err := cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signal %s: %w", p.name, err)
	}
	select {
	case <-ch:
		return nil
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		<-ch
		return fmt.Errorf("%s did not stop within %s after %s", p.name, grace, sig)
	}
}

func (p *proc) counts() (starts, kills int, selfExits []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.starts, p.kills, append([]string(nil), p.selfExits...)
}

// waitPort waits until something accepts connections on addr.
func waitPort(addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			_ = c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("nothing listens on %s after %s", addr, within)
}
