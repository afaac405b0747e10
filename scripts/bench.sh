#!/usr/bin/env bash
# Runs the benchmarks: the native OT benchmark (writing the shared workload), then the JS ones if built.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
echo "## Native OT library ($(uname -m), $(nproc) cores)"
build/bench/kolabpad-bench --write-workload build/bench/workload.json
if [ -f bench/wasm/bench.mjs ] && [ -d wasm/dist ]; then
  echo
  echo "## @kolabpad/ot (wasm) vs ot.js"
  node bench/wasm/bench.mjs build/bench/workload.json --breakdown
fi
