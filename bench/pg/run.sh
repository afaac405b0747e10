#!/usr/bin/env bash
# Starts a private PostgreSQL 15 (scripts/services/) and runs kolabpad-pg-bench against it: commit
# latency for batches of 1, 10 and 100 in each write mode, and saturated throughput. Twice: with
# fsync=on (what a durable acknowledgement costs on this disk) and with fsync=off (the cost of the
# statements and round trips alone, which is where the write modes differ).
#   bash bench/pg/run.sh [--rounds N]
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake --build build -j2 --target kolabpad-pg-bench >/dev/null
version=$(/usr/lib/postgresql/15/bin/postgres --version | awk '{print $3}')
for fsync in on off; do
  echo "## PgStorage commit latency, fsync=$fsync ($(uname -m), $(nproc) cores, PostgreSQL $version, loopback TCP)"
  echo
  KOLABPAD_PG_FSYNC=$fsync bash scripts/services/run.sh \
    bash -c 'build/bench/pg/kolabpad-pg-bench "$KOLABPAD_TEST_DATABASE_URL" "$@"' _ "$@" | grep -v '^services:'
  echo
done
