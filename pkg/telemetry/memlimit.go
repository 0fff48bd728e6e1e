package telemetry

import (
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// ParseBytes reads a size such as "800MiB", "2GiB", "512MB" or "1048576".
func ParseBytes(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("size %q: want a number of bytes with an optional unit (KiB, MiB, GiB, KB, MB, GB)", s)
	}
	return n * mult, nil
}

// ContainerShare is the most of its cgroup's memory limit that
// SetMemoryLimit gives the Go runtime when asked to fit: the rest is for
// what the runtime does not count but the limit does (the index's
// memory-mapped segment files, the page cache of the files written, which
// the kernel must write back before it can drop them) and for the heap's
// overshoot.
const ContainerShare = 0.75

// SetMemoryLimit sets the Go runtime's soft memory limit from a size
// (ParseBytes syntax; "0" or "" leaves it unset). The GOMEMLIMIT
// environment variable, when set, wins. With fit, the limit is at most
// ContainerShare of the memory limit of the process's cgroup
// (ContainerMemoryLimit), so that a default chosen for a machine also holds
// in a smaller container.
func SetMemoryLimit(size string, fit bool) error {
	if os.Getenv("GOMEMLIMIT") != "" || size == "" {
		return nil
	}
	n, err := ParseBytes(size)
	if err != nil {
		return fmt.Errorf("memory limit: %w", err)
	}
	if fit {
		c, ok := ContainerMemoryLimit()
		n = fitMemoryLimit(n, c, ok)
	}
	if n == 0 {
		n = math.MaxInt64 // none, also in place of FitMemoryToContainer's
	}
	debug.SetMemoryLimit(n)
	return nil
}

// FitMemoryToContainer gives the Go runtime a soft memory limit of
// ContainerShare of the process's cgroup memory limit, when it has one and
// GOMEMLIMIT is not set; the worker binaries and every newsflow command
// call it at start. Without it the heap of a worker in a container grows
// to the runtime's default GC target regardless of the limit, and a
// GOMEMLIMIT equal to the whole limit leaves nothing for the index's
// mapped files and the page cache the limit also counts. It returns the
// soft limit set and the container's limit (0, 0 when it set none).
func FitMemoryToContainer() (soft, container int64) {
	return fitToContainer(os.Getenv("GOMEMLIMIT"), ContainerMemoryLimit, debug.SetMemoryLimit)
}

func fitToContainer(gomemlimit string, limit func() (int64, bool), set func(int64) int64) (soft, container int64) {
	if gomemlimit != "" {
		return 0, 0
	}
	c, ok := limit()
	if !ok {
		return 0, 0
	}
	soft = fitMemoryLimit(math.MaxInt64, c, true)
	set(soft)
	return soft, c
}

// fitMemoryLimit returns the lower of n and ContainerShare of a container's
// limit c, when limited; n 0 (no limit) stays 0.
func fitMemoryLimit(n, c int64, limited bool) int64 {
	if share := int64(float64(c) * ContainerShare); limited && n > share {
		return share
	}
	return n
}
