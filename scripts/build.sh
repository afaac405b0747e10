#!/usr/bin/env bash
# Builds every part: native (ot, server, tests, bench) under build/, the wasm package, the frontend.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-$(nproc)}"

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$JOBS"

if [ -f wasm/build.sh ]; then
  bash wasm/build.sh
fi
if [ -f frontend/package.json ]; then
  npm run build --workspace frontend --if-present
fi
