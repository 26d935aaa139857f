#!/usr/bin/env bash
# Newsletter send throughput: one digest to 100,000 readers into a loopback SMTP sink.
#
# The sink is Postfix's smtp-sink; the reference is Postfix's smtp-source pushing as many
# messages of the same size into the same sink over as many connections, in the same run. The
# figure is Broadsheet's messages per second (target: at least 2,000 on this machine), and the
# ratio to smtp-source, a C load generator that renders nothing and records nothing.
#
#   bench/newsletter.sh            100,000 readers, 8 connections
#   READERS=20000 CONNECTIONS=4 bench/newsletter.sh
set -euo pipefail
cd "$(dirname "$0")/.."

READERS="${READERS:-100000}"
CONNECTIONS="${CONNECTIONS:-8}"
SINK_PORT="${SINK_PORT:-12525}"
NEWSLETTER="business-briefing"

if ! command -v smtp-sink >/dev/null || ! command -v smtp-source >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null
fi
PATH="$PATH:/usr/sbin"

cargo build --release --quiet
BIN="$PWD/target/release/broadsheet"
WORK="$(mktemp -d)"
SINK_PID=""
cleanup() {
  [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

as_user=()
[ "$(id -u)" = 0 ] && as_user=(-u nobody)
smtp-sink "${as_user[@]}" 127.0.0.1:"$SINK_PORT" 1024 &
SINK_PID=$!
for _ in $(seq 1 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$SINK_PORT") 2>/dev/null && break
  sleep 0.1
done
kill -0 "$SINK_PID" || { echo "smtp-sink did not start" >&2; exit 1; }

export BROADSHEET_LOG=warn
"$BIN" --data-dir "$WORK/data" demo --articles 300 >/dev/null
python3 - "$WORK/readers.csv" "$READERS" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    f.write("email\n")
    for i in range(n):
        f.write(f"reader{i}@bench.example\n")
PY
"$BIN" --data-dir "$WORK/data" newsletter import --newsletter "$NEWSLETTER" "$WORK/readers.csv"

ours="$("$BIN" --data-dir "$WORK/data" newsletter send --newsletter "$NEWSLETTER" \
  --intro "Good morning. Here is what happened since yesterday." \
  --smtp-url "smtp://127.0.0.1:$SINK_PORT" --smtp-connections "$CONNECTIONS" \
  --mail-from "Bench <news@bench.example>")"
echo "$ours"
ours_rate="$(sed -n 's/.*: \([0-9]*\) messages\/s$/\1/p' <<<"$ours")"
sent="$(sed -n 's/.*sent \([0-9]*\) of.*/\1/p' <<<"$ours")"
[ "$sent" = "$READERS" ] || { echo "only $sent of $READERS were sent" >&2; exit 1; }

# The reference sends messages as large as ours: the issue's two parts plus its headers.
size="$(python3 - "$WORK/data/broadsheet.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
(n,) = db.execute("SELECT length(html) + length(text) FROM newsletter_issues ORDER BY id DESC LIMIT 1").fetchone()
print(n + 1500)
PY
)"
start="$(date +%s.%N)"
smtp-source -s "$CONNECTIONS" -m "$READERS" -l "$size" -f news@bench.example \
  -t reader@bench.example 127.0.0.1:"$SINK_PORT"
end="$(date +%s.%N)"
ref_rate="$(python3 -c "print(round($READERS / ($end - $start)))")"

echo "messages of about $((size / 1024)) KiB, $CONNECTIONS connections, $READERS readers"
printf '%-34s %10s\n' "sender" "messages/s"
printf '%-34s %10s\n' "broadsheet newsletter send" "$ours_rate"
printf '%-34s %10s\n' "smtp-source (reference)" "$ref_rate"
echo "messages_per_second=$ours_rate"
python3 -c "print(f'newsletter_vs_smtp_source={$ours_rate / $ref_rate:.2f}')"
