#!/usr/bin/env bash
# Feeds: the site's RSS feed from Broadsheet with the page cache on, against nginx serving the
# same feed as a static file, with wrk at 64 connections, in turns over several rounds.
#
# Prints each round's rows (requests per second, p99, server CPU per request, wrk's CPU per
# request), then `feed_vs_static=<median of the rounds' Broadsheet rps / nginx rps>`; the
# target is at least 1.0.
#
# Usage: bench/feeds.sh [seconds-per-run] [rounds]   (defaults 5 and 3; needs root for apt-get on
# first use)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${1:-5}"
ROUNDS="${2:-3}"
# shellcheck source=bench/lib.sh
. bench/lib.sh

echo "Loading the 500-article demo newsroom..."
"$BIN" --data-dir "$WORK/data" --log warn demo --articles 500 --seed 1 >/dev/null
start_app true
APP="http://127.0.0.1:$APP_PORT"
curl -fs "$APP/feed/" >"$WORK/feed.xml"
serve_static "$WORK/feed.xml"
echo "Feed: /feed/ ($(wc -c <"$WORK/feed.xml") bytes, 20 items with full text); 64 connections, ${DURATION}s a run"

ratios=()
for round in $(seq 1 "$ROUNDS"); do
  echo
  echo "Round $round"
  measure "nginx static feed" "http://127.0.0.1:$NGINX_PORT/article.html" $NGINX_PIDS
  measure "feed (cache on)" "$APP/feed/" "$APP_PID"
  ratios+=("$(ratio "${RPS[feed (cache on)]}" "${RPS[nginx static feed]}")")
done
echo
echo "feed_vs_static rounds: ${ratios[*]}"
echo "feed_vs_static=$(median "${ratios[@]}")"
