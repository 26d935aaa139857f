#!/usr/bin/env bash
# Lighthouse on the home and article pages: accessibility, best practices and SEO (each should
# be 100) and performance (at least 95), with Lighthouse's default mobile emulation and
# simulated throttling, in Debian's Chromium. Not a timed test: scores, not speeds, though the
# performance score follows from simulated load times.
#
# The reference in the same run is the same HTML served by nginx as a static file, with every
# other request (styles, scripts, pictures) passed to the same Broadsheet: the difference is
# what Broadsheet's answer for the page itself costs. Prints a row per page and server, then
# `lighthouse_performance_vs_static=<the lower of the two pages' Broadsheet / static scores>`.
#
# Usage: bench/lighthouse.sh   (needs root for apt-get on first use, and the npm registry once:
# Lighthouse 12.2.3 is installed under bench/out)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=1
# shellcheck source=bench/lib.sh
. bench/lib.sh

LIGHTHOUSE_DIR="bench/out/lighthouse"
LIGHTHOUSE="$LIGHTHOUSE_DIR/node_modules/.bin/lighthouse"
if [ ! -x "$LIGHTHOUSE" ]; then
  mkdir -p "$LIGHTHOUSE_DIR"
  npm install --silent --no-audit --no-fund --prefix "$LIGHTHOUSE_DIR" lighthouse@12.2.3 >/dev/null
fi
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

echo "Loading a 100-article demo newsroom..."
"$BIN" --data-dir "$WORK/data" --log warn demo --articles 100 --seed 1 >/dev/null
start_app true
APP="http://127.0.0.1:$APP_PORT"
curl -fs "$APP/" >"$WORK/home.html"
ARTICLE="$(grep -o 'href="/[a-z-]*/20[0-9][0-9]/[0-9][0-9]/[a-z0-9-]*"' "$WORK/home.html" | awk 'NR == 1' | cut -d'"' -f2)"
curl -fs "$APP$ARTICLE" >"$WORK/article.html"

# nginx answers the two pages from files and passes everything else to Broadsheet.
mkdir -p "$WORK/www"
cp "$WORK/home.html" "$WORK/article.html" "$WORK/www/"
start_nginx "    listen 127.0.0.1:$NGINX_PORT;
    root $WORK/www;
    gzip on;
    location = /home.html { add_header Cache-Control \"public, max-age=60\"; }
    location = /article.html { add_header Cache-Control \"public, max-age=60\"; }
    location / { proxy_pass $APP; proxy_set_header Host 127.0.0.1:$APP_PORT; }"
STATIC="http://127.0.0.1:$NGINX_PORT"
curl -fs -o /dev/null "$STATIC/home.html"

# Warm the image cache, so neither side pays for the first resize of a picture.
for url in "$APP/" "$APP$ARTICLE"; do
  curl -fs "$url" | grep -o '/images/v2/[^" ]*' | sed 's/&amp;/\&/g' | sort -u |
    while read -r image; do curl -fs -o /dev/null "$APP$image" || true; done
done

declare -A SCORE
# audit NAME URL: one Lighthouse run; prints its four scores and remembers performance.
audit() {
  local name="$1" url="$2" report="$WORK/$1.json"
  CHROME_PATH="$CHROMIUM" "$LIGHTHOUSE" "$url" --quiet --output=json --output-path="$report" \
    --only-categories=performance,accessibility,best-practices,seo \
    --chrome-flags="--headless --no-sandbox --disable-gpu --disable-background-networking" \
    >"$WORK/$name.log" 2>&1 || {
    echo "Lighthouse failed on $url:" >&2
    tail -n 20 "$WORK/$name.log" >&2
    exit 1
  }
  local scores
  scores="$(node -e '
    const r = require(process.argv[1]);
    const s = (k) => Math.round(r.categories[k].score * 100);
    const failed = Object.values(r.audits)
      .filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode === "binary")
      .map((a) => a.id);
    console.log(s("performance"), s("accessibility"), s("best-practices"), s("seo"), failed.join(",") || "-");
  ' "$report")"
  read -r perf a11y practices seo failed <<<"$scores"
  SCORE["$name"]="$perf"
  printf '%-18s performance %3s   accessibility %3s   best practices %3s   SEO %3s   failing: %s\n' \
    "$name" "$perf" "$a11y" "$practices" "$seo" "$failed"
}

echo
audit home "$APP/"
audit home-static "$STATIC/home.html"
audit article "$APP$ARTICLE"
audit article-static "$STATIC/article.html"
echo
home_ratio="$(ratio "${SCORE[home]}" "${SCORE[home-static]}")"
article_ratio="$(ratio "${SCORE[article]}" "${SCORE[article-static]}")"
lower="$(printf '%s\n%s\n' "$home_ratio" "$article_ratio" | sort -g | head -n 1)"
echo "lighthouse_performance_vs_static=$lower"
