package telemetry

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
)

// residentAnonymous returns the resident anonymous memory of this process
// (heap, stacks, the Go runtime's own memory) in bytes, read from
// /proc/self/status, or false where there is no such file.
// process_resident_memory_bytes also counts resident pages of mapped files
// (the embedded index's segments), which the kernel can drop.
func residentAnonymous() (float64, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	return parseRssAnon(b)
}

// parseRssAnon reads the "RssAnon:   1234 kB" line of a /proc status file.
func parseRssAnon(status []byte) (float64, bool) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("RssAnon:"))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) != 2 || string(f[1]) != "kB" {
			return 0, false
		}
		kb, err := strconv.ParseUint(string(f[0]), 10, 64)
		if err != nil {
			return 0, false
		}
		return float64(kb) * 1024, true
	}
	return 0, false
}
