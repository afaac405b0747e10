#!/usr/bin/env bash
# A private nginx (Debian's package) proxying HTTP and WebSockets on 127.0.0.1:PORT to one or more
# backends, for multi-instance tests: the shipped deploy/nginx.conf, run by deploy/run-nginx.sh
# (foreground master, PID from its own pid file; PORT 0: it picks a free one); this adds the
# url/pid/port queries.
#
#   nginx.sh start DIR PORT|0 HOST:PORT...   write DIR/nginx.conf, start, wait until PORT accepts;
#                                             prints the URL (PORT 0 picks a free port)
#   nginx.sh stop DIR                        SIGQUIT (graceful), SIGKILL after 10 s
#   nginx.sh url DIR | pid DIR | port DIR
set -euo pipefail

die() { echo "nginx.sh: $*" >&2; exit 1; }
DEPLOY="$(cd "$(dirname "$0")/../../deploy" && pwd)"

start() {
  local dir=$1 port=$2; shift 2
  (($#)) || die "start needs at least one backend HOST:PORT"
  command -v nginx >/dev/null || die "nginx not installed (install the nginx package)"
  mkdir -p "$dir"
  local url
  url=$(bash "$DEPLOY/run-nginx.sh" start "$dir" "$DEPLOY/nginx.conf" "$port" "$@")
  echo "${url##*:}" >"$dir/port"
  echo "$url"
}

stop() { bash "$DEPLOY/run-nginx.sh" stop "$1"; }

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
