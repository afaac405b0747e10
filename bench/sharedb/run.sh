#!/usr/bin/env bash
# Kolabpad vs ShareDB under the same Node.js client workload (driver.mjs), one system after the other,
# each server fresh on 127.0.0.1, two workloads of issue 12:
#   rate50:          50 authors on one document, 5 keystrokes/s each (250/s in total), then IDLE idle
#                    connections for memory per connection;
#   flatout-readers: 4 authors flat out (next edit as soon as the last is acknowledged) + 46 thin readers.
# Server CPU is split into user and kernel; a run whose driver saturated is marked INVALID.
# Usage: bash bench/sharedb/run.sh [rate50|flatout-readers|all]
# Env: DURATION (10), CLIENTS (50), RATE (250 total), IDLE (1000), WRITERS (4), READERS (46),
#      OUT (reports, default /tmp/kolabpad-sharedb), SERVER (default build/server/kolabpad-server).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SERVER="${SERVER:-$ROOT/build/server/kolabpad-server}"
OUT="${OUT:-/tmp/kolabpad-sharedb}"
DURATION="${DURATION:-10}" CLIENTS="${CLIENTS:-50}" RATE="${RATE:-250}" IDLE="${IDLE:-1000}"
WRITERS="${WRITERS:-4}" READERS="${READERS:-46}"
WHICH="${1:-all}"
if [ ! -x "$SERVER" ]; then
  (cd "$ROOT" && cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null && cmake --build build -j2 --target kolabpad-server)
fi
[ -d "$HERE/node_modules/sharedb" ] || npm install --prefix "$HERE" --no-audit --no-fund
[ -f "$ROOT/node_modules/@kolabpad/ot/package.json" ] || { echo "build the wasm package first (npm run build)" >&2; exit 1; }
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)"
TMP="$(mktemp -d "$ROOT/build/sharedb-XXXXXX" 2>/dev/null || mktemp -d)"  # on the disk, not tmpfs
PID=""
cleanup() { [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

# start NAME COMMAND...: runs a server with PORT=0 and waits for its "listening on" line; sets PID, PORT.
start() {
  local name=$1; shift
  env PORT=0 HOST=127.0.0.1 "$@" 2>"$OUT/$name.server.log" &
  PID=$!
  for _ in $(seq 100); do grep -q 'listening on http://' "$OUT/$name.server.log" && break; sleep 0.1; done
  PORT=$(grep -o 'listening on http://[0-9.]*:[0-9]*' "$OUT/$name.server.log" | head -1 | sed 's/.*://')
  [ -n "$PORT" ] || { echo "$name did not start:" >&2; cat "$OUT/$name.server.log" >&2; exit 1; }
}
stop() { kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; PID=""; }
# drive SYSTEM WORKLOAD DRIVER-ARGS...
drive() {
  local system=$1 workload=$2; shift 2
  node "$HERE/driver.mjs" --system "$system" --url "ws://127.0.0.1:$PORT" --server-pid "$PID" --duration "$DURATION" \
    --json "$OUT/$workload-$system.json" "$@"
}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"

status=0
# workload NAME SERVER-ENV -- DRIVER-ARGS...: both systems, then the comparison table.
workload() {
  local name=$1; shift
  local env=()
  while [ "$1" != -- ]; do env+=("$1"); shift; done
  shift
  echo "== $name"
  start kolabpad SQLITE_URI="$TMP/$name.db" "${env[@]}" "$SERVER"
  drive kolabpad "$name" "$@" || status=$?
  stop
  start sharedb node "$HERE/sharedb_server.mjs"
  drive sharedb "$name" "$@" || status=$?
  stop
  node "$HERE/compare.mjs" "$OUT/$name-kolabpad.json" "$OUT/$name-sharedb.json" | tee "$OUT/$name.md"
}
if [ "$WHICH" = all ] || [ "$WHICH" = rate50 ]; then
  workload rate50 -- --clients "$CLIENTS" --total-rate "$RATE" --idle "$IDLE"
fi
if [ "$WHICH" = all ] || [ "$WHICH" = flatout-readers ]; then
  # The default rate limit is for people; a flat-out script is meant to exceed it.
  workload flatout-readers RATE_LIMIT_MESSAGES_PER_SECOND=1000000 RATE_LIMIT_BURST=1000000 -- \
    --clients "$WRITERS" --readers "$READERS" --flat-out --idle 0
fi
exit "$status"
