#!/usr/bin/env bash
# Search: a demo of SEARCH_ARTICLES articles (100,000 by default); the time to build its index
# (`broadsheet search reindex`); the latency of a fixed mix of 1-, 2- and 3-word and phrase
# queries (bench/search_queries.txt) over HTTP at 16 connections with the page cache off; the
# server's resident memory after; then, in process (benches/search.rs), the same queries
# against Broadsheet's search and against SQLite FTS5 (bm25) over the same text, and related
# articles against the section's newest on the demo's topics.
#
# Prints `index_build_s=`, `search_p50_ms=`, `search_p99_ms=`, `server_rss_mb=`,
# `search_vs_fts5=` (throughput ratio; target at least 2.0), `related_precision_at_4=` (target
# at least 0.8) and `related_same_section_baseline=`. Targets: p99 under 10 ms.
#
# Usage: bench/search.sh [seconds-per-run]   (default 10; needs root for apt-get on first use;
# SEARCH_ARTICLES=N for another archive size)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${1:-10}"
# shellcheck source=bench/lib.sh
. bench/lib.sh
CONNECTIONS=16
# The in-process half, built with the release profile so it shares the build lib.sh just made.
BENCH_BIN="$(bench_binary search)"

ARTICLES="${SEARCH_ARTICLES:-100000}"
echo "Loading a ${ARTICLES}-article demo newsroom (this takes a while)..."
"$BIN" --data-dir "$WORK/data" --log warn demo --articles "$ARTICLES" --seed 3 >/dev/null
echo "Building the search index..."
started="$(date +%s.%N)"
"$BIN" --data-dir "$WORK/data" --log warn search reindex
BUILD_S="$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')"
du -sh "$WORK/data/search" | awk '{print "index on disk: " $1}'

start_app false
APP="http://127.0.0.1:$APP_PORT"
curl -fs -o /dev/null "$APP/search?q=harvest"
export QUERIES="$PWD/bench/search_queries.txt"
echo "Queries: $(grep -c . "$QUERIES") in turn; ${CONNECTIONS} connections, ${DURATION}s, page cache off"
wrk -t2 -c"$CONNECTIONS" -d2s -s bench/search_queries.lua "$APP" >/dev/null 2>&1
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/search_queries.lua "$APP" >"$WORK/wrk.out"
cat "$WORK/wrk.out"
if grep -q "Non-2xx or 3xx responses" "$WORK/wrk.out"; then
  echo "search answered with errors" >&2
  exit 1
fi
to_ms() { awk -v p="$1" '$1 == p {v = $2 + 0; if ($2 ~ /us$/) v /= 1000; else if ($2 ~ /[^m]s$/) v *= 1000; printf "%.2f", v}' "$WORK/wrk.out"; }
P50="$(to_ms 50%)"
P99="$(to_ms 99%)"
RSS_MB="$(awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$APP_PID/status")"
stop_app

echo
echo "In process: Broadsheet's search against SQLite FTS5, and related articles..."
"$BENCH_BIN" "$WORK/data" "$QUERIES" "$DURATION" | tee "$WORK/inprocess.out"

echo
echo "index_build_s=$BUILD_S"
echo "search_p50_ms=$P50"
echo "search_p99_ms=$P99"
echo "server_rss_mb=$RSS_MB"
grep -E '^(search_vs_fts5|related_precision_at_4|related_same_section_baseline)=' "$WORK/inprocess.out"
