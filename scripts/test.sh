#!/usr/bin/env bash
# Sets everything up (packages, npm, builds), then runs every test suite and prints one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! bash scripts/setup.sh; then
  echo "test: setup failed"
  echo "Summary: 0 passed, 1 failed"
  exit 1
fi

OUT=test-output
mkdir -p "$OUT"
passed=0
failed=0
failed_suites=()

# Every suite is bounded, so that a hang fails its suite instead of the whole run.
SUITE_TIMEOUT="${SUITE_TIMEOUT:-900}"

# run_suite NAME KIND COMMAND...: runs one suite, tees its log, adds its counts (KIND: ctest|node|plain).
run_suite() {
  local name=$1 kind=$2; shift 2
  echo "=== $name: $*"
  timeout --kill-after=30 "$SUITE_TIMEOUT" "$@" 2>&1 | tee "$OUT/$name.log"
  local rc=${PIPESTATUS[0]} p=0 f=0
  case $kind in
    ctest)
      local line
      line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$OUT/$name.log" | tail -1)
      if [ -n "$line" ]; then
        f=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")
        p=$(( $(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line") - f ))
      fi ;;
    node)
      p=$(grep -E '^# pass [0-9]+' "$OUT/$name.log" | awk '{s+=$3} END {print s+0}')
      f=$(grep -E '^# fail [0-9]+' "$OUT/$name.log" | awk '{s+=$3} END {print s+0}') ;;
    plain)
      if [ "$rc" -eq 0 ]; then p=1; else f=1; fi ;;
  esac
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p)); failed=$((failed + f))
  if [ "$rc" -ne 0 ]; then failed_suites+=("$name"); fi
  echo "=== $name: $p passed, $f failed (exit $rc)"
}

node_suite() {  # node_suite NAME DIR: every *.test.mjs under DIR with Node's test runner
  local name=$1 dir=$2
  local files
  mapfile -t files < <(find "$dir" -name '*.test.mjs' | sort)
  if ((${#files[@]})); then
    run_suite "$name" node node --test --test-reporter=tap --test-concurrency=1 "${files[@]}"
  fi
}

# The private PostgreSQL and Redis of this run (scripts/services/), stopped however the run ends.
# A service that cannot start fails the run; the suites that need it then fail too, saying why.
source scripts/services/services.sh
trap services_stop EXIT
trap 'echo "test: interrupted"; exit 130' INT TERM
echo "=== services: private PostgreSQL and Redis"
if ! services_start; then
  echo "=== services: could not start (see above)"
  failed=$((failed + 1)); failed_suites+=("services")
fi

run_suite native ctest ctest --test-dir build --output-on-failure -j 2
if [ -f scripts/fuzz.sh ]; then
  run_suite fuzz plain bash scripts/fuzz.sh 20
fi
[ -d tests/wasm ] && node_suite wasm tests/wasm
[ -d tests/integration ] && node_suite integration tests/integration
[ -d tests/ops ] && node_suite ops tests/ops
[ -d tests/frontend ] && node_suite frontend tests/frontend
[ -d tests/browser ] && node_suite browser tests/browser
# Several real instances on the private PostgreSQL and Redis, behind the shipped nginx configuration.
[ -d tests/distributed ] && node_suite distributed tests/distributed

echo
if ((${#failed_suites[@]})); then echo "Failed suites: ${failed_suites[*]}"; fi
echo "Summary: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ ${#failed_suites[@]} -eq 0 ]
