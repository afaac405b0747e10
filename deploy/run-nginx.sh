#!/usr/bin/env bash
# Runs one of deploy/*.conf for real, unprivileged, in DIR: the upstream servers and the listen
# port replaced by the given ones, everything else as shipped. For tests and local trials.
#
#   deploy/run-nginx.sh start DIR CONF PORT HOST:PORT...   prints http://127.0.0.1:PORT
#                                                           (PORT 0: a free one, chosen here)
#   deploy/run-nginx.sh stop DIR
set -euo pipefail
die() { echo "run-nginx.sh: $*" >&2; exit 1; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_port() {
  local p
  for _ in $(seq 1 50); do
    p=$(( 20000 + RANDOM % 30000 ))
    port_free "$p" && { echo "$p"; return; }
  done
  die "no free port found"
}
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: run-nginx.sh start DIR CONF PORT BACKEND... | stop DIR"
case $cmd in
  start)
    conf=$3 port=$4; shift 4
    (($#)) || die "start needs at least one backend"
    [ -f "$conf" ] || die "no such configuration: $conf"
    mkdir -p "$dir/logs" "$dir/tmp"
    dir=$(cd "$dir" && pwd)
    backends="$*"
    # A port chosen here can be taken before nginx binds it (by another listener, or as a client
    # connection's local port): then another one is tried, as scripts/services does for PostgreSQL
    # and Redis. A port given by the caller is used as it is.
    auto=0
    [ "$port" != 0 ] || auto=1
    for _ in $(seq 1 10); do
      [ "$auto" = 0 ] || port=$(pick_port)
      # The shipped file with its example upstream addresses and listen port replaced; each server
      # line keeps the parameters the shipped one has.
      awk -v backends="$backends" -v port="$port" '
        /^upstream kolabpad/ { print; inup = 1; next }
        inup && /^[[:space:]]*server / {
          if (!done) {
            params = $0; sub(/^[[:space:]]*server[[:space:]]+[^[:space:];]+/, "", params)
            n = split(backends, b, " ")
            for (i = 1; i <= n; i++) print "    server " b[i] params
            done = 1
          }
          next
        }
        inup && /^}/ { inup = 0 }
        /^[[:space:]]*listen / { sub(/listen [0-9]+/, "listen 127.0.0.1:" port) }
        { print }' "$conf" >"$dir/kolabpad.conf"
      {
        echo "worker_processes 1;"
        echo "pid $dir/nginx.pid;"
        echo "error_log $dir/logs/error.log warn;"
        echo "events { worker_connections 4096; }"
        echo "http {"
        echo "  access_log off;"
        echo "  client_body_temp_path $dir/tmp/body; proxy_temp_path $dir/tmp/proxy;"
        echo "  fastcgi_temp_path $dir/tmp/fastcgi; uwsgi_temp_path $dir/tmp/uwsgi; scgi_temp_path $dir/tmp/scgi;"
        echo "  include $dir/kolabpad.conf;"
        echo "}"
      } >"$dir/nginx.conf"
      nginx -t -p "$dir" -c "$dir/nginx.conf" >"$dir/logs/check.log" 2>&1 || die "bad configuration: $(cat "$dir/logs/check.log")"
      : >"$dir/logs/error.log"
      rm -f "$dir/nginx.pid"
      setsid nginx -p "$dir" -c "$dir/nginx.conf" -g "daemon off;" >>"$dir/logs/stderr.log" 2>&1 </dev/null &
      launched=$!
      # Until it listens, or says why it cannot ([emerg]: it exits), at most 10 s.
      for _ in $(seq 1 100); do
        if [ -s "$dir/nginx.pid" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
          echo "http://127.0.0.1:$port"
          exit 0
        fi
        grep -q "\[emerg\]" "$dir/logs/error.log" 2>/dev/null && break
        sleep 0.1
      done
      grep -q "\[emerg\]" "$dir/logs/error.log" 2>/dev/null || die "nginx not listening after 10 s: $(tail -5 "$dir/logs/error.log" 2>/dev/null)"
      # It retries a failed bind for a few seconds before it exits: only then is the next attempt alone.
      wait "$launched" 2>/dev/null || true
      if [ "$auto" = 1 ] && grep -q "Address already in use" "$dir/logs/error.log"; then continue; fi
      die "nginx could not start: $(tail -5 "$dir/logs/error.log")"
    done
    die "no port nginx could bind after 10 attempts: $(tail -5 "$dir/logs/error.log")" ;;
  stop)
    pid=$(cat "$dir/nginx.pid" 2>/dev/null || true)
    [ -n "$pid" ] || exit 0
    kill -QUIT "$pid" 2>/dev/null || exit 0
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true ;;
  *) die "unknown command $cmd" ;;
esac
