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

// SetMemoryLimit sets the Go runtime's soft memory limit from a size
// (ParseBytes syntax; "0" or "" leaves it unset). The GOMEMLIMIT
// environment variable, when set, wins.
func SetMemoryLimit(size string) error {
	if os.Getenv("GOMEMLIMIT") != "" || size == "" {
		return nil
	}
	n, err := ParseBytes(size)
	if err != nil {
		return fmt.Errorf("memory limit: %w", err)
	}
	if n > 0 {
		debug.SetMemoryLimit(n)
	}
	return nil
}
