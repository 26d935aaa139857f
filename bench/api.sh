#!/usr/bin/env bash
# Compatibility APIs: WordPress's `/wp-json/wp/v2/posts?per_page=10&_embed=1` and Ghost's
# `/ghost/api/content/posts/?key=…&include=tags,authors` from Broadsheet, each against nginx
# serving the same JSON as a static file, with wrk at 64 connections, in turns over several
# rounds: once with the page cache on (target: at least 1.0) and once with it off (printed;
# every request then reads the database and embeds or includes authors, media and terms).
#
# Prints each round's rows (requests per second, p99, server CPU per request, wrk's CPU per
# request), then `wp_posts_vs_static=` and `ghost_posts_vs_static=` (cache on) and their
# `_uncached_vs_static=` (cache off), each the median of the rounds' Broadsheet rps / nginx
# rps. For scale: WordPress 6.1 itself answered `/wp/v2/posts/{id}` at 86 req/s on this kind of
# machine.
#
# Usage: bench/api.sh [seconds-per-run] [rounds]   (defaults 5 and 3; needs root for apt-get on
# first use)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${1:-5}"
ROUNDS="${2:-3}"
# shellcheck source=bench/lib.sh
. bench/lib.sh

echo "Loading the 500-article demo newsroom..."
"$BIN" --data-dir "$WORK/data" --log warn demo --articles 500 --seed 1 >/dev/null
KEY="$("$BIN" --data-dir "$WORK/data" --log warn content-key add --name bench)"
WP_PATH="/wp-json/wp/v2/posts?per_page=10&_embed=1"
GHOST_PATH="/ghost/api/content/posts/?key=$KEY&include=tags,authors"

start_app true
APP="http://127.0.0.1:$APP_PORT"
curl -fs "$APP$WP_PATH" >"$WORK/posts.json"
serve_static "$WORK/posts.json"
curl -fs "$APP$GHOST_PATH" >"$WORK/www/ghost.json"
STATIC="http://127.0.0.1:$NGINX_PORT"
echo "WordPress posts: $WP_PATH ($(wc -c <"$WORK/posts.json") bytes)"
echo "Ghost posts: $GHOST_PATH ($(wc -c <"$WORK/www/ghost.json") bytes)"
echo "64 connections, ${DURATION}s a run"

declare -A ratios rps
# run API LABEL PATH STATIC_FILE: one measured pair, its ratio kept under API.
run() {
  measure "nginx static $1 JSON" "$STATIC/$4" $NGINX_PIDS
  measure "$1 posts ($2)" "$APP$3" "$APP_PID"
  rps[$1 $2]+="${RPS[$1 posts ($2)]} "
  ratios[$1 $2]+="$(awk -v a="${RPS[$1 posts ($2)]}" -v b="${RPS[nginx static $1 JSON]}" 'BEGIN {printf "%.3f", a / b}') "
}

for round in $(seq 1 "$ROUNDS"); do
  echo
  echo "Round $round"
  run wp "cache on" "$WP_PATH" article.html
  run ghost "cache on" "$GHOST_PATH" ghost.json
done
stop_app

start_app false
APP="http://127.0.0.1:$APP_PORT"
for round in $(seq 1 "$ROUNDS"); do
  echo
  echo "Round $round, page cache off"
  run wp "cache off" "$WP_PATH" article.html
  run ghost "cache off" "$GHOST_PATH" ghost.json
done
stop_app

echo
for api in wp ghost; do
  # shellcheck disable=SC2086 # the rounds' ratios are words
  echo "${api}_posts_vs_static rounds: ${ratios[$api cache on]}"
  # shellcheck disable=SC2086
  echo "${api}_posts_uncached_vs_static rounds: ${ratios[$api cache off]}"
done
for api in wp ghost; do
  # shellcheck disable=SC2086
  echo "${api}_posts_vs_static=$(median ${ratios[$api cache on]})"
  # shellcheck disable=SC2086
  echo "${api}_posts_uncached_vs_static=$(median ${ratios[$api cache off]})"
  # shellcheck disable=SC2086
  echo "${api}_posts_uncached_rps=$(median ${rps[$api cache off]})"
done
