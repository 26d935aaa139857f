#!/usr/bin/env bash
# Public page throughput: Broadsheet's article page, home page and a section front against nginx
# serving the same article HTML as a static file, with the page cache on and off; and a picture
# from the image service's variant cache against nginx serving the same bytes.
#
# Two Broadsheet servers (cache on, cache off) and nginx run side by side; each round measures
# every target once, in turn, so a drift in the machine's speed hits all of them alike. Prints,
# per round and target: requests per second, p99 latency, server CPU per request (from /proc:
# user + system time of the server's processes over the run, divided by requests) and wrk's own
# CPU per request (wrk is one thread, so near one core it is the load generator that sets the
# pace); then the median over the rounds. The last line is `article_vs_static=<median of the rounds' article rps
# with the cache on / nginx rps>`.
#
# Usage: bench/pages.sh [seconds-per-run] [rounds]   (defaults 5 and 3; needs root for apt-get on
# first use)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${1:-5}"
ROUNDS="${2:-3}"
# shellcheck source=bench/lib.sh
. bench/lib.sh
OFF_PORT="${OFF_PORT:-18082}"

echo "Loading the 500-article demo newsroom..."
"$BIN" --data-dir "$WORK/data" --log warn demo --articles 500 --seed 1 >/dev/null

start_app_on "$APP_PORT" true
ON_PID="$APP_PID"
start_app_on "$OFF_PORT" false
OFF_PID="$APP_PID"
ON="http://127.0.0.1:$APP_PORT"
OFF="http://127.0.0.1:$OFF_PORT"
curl -fs "$ON/" >"$WORK/home.html"
ARTICLE="$(grep -o 'href="/[a-z-]*/20[0-9][0-9]/[0-9][0-9]/[a-z0-9-]*"' "$WORK/home.html" | awk 'NR == 1' | cut -d'"' -f2)"
SECTION="/business-news"

curl -fs "$ON$ARTICLE" >"$WORK/article.html"
serve_static "$WORK/article.html"
# The home page's first library picture at 700 px, rendered once: later answers come from the
# node's variant cache, compared with nginx sending the same bytes as a static file.
PICTURE="$(grep -o '/images/v2/raw/media:[^" ]*width=700[^" ]*' "$WORK/home.html" | head -n 1 | sed 's/&amp;/\&/g')"
curl -fs "$ON$PICTURE" >"$WORK/www/picture.jpg"

echo
echo "Article: $ARTICLE ($(wc -c <"$WORK/www/article.html") bytes); $CONNECTIONS connections, ${DURATION}s a run, $ROUNDS rounds"
TARGETS=("nginx static article" "article (cache on)" "home (cache on)" "section (cache on)"
  "article (cache off)" "home (cache off)" "section (cache off)"
  "nginx static picture" "picture (variant cached)")
declare -A URL PIDS
URL["nginx static article"]="http://127.0.0.1:$NGINX_PORT/article.html"
PIDS["nginx static article"]="$NGINX_PIDS"
URL["nginx static picture"]="http://127.0.0.1:$NGINX_PORT/picture.jpg"
PIDS["nginx static picture"]="$NGINX_PIDS"
URL["picture (variant cached)"]="$ON$PICTURE"
PIDS["picture (variant cached)"]="$ON_PID"
for cache in on off; do
  base="$ON" pid="$ON_PID"
  [ "$cache" = off ] && base="$OFF" pid="$OFF_PID"
  URL["article (cache $cache)"]="$base$ARTICLE"
  URL["home (cache $cache)"]="$base/"
  URL["section (cache $cache)"]="$base$SECTION"
  for page in article home section; do PIDS["$page (cache $cache)"]="$pid"; done
done

declare -A ALL_RPS ALL_P99 ALL_CPU ALL_WRK
ON_RATIOS=()
OFF_RATIOS=()
PICTURE_RATIOS=()
for round in $(seq 1 "$ROUNDS"); do
  echo
  echo "Round $round"
  for target in "${TARGETS[@]}"; do
    # shellcheck disable=SC2086
    measure "$target" "${URL[$target]}" ${PIDS[$target]}
    ALL_RPS["$target"]+="${RPS[$target]} "
    ALL_P99["$target"]+="${P99[$target]} "
    ALL_CPU["$target"]+="${CPU_US[$target]} "
    ALL_WRK["$target"]+="${WRK_US[$target]} "
  done
  ON_RATIOS+=("$(ratio "${RPS[article (cache on)]}" "${RPS[nginx static article]}")")
  OFF_RATIOS+=("$(ratio "${RPS[article (cache off)]}" "${RPS[nginx static article]}")")
  PICTURE_RATIOS+=("$(ratio "${RPS[picture (variant cached)]}" "${RPS[nginx static picture]}")")
done

echo
echo "Median of $ROUNDS rounds"
for target in "${TARGETS[@]}"; do
  # shellcheck disable=SC2086
  printf '%-28s %12s req/s   p99 %8s   %8s us CPU/request   wrk %5s us\n' "$target" \
    "$(median ${ALL_RPS[$target]})" "$(median ${ALL_P99[$target]})" "$(median ${ALL_CPU[$target]})" \
    "$(median ${ALL_WRK[$target]})"
done

echo
echo "picture_vs_static rounds: ${PICTURE_RATIOS[*]}"
echo "article_cache_off_vs_static rounds: ${OFF_RATIOS[*]}"
echo "article_vs_static rounds: ${ON_RATIOS[*]}"
echo "picture_vs_static=$(median "${PICTURE_RATIOS[@]}")"
echo "article_cache_off_vs_static=$(median "${OFF_RATIOS[@]}")"
echo "article_vs_static=$(median "${ON_RATIOS[@]}")"
