#!/usr/bin/env bash
# Starts Debian's PostgreSQL cluster (15/main), creates the role and database
# the tests use, and prints the URL to export as NEWSFLOW_TEST_POSTGRES.
# Idempotent: safe to run when the cluster is already up.
set -euo pipefail
# The first cluster Debian created (15/main on bookworm); make one if none.
read -r VER NAME _ < <(pg_lsclusters -h | head -1) || true
if [ -z "${VER:-}" ]; then
  VER=$(ls /usr/lib/postgresql | sort -n | tail -1)
  NAME=main
  pg_createcluster "$VER" "$NAME" >&2
fi
pg_ctlcluster "$VER" "$NAME" start >&2 2>/dev/null || true
for _ in $(seq 1 50); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 0.2
done
psql_su() { su postgres -c "psql -v ON_ERROR_STOP=1 -qtA $*"; }
if [ "$(psql_su "-c \"SELECT 1 FROM pg_roles WHERE rolname='newsflow'\"")" != 1 ]; then
  psql_su "-c \"CREATE ROLE newsflow LOGIN CREATEDB PASSWORD 'newsflow'\""
fi
if [ "$(psql_su "-c \"SELECT 1 FROM pg_database WHERE datname='newsflow_test'\"")" != 1 ]; then
  psql_su "-c \"CREATE DATABASE newsflow_test OWNER newsflow\""
fi
echo "postgres://newsflow:newsflow@127.0.0.1:5432/newsflow_test?sslmode=disable"
