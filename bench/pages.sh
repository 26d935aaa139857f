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
# shellcheck source=bench/lib.sh
. bench/lib.sh

echo "Loading the 500-article demo newsroom..."
"$BIN" --data-dir "$WORK/data" --log warn demo --articles 500 --seed 1 >/dev/null

start_app true
curl -fs "http://127.0.0.1:$APP_PORT/" >"$WORK/home.html"
ARTICLE="$(grep -o 'href="/[a-z-]*/20[0-9][0-9]/[0-9][0-9]/[a-z0-9-]*"' "$WORK/home.html" | awk 'NR == 1' | cut -d'"' -f2)"
SECTION="/business-news"

curl -fs "http://127.0.0.1:$APP_PORT$ARTICLE" >"$WORK/article.html"
serve_static "$WORK/article.html"

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
echo "article_cache_off_vs_static=$(ratio "${RPS[article (cache off)]}" "${RPS[nginx static article]}")"
echo "article_vs_static=$(ratio "${RPS[article (cache on)]}" "${RPS[nginx static article]}")"
