# Build stamps: a build step records a hash of its inputs when it succeeds, and is skipped while
# its inputs hash the same (FORCE=1 rebuilds anyway). Sourced by scripts/build.sh, wasm/build.sh.
#   find ... -print0 | files_hash [EXTRA]   one hash over the listed files' names and contents and
#                                            EXTRA (say, a compiler's version)
#   stamp_current FILE HASH                  true when FILE records HASH (and FORCE is not 1)
#   stamp_write FILE HASH                    records HASH in FILE

files_hash() {
  { sort -z | xargs -0 -r sha256sum; printf '%s\n' "${1:-}"; } | sha256sum | cut -d' ' -f1
}

stamp_current() { [ "${FORCE:-0}" != 1 ] && [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

stamp_write() { mkdir -p "$(dirname "$1")" && printf '%s\n' "$2" > "$1"; }
