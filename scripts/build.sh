#!/usr/bin/env bash
# Builds every part: native (ot, server, tests, bench) under build/, the wasm package, the frontend.
# A part whose inputs hash the same as at its last successful build is skipped (scripts/stamp.sh),
# so a second build with nothing changed takes a fraction of a second; FORCE=1 rebuilds anyway.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-$(nproc)}"
source scripts/stamp.sh
STAMPS=build/stamps

# Native: every C++ and CMake file of the tree, and the compiler and CMake versions.
native_hash=$(find CMakeLists.txt ot server tests bench -type f \
    \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name 'CMakeLists.txt' -o -name '*.cmake' -o -name '*.in' \) \
    -not -path 'tests/fuzz/corpus*' -print0 \
  | files_hash "$(c++ --version 2>&1 | head -1) $(cmake --version | head -1)")
if stamp_current "$STAMPS/native" "$native_hash" && [ -x build/server/kolabpad-server ]; then
  echo "build: native build up to date"
else
  echo "build: native build (cmake, $JOBS jobs)"
  [ -f build/CMakeCache.txt ] || cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build -j "$JOBS"  # re-runs the configure step itself when a CMakeLists.txt changed
  stamp_write "$STAMPS/native" "$native_hash"
fi

if [ -f wasm/build.sh ]; then
  bash wasm/build.sh  # skips itself when its inputs are unchanged
fi

# Frontend: its sources and config, the wasm package it bundles, the locked dependencies.
if [ -f frontend/package.json ]; then
  frontend_hash=$(find frontend wasm/index.js wasm/index.d.ts wasm/package.json wasm/js wasm/dist/kolabpad_ot.mjs \
      package.json package-lock.json -type f \
      -not -path 'frontend/dist/*' -not -path 'frontend/dist-node/*' -not -path '*/node_modules/*' -print0 \
    | files_hash "$(node --version)")
  if stamp_current "$STAMPS/frontend" "$frontend_hash" && [ -f frontend/dist/index.html ]; then
    echo "build: frontend up to date"
  else
    echo "build: frontend (tsc, vite build)"
    npm run build --workspace frontend --if-present
    stamp_write "$STAMPS/frontend" "$frontend_hash"
  fi
fi
