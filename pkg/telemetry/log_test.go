package telemetry

import (
	"os"
	"path/filepath"
	"testing"
)

// TestColour: a file is never coloured; a character device (a terminal)
// is, unless NO_COLOR is set.
func TestColour(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	t.Setenv("NO_COLOR", "")
	if Colour(f) {
		t.Error("a regular file is coloured")
	}
	// /dev/null is a character device as a terminal is.
	tty, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tty.Close() }()
	if !Colour(tty) {
		t.Error("a terminal without NO_COLOR is not coloured")
	}
	t.Setenv("NO_COLOR", "1")
	if Colour(tty) {
		t.Error("NO_COLOR=1: still coloured")
	}
}
