#!/usr/bin/env bash
# The Kolabpad load scenarios of issue 12, each run against a fresh server on 127.0.0.1 with its own
# SQLite file on the disk (not tmpfs), then one table of every run (bench/load/summarize.mjs):
#   authors          1,000 authors x 2 keystrokes/s on one document (10 keep the text, the rest its
#                    length), AUTHORS_RUNS runs (5)
#   rate50           50 authors x 5 keystrokes/s on one document, all keeping the text
#   flatout          the disk's fdatasync and the loopback round trip first, then 10 writers flat out with
#                    SQLITE_SYNCHRONOUS=full (kill -9, then every acknowledged edit must be in SQLite),
#                    then 100 writers (10 keep the text); prints the disk-bound limit and the achieved percentage
#   flatout-readers  4 writers flat out + 46 thin readers
#   flatout-normal, flatout-memory, idle   SQLITE_SYNCHRONOUS=normal; SQLITE_URI=:memory: (diagnostic);
#                    10,000 idle connections over 1,000 documents
# Every run reports the tool's own CPU; a run in which it saturated is INVALID (kolabpad-load exit 4).
# Usage: bash bench/load/run.sh [authors|rate50|flatout|flatout-readers|flatout-normal|flatout-memory|idle|all]
#        (all = authors rate50 flatout flatout-readers idle)
# Env: OUT (JSON reports, default /tmp/kolabpad-load), DURATION (seconds per run, default 10), RUNS (runs
#      of every scenario but authors, 1), AUTHORS_RUNS (5), SERVER, LOAD (binaries, default
#      build/server/kolabpad-server and build/bench/load/kolabpad-load), LOAD_ARGS (more kolabpad-load
#      options, e.g. "--threads 2"); any other variable (THREADS=..., STORAGE_COMMIT_WINDOW_MS=...)
#      reaches the server.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SERVER="${SERVER:-$ROOT/build/server/kolabpad-server}"
LOAD="${LOAD:-$ROOT/build/bench/load/kolabpad-load}"
OUT="${OUT:-/tmp/kolabpad-load}"
DURATION="${DURATION:-10}" RUNS="${RUNS:-1}" AUTHORS_RUNS="${AUTHORS_RUNS:-5}"
read -r -a EXTRA <<<"${LOAD_ARGS:-}"
WHICH="${1:-all}"
for b in "$SERVER" "$LOAD"; do
  [ -x "$b" ] || { echo "missing $b: build first (cmake --build build -j2 --target kolabpad-server kolabpad-load)" >&2; exit 1; }
done
mkdir -p "$OUT" "$ROOT/build"
ulimit -n "$(ulimit -Hn)"  # the server holds one descriptor per connection, and so does the tool
TMP="$(mktemp -d "$ROOT/build/load-XXXXXX")"  # the databases: on the project's disk, where fdatasync is real
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r);" \
  "server $SERVER; $(date -u +%FT%TZ)"

# start_server NAME [VAR=value...]: a fresh server with its own database; sets SERVER_PID, PORT, DB.
start_server() {
  local name=$1; shift
  DB="$TMP/$name.db"
  rm -f "$DB" "$DB-wal" "$DB-shm"
  env PORT=0 HOST=127.0.0.1 SQLITE_URI="$DB" "$@" "$SERVER" 2>"$OUT/$name.server.log" &
  SERVER_PID=$!
  for _ in $(seq 100); do grep -q 'listening on http://' "$OUT/$name.server.log" && break; sleep 0.1; done
  PORT=$(grep -o 'listening on http://[0-9.]*:[0-9]*' "$OUT/$name.server.log" | head -1 | sed 's/.*://')
  [ -n "$PORT" ] || { echo "server did not start:" >&2; cat "$OUT/$name.server.log" >&2; exit 1; }
}
stop_server() { kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=""; }
json() { node -e "const r=require(process.argv[1]); console.log($2)" "$1"; }
status=0
reports=()
# load NAME ARGS...: kolabpad-load against the running server, its report in $OUT/NAME.json.
load() {
  local name=$1; shift
  echo "-- $name (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  local rc=0
  "$LOAD" --url "ws://127.0.0.1:$PORT" --server-pid "$SERVER_PID" --duration "$DURATION" --json "$OUT/$name.json" \
    "$@" "${EXTRA[@]}" || rc=$?
  [ $rc -eq 4 ] && echo "   ^ INVALID run: the tool saturated or lagged; rerun it on a quieter machine"
  [ $rc -ne 0 ] && status=$rc
  reports+=("$OUT/$name.json")
}
# durable NAME: kill -9 the server, then count the acknowledged edits of the run's document in SQLite.
durable() {
  local name=$1
  kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
  local doc acked rows span
  doc="load-$(json "$OUT/$name.json" 'r.config.run_id')-0"
  acked=$(json "$OUT/$name.json" 'r.accepted_edits')
  read -r rows span < <(sqlite3 -separator ' ' "$DB" \
    "SELECT COUNT(*), COALESCE(MAX(revision)-MIN(revision)+1,0) FROM operations WHERE document='$doc'")
  echo "   durable: $rows log rows in SQLite (revision span $span) for $acked acknowledged edits"
  node -e "const f=require('fs'),p=process.argv[1],r=JSON.parse(f.readFileSync(p));
    r.durable={sqlite_rows:+process.argv[2],revision_span:+process.argv[3],acknowledged:+process.argv[4]};
    f.writeFileSync(p, JSON.stringify(r,null,2)+'\n')" "$OUT/$name.json" "$rows" "$span" "$acked"
  if [ "$rows" -lt "$acked" ]; then echo "   DURABILITY FAILED: acknowledged edits missing from SQLite" >&2; status=1; fi
}
is() { [ "$WHICH" = "$1" ] || { [ "$WHICH" = all ] && [[ " authors rate50 flatout flatout-readers idle " == *" $1 "* ]]; }; }
# The default rate limit is for people; flat-out scripts are meant to exceed it. Keep the whole log.
FLAT=(RATE_LIMIT_MESSAGES_PER_SECOND=1000000 RATE_LIMIT_BURST=1000000 LOG_RETENTION_OPS=100000000)

