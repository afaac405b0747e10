# Sourced by scripts/test.sh and scripts/services/run.sh: the private services of one test run,
# all under one state directory ($KOLABPAD_SERVICES_DIR).
#
#   services_start     PostgreSQL (pg/) and Redis (redis/); exports KOLABPAD_TEST_DATABASE_URL,
#                      KOLABPAD_TEST_REDIS_URL, KOLABPAD_SERVICES_DIR; returns non-zero, saying
#                      why, when either cannot start
#   services_stop      stops every cluster, Redis and nginx under the state directory (also the
#                      private ones tests started there) and removes it
KOLABPAD_SERVICES_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

services_start() {
  KOLABPAD_SERVICES_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kolabpad-services.XXXXXX") || return 1
  chmod 711 "$KOLABPAD_SERVICES_DIR"  # the postgres user must reach its cluster folder inside
  export KOLABPAD_SERVICES_DIR KOLABPAD_SERVICES_SCRIPTS
  local url
  if ! url=$(bash "$KOLABPAD_SERVICES_SCRIPTS/postgres.sh" start "$KOLABPAD_SERVICES_DIR/pg"); then
    echo "services: PostgreSQL did not start (see above)" >&2
    return 1
  fi
  export KOLABPAD_TEST_DATABASE_URL=$url
  if ! url=$(bash "$KOLABPAD_SERVICES_SCRIPTS/redis.sh" start "$KOLABPAD_SERVICES_DIR/redis"); then
    echo "services: Redis did not start (see above)" >&2
    return 1
  fi
  export KOLABPAD_TEST_REDIS_URL=$url
  echo "services: PostgreSQL $KOLABPAD_TEST_DATABASE_URL, Redis $KOLABPAD_TEST_REDIS_URL (state in $KOLABPAD_SERVICES_DIR)"
}

services_stop() {
  local dir=${KOLABPAD_SERVICES_DIR:-} d
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  while IFS= read -r d; do bash "$KOLABPAD_SERVICES_SCRIPTS/nginx.sh" stop "$(dirname "$d")" || true; done \
    < <(find "$dir" -name nginx.pid 2>/dev/null)
  while IFS= read -r d; do bash "$KOLABPAD_SERVICES_SCRIPTS/redis.sh" stop "$(dirname "$d")" || true; done \
    < <(find "$dir" -name redis.pid 2>/dev/null)
  while IFS= read -r d; do bash "$KOLABPAD_SERVICES_SCRIPTS/postgres.sh" stop "$(dirname "$(dirname "$d")")" immediate || true; done \
    < <(find "$dir" -path '*/data/postmaster.pid' 2>/dev/null)
  rm -rf "$dir"
  unset KOLABPAD_SERVICES_DIR KOLABPAD_TEST_DATABASE_URL KOLABPAD_TEST_REDIS_URL
}
