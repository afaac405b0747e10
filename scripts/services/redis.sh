#!/usr/bin/env bash
# A private redis-server (Debian's redis-server 7) for tests and benchmarks: 127.0.0.1 only, its
# own port, no persistence (no RDB, no AOF), run in the foreground (--daemonize no) so that the PID
# it writes to DIR/redis.pid is the server's. Debian's own Redis (6379) is never touched.
#
#   redis.sh start DIR [PORT]   start and wait until it answers PING; prints the URL
#   redis.sh stop DIR           SIGTERM; waits until it is gone (SIGKILL after 10 s)
#   redis.sh kill DIR           SIGKILL (a crash)
#   redis.sh restart DIR        stop, then start on the same port
#   redis.sh url DIR | pid DIR | port DIR
set -euo pipefail

die() { echo "redis.sh: $*" >&2; exit 1; }

alive() {
  local state
  [ -r "/proc/$1/stat" ] || return 1
  state=$(sed -E 's/^[0-9]+ \(.*\) (.).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
  [ "$state" != Z ]
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_port() {
  local p
  for _ in $(seq 1 50); do
    p=$(( 20000 + RANDOM % 30000 ))
    port_free "$p" && { echo "$p"; return; }
  done
  die "no free port found"
}

url_of() { echo "redis://127.0.0.1:$(cat "$1/port")"; }

start() {
  local dir=$1 port=${2:-} fixed=1 log pid launched
  command -v redis-server >/dev/null || die "redis-server not installed (install the redis-server package)"
  command -v redis-cli >/dev/null || die "redis-cli not installed (install the redis-tools package)"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  log="$dir/redis.log"
  pid=$(cat "$dir/redis.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && alive "$pid"; then die "already running (pid $pid) in $dir"; fi
  [ -n "$port" ] || { [ -f "$dir/port" ] && port=$(cat "$dir/port"); } || true
  [ -n "$port" ] || { port=$(pick_port); fixed=0; }
  for _ in $(seq 1 5); do
    echo "$port" >"$dir/port"
    rm -f "$dir/redis.pid"
    setsid redis-server --port "$port" --bind 127.0.0.1 --protected-mode yes --save '' --appendonly no \
      --daemonize no --supervised no --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$log" \
      >>"$log" 2>&1 </dev/null &
    launched=$!
    for _ in $(seq 1 200); do  # up to 20 s
      if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ] && [ -s "$dir/redis.pid" ]; then
        pid=$(cat "$dir/redis.pid")
        alive "$pid" || die "redis answers but $dir/redis.pid names no live process"
        url_of "$dir"
        return 0
      fi
      alive "$launched" || break
      sleep 0.1
    done
    if alive "$launched"; then kill -KILL "$launched" 2>/dev/null || true; die "no PONG after 20 s; log: $(tail -5 "$log")"; fi
    if [ "$fixed" = 0 ] && tail -20 "$log" | grep -qi "address already in use"; then
      port=$(pick_port)
      continue
    fi
    die "redis-server exited at start; log: $(tail -5 "$log")"
  done
  die "could not start on a free port; log: $(tail -5 "$log")"
}

stop() {
  local dir=$1 sig=${2:-TERM} pid
  pid=$(cat "$dir/redis.pid" 2>/dev/null || true)
  [ -n "$pid" ] && alive "$pid" || { rm -f "$dir/redis.pid"; return 0; }
  kill -"$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.2; fi
  rm -f "$dir/redis.pid"
}

cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: redis.sh start|stop|kill|restart|url|pid|port DIR [PORT]"
case $cmd in
  start) start "$dir" "${3:-}" ;;
  stop) stop "$dir" TERM ;;
  kill) stop "$dir" KILL ;;
  restart) stop "$dir" TERM; start "$dir" "$(cat "$dir/port")" ;;
  url) url_of "$dir" ;;
  pid) cat "$dir/redis.pid" ;;
  port) cat "$dir/port" ;;
  *) die "unknown command $cmd" ;;
esac
