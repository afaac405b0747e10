#!/usr/bin/env bash
# Installs everything Kolabpad needs on a fresh Debian machine (as root), then builds it.
# Idempotent: packages already present are not fetched again.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake pkg-config git
  libboost1.81-dev libsqlite3-dev sqlite3 nlohmann-json3-dev catch2 libssl-dev
  emscripten
  clang libclang-rt-14-dev
  chromium
  postgresql redis-server nginx libpq-dev libhiredis-dev curl
  fonts-noto-color-emoji  # so the browser tests (and their screenshots) draw emoji as users see them
)

# One dpkg query for all packages (one per package costs a process each on every start).
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${APT_PACKAGES[@]}" 2>/dev/null \
  | awk '$NF == "installed" { print $1 }' || true)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  grep -qxF "$p" <<<"$installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ] \
   || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  echo "setup: npm install"
  npm install --no-audit --no-fund --loglevel=error
fi

bash scripts/build.sh
