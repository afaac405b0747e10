#!/usr/bin/env bash
# The test services themselves (scripts/services/): each starts for real on its own port, records
# the PID of the real server process, restarts on the same port (PostgreSQL keeping its data, Redis
# not: no persistence), and stops leaving no process behind. nginx proxies to a real kolabpad-server.
#   services_test.sh KOLABPAD_SERVER_BINARY
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
S="$here/scripts/services"
server_bin=$1
root=$(mktemp -d "${KOLABPAD_SERVICES_DIR:-/tmp}/services-test.XXXXXX")
chmod 711 "$root"
server_pid=""
cleanup() {
  bash "$S/nginx.sh" stop "$root/nginx" >/dev/null 2>&1 || true
  bash "$S/redis.sh" stop "$root/redis" >/dev/null 2>&1 || true
  bash "$S/postgres.sh" stop "$root/pg" immediate >/dev/null 2>&1 || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$root"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
comm_of() { cat "/proc/$1/comm" 2>/dev/null || true; }
gone() { for _ in $(seq 1 100); do [ -d "/proc/$1" ] || return 0; sleep 0.1; done; return 1; }

# PostgreSQL
url=$(bash "$S/postgres.sh" start "$root/pg")
port=$(bash "$S/postgres.sh" port "$root/pg")
[ "$port" != 5432 ] || fail "PostgreSQL took Debian's port"
pid=$(bash "$S/postgres.sh" pid "$root/pg")
[ "$(comm_of "$pid")" = postgres ] || fail "PostgreSQL pid $pid is $(comm_of "$pid"), not postgres"
[ "$(stat -c %U "/proc/$pid")" = postgres ] || [ "$(id -u)" != 0 ] || fail "PostgreSQL does not run as postgres"
[ "$(psql "$url" -Atc 'SHOW fsync')" = on ] || fail "fsync is not on"
psql "$url" -qc "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)"
bash "$S/postgres.sh" restart "$root/pg" >/dev/null
gone "$pid" || fail "the old postmaster outlived the restart"
[ "$(bash "$S/postgres.sh" port "$root/pg")" = "$port" ] || fail "PostgreSQL moved to another port"
[ "$(psql "$url" -Atc 'SELECT v FROM kept')" = 42 ] || fail "PostgreSQL lost its data across a restart"
pid=$(bash "$S/postgres.sh" pid "$root/pg")
bash "$S/postgres.sh" stop "$root/pg"
gone "$pid" || fail "PostgreSQL still runs after stop"
! pgrep -s "$pid" >/dev/null || fail "PostgreSQL backends outlived stop"
echo "ok: PostgreSQL start, restart on the same port and data, stop"

# Redis
rurl=$(bash "$S/redis.sh" start "$root/redis")
rport=$(bash "$S/redis.sh" port "$root/redis")
[ "$rport" != 6379 ] || fail "Redis took Debian's port"
rpid=$(bash "$S/redis.sh" pid "$root/redis")
[ "$(comm_of "$rpid")" = redis-server ] || fail "Redis pid $rpid is $(comm_of "$rpid")"
[ "$(redis-cli -u "$rurl" config get save | tail -1)" = "" ] || fail "Redis persists (save is set)"
[ "$(redis-cli -u "$rurl" config get appendonly | tail -1)" = no ] || fail "Redis has an AOF"
redis-cli -u "$rurl" set k v >/dev/null
bash "$S/redis.sh" restart "$root/redis" >/dev/null
gone "$rpid" || fail "the old Redis outlived the restart"
[ "$(bash "$S/redis.sh" port "$root/redis")" = "$rport" ] || fail "Redis moved to another port"
[ -z "$(redis-cli -u "$rurl" get k)" ] || fail "Redis kept data without persistence"
rpid=$(bash "$S/redis.sh" pid "$root/redis")
bash "$S/redis.sh" stop "$root/redis"
gone "$rpid" || fail "Redis still runs after stop"
echo "ok: Redis start, restart on the same port, no persistence, stop"

# nginx in front of a real server
log="$root/server.log"
HOST=127.0.0.1 PORT=0 SQLITE_URI=":memory:" "$server_bin" 2>"$log" &
server_pid=$!
for _ in $(seq 1 100); do grep -q "listening on" "$log" && break; sleep 0.1; done
sport=$(sed -nE 's/.*listening on http:\/\/[^:]+:([0-9]+).*/\1/p' "$log" | head -1)
[ -n "$sport" ] || fail "kolabpad-server did not start: $(cat "$log")"
nurl=$(bash "$S/nginx.sh" start "$root/nginx" 0 "127.0.0.1:$sport")
npid=$(bash "$S/nginx.sh" pid "$root/nginx")
[ "$(comm_of "$npid")" = nginx ] || fail "nginx pid $npid is $(comm_of "$npid")"
status=$(curl -s -o /dev/null -w '%{http_code}' "$nurl/api/health" || true)
[ "$status" = 200 ] || fail "nginx answered $status for /api/health"
upgrade=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
  -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' "$nurl/api/socket/services-test" || true)
[ "$upgrade" = 101 ] || fail "nginx did not pass the WebSocket upgrade through (got $upgrade)"
bash "$S/nginx.sh" stop "$root/nginx"
gone "$npid" || fail "nginx still runs after stop"
echo "ok: nginx proxies HTTP and WebSocket upgrades to a real server, stop"

# A port given by the caller and already taken (here by the server itself) is refused at once,
# saying why, and leaves no nginx behind.
started=$(date +%s)
if out=$(bash "$here/deploy/run-nginx.sh" start "$root/nginx-busy" "$here/deploy/nginx.conf" "$sport" "127.0.0.1:$sport" 2>&1); then
  fail "run-nginx.sh started on a port the server listens on: $out"
fi
grep -q "Address already in use" <<<"$out" || fail "run-nginx.sh did not say the port is taken: $out"
(( $(date +%s) - started < 9 )) || fail "run-nginx.sh took $(( $(date +%s) - started )) s to give up on a taken port"
[ ! -s "$root/nginx-busy/nginx.pid" ] || fail "an nginx is left running on a taken port"
echo "ok: nginx refuses a taken port at once, naming it"
