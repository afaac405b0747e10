#!/usr/bin/env bash
# Builds the OT fuzz target with clang's libFuzzer + AddressSanitizer and runs it for SECONDS (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN="${1:-20}"
OUT=build/fuzz
mkdir -p "$OUT" "$OUT/corpus"
BIN="$OUT/ot_fuzz"
SRC=(tests/fuzz/ot_fuzz.cpp ot/src/*.cpp)
if [ ! -x "$BIN" ] || [ -n "$(find "${SRC[@]}" ot/include -newer "$BIN" 2>/dev/null | head -1)" ]; then
  clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -Iot/include "${SRC[@]}" -o "$BIN"
fi
"$BIN" -max_total_time="$SECONDS_TO_RUN" -max_len=512 -timeout=10 -print_final_stats=1 \
  "$OUT/corpus" tests/fuzz/corpus 2>&1 | grep -vE '^#[0-9]+\s+(NEW|REDUCE|pulse)' || exit "${PIPESTATUS[0]}"
echo "fuzz: no crash in ${SECONDS_TO_RUN}s"
