#!/usr/bin/env bash
# Browser tests: builds Broadsheet, loads a small demo newsroom with an editor account into a
# fresh data dir, serves it on loopback, and runs the Playwright tests against it in Debian's
# Chromium. Needs /usr/bin/chromium and `npm install` in e2e/ (.ci/run does both).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet
BIN="$PWD/target/debug/broadsheet"
WORK="$(mktemp -d)"
PORT="${E2E_PORT:-18181}"
# The server is stopped and waited for before its data dir goes: its search indexer may still
# be writing a segment, and removing the folder under it fails.
cleanup() {
  if [ -n "${SERVER_PID:-}" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK" || true
}
trap cleanup EXIT

"$BIN" --data-dir "$WORK/data" --log warn demo --articles 12 --seed 3 >/dev/null
export E2E_EMAIL="desk@e2e.example"
export E2E_PASSWORD="a long browser passphrase"
echo "$E2E_PASSWORD" | "$BIN" --data-dir "$WORK/data" --log warn user add \
  --email "$E2E_EMAIL" --name "Desk Editor" --role editor --password-stdin >/dev/null

# A Content API key for the Ghost client test.
E2E_GHOST_KEY="$("$BIN" --data-dir "$WORK/data" --log warn content-key add --name "e2e front end")"
export E2E_GHOST_KEY

BROADSHEET_LOG=warn "$BIN" --data-dir "$WORK/data" serve --listen "127.0.0.1:$PORT" \
  --base-url "http://127.0.0.1:$PORT" --admin-email "$E2E_EMAIL" >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

export E2E_BASE="http://127.0.0.1:$PORT"
# Tests that need a server of their own (an empty image cache) start this binary.
export E2E_BIN="$BIN"
export E2E_COLD_PORT="$((PORT + 2))"
export E2E_OUTBOX="$WORK/data/outbox"
export E2E_IMAGE
E2E_IMAGE="$(find "$WORK/data/media" -name '*.jpg' -size +100k -print -quit)"
export E2E_OUT="${E2E_OUT:-$PWD/e2e/out}"
mkdir -p "$E2E_OUT"
cd e2e
# One file at a time: they share one server, and the desk test changes the home page. Arguments
# name test files to run instead of all (`e2e/run.sh editing.test.mjs`).
node --test --test-concurrency=1 --test-reporter=spec "$@"