if is authors; then
  echo "== 1,000 authors on one document, 2 keystrokes/s each, ${DURATION} s, ${AUTHORS_RUNS} runs"
  for i in $(seq "$AUTHORS_RUNS"); do
    start_server authors
    load "authors-$i" --clients-per-doc 1000 --text-authors 10 --rate 2 --drain-timeout 60
    stop_server
  done
fi
if is rate50; then
  echo "== 50 authors on one document, 5 keystrokes/s each (250/s), ${DURATION} s"
  for i in $(seq "$RUNS"); do
    start_server rate50
    load "rate50-$i" --clients-per-doc 50 --rate 5
    stop_server
  done
fi
if is flatout; then
  echo "== flat out, SQLITE_SYNCHRONOUS=full: the disk's floor first, then 10 writers (kill -9 and count), then 100"
  for i in $(seq "$RUNS"); do
    start_server flatout SQLITE_SYNCHRONOUS=full "${FLAT[@]}"
    load "flatout-$i" --clients-per-doc 10 --flat-out --probe-dir "$TMP"
    durable "flatout-$i"
    start_server flatout100 SQLITE_SYNCHRONOUS=full "${FLAT[@]}"
    load "flatout100-$i" --clients-per-doc 100 --text-authors 10 --flat-out --probe-dir "$TMP"
    durable "flatout100-$i"
  done
fi
if is flatout-readers; then
  echo "== 4 writers flat out + 46 thin readers on one document, ${DURATION} s"
  for i in $(seq "$RUNS"); do
    start_server flatout-readers "${FLAT[@]}"
    load "flatout-readers-$i" --clients-per-doc 4 --readers 46 --flat-out
    stop_server
  done
fi
if is flatout-normal; then
  echo "== 10 writers flat out with SQLITE_SYNCHRONOUS=normal (no fsync per commit; safe against kill -9, not power loss)"
  for i in $(seq "$RUNS"); do
    start_server flatout-normal SQLITE_SYNCHRONOUS=normal "${FLAT[@]}"
    load "flatout-normal-$i" --clients-per-doc 10 --flat-out --probe-dir "$TMP"
    durable "flatout-normal-$i"
  done
fi
if is flatout-memory; then
  echo "== 10 writers flat out with SQLITE_URI=:memory: (no durability: separates the commit's cost from CPU)"
  for i in $(seq "$RUNS"); do
    start_server flatout-memory "${FLAT[@]}" SQLITE_URI=:memory:
    load "flatout-memory-$i" --clients-per-doc 10 --flat-out
    stop_server
  done
fi
if is idle; then
  echo "== 10,000 idle connections over 1,000 documents, held ${DURATION} s"
  start_server idle
  load idle --docs 1000 --clients-per-doc 10 --idle --metrics-interval 0
  stop_server
fi
echo
[ ${#reports[@]} -gt 0 ] && node "$ROOT/bench/load/summarize.mjs" "${reports[@]}" | tee "$OUT/summary.md"
echo "JSON reports in $OUT"
exit "$status"
