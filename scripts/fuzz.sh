#!/usr/bin/env bash
# Builds the libFuzzer targets with clang, libFuzzer and AddressSanitizer + UndefinedBehaviorSanitizer
# (CMake in build/fuzz: only what changed is rebuilt) and runs each for SECONDS (default 20):
#   ot_fuzz     the OT library: two operations parsed from the input, every algebra call checked
#   frame_fuzz  the frame handler: raw frames through session::handle_frame into a real Document
#   wire_fuzz   the bus messages between instances (cluster/wire.cpp): decode, encode, decode again
# A crash, sanitizer report or failed check in either exits non-zero (the reproducer is in build/fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN="${1:-20}"
OUT=build/fuzz

launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
if [ ! -f "$OUT/CMakeCache.txt" ]; then
  cmake -S . -B "$OUT" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Fuzz "${launcher[@]}" \
    -DKOLABPAD_FUZZ=ON -DKOLABPAD_TESTS=OFF -DKOLABPAD_BENCH=OFF \
    -DCMAKE_CXX_FLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" >/dev/null
fi
cmake --build "$OUT" -j2 --target ot_fuzz frame_fuzz wire_fuzz

# run NAME MAX_LEN SEEDS [OPTIONS...]: fuzzes for SECONDS_TO_RUN from the committed seeds and the kept
# working corpus; fails on the first crash.
run() {
  local name=$1 max_len=$2 seeds=$3; shift 3
  mkdir -p "$OUT/$name-corpus"
  echo "fuzz: $name for ${SECONDS_TO_RUN}s"
  set +e
  "$OUT/tests/fuzz/$name" -max_total_time="$SECONDS_TO_RUN" -max_len="$max_len" -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$OUT/$name-" "$@" "$OUT/$name-corpus" "$seeds" 2>&1 \
    | grep -vE '^#[0-9]+\s+(NEW|REDUCE|pulse)'
  local rc=${PIPESTATUS[0]}
  set -e
  if [ "$rc" -ne 0 ]; then
    echo "fuzz: $name FAILED (exit $rc); reproduce with: (ulimit -s $(ulimit -s); $OUT/tests/fuzz/$name $OUT/$name-crash-...)"
    exit "$rc"
  fi
}

run ot_fuzz 512 tests/fuzz/corpus
# A small stack, so that recursion bounded only by the input's size overflows at the input sizes
# libFuzzer tries (a few KB), as it would at a few hundred KB with the server's 8 MB.
(ulimit -s 1024 && run frame_fuzz 8192 tests/fuzz/frame-corpus -dict=tests/fuzz/frame.dict)
run wire_fuzz 4096 tests/fuzz/wire-corpus
echo "fuzz: no crash in ${SECONDS_TO_RUN}s of each target"
