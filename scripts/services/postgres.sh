#!/usr/bin/env bash
# A private PostgreSQL 15 cluster for tests and benchmarks: its own data dir, port and unix socket
# dir under DIR, fsync=on, trust authentication on 127.0.0.1 only. Debian's own cluster (5432) is
# never touched. As root, initdb and postgres run as the `postgres` user through setpriv, which
# execs instead of forking; the PID recorded is read from postmaster.pid, the server's own.
#
#   postgres.sh start DIR [PORT]   initdb (first time), start, wait for pg_isready; prints the URL
#   postgres.sh stop DIR [MODE]    MODE fast (default: SIGINT) or immediate (SIGQUIT, a crash for
#                                  the data: recovery on the next start); waits until it is gone
#   postgres.sh restart DIR        stop (fast), then start on the same data dir and port
#   postgres.sh url DIR | pid DIR | port DIR
# KOLABPAD_PG_FSYNC=off starts it without fsync: only for benchmarks that want the protocol's cost
# without the disk's; tests always run with fsync=on.
set -euo pipefail

die() { echo "postgres.sh: $*" >&2; exit 1; }

pg_bin() {
  local d
  for d in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    [ -x "$d/postgres" ] && { echo "$d"; return; }
  done
  die "no PostgreSQL server binaries under /usr/lib/postgresql (install the postgresql package)"
}

# as_pg CMD...: runs CMD as the postgres user when we are root (exec, no fork), else as ourselves.
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "user postgres does not exist (install the postgresql package)"
    setpriv --reuid=postgres --regid=postgres --init-groups --reset-env -- "$@"
  else
    "$@"
  fi
}

# alive PID: the process exists and is not a zombie.
alive() {
  local state
  [ -r "/proc/$1/stat" ] || return 1
  state=$(sed -E 's/^[0-9]+ \(.*\) (.).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
  [ "$state" != Z ]
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_port() {
  local p i
  for i in $(seq 1 50); do
    p=$(( 20000 + RANDOM % 30000 ))
    port_free "$p" && { echo "$p"; return; }
  done
  die "no free port found"
}

server_pid() { [ -f "$1/data/postmaster.pid" ] && head -1 "$1/data/postmaster.pid"; }

url_of() { echo "postgresql://postgres@127.0.0.1:$(cat "$1/port")/postgres"; }

start() {
  local dir=$1 port=${2:-} bin log pid i
  bin=$(pg_bin)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  log="$dir/postgres.log"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
  chmod 700 "$dir"
  as_pg test -x "$dir" || die "the postgres user cannot reach $dir: make its parent folders traversable (chmod o+x)"
  cd "$dir"  # postgres cannot enter root's working directory
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
      || die "initdb failed: $(tail -5 "$dir/initdb.log")"
    as_pg mkdir -p "$dir/sock"
  fi
  pid=$(server_pid "$dir" || true)
  if [ -n "$pid" ] && alive "$pid"; then die "already running (pid $pid) in $dir"; fi
  [ -n "$port" ] || { [ -f "$dir/port" ] && port=$(cat "$dir/port"); } || true
  local fixed=1
  [ -n "$port" ] || { port=$(pick_port); fixed=0; }
  for i in $(seq 1 5); do
    echo "$port" >"$dir/port"
    if [ "$(id -u)" = 0 ]; then
      setsid setpriv --reuid=postgres --regid=postgres --init-groups --reset-env -- \
        "$bin/postgres" -D "$dir/data" -p "$port" -k "$dir/sock" -c listen_addresses=127.0.0.1 \
        -c fsync="${KOLABPAD_PG_FSYNC:-on}" -c synchronous_commit=on -c max_connections=200 -c shared_buffers=32MB \
        >>"$log" 2>&1 </dev/null &
    else
      setsid "$bin/postgres" -D "$dir/data" -p "$port" -k "$dir/sock" -c listen_addresses=127.0.0.1 \
        -c fsync="${KOLABPAD_PG_FSYNC:-on}" -c synchronous_commit=on -c max_connections=200 -c shared_buffers=32MB \
        >>"$log" 2>&1 </dev/null &
    fi
    local launched=$!
    for _ in $(seq 1 300); do  # up to 30 s
      if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1 2>/dev/null; then
        pid=$(server_pid "$dir" || true)
        [ -n "$pid" ] && alive "$pid" || die "pg_isready answers but postmaster.pid names no live server"
        echo "$pid" >"$dir/pid"
        url_of "$dir"
        return 0
      fi
      alive "$launched" || break
      sleep 0.1
    done
    if alive "$launched"; then kill -QUIT "$launched" 2>/dev/null || true; die "not ready after 30 s; log: $(tail -5 "$log")"; fi
    # It exited: a port taken meanwhile is retried on another port, anything else is fatal.
    if [ "$fixed" = 0 ] && tail -20 "$log" | grep -q "could not bind\|Address already in use"; then
      port=$(pick_port)
      continue
    fi
    die "postgres exited at start; log: $(tail -5 "$log")"
  done
  die "could not start on a free port; log: $(tail -5 "$log")"
}

stop() {
  local dir=$1 mode=${2:-fast} pid sig
  pid=$(server_pid "$dir" || true)
  [ -n "$pid" ] || pid=$(cat "$dir/pid" 2>/dev/null || true)
  [ -n "$pid" ] && alive "$pid" || { rm -f "$dir/pid"; return 0; }
  case $mode in fast) sig=INT ;; immediate) sig=QUIT ;; *) die "unknown stop mode $mode" ;; esac
  kill -"$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.5; fi
  # setsid made the postmaster a session leader: its backends share its session id, and a killed
  # postmaster's backends must be gone before the next start can take the shared memory.
  for _ in $(seq 1 100); do
    pgrep -s "$pid" >/dev/null 2>&1 || break
    sleep 0.1
  done
  rm -f "$dir/pid"
}

cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: postgres.sh start|stop|restart|url|pid|port DIR [ARG]"
case $cmd in
  start) start "$dir" "${3:-}" ;;
  stop) stop "$dir" "${3:-fast}" ;;
  restart) stop "$dir" fast; start "$dir" "$(cat "$dir/port")" ;;
  url) url_of "$dir" ;;
  pid) server_pid "$dir" ;;
  port) cat "$dir/port" ;;
  *) die "unknown command $cmd" ;;
esac
