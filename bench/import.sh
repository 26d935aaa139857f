#!/usr/bin/env bash
# WordPress import: a generated export of POSTS posts with COMMENTS threaded comments (2,000 and
# 10,000 by default, bench/wxr_generate.py), imported by `broadsheet import wordpress` into
# SQLite and into PostgreSQL, and — the reference, in the same run — by WordPress's own importer
# (the official plugin, in the reference WordPress of ../shared/tools/wordpress) into MariaDB.
# Then an export of about 1 GB (the same posts with long bodies) into SQLite, for memory.
#
# Prints, per run, wall time, items/s and peak resident memory; then
# `import_sqlite_s=`, `import_postgres_s=`, `wordpress_s=`, `wordpress_vs_import=` (WordPress's
# time / Broadsheet's on SQLite: how many times faster Broadsheet is), `import_peak_rss_mb=` and
# `import_1gb_peak_rss_mb=`. Targets: under 10 s on SQLite; under 200 MiB on the 1 GB export.
#
# Usage: bench/import.sh   (needs root for apt-get and the reference WordPress; POSTS=, COMMENTS=
# for another shape; BIG=0 skips the 1 GB run; PG_URL=postgres://postgres@127.0.0.1:5432 by default)
set -euo pipefail
cd "$(dirname "$0")/.."

POSTS="${POSTS:-2000}"
COMMENTS="${COMMENTS:-10000}"
BIG="${BIG:-1}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
WP_TOOLS="../shared/tools/wordpress"

command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
cargo build --release --quiet
BIN="$PWD/target/release/broadsheet"
WORK="$(mktemp -d)"
PG_DB="bench_import_$$"
cleanup() {
  psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

ITEMS=$((POSTS + COMMENTS))
echo "Writing an export of $POSTS posts and $COMMENTS comments..."
python3 bench/wxr_generate.py "$WORK/export.xml" --posts "$POSTS" --comments "$COMMENTS"
ls -l "$WORK/export.xml" | awk '{printf "export: %.1f MB\n", $5 / 1e6}'

# run NAME COMMAND...: runs it under /usr/bin/time; sets SECONDS_<NAME> and RSS_<NAME> (MiB).
run() {
  local name="$1"
  shift
  /usr/bin/time -f '%e %M' -o "$WORK/time" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || {
    cat "$WORK/$name.err" >&2
    exit 1
  }
  read -r secs kb <"$WORK/time"
  printf -v "SECONDS_$name" '%s' "$secs"
  printf -v "RSS_$name" '%s' "$((kb / 1024))"
  awk -v n="$name" -v s="$secs" -v i="$ITEMS" -v kb="$kb" \
    'BEGIN {printf "%-10s %7.2f s  %8.0f items/s  peak %4d MiB\n", n, s, i / s, kb / 1024}'
}

run sqlite "$BIN" --data-dir "$WORK/sqlite" --log warn import wordpress "$WORK/export.xml"
grep -E '^(articles|comments)' "$WORK/sqlite.out"

psql "$PG_URL/postgres" -qc "CREATE DATABASE $PG_DB" >/dev/null
run postgres "$BIN" --data-dir "$WORK/pg" --database-url "$PG_URL/$PG_DB" --log warn \
  import wordpress "$WORK/export.xml"

WORDPRESS="n/a"
if [ "$(id -u)" = 0 ] && [ -x "$WP_TOOLS/setup.sh" ] && "$WP_TOOLS/setup.sh" >/dev/null 2>&1; then
  "$WP_TOOLS/wp.sh" reset >/dev/null 2>&1
  run wordpress "$WP_TOOLS/wp.sh" import "$WORK/export.xml"
  WORDPRESS="$SECONDS_wordpress"
  "$WP_TOOLS/wp.sh" reset >/dev/null 2>&1
else
  echo "wordpress: the reference WordPress is not available (needs root and $WP_TOOLS)"
fi

BIG_RSS="n/a"
if [ "$BIG" = 1 ]; then
  echo "Writing an export of about 1 GB..."
  python3 bench/wxr_generate.py "$WORK/big.xml" --posts "$POSTS" --comments "$COMMENTS" \
    --padding 500000
  ls -l "$WORK/big.xml" | awk '{printf "export: %.0f MB\n", $5 / 1e6}'
  rm -f "$WORK/export.xml"
  run big "$BIN" --data-dir "$WORK/big" --log warn import wordpress "$WORK/big.xml"
  BIG_RSS="$RSS_big"
fi

echo "import_sqlite_s=$SECONDS_sqlite"
echo "import_postgres_s=$SECONDS_postgres"
echo "wordpress_s=$WORDPRESS"
if [ "$WORDPRESS" != "n/a" ]; then
  awk -v w="$WORDPRESS" -v b="$SECONDS_sqlite" 'BEGIN {printf "wordpress_vs_import=%.1f\n", w / b}'
fi
echo "import_peak_rss_mb=$RSS_sqlite"
echo "import_1gb_peak_rss_mb=$BIG_RSS"
