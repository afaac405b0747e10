#!/usr/bin/env bash
# Profiles the server under one kolabpad-load scenario: while the load types, `perf stat` counts the
# server's syscalls (every sys_enter tracepoint), context switches and CPU, and `perf record -g`
# samples where its CPU goes; then prints the syscalls per accepted edit and per delivered frame.
# Needs perf (Debian linux-perf) and root or perf_event_paranoid <= 1. Not part of npm test.
# Usage: bash bench/load/profile.sh rate50|authors|flatout-readers|flatout   Env: DURATION (12), PERF_S (8),
#        OUT (/tmp/kolabpad-profile), SERVER, LOAD; other variables reach the server.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SERVER="${SERVER:-$ROOT/build/server/kolabpad-server}"
LOAD="${LOAD:-$ROOT/build/bench/load/kolabpad-load}"
OUT="${OUT:-/tmp/kolabpad-profile}"
DURATION="${DURATION:-12}" PERF_S="${PERF_S:-8}"
WHICH="${1:?scenario}"
case "$WHICH" in
  authors) ARGS=(--clients-per-doc 1000 --text-authors 10 --rate 2 --drain-timeout 60) ;;
  rate50) ARGS=(--clients-per-doc 50 --rate 5) ;;
  flatout-readers) ARGS=(--clients-per-doc 4 --readers 46 --flat-out) ;;
  flatout) ARGS=(--clients-per-doc 10 --flat-out) ;;
  *) echo "unknown scenario $WHICH" >&2; exit 64 ;;
esac
mkdir -p "$OUT" "$ROOT/build"
ulimit -n "$(ulimit -Hn)"
TMP="$(mktemp -d "$ROOT/build/profile-XXXXXX")"
PID=""
cleanup() { [ -n "$PID" ] && { kill -9 "$PID"; wait "$PID"; } 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
env PORT=0 HOST=127.0.0.1 SQLITE_URI="$TMP/p.db" RATE_LIMIT_MESSAGES_PER_SECOND=1000000 RATE_LIMIT_BURST=1000000 \
  "$SERVER" 2>"$OUT/$WHICH.server.log" &
PID=$!
for _ in $(seq 100); do grep -q 'listening on http://' "$OUT/$WHICH.server.log" && break; sleep 0.1; done
PORT=$(grep -o 'listening on http://[0-9.]*:[0-9]*' "$OUT/$WHICH.server.log" | head -1 | sed 's/.*://')
"$LOAD" --url "ws://127.0.0.1:$PORT" --server-pid "$PID" --duration "$DURATION" --json "$OUT/$WHICH.json" "${ARGS[@]}" \
  >"$OUT/$WHICH.load.txt" 2>&1 &
LOADPID=$!
# Wait for typing to start (the tool says so on stderr), plus a second to settle.
for _ in $(seq 300); do grep -q "for $DURATION" "$OUT/$WHICH.load.txt" 2>/dev/null && break; sleep 0.1; done
sleep 1
perf stat -x, -p "$PID" -e 'syscalls:sys_enter_*' -e task-clock,context-switches,cpu-migrations -o "$OUT/$WHICH.stat.csv" \
  -- sleep "$PERF_S" &
STATPID=$!
perf record -F 999 -g -p "$PID" -o "$OUT/$WHICH.perf.data" -- sleep "$PERF_S" 2>/dev/null &
RECPID=$!
metric() { curl -s "http://127.0.0.1:$PORT/api/metrics" | awk -v n="$1" '$1==n{print $2}'; }
e0=$(metric kolabpad_edits_total) f0=$(metric kolabpad_sent_frames_total)
wait "$STATPID" "$RECPID"
e1=$(metric kolabpad_edits_total) f1=$(metric kolabpad_sent_frames_total)
wait "$LOADPID" || true
cat "$OUT/$WHICH.load.txt" | grep -v '^kolabpad-load: '
edits=$((e1 - e0)) frames=$((f1 - f0))
echo "== perf window ${PERF_S} s: $edits edits, $frames frames written (server's /api/metrics)"
awk -F, -v e="$edits" -v f="$frames" '
  $3 ~ /^syscalls:sys_enter_/ && $1+0 > 0 { tot+=$1 }
  $3 ~ /task-clock|context-switches/ { other[$3]=$1 }
  END { printf "  syscalls: %d = %.2f per edit, %.3f per frame written; task-clock %.0f ms; context switches %d = %.2f per edit\n",
          tot, tot/e, tot/f, other["task-clock"], other["context-switches"], other["context-switches"]/e }' "$OUT/$WHICH.stat.csv"
awk -F, -v e="$edits" -v f="$frames" '$3 ~ /^syscalls:sys_enter_/ && $1+0 > 0 {
    sub("syscalls:sys_enter_","",$3); printf "    %-22s %10d  %8.3f/edit %8.4f/frame\n", $3, $1, $1/e, $1/f }' \
  "$OUT/$WHICH.stat.csv" | sort -k2 -nr | head -12
echo "== where the server's CPU goes (perf report --no-children, top entries; full data: $OUT/$WHICH.perf.data)"
perf report -i "$OUT/$WHICH.perf.data" --no-children --sort dso,sym --percent-limit 1 --stdio 2>/dev/null \
  | grep -E '^ +[0-9.]+%' | head -40
