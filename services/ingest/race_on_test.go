//go:build race

package ingest

// raceEnabled: the race detector multiplies memory use (5-10 times), so
// memory bounds are logged, not asserted.
const raceEnabled = true
