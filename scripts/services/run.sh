#!/usr/bin/env bash
# Runs one command with the private PostgreSQL and Redis of scripts/services/services.sh started,
# and stops them afterwards (also on failure or Ctrl-C). For example:
#   bash scripts/services/run.sh ctest --test-dir build -R '^pg:' --output-on-failure
set -uo pipefail
source "$(dirname "$0")/services.sh"
trap services_stop EXIT
trap 'exit 130' INT TERM
services_start || exit 1
"$@"
