#!/usr/bin/env bash
# Compatibility APIs: WordPress's `/wp-json/wp/v2/posts?per_page=10&_embed=1` from Broadsheet,
# against nginx serving the same JSON as a static file, with wrk at 64 connections, in turns
# over several rounds: once with the page cache on (target: at least 1.0) and once with it off
# (printed; every request then reads the database and embeds authors, media, terms and replies).
#
# Prints each round's rows (requests per second, p99, server CPU per request, wrk's CPU per
# request), then `wp_posts_vs_static=` (cache on) and `wp_posts_uncached_vs_static=` (cache off),
# each the median of the rounds' Broadsheet rps / nginx rps. For scale: WordPress 6.1 itself
# answered `/wp/v2/posts/{id}` at 86 req/s on this kind of machine.
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
WP_PATH="/wp-json/wp/v2/posts?per_page=10&_embed=1"

start_app true
APP="http://127.0.0.1:$APP_PORT"
curl -fs "$APP$WP_PATH" >"$WORK/posts.json"
serve_static "$WORK/posts.json"
echo "WordPress posts: $WP_PATH ($(wc -c <"$WORK/posts.json") bytes); 64 connections, ${DURATION}s a run"

cached=()
uncached=()
uncached_rps=()
for round in $(seq 1 "$ROUNDS"); do
  echo
  echo "Round $round"
  measure "nginx static JSON" "http://127.0.0.1:$NGINX_PORT/article.html" $NGINX_PIDS
  measure "wp posts (cache on)" "$APP$WP_PATH" "$APP_PID"
  cached+=("$(ratio "${RPS[wp posts (cache on)]}" "${RPS[nginx static JSON]}")")
done
stop_app

start_app false
APP="http://127.0.0.1:$APP_PORT"
for round in $(seq 1 "$ROUNDS"); do
  echo
  echo "Round $round, page cache off"
  measure "nginx static JSON" "http://127.0.0.1:$NGINX_PORT/article.html" $NGINX_PIDS
  measure "wp posts (cache off)" "$APP$WP_PATH" "$APP_PID"
  uncached+=("$(awk -v a="${RPS[wp posts (cache off)]}" -v b="${RPS[nginx static JSON]}" 'BEGIN {printf "%.5f", a / b}')")
  uncached_rps+=("${RPS[wp posts (cache off)]}")
done
stop_app

echo
echo "wp_posts_vs_static rounds: ${cached[*]}"
echo "wp_posts_uncached_vs_static rounds: ${uncached[*]}"
echo "wp_posts_vs_static=$(median "${cached[@]}")"
echo "wp_posts_uncached_vs_static=$(median "${uncached[@]}")"
echo "wp_posts_uncached_rps=$(median "${uncached_rps[@]}")"
