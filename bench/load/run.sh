#!/usr/bin/env bash
# The Kolabpad load scenarios of issue 6, each against a fresh server on 127.0.0.1 with its own SQLite
# file: 1,000 authors on one document, 10 writers flat out with each SQLITE_SYNCHRONOUS mode (then
# kill -9 and count the log in SQLite), 10,000 idle connections over 1,000 documents.
# Usage: bash bench/load/run.sh [authors|flatout|flatout-normal|flatout-memory|idle|all]
#        (all = every scenario but flatout-memory, a diagnostic without durability)
# Env: OUT (JSON reports, default /tmp/kolabpad-load), DURATION (seconds per scenario, default 20),
#      SERVER, LOAD (binaries, default build/server/kolabpad-server and build/bench/load/kolabpad-load).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SERVER="${SERVER:-$ROOT/build/server/kolabpad-server}"
LOAD="${LOAD:-$ROOT/build/bench/load/kolabpad-load}"
OUT="${OUT:-/tmp/kolabpad-load}"
DURATION="${DURATION:-20}"
WHICH="${1:-all}"
for b in "$SERVER" "$LOAD"; do
  [ -x "$b" ] || { echo "missing $b: build first (cmake --build build -j2)" >&2; exit 1; }
done
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)"  # the server holds one descriptor per connection, and so does the tool
TMP="$(mktemp -d)"
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

# start_server NAME [VAR=value...]: a fresh server with its own database; sets SERVER_PID, PORT, DB.
start_server() {
  local name=$1; shift
  DB="$TMP/$name.db"
  env PORT=0 HOST=127.0.0.1 SQLITE_URI="$DB" "$@" "$SERVER" 2>"$OUT/$name.server.log" &
  SERVER_PID=$!
  for _ in $(seq 100); do grep -q 'listening on http://' "$OUT/$name.server.log" && break; sleep 0.1; done
  PORT=$(grep -o 'listening on http://[0-9.]*:[0-9]*' "$OUT/$name.server.log" | head -1 | sed 's/.*://')
  [ -n "$PORT" ] || { echo "server did not start:" >&2; cat "$OUT/$name.server.log" >&2; exit 1; }
}
stop_server() { kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=""; }
json() { node -e "const r=require(process.argv[1]); console.log($2)" "$1"; }

status=0
if [ "$WHICH" = all ] || [ "$WHICH" = authors ]; then
  echo "== 1,000 authors on one document, 2 keystrokes/s each, ${DURATION} s"
  start_server authors
  "$LOAD" --url "ws://127.0.0.1:$PORT" --docs 1 --clients-per-doc 1000 --rate 2 --threads 2 --duration "$DURATION" --drain-timeout 60 \
    --server-pid "$SERVER_PID" --json "$OUT/authors.json" || status=$?
  stop_server
fi
# flatout NAME [VAR=value...]: 10 writers flat out, then kill -9 and count the acknowledged edits in SQLite.
flatout() {
  local name=$1; shift
  # The default rate limit is for people; a flat-out script is meant to exceed it. Keep the whole log.
  start_server "$name" RATE_LIMIT_MESSAGES_PER_SECOND=1000000 RATE_LIMIT_BURST=1000000 LOG_RETENTION_OPS=100000000 "$@"
  "$LOAD" --url "ws://127.0.0.1:$PORT" --docs 1 --clients-per-doc 10 --flat-out --duration "$DURATION" \
    --server-pid "$SERVER_PID" --json "$OUT/$name.json" || status=$?
  kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
  doc="load-$(json "$OUT/$name.json" 'r.config.run_id')-0"
  acked=$(json "$OUT/$name.json" 'r.accepted_edits')
  read -r rows span < <(sqlite3 -separator ' ' "$DB" \
    "SELECT COUNT(*), COALESCE(MAX(revision)-MIN(revision)+1,0) FROM operations WHERE document='$doc'")
  echo "  durable: $rows log rows in SQLite (revision span $span) for $acked acknowledged edits"
  node -e "const f=require('fs'),p=process.argv[1],r=JSON.parse(f.readFileSync(p));
    r.durable={sqlite_rows:+process.argv[2],revision_span:+process.argv[3],acknowledged:+process.argv[4]};
    f.writeFileSync(p, JSON.stringify(r,null,2)+'\n')" "$OUT/$name.json" "$rows" "$span" "$acked"
  if [ "$rows" -lt "$acked" ]; then echo "  DURABILITY FAILED: acknowledged edits missing from SQLite" >&2; status=1; fi
}
if [ "$WHICH" = all ] || [ "$WHICH" = flatout ]; then
  echo "== 10 writers flat out on one document, ${DURATION} s, SQLITE_SYNCHRONOUS=full, then kill -9 and count the log"
  flatout flatout
fi
if [ "$WHICH" = all ] || [ "$WHICH" = flatout-normal ]; then
  echo "== the same with SQLITE_SYNCHRONOUS=normal (no fsync per commit; still safe against kill -9, not power loss)"
  flatout flatout-normal SQLITE_SYNCHRONOUS=normal
fi
if [ "$WHICH" = flatout-memory ]; then
  echo "== the same flat-out run with SQLITE_URI=:memory: (no durability: separates the commit cost from CPU)"
  start_server flatout-memory SQLITE_URI=:memory: RATE_LIMIT_MESSAGES_PER_SECOND=1000000 RATE_LIMIT_BURST=1000000
  "$LOAD" --url "ws://127.0.0.1:$PORT" --docs 1 --clients-per-doc 10 --flat-out --duration "$DURATION" \
    --server-pid "$SERVER_PID" --json "$OUT/flatout-memory.json" || status=$?
  stop_server
fi
if [ "$WHICH" = all ] || [ "$WHICH" = idle ]; then
  echo "== 10,000 idle connections over 1,000 documents, held ${DURATION} s"
  start_server idle
  "$LOAD" --url "ws://127.0.0.1:$PORT" --docs 1000 --clients-per-doc 10 --idle --duration "$DURATION" \
    --server-pid "$SERVER_PID" --json "$OUT/idle.json" || status=$?
  stop_server
fi
echo "JSON reports in $OUT"
exit "$status"
