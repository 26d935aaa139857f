#!/usr/bin/env bash
# The reference deployment of docs/scale-out.md on one machine, for developers: three
# `broadsheet serve` nodes on one PostgreSQL database and one S3 bucket (moto's server mode),
# behind nginx running deploy/nginx.conf with the three as its upstream. It loads a demo
# newsroom, adds an editor, prints where everything is, and keeps running until Ctrl-C.
# tests/it/nodes.rs runs the same arrangement and checks it.
#
#   deploy/three-nodes.sh                 # release build
#   PROFILE=debug deploy/three-nodes.sh   # debug build, quicker to make
#
# Needs: PostgreSQL reachable at $ADMIN_URL (trust auth), nginx, openssl, and
# `pip install 'moto[server]'`.
set -euo pipefail
cd "$(dirname "$0")/.."

ADMIN_URL="${ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
DATABASE="${DATABASE:-broadsheet_nodes}"
PROFILE="${PROFILE:-release}"
S3_PORT="${S3_PORT:-18590}"
HTTP_PORT="${HTTP_PORT:-18580}"
HTTPS_PORT="${HTTPS_PORT:-18543}"
NODE_PORTS=(18501 18502 18503)
ARTICLES="${ARTICLES:-500}"

if [ "$PROFILE" = release ]; then cargo build --release --quiet; else cargo build --quiet; fi
BIN="$PWD/target/$PROFILE/broadsheet"
WORK="$(mktemp -d)"
chmod 755 "$WORK"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $DATABASE" -c "CREATE DATABASE $DATABASE"
DATABASE_URL="${ADMIN_URL%/*}/$DATABASE"

python3 -m moto.server -H 127.0.0.1 -p "$S3_PORT" >"$WORK/s3.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$S3_PORT/" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs -X PUT "http://127.0.0.1:$S3_PORT/newsroom" >/dev/null
export AWS_ACCESS_KEY_ID=developer AWS_SECRET_ACCESS_KEY=developer
export BROADSHEET_DATABASE_URL="$DATABASE_URL"
export BROADSHEET_MEDIA_STORE="s3://newsroom/media?endpoint=http://127.0.0.1:$S3_PORT&region=us-east-1"
PUBLIC="https://news.example:$HTTPS_PORT"

"$BIN" --data-dir "$WORK/node1" --log warn demo --articles "$ARTICLES"
PASSWORD="three nodes on one machine"
echo "$PASSWORD" | "$BIN" --data-dir "$WORK/node1" --log warn user add \
  --email editor@news.example --name Editor --role editor --password-stdin >/dev/null

UPSTREAM=""
for n in 0 1 2; do
  port="${NODE_PORTS[$n]}"
  "$BIN" --data-dir "$WORK/node$((n + 1))" --log warn serve --listen "127.0.0.1:$port" \
    --trusted-proxies 127.0.0.1 --base-url "$PUBLIC" >"$WORK/node$((n + 1)).log" 2>&1 &
  PIDS+=($!)
  UPSTREAM+="server 127.0.0.1:$port max_fails=3 fail_timeout=10s;\n    "
done
for port in "${NODE_PORTS[@]}"; do
  for _ in $(seq 1 200); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
done

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=news.example \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
grep -v '\[::\]' deploy/nginx.conf |
  sed -e "s|server 127.0.0.1:8080;|$UPSTREAM|" \
    -e "s|listen 80;|listen 127.0.0.1:$HTTP_PORT;|" \
    -e "s|listen 443 ssl http2;|listen 127.0.0.1:$HTTPS_PORT ssl;|" \
    -e "s|/etc/letsencrypt/live/news.example/fullchain.pem|$WORK/cert.pem|" \
    -e "s|/etc/letsencrypt/live/news.example/privkey.pem|$WORK/key.pem|" >"$WORK/site.conf"
cat >"$WORK/nginx.conf" <<EOF
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx.log;
events { worker_connections 1024; }
http {
  access_log off;
  include $WORK/site.conf;
}
EOF
nginx -c "$WORK/nginx.conf" &
PIDS+=($!)
sleep 0.5

echo
echo "Three nodes behind nginx: $PUBLIC (add 'news.example' to /etc/hosts as 127.0.0.1, or"
echo "  curl -k --resolve news.example:$HTTPS_PORT:127.0.0.1 $PUBLIC/)"
for n in 0 1 2; do
  echo "  node $((n + 1)): http://127.0.0.1:${NODE_PORTS[$n]}  $(curl -fs "http://127.0.0.1:${NODE_PORTS[$n]}/healthz")"
done
echo "Editor: editor@news.example / $PASSWORD"
echo "Database: $DATABASE_URL   Media: $BROADSHEET_MEDIA_STORE"
echo "Logs: $WORK. Ctrl-C stops everything."
wait
