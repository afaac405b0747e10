#!/usr/bin/env bash
# The cluster benchmark in one command: builds the server, starts a private PostgreSQL and Redis
# (scripts/services), runs bench/cluster/driver.mjs (1 instance against 3 behind nginx) and stops
# them. Arguments go to the driver (--docs, --authors, --rates, --seconds, --kills, --lease).
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake --build build -j2 --target kolabpad-server >/dev/null
exec bash scripts/services/run.sh node bench/cluster/driver.mjs "$@"
