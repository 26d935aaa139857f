#!/usr/bin/env bash
# Cache churn: a demo of CHURN_ARTICLES articles (100,000 by default) served by a release build
# with a page cache big enough for the archive, read by 64 connections (home 10 %, section
# fronts 5 %, stories 85 % by a Zipf law, newest most read) while a writer approves a comment
# every 2 s and edits a story every 30 s (benches/cache_churn.rs). Run twice in turn on the same
# archive: with the rule before 2026-12 (`--page-cache-invalidation everything`: every change
# drops every cached page) and with the selective one (a change drops only the pages that show
# what it changed).
#
# Before the readers start, every page is read once (CHURN_START=crawl, the default), as a cache
# stands after a site has served for hours: the measure is then the steady state, where a miss
# is what a write dropped. CHURN_START=cold starts from an empty cache instead, where the first
# reads of the Zipf law's long tail are most of the misses under either rule.
#
# Prints, for each rule, `hit_ratio_RULE=` (the page cache's hits over lookups in the measured
# part, from /metrics), `repeat_hit_ratio_RULE=` (the same without each page's first read, a
# miss under any rule), `p99_ms_RULE=` and `errors_RULE=`. Target: hit_ratio_selective at least
# 0.95.
#
# Usage: bench/cache-churn.sh [seconds]   (measured seconds per rule, default 120, after as long
# again to warm the cache; needs root for apt-get on first use; CHURN_ARTICLES=N for another
# archive size)
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_TO_RUN="${1:-120}"
DURATION=5
# shellcheck source=bench/lib.sh
. bench/lib.sh
CHURN_BIN="$(bench_binary cache_churn)"
ARTICLES="${CHURN_ARTICLES:-100000}"
TOKEN="a-metrics-token-for-the-cache-churn-bench"

echo "Loading a ${ARTICLES}-article demo newsroom (this takes a while)..."
"$BIN" --data-dir "$WORK/data" --log warn demo --articles "$ARTICLES" --seed 5 >/dev/null
echo "a long churn-test passphrase" | "$BIN" --data-dir "$WORK/data" --log warn user add \
  --email desk@churn.example --name Desk --role editor --password-stdin >/dev/null
echo "Building the search index (so neither run builds it while measured)..."
"$BIN" --data-dir "$WORK/data" --log warn search reindex >/dev/null

for rule in everything selective; do
  # Under the old rule the first write, two seconds in, empties the cache: a crawl before it
  # would be gone long before the measured part, so only the selective run is crawled.
  start="${CHURN_START:-crawl}"
  [ "$rule" = everything ] && start=cold
  start_app true --page-cache-mb 8192 --page-cache-invalidation "$rule" --metrics-token "$TOKEN"
  "$CHURN_BIN" "http://127.0.0.1:$APP_PORT" "$WORK/data" "$SECONDS_TO_RUN" "$SECONDS_TO_RUN" \
    "$TOKEN" "$rule" "$start" | tee "$WORK/$rule.out"
  stop_app
done
echo
grep -hE '^(hit_ratio|repeat_hit_ratio|p99_ms|errors)_' "$WORK"/everything.out "$WORK"/selective.out
