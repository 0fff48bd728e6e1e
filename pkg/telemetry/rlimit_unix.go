//go:build unix

package telemetry

import (
	"fmt"
	"syscall"
)

// RaiseFileLimit raises the soft limit on open files (RLIMIT_NOFILE) to
// the hard limit and returns the soft limit in force afterwards. (The Go
// runtime does the same at start on most systems; this makes it explicit
// and tells the caller the figure.)
func RaiseFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("read the open files limit: %w", err)
	}
	if lim.Cur < lim.Max {
		raised := lim
		raised.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err != nil {
			return uint64(lim.Cur), fmt.Errorf("raise the open files limit from %d to %d: %w", lim.Cur, lim.Max, err)
		}
		lim = raised
	}
	return uint64(lim.Cur), nil
}
