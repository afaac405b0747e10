#!/usr/bin/env bash
# Runs every benchmark in one go: the native OT library (writing the shared workload), the wasm
# package against ot.js, our server against ShareDB, then our server alone under kolabpad-load.
# `npm run bench -- ot` runs only the library benchmarks; `-- history` the history benchmark; `-- server` the server ones.
set -euo pipefail
cd "$(dirname "$0")/.."
WHICH="${1:-all}"
bash scripts/setup.sh >/dev/null
if [ "$WHICH" = all ] || [ "$WHICH" = ot ]; then
  echo "## Native OT library ($(uname -m), $(nproc) cores)"
  build/bench/kolabpad-bench --write-workload build/bench/workload.json
  echo
  echo "## @kolabpad/ot (wasm) vs ot.js"
  node bench/wasm/bench.mjs build/bench/workload.json --breakdown
  echo
  echo "## The browser's undo manager (frontend/dist-node)"
  node bench/frontend/undo.mjs
fi
if [ "$WHICH" = all ] || [ "$WHICH" = history ]; then
  echo
  echo "## The server's history (100,000 operations)"
  build/bench/kolabpad-history-bench
fi
if [ "$WHICH" = all ] || [ "$WHICH" = server ]; then
  echo
  echo "## Kolabpad vs ShareDB (same Node.js driver, same offered load)"
  bash bench/sharedb/run.sh
  echo
  echo "## Kolabpad alone under kolabpad-load"
  bash bench/load/run.sh all
fi
