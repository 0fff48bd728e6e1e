// Package version reports the build's version and VCS revision.
package version

import "runtime/debug"

// These are set at link time with
// -ldflags "-X github.com/newsflow/newsflow/pkg/version.version=v1.2.3 -X ...revision=abc".
var (
	version  = "dev"
	revision = ""
)

// Version returns the release version, "dev" for a development build.
func Version() string { return version }

// Revision returns the VCS revision the binary was built from, or "unknown".
func Revision() string {
	if revision != "" {
		return revision
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return "unknown"
}
