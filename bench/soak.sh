#!/usr/bin/env bash
# Soak: the 500-article demo served by a release build, under mixed traffic at 64 connections
# for SECONDS (ten minutes by default): pages 85 %, pictures 8 % (the theme's widths, and a
# never-rendered width twice a second), search 2 %, API reads 3 % (Broadsheet's, WordPress's
# and Ghost's), comment and newsletter forms 2 % (benches/soak.rs, sharing its traffic with the
# one-minute test in tests/it/soak.rs).
#
# Prints each kind's answers, p50 and p99, the server's memory and open descriptors (sampled
# every second) each minute and each third's median and highest, then `soak_errors=` (target
# 0: no 5xx, no broken connection, no 4xx but a form's refusal by design), `rss_end_vs_middle=`
# and `fds_end_vs_middle=` (the last third's median over the middle third's; target: within
# 10 % of 1.0).
#
# Usage: bench/soak.sh [seconds]   (default 600; needs root for apt-get on first use)
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_TO_RUN="${1:-600}"
DURATION=5
# shellcheck source=bench/lib.sh
. bench/lib.sh
SOAK_BIN="$(bench_binary soak)"

echo "Loading the 500-article demo newsroom..."
"$BIN" --data-dir "$WORK/data" --log warn demo --articles 500 --seed 1 >/dev/null
echo "a long soak-test passphrase" | "$BIN" --data-dir "$WORK/data" --log warn user add \
  --email desk@soak.example --name Desk --role editor --password-stdin >/dev/null
GHOST_KEY="$("$BIN" --data-dir "$WORK/data" --log warn content-key add --name soak)"
# Each reader sends an address of its own in X-Forwarded-For, as behind a proxy.
start_app true --trusted-proxies 127.0.0.1
"$SOAK_BIN" "http://127.0.0.1:$APP_PORT" "$WORK/data" "$APP_PID" "$SECONDS_TO_RUN" "$GHOST_KEY"
stop_app
