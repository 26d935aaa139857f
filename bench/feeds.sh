#!/usr/bin/env bash
# Feeds: the site's RSS feed from Broadsheet with the page cache on, against nginx serving the
# same feed as a static file, with wrk at 64 connections, in turns over several rounds.
#
# Prints each round's rows (requests per second, p99, server CPU per request, wrk's CPU per
# request), then `feed_vs_static=<median of the rounds' Broadsheet rps / nginx rps>`; the
# target is at least 1.0.
#
# Then sitemaps at scale: a demo of SITEMAP_ARTICLES articles (100,000 by default), served with
# the page cache off, and the time of a cold request for the sitemap index and for the largest
# month's sitemap (targets: under 200 ms each), with the server's memory before and after (its
# peak resident size should grow by about a file, not by the archive).
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
FEED_RATIO="$(median "${ratios[@]}")"
stop_app

ARTICLES="${SITEMAP_ARTICLES:-100000}"
echo
echo "Loading a ${ARTICLES}-article demo newsroom for the sitemaps (this takes a while)..."
rm -rf "$WORK/data"
"$BIN" --data-dir "$WORK/data" --log warn demo --articles "$ARTICLES" --seed 2 >/dev/null
# Built before the server starts, or the server builds it in the background and the cold
# requests below are timed against a busy machine.
"$BIN" --data-dir "$WORK/data" --log warn search reindex >/dev/null
start_app false
APP="http://127.0.0.1:$APP_PORT"
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$APP_PID/status"; }
peak_kb() { awk '/^VmHWM/ {print $2}' "/proc/$APP_PID/status"; }
index_ms="$(curl -fs -o "$WORK/index.xml" -w '%{time_total}' "$APP/sitemap.xml" | awk '{printf "%.0f", $1 * 1000}')"
largest=""
most=0
for part in $(grep -o '/sitemaps/articles-[0-9-]*\(-p[0-9]*\)\?\.xml' "$WORK/index.xml"); do
  count="$(curl -fs "$APP$part" | grep -c '<url>' || true)"
  if [ "$count" -gt "$most" ]; then most="$count"; largest="$part"; fi
done
stop_app
start_app false
curl -fs -o /dev/null "$APP/healthz"
before="$(rss_kb)"
month_ms="$(curl -fs -o "$WORK/month.xml" -w '%{time_total}' "$APP$largest" | awk '{printf "%.0f", $1 * 1000}')"
echo "sitemap index: $(grep -c '<sitemap>' "$WORK/index.xml") files listed, $(wc -c <"$WORK/index.xml") bytes, ${index_ms} ms cold"
echo "largest month: $largest, $most articles, $(wc -c <"$WORK/month.xml") bytes, ${month_ms} ms cold"
echo "server memory: ${before} kB resident before, peak $(peak_kb) kB after the month"
echo
echo "sitemap_index_ms=$index_ms"
echo "sitemap_month_ms=$month_ms"
echo "feed_vs_static=$FEED_RATIO"
