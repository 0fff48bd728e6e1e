package telemetry

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
)

// ContainerMemoryLimit returns the memory limit of the cgroup this process
// runs in (a container's --memory, a pod's limits.memory, a systemd
// MemoryMax), read from /proc/self/cgroup and /sys/fs/cgroup, cgroup v2
// (memory.max) or v1 (memory.limit_in_bytes), or false when there is none.
// The lowest limit of the cgroup and its ancestors counts.
func ContainerMemoryLimit() (int64, bool) {
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return 0, false
	}
	return cgroupMemoryLimit(self, os.DirFS("/sys/fs/cgroup"))
}

// unlimited is where cgroup v1 reports "no limit" (a page-rounded
// MaxInt64); larger than any machine's memory.
const unlimited = 1 << 62

// cgroupMemoryLimit reads the limit of the cgroup named in self (the text
// of /proc/self/cgroup) from sys (/sys/fs/cgroup). A container usually sees
// its own cgroup as the root of sys while self names its path on the host,
// so each ancestor of that path is tried both where self puts it and at the
// root.
func cgroupMemoryLimit(self []byte, sys fs.FS) (int64, bool) {
	var best int64
	found := false
	take := func(n int64, ok bool) {
		if ok && n < unlimited && (!found || n < best) {
			best, found = n, true
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(self))
	for sc.Scan() {
		// hierarchy-ID:controllers:path
		f := strings.SplitN(sc.Text(), ":", 3)
		if len(f) != 3 {
			continue
		}
		var dir, file string
		switch {
		case f[0] == "0" && f[1] == "":
			dir, file = ".", "memory.max" // v2: the one unified hierarchy
		case hasController(f[1], "memory"):
			dir, file = "memory", "memory.limit_in_bytes" // v1
		default:
			continue
		}
		for p := path.Clean("/" + f[2]); ; p = path.Dir(p) {
			take(readLimit(sys, path.Join(dir, p[1:], file)))
			if p == "/" {
				break
			}
		}
	}
	return best, found
}

func hasController(list, name string) bool {
	for c := range strings.SplitSeq(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}

// readLimit reads a memory.max or memory.limit_in_bytes file: a number of
// bytes, or "max" (no limit).
func readLimit(sys fs.FS, name string) (int64, bool) {
	b, err := fs.ReadFile(sys, name)
	if err != nil {
		return 0, false
	}
	s := strings.TrimSpace(string(b))
	if s == "max" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}
