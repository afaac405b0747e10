#!/usr/bin/env bash
# Kolabpad vs ShareDB under the same Node.js client workload (driver.mjs), one system after the other,
# each server fresh on 127.0.0.1: 50 authors on one document, 1,000 keystrokes/s in total, DURATION s.
# Usage: bash bench/sharedb/run.sh    Env: DURATION (20), CLIENTS (50), RATE (1000 total), IDLE (1000),
#        OUT (reports, default /tmp/kolabpad-sharedb), SERVER (default build/server/kolabpad-server).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SERVER="${SERVER:-$ROOT/build/server/kolabpad-server}"
OUT="${OUT:-/tmp/kolabpad-sharedb}"
DURATION="${DURATION:-20}" CLIENTS="${CLIENTS:-50}" RATE="${RATE:-1000}" IDLE="${IDLE:-1000}"
if [ ! -x "$SERVER" ]; then
  (cd "$ROOT" && cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null && cmake --build build -j2)
fi
[ -d "$HERE/node_modules/sharedb" ] || npm install --prefix "$HERE" --no-audit --no-fund
[ -f "$ROOT/node_modules/@kolabpad/ot/package.json" ] || { echo "build the wasm package first (npm run build)" >&2; exit 1; }
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)"
TMP="$(mktemp -d)"
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
drive() {
  node "$HERE/driver.mjs" --system "$1" --url "ws://127.0.0.1:$PORT" --server-pid "$PID" --clients "$CLIENTS" \
    --total-rate "$RATE" --duration "$DURATION" --idle "$IDLE" --json "$OUT/$1.json"
}

status=0
start kolabpad SQLITE_URI="$TMP/kolabpad.db" "$SERVER"
drive kolabpad || status=$?
stop
start sharedb node "$HERE/sharedb_server.mjs"
drive sharedb || status=$?
stop
node "$HERE/compare.mjs" "$OUT/kolabpad.json" "$OUT/sharedb.json" | tee "$OUT/comparison.md"
exit "$status"
