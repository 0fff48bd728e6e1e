#!/usr/bin/env bash
# Runs every Fuzz target of the workspace for a bounded time each.
# FUZZTIME (default 10s) is the budget per target; the seed corpus of each
# target (f.Add and testdata/fuzz) also runs as part of `go test`.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-10s}
modules=(pkg services/ingest services/enrich services/index services/poller services/watch cmd/newsflow deploy)
n=0
for m in "${modules[@]}"; do
  while IFS= read -r file; do
    dir=$(dirname "$file")
    pkg="./$dir"
    for fn in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)\(' "$file" | sed -E 's/^func (Fuzz[A-Za-z0-9_]+)\(/\1/'); do
      echo "== fuzz $pkg $fn ($FUZZTIME)"
      go test -run '^$' -fuzz "^${fn}\$" -fuzztime "$FUZZTIME" "$pkg"
      n=$((n+1))
    done
  done < <(grep -rl --include='*_test.go' -E '^func Fuzz' "$m" | sort)
done
echo "fuzzed $n targets for $FUZZTIME each"
