# Shared plumbing of the page benchmarks: wrk and nginx on first use, a release build with a
# demo newsroom in a scratch dir, starting and stopping the server, nginx serving a static copy,
# and one wrk run that reports requests per second, p99 latency and server CPU per request.
# Source it after setting DURATION; it sets BIN, WORK, APP_PID, NGINX_PIDS and fills RPS, P99
# CPU_US and WRK_US (keyed by the name given to `measure`).

CONNECTIONS=64
THREADS=1
APP_PORT="${APP_PORT:-18080}"
NGINX_PORT="${NGINX_PORT:-18081}"

need() { command -v "$1" >/dev/null 2>&1; }
if ! need wrk || ! need nginx; then
  apt-get update -qq && apt-get install -y -qq wrk nginx-light >/dev/null
fi

cargo build --release --quiet
BIN="$PWD/target/release/broadsheet"

# bench_binary NAME: builds benches/NAME.rs with the release profile (sharing the build above)
# and prints the path of its executable.
bench_binary() {
  cargo build --release --bench "$1" --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == sys.argv[1] and m.get("executable"):
        print(m["executable"])
' "$1"
}
WORK="$(mktemp -d)"
# nginx's workers run as an unprivileged user: they must be able to read the static copies.
chmod 755 "$WORK"
APP_PID=""
APP_PIDS=()
NGINX_PID=""
cleanup() {
  for pid in "${APP_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# start_app CACHE [ARGS...]: serves the scratch newsroom on $APP_PORT with the page cache on or
# off; APP_PID is the server's.
start_app() {
  start_app_on "$APP_PORT" "$@"
}

# start_app_on PORT CACHE [ARGS...]: the same on another port, so two servers can take turns
# within one run.
start_app_on() {
  local port="$1" cache="$2"
  shift 2
  BROADSHEET_LOG=warn "$BIN" --data-dir "${APP_DATA_DIR:-$WORK/data}" serve --listen "127.0.0.1:$port" \
    --page-cache "$cache" "$@" >/dev/null 2>&1 &
  APP_PID=$!
  APP_PIDS+=("$APP_PID")
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return
    sleep 0.1
  done
  echo "broadsheet did not start" >&2
  exit 1
}

stop_app() {
  kill "$APP_PID" && wait "$APP_PID" 2>/dev/null || true
  APP_PID=""
}

# Clock ticks of user + system time of a process and its threads (fields 14 and 15 of stat).
cpu_ticks() {
  local total=0 pid
  for pid in "$@"; do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}

HZ="$(getconf CLK_TCK)"
declare -A RPS P99 CPU_US WRK_US

# Sets CHILDREN_CPU to the seconds of CPU (user + system) used so far by this shell's finished
# children, wrk among them. `times` must run in this shell: a `$(…)` subshell sees only its own.
children_cpu() {
  times >"$WORK/times"
  CHILDREN_CPU="$(awk 'NR == 2 {split($1, u, "m"); split($2, s, "m"); print u[1] * 60 + u[2] + s[1] * 60 + s[2]}' "$WORK/times")"
}

# measure NAME URL PID...: one wrk run; prints a row and remembers requests per second, p99, the
# server's CPU per request and wrk's own. wrk is one thread: when its CPU per request times the
# rate nears a whole core, the load generator, not the server, sets the pace.
measure() {
  local name="$1" url="$2"
  shift 2
  wrk -t"$THREADS" -c"$CONNECTIONS" -d1s "$url" >/dev/null 2>&1
  local before after wrk_before wrk_after out requests rps p99 cpu_us wrk_us
  before="$(cpu_ticks "$@")"
  children_cpu
  wrk_before="$CHILDREN_CPU"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url" >"$WORK/wrk.out"
  children_cpu
  wrk_after="$CHILDREN_CPU"
  after="$(cpu_ticks "$@")"
  out="$(cat "$WORK/wrk.out")"
  if grep -q "Non-2xx or 3xx responses" <<<"$out"; then
    echo "$name: $url answered with errors; a benchmark of error pages measures nothing:" >&2
    grep "Non-2xx" <<<"$out" >&2
    exit 1
  fi
  requests="$(awk '/requests in/ {print $1}' <<<"$out")"
  rps="$(awk '/^Requests\/sec/ {print $2}' <<<"$out")"
  p99="$(awk '$1 == "99%" {v = $2 + 0; if ($2 ~ /us$/) v /= 1000; else if ($2 ~ /[^m]s$/) v *= 1000; printf "%.2fms", v}' <<<"$out")"
  cpu_us="$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$requests" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}')"
  wrk_us="$(awk -v a="$wrk_before" -v b="$wrk_after" -v n="$requests" 'BEGIN {printf "%.1f", (b - a) * 1e6 / n}')"
  RPS["$name"]="$rps"
  P99["$name"]="$p99"
  CPU_US["$name"]="$cpu_us"
  WRK_US["$name"]="$wrk_us"
  printf '%-28s %12s req/s   p99 %8s   %8s us CPU/request   wrk %5s us\n' "$name" "$rps" "$p99" "$cpu_us" "$wrk_us"
}

# start_nginx SERVER: runs nginx in the foreground of a background job with SERVER as its one
# server block (the listen and root lines are the caller's); sets NGINX_PID and NGINX_PIDS.
start_nginx() {
  mkdir -p "$WORK/nginx"
  cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  open_file_cache max=100;
  types { text/html html; }
  client_body_temp_path $WORK/nginx;
  proxy_temp_path $WORK/nginx;
  fastcgi_temp_path $WORK/nginx;
  uwsgi_temp_path $WORK/nginx;
  scgi_temp_path $WORK/nginx;
  server {
$1
  }
}
CONF
  nginx -c "$WORK/nginx/nginx.conf" &
  NGINX_PID=$!
  sleep 0.5
  NGINX_PIDS="$(pgrep -P "$NGINX_PID" | tr '\n' ' ') $NGINX_PID"
}

# serve_static FILE: nginx serves FILE as http://127.0.0.1:$NGINX_PORT/article.html.
serve_static() {
  mkdir -p "$WORK/www"
  cp "$1" "$WORK/www/article.html"
  start_nginx "    listen 127.0.0.1:$NGINX_PORT;
    root $WORK/www;"
  curl -fs -o /dev/null "http://127.0.0.1:$NGINX_PORT/article.html"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

# median VALUES...: the middle value (the lower middle of an even count); units such as "ms"
# are kept.
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $0} END {print v[int((NR + 1) / 2)]}'; }
