#!/usr/bin/env bash
# Change propagation between nodes: three release `serve` nodes on one PostgreSQL database (a
# 500-article demo), and benches/propagation.rs editing a story through the first node while it
# polls every node for the new headline. The writing node drops its cached copy as the write
# commits, so its time (a render) is the reference; the others learn of it from PostgreSQL's
# notification. Prints each node's p50, p90 and highest, then `propagation_p50_ms=`,
# `propagation_p99_ms=` and `propagation_vs_writer=`.
#
# Usage: bench/propagation.sh [rounds]   (default 200; PostgreSQL at $ADMIN_URL, trust auth)
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS="${1:-200}"
DURATION=5
# shellcheck source=bench/lib.sh
. bench/lib.sh
PROPAGATION_BIN="$(bench_binary propagation)"
ADMIN_URL="${ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
DATABASE=broadsheet_propagation_bench
psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $DATABASE" -c "CREATE DATABASE $DATABASE"
URL="${ADMIN_URL%/*}/$DATABASE"

echo "Loading the 500-article demo newsroom into PostgreSQL..."
"$BIN" --data-dir "$WORK/node1" --database-url "$URL" --log warn demo --articles 500 >/dev/null
NODES=()
for n in 1 2 3; do
  port=$((APP_PORT + n))
  mkdir -p "$WORK/node$n"
  APP_DATA_DIR="$WORK/node$n" start_app_on "$port" true --database-url "$URL"
  NODES+=("http://127.0.0.1:$port")
done
"$PROPAGATION_BIN" "$URL" "$ROUNDS" "${NODES[@]}"
for pid in "${APP_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
wait 2>/dev/null || true
psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $DATABASE"
