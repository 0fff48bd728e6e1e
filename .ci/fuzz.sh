#!/usr/bin/env bash
# Runs every Fuzz target of the workspace for a bounded time each.
# FUZZTIME (make test-fuzz: 6s; alone: 10s) is the budget per target; the seed corpus of each
# target (f.Add and testdata/fuzz) also runs as part of `go test`.
#
# Each package's instrumented test binary is built once (`go test -c
# -fuzz`) and run for each of its targets from the package's directory, as
# `go test -fuzz` would run it, with the same corpus cache in GOCACHE/fuzz:
# linking a binary per target took about a third of the suite's time.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-10s}
modules=(pkg services/ingest services/enrich services/index services/poller services/watch cmd/newsflow deploy)
bindir=$(mktemp -d)
trap 'rm -rf "$bindir"' EXIT
cache="$(go env GOCACHE)/fuzz"
n=0
for m in "${modules[@]}"; do
  while IFS= read -r dir; do
    fns=$(grep -ohE '^func (Fuzz[A-Za-z0-9_]+)\(' "$dir"/*_test.go | sed -E 's/^func (Fuzz[A-Za-z0-9_]+)\(/\1/' | sort)
    [ -n "$fns" ] || continue
    pkg="./$dir"
    importpath=$(go list -f '{{.ImportPath}}' "$pkg")
    bin="$bindir/$(echo "$dir" | tr / _).test"
    first=$(echo "$fns" | head -1)
    echo "== build $pkg (fuzz instrumented)"
    go test -c -fuzz "^${first}\$" -o "$bin" "$pkg"
    for fn in $fns; do
      echo "== fuzz $pkg $fn ($FUZZTIME)"
      (cd "$dir" && "$bin" -test.run '^$' -test.fuzz "^${fn}\$" -test.fuzztime "$FUZZTIME" \
        -test.fuzzcachedir "$cache/$importpath" -test.timeout 10m)
      n=$((n+1))
    done
  done < <(grep -rl --include='*_test.go' -E '^func Fuzz' "$m" | xargs -n1 dirname | sort -u)
done
echo "fuzzed $n targets for $FUZZTIME each"
