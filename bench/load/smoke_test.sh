#!/usr/bin/env bash
# Smoke test of kolabpad-load against the real server (not a timing test): a short run over several
# documents and two threads must converge (exit 0), and the same run with one client's text altered
# must be reported as diverged (exit 1). Usage: smoke_test.sh SERVER LOAD
set -uo pipefail
SERVER=$1 LOAD=$2
TMP="$(mktemp -d)"
env PORT=0 HOST=127.0.0.1 SQLITE_URI="$TMP/k.db" "$SERVER" 2>"$TMP/server.log" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 100); do grep -q 'listening on http://' "$TMP/server.log" && break; sleep 0.1; done
PORT=$(grep -o 'listening on http://[0-9.]*:[0-9]*' "$TMP/server.log" | head -1 | sed 's/.*://')
[ -n "$PORT" ] || { echo "server did not start"; cat "$TMP/server.log"; exit 1; }
args=(--url "ws://127.0.0.1:$PORT" --docs 3 --clients-per-doc 4 --rate 20 --duration 2 --threads 2 --drain-timeout 20)
"$LOAD" "${args[@]}" --json "$TMP/ok.json"
rc=$?
[ $rc -eq 0 ] || { echo "expected exit 0 from a clean run, got $rc"; exit 1; }
grep -q '"ok": true' "$TMP/ok.json" || { echo "JSON report does not say converged"; exit 1; }
"$LOAD" "${args[@]}" --inject-divergence
rc=$?
[ $rc -eq 1 ] || { echo "expected exit 1 when a client diverged, got $rc"; exit 1; }
echo "smoke test passed"
