#!/usr/bin/env bash
# Public page throughput: Broadsheet's article page, home page and a section front against nginx
# serving the same article HTML as a static file, in one run, with the page cache on and off.
#
# Prints, for each target: requests per second, p99 latency, and server CPU per request (from
# /proc: user + system time of the server's processes over the run, divided by requests). The
# last line is `article_vs_static=<article rps with the cache on / nginx rps>`.
#
# Usage: bench/pages.sh [seconds-per-run]   (default 10; needs root for apt-get on first use)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${1:-10}"
CONNECTIONS=64
THREADS=1
APP_PORT=18080
NGINX_PORT=18081

need() { command -v "$1" >/dev/null 2>&1; }
if ! need wrk || ! need nginx; then
  apt-get update -qq && apt-get install -y -qq wrk nginx-light >/dev/null
fi

cargo build --release --quiet
BIN="$PWD/target/release/broadsheet"
WORK="$(mktemp -d)"
APP_PID=""
NGINX_PID=""
cleanup() {
  [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null || true
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "Loading the 500-article demo newsroom..."
"$BIN" --data-dir "$WORK/data" --log warn demo --articles 500 --seed 1 >/dev/null

start_app() {
  BROADSHEET_LOG=warn "$BIN" --data-dir "$WORK/data" serve --listen "127.0.0.1:$APP_PORT" \
    --page-cache "$1" >/dev/null 2>&1 &
  APP_PID=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$APP_PORT/healthz" >/dev/null 2>&1 && return
    sleep 0.1
  done
  echo "broadsheet did not start" >&2
  exit 1
}

stop_app() {
  kill "$APP_PID" && wait "$APP_PID" 2>/dev/null || true
  APP_PID=""
}

# Clock ticks of user + system time of a process and its threads (fields 14 and 15 of stat).
cpu_ticks() {
  local total=0 pid
  for pid in "$@"; do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}

HZ="$(getconf CLK_TCK)"
declare -A RPS

# measure NAME URL PID...: one wrk run; prints a row and remembers requests per second.
measure() {
  local name="$1" url="$2"
  shift 2
  wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "$url" >/dev/null 2>&1
  local before after out requests rps p99 cpu_us
  before="$(cpu_ticks "$@")"
  out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url")"
  after="$(cpu_ticks "$@")"
  requests="$(awk '/requests in/ {print $1}' <<<"$out")"
  rps="$(awk '/^Requests\/sec/ {print $2}' <<<"$out")"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  cpu_us="$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$requests" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}')"
  RPS["$name"]="$rps"
  printf '%-28s %12s req/s   p99 %8s   %8s us CPU/request\n' "$name" "$rps" "$p99" "$cpu_us"
}

start_app true
curl -fs "http://127.0.0.1:$APP_PORT/" >"$WORK/home.html"
ARTICLE="$(grep -o 'href="/[a-z-]*/20[0-9][0-9]/[0-9][0-9]/[a-z0-9-]*"' "$WORK/home.html" | awk 'NR == 1' | cut -d'"' -f2)"
SECTION="/business-news"

mkdir -p "$WORK/www" "$WORK/nginx"
curl -fs "http://127.0.0.1:$APP_PORT$ARTICLE" >"$WORK/www/article.html"
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  open_file_cache max=100;
  types { text/html html; }
  client_body_temp_path $WORK/nginx;
  proxy_temp_path $WORK/nginx;
  fastcgi_temp_path $WORK/nginx;
  uwsgi_temp_path $WORK/nginx;
  scgi_temp_path $WORK/nginx;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WORK/www;
  }
}
CONF
nginx -c "$WORK/nginx/nginx.conf" &
NGINX_PID=$!
sleep 0.5
NGINX_PIDS="$(pgrep -P "$NGINX_PID" | tr '\n' ' ') $NGINX_PID"

echo
echo "Article: $ARTICLE ($(wc -c <"$WORK/www/article.html") bytes); $CONNECTIONS connections, ${DURATION}s a run"
# shellcheck disable=SC2086
measure "nginx static article" "http://127.0.0.1:$NGINX_PORT/article.html" $NGINX_PIDS
measure "article (cache on)" "http://127.0.0.1:$APP_PORT$ARTICLE" "$APP_PID"
measure "home (cache on)" "http://127.0.0.1:$APP_PORT/" "$APP_PID"
measure "section (cache on)" "http://127.0.0.1:$APP_PORT$SECTION" "$APP_PID"
stop_app

start_app false
measure "article (cache off)" "http://127.0.0.1:$APP_PORT$ARTICLE" "$APP_PID"
measure "home (cache off)" "http://127.0.0.1:$APP_PORT/" "$APP_PID"
measure "section (cache off)" "http://127.0.0.1:$APP_PORT$SECTION" "$APP_PID"
stop_app

echo
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
echo "article_cache_off_vs_static=$(ratio "${RPS[article (cache off)]}" "${RPS[nginx static article]}")"
echo "article_vs_static=$(ratio "${RPS[article (cache on)]}" "${RPS[nginx static article]}")"
