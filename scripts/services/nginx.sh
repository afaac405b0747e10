#!/usr/bin/env bash
# A private nginx (Debian's package) proxying HTTP and WebSockets on 127.0.0.1:PORT to one or more
# backends, for multi-instance tests. Foreground master (daemon off), PID from its own pid file.
# The generated configuration is a test harness; the deployable one belongs in deploy/.
#
#   nginx.sh start DIR PORT|0 HOST:PORT...   write DIR/nginx.conf, start, wait until PORT accepts;
#                                             prints the URL (PORT 0 picks a free port)
#   nginx.sh stop DIR                        SIGQUIT (graceful), SIGKILL after 10 s
#   nginx.sh url DIR | pid DIR | port DIR
set -euo pipefail

die() { echo "nginx.sh: $*" >&2; exit 1; }

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

start() {
  local dir=$1 port=$2; shift 2
  (($#)) || die "start needs at least one backend HOST:PORT"
  command -v nginx >/dev/null || die "nginx not installed (install the nginx package)"
  mkdir -p "$dir/logs" "$dir/tmp"
  dir=$(cd "$dir" && pwd)
  [ "$port" != 0 ] || port=$(pick_port)
  echo "$port" >"$dir/port"
  {
    echo "worker_processes 1;"
    echo "pid $dir/nginx.pid;"
    echo "error_log $dir/logs/error.log warn;"
    echo "events { worker_connections 4096; }"
    echo "http {"
    echo "  access_log off;"
    echo "  client_body_temp_path $dir/tmp/body; proxy_temp_path $dir/tmp/proxy;"
    echo "  fastcgi_temp_path $dir/tmp/fastcgi; uwsgi_temp_path $dir/tmp/uwsgi; scgi_temp_path $dir/tmp/scgi;"
    echo "  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }"
    echo "  upstream kolabpad {"
    for b in "$@"; do echo "    server $b max_fails=1 fail_timeout=1s;"; done
    echo "  }"
    echo "  server {"
    echo "    listen 127.0.0.1:$port;"
    echo "    location / {"
    echo "      proxy_pass http://kolabpad;"
    echo "      proxy_http_version 1.1;"
    echo "      proxy_set_header Upgrade \$http_upgrade;"
    echo "      proxy_set_header Connection \$connection_upgrade;"
    echo "      proxy_set_header Host \$host;"
    echo "      proxy_read_timeout 3600s;"
    echo "      proxy_next_upstream error timeout;"
    echo "    }"
    echo "  }"
    echo "}"
  } >"$dir/nginx.conf"
  nginx -t -p "$dir" -c "$dir/nginx.conf" >"$dir/logs/check.log" 2>&1 || die "bad configuration: $(cat "$dir/logs/check.log")"
  setsid nginx -p "$dir" -c "$dir/nginx.conf" -g "daemon off;" >>"$dir/logs/stderr.log" 2>&1 </dev/null &
  local launched=$!
  for _ in $(seq 1 100); do
    if ! port_free "$port" && [ -s "$dir/nginx.pid" ]; then
      echo "http://127.0.0.1:$port"
      return 0
    fi
    alive "$launched" || die "nginx exited at start: $(tail -5 "$dir/logs/error.log" 2>/dev/null)"
    sleep 0.1
  done
  die "nginx not listening after 10 s"
}

stop() {
  local dir=$1 pid
  pid=$(cat "$dir/nginx.pid" 2>/dev/null || true)
  [ -n "$pid" ] && alive "$pid" || return 0
  kill -QUIT "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do alive "$pid" || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: nginx.sh start DIR PORT BACKEND... | stop DIR | url DIR | pid DIR | port DIR"
case $cmd in
  start) shift 2; start "$dir" "$@" ;;
  stop) stop "$dir" ;;
  url) echo "http://127.0.0.1:$(cat "$dir/port")" ;;
  pid) cat "$dir/nginx.pid" ;;
  port) cat "$dir/port" ;;
  *) die "unknown command $cmd" ;;
esac
