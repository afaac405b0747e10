#!/usr/bin/env bash
# Sets everything up, then runs the server with its embedded SQLite storage, serving the editor.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ ! -x build/server/kolabpad-server ]; then
  echo "start: the server is not built yet (build/server/kolabpad-server missing)" >&2
  exit 1
fi
mkdir -p data
exec build/server/kolabpad-server
