#!/usr/bin/env bash
# Comments: what a long discussion costs the article page, what posting a comment costs, and how
# well the local spam classifier separates labelled comments. In one run: a demo newsroom, one
# article given COMMENTS threaded comments through the public endpoint (by an editor, whom the
# flood rule does not slow), then wrk against that article with the page cache on and off and
# against nginx serving the same HTML as a static file.
#
# Prints posting latency, the page rows (requests per second, p99, CPU per request), the
# classifier's precision and recall, and last `discussion_vs_static=<cache-on rps / nginx rps>`.
#
# Usage: bench/comments.sh [seconds-per-run]   (default 10; COMMENTS=300 by default)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${1:-10}"
COMMENTS="${COMMENTS:-300}"
# shellcheck source=bench/lib.sh
. bench/lib.sh

echo "Loading a 100-article demo newsroom..."
"$BIN" --data-dir "$WORK/data" --log warn demo --articles 100 --seed 1 >/dev/null
PASSPHRASE="a bench passphrase long enough"
echo "$PASSPHRASE" | "$BIN" --data-dir "$WORK/data" --log warn user add \
  --email desk@bench.example --name "Bench Desk" --role editor --password-stdin >/dev/null

start_app false
BASE="http://127.0.0.1:$APP_PORT"
COOKIE="$(curl -fs -o /dev/null -D - -H "Origin: $BASE" \
  --data-urlencode "email=desk@bench.example" --data-urlencode "password=$PASSPHRASE" \
  --data-urlencode "next=/admin" "$BASE/admin/login" |
  awk -F'[ ;]' 'tolower($1) == "set-cookie:" {print $2}')"

ARTICLE=""
for path in $(curl -fs "$BASE/" | grep -o 'href="/[a-z-]*/20[0-9][0-9]/[0-9][0-9]/[a-z0-9-]*"' | cut -d'"' -f2); do
  if curl -fs "$BASE$path" | grep -q 'name="comment_post_ID"'; then
    ARTICLE="$path"
    break
  fi
done
ARTICLE_ID="$(curl -fs "$BASE$ARTICLE" | sed -n 's/.*name="comment_post_ID" value="\([0-9]*\)".*/\1/p' | head -n 1)"

echo "Posting $COMMENTS comments to $ARTICLE..."
python3 - "$APP_PORT" "$COOKIE" "$ARTICLE_ID" "$COMMENTS" <<'PY'
import http.client, sys, time, urllib.parse
port, cookie, article, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
conn = http.client.HTTPConnection("127.0.0.1", int(port))
ids, took = [], []
for i in range(count):
    parent = ids[(i * 7) % len(ids)] if ids and i % 3 else 0
    body = urllib.parse.urlencode({
        "comment_post_ID": article, "comment_parent": parent,
        "comment": f"Comment {i}: the figures deserve a closer look, and so does the timing.",
    })
    start = time.perf_counter()
    conn.request("POST", "/comments", body, {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
        "Origin": f"http://127.0.0.1:{port}", "Accept": "application/json"})
    response = conn.getresponse()
    answer = response.read()
    took.append(time.perf_counter() - start)
    if response.status != 201:
        sys.exit(f"comment {i}: HTTP {response.status}: {answer[:200]!r}")
    ids.append(int(answer.split(b'"id":')[1].split(b",")[0]))
took.sort()
print(f"posting a comment: mean {sum(took) / len(took) * 1000:.2f} ms, "
      f"p99 {took[int(len(took) * 0.99) - 1] * 1000:.2f} ms")
PY

curl -fs "$BASE$ARTICLE" >"$WORK/discussion.html"
serve_static "$WORK/discussion.html"
echo
echo "Article: $ARTICLE with $COMMENTS more comments ($(wc -c <"$WORK/discussion.html") bytes); $CONNECTIONS connections, ${DURATION}s a run"
# shellcheck disable=SC2086
measure "nginx static discussion" "http://127.0.0.1:$NGINX_PORT/article.html" $NGINX_PIDS
measure "discussion (cache off)" "$BASE$ARTICLE" "$APP_PID"
stop_app
start_app true
measure "discussion (cache on)" "$BASE$ARTICLE" "$APP_PID"
stop_app

echo
cargo run --release --quiet --example comment_classifier
echo
echo "discussion_cache_off_vs_static=$(ratio "${RPS[discussion (cache off)]}" "${RPS[nginx static discussion]}")"
echo "discussion_vs_static=$(ratio "${RPS[discussion (cache on)]}" "${RPS[nginx static discussion]}")"
