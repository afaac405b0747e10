#!/usr/bin/env bash
# Smoke test of kolabpad-load against the real server (not a timing test): a short run of text
# authors, length-only authors and thin readers over several documents and two threads must converge
# (exit 0); the same run with one author's text or length altered must be reported as diverged
# (exit 1); a run whose limits no event loop can meet must be reported INVALID (exit 4).
# The healthy runs lift the saturation limits: CI machines are loaded, and this tests correctness.
# Usage: smoke_test.sh SERVER LOAD
set -uo pipefail
SERVER=$1 LOAD=$2
TMP="$(mktemp -d)"
env PORT=0 HOST=127.0.0.1 SQLITE_URI="$TMP/k.db" "$SERVER" 2>"$TMP/server.log" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 100); do grep -q 'listening on http://' "$TMP/server.log" && break; sleep 0.1; done
PORT=$(grep -o 'listening on http://[0-9.]*:[0-9]*' "$TMP/server.log" | head -1 | sed 's/.*://')
[ -n "$PORT" ] || { echo "server did not start"; cat "$TMP/server.log"; exit 1; }
args=(--url "ws://127.0.0.1:$PORT" --docs 3 --clients-per-doc 4 --text-authors 2 --readers 3 --rate 20 --duration 1.5
      --threads 2 --drain-timeout 20 --server-pid "$PID")
lifted=(--max-thread-cpu 64 --max-loop-lag-ms 100000)
expect() {  # expect RC DESCRIPTION ARGS...
  local want=$1 what=$2; shift 2
  "$LOAD" "${args[@]}" "$@"
  local rc=$?
  [ $rc -eq "$want" ] || { echo "FAILED: $what: expected exit $want, got $rc"; exit 1; }
}
expect 0 "a clean run" "${lifted[@]}" --json "$TMP/ok.json"
grep -q '"ok": true' "$TMP/ok.json" || { echo "FAILED: JSON report does not say converged"; exit 1; }
node -e 'const r=require(process.argv[1]);
  if (!(r.edit_to_everyone.count > 0 && r.everyone_incomplete === 0 && r.convergence.authors_checked_by_text === 6 &&
        r.convergence.authors_checked === 12 && r.server.cpu_user_us_per_delivered_frame >= 0 && r.valid === true))
    { console.error("FAILED: report lacks latency, readers or CPU figures"); process.exit(1); }' "$TMP/ok.json" || exit 1
expect 1 "a text author diverged" "${lifted[@]}" --inject-divergence
expect 1 "a length-only author diverged" "${lifted[@]}" --text-authors 0 --inject-divergence
expect 4 "an event loop later than 10 us is INVALID" --max-thread-cpu 64 --max-loop-lag-ms 0.01
echo "smoke test passed"
