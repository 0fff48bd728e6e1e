package telemetry

import (
	"fmt"
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
	if n > 0 {
		debug.SetMemoryLimit(n)
	}
	return nil
}

// fitMemoryLimit returns the lower of n and ContainerShare of a container's
// limit c, when limited; n 0 (no limit) stays 0.
func fitMemoryLimit(n, c int64, limited bool) int64 {
	if share := int64(float64(c) * ContainerShare); limited && n > share {
		return share
	}
	return n
}
