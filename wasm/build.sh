#!/usr/bin/env bash
# Builds the wasm package: the OT library (../ot) and src/*.cpp with Emscripten into
# dist/kolabpad_ot.mjs. Skips the work while its inputs (../ot, src/, the build files, the
# Emscripten install) hash the same as at the last successful build (FORCE=1 builds anyway).
# The first build on a fresh machine may populate Emscripten's cache (libc, libc++: minutes).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
build_dir="${KOLABPAD_WASM_BUILD_DIR:-$root/build-wasm}"
out="$here/dist/kolabpad_ot.mjs"
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"  # Emscripten's optimizer needs Debian's acorn

if ! command -v emcmake >/dev/null; then
  echo "wasm/build.sh: emcmake not found (apt-get install emscripten)" >&2
  exit 1
fi

source "$root/scripts/stamp.sh"
stamp="$build_dir/inputs.sha256"
emcc_path="$(readlink -f "$(command -v emcc)")"
inputs=$(cd "$root" && find ot wasm/src wasm/CMakeLists.txt wasm/build.sh -type f -print0 \
  | files_hash "$emcc_path $(stat -c %Y "$emcc_path")")
if [ -f "$out" ] && stamp_current "$stamp" "$inputs"; then
  echo "wasm/build.sh: $out is up to date"
  exit 0
fi
echo "wasm/build.sh: building $out"

start=$(date +%s)
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
configure_and_build() {
  emcmake cmake -S "$here" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build_dir" -j "${JOBS:-2}"
}
# Debian ships a prebuilt, frozen cache (/usr/share/emscripten/cache) that has every library this
# build links. If it lacks one, build again with a private cache that Emscripten populates on
# first use (headers, libc, libc++, dlmalloc...: about 12 minutes on one busy core, once).
if ! configure_and_build 2>&1 | tee "$log"; then
  if ! grep -q "FROZEN_CACHE is set, but cache file is missing" "$log"; then
    echo "wasm/build.sh: build failed" >&2
    exit 1
  fi
  echo "wasm/build.sh: retrying with a private Emscripten cache (first run builds the system libraries)" >&2
  export EM_CACHE="${EM_CACHE:-$root/build-wasm-cache}"
  export EM_FROZEN_CACHE=  # empty: Emscripten reads any non-empty value as true
  rm -rf "$build_dir"
  configure_and_build
fi
stamp_write "$stamp" "$inputs"
echo "wasm/build.sh: built $out in $(( $(date +%s) - start ))s"
