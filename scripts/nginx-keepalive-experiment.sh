#!/usr/bin/env bash
# The seed's nginx experiment, with connscope instead of a packet capture: Debian's nginx proxies to the demo's
# "Hello there!" server (`connscope-demo.jar serve`, the agent attached), ab sends 10 requests through nginx, and
# for each setup this prints connscope's view of the upstream connections beside the kernel's TIME_WAIT counts:
#   1. nginx's default proxy: HTTP/1.0 to the upstream, one connection per request, the upstream closes first;
#   2. upstream keepalive 2, proxy_http_version 1.1, proxy_set_header Connection "": with ab -c 2 the connections
#      are reused and stay ESTABLISHED; with ab -c 5 nginx opens more than it keeps and closes the surplus itself.
# Needs the built jars (mvn -B -q package -DskipTests), nginx and ab (apt-get install nginx apache2-utils).
# Runs everything on 127.0.0.1 in a temporary directory; stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

agent=agent/target/connscope-agent.jar
demo=demo-app/target/connscope-demo.jar
java=${JAVA:-java}
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
for f in "$agent" "$demo"; do
  [ -f "$f" ] || { echo "missing $f: build first with mvn -B -q package -DskipTests" >&2; exit 1; }
done
[ -x "$nginx_bin" ] || { echo "nginx is not installed (apt-get install nginx)" >&2; exit 1; }
command -v ab >/dev/null || { echo "ab is not installed (apt-get install apache2-utils)" >&2; exit 1; }

work=$(mktemp -d /tmp/connscope-nginx-experiment.XXXXXX)
chmod 755 "$work"
demo_pid=""
nginx_pid=""
cleanup() {
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
  [ -n "$demo_pid" ] && kill "$demo_pid" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT

free_port() {
  # Binds port 0 to learn a free port (bash's /dev/tcp cannot listen; the JDK can).
  local p
  for p in $(shuf -i 20000-40000 -n 50); do
    if ! (exec 3<>/dev/tcp/127.0.0.1/"$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "no free port found" >&2; exit 1
}

# Rows of /proc/net/tcp and tcp6 (the JVM's sockets are IPv6 ones with IPv4-mapped addresses) in state $1 (01
# ESTABLISHED, 06 TIME_WAIT) whose local (field 2) or remote (field 3) port is $3.
count_state() { # state, "local"|"remote", port
  local field=2; [ "$2" = remote ] && field=3
  awk -v st="$1" -v f="$field" -v port="$(printf '%04X' "$3")" \
    'FNR > 1 && $4 == st { split($f, a, ":"); if (a[2] == port) n++ } END { print n + 0 }' /proc/net/tcp /proc/net/tcp6
}

tally() { # field name, events file: "value=count ..." over inbound connection objects
  grep '"type":"connection"' "$2" | grep '"direction":"inbound"' \
    | grep -o "\"$1\":[^,]*" | sed "s/\"$1\"://; s/\"//g" | sort | uniq -c | awk '{ printf "%s%s=%s", sep, $2, $1; sep=" " }'
}

run() { # title, nginx upstream block, proxy settings, ab concurrency
  local title=$1 upstream_extra=$2 proxy_extra=$3 concurrency=$4
  local dir="$work/run$concurrency-$RANDOM"
  mkdir -p "$dir"; chmod 755 "$dir"
  local events="$dir/upstream.jsonl"
  "$java" -javaagent:"$agent" -Dconnscope.console=off -Dconnscope.events.file="$events" \
    -jar "$demo" serve --port 0 > "$dir/demo.out" 2> "$dir/demo.err" &
  demo_pid=$!
  local upstream=""
  for _ in $(seq 100); do
    upstream=$(sed -n 's|.*serving "Hello there!" on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$dir/demo.out")
    [ -n "$upstream" ] && break
    sleep 0.1
  done
  [ -n "$upstream" ] || { echo "the demo server did not start:"; cat "$dir/demo.out" "$dir/demo.err"; exit 1; }
  local listen; listen=$(free_port)
  cat > "$dir/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log notice;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $dir/client_body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  upstream hello { server 127.0.0.1:$upstream; $upstream_extra }
  server {
    listen 127.0.0.1:$listen;
    location / { proxy_pass http://hello; $proxy_extra }
  }
}
CONF
  "$nginx_bin" -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" > "$dir/nginx.out" 2>&1 &
  nginx_pid=$!
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$listen") 2>/dev/null && break; sleep 0.1; done
  ab -q -n 10 -c "$concurrency" "http://127.0.0.1:$listen/" > "$dir/ab.out" 2>&1 || { cat "$dir/ab.out"; exit 1; }
  sleep 0.5
  local tw_upstream tw_nginx established
  # Per connection (nginx's port, in hex): which side holds its TIME_WAIT, as "port side" lines, for the comparison below.
  awk -v port="$(printf '%04X' "$upstream")" 'FNR > 1 && $4 == "06" {
      split($2, l, ":"); split($3, r, ":")
      if (l[2] == port) print r[2], "local"; else if (r[2] == port) print l[2], "remote"
    }' /proc/net/tcp /proc/net/tcp6 > "$dir/timewait.txt" 2>/dev/null || true
  tw_upstream=$(count_state 06 local "$upstream")
  tw_nginx=$(count_state 06 remote "$upstream")
  established=$(count_state 01 local "$upstream")
  # Stop the upstream first: connscope writes the connections still open at exit, as open.
  kill "$demo_pid"; wait "$demo_pid" 2>/dev/null || true; demo_pid=""
  kill "$nginx_pid"; wait "$nginx_pid" 2>/dev/null || true; nginx_pid=""
  echo
  echo "== $title, ab -n 10 -c $concurrency (upstream 127.0.0.1:$upstream)"
  echo "   kernel:    upstream side: ESTABLISHED $established, TIME_WAIT $tw_upstream; nginx side: TIME_WAIT $tw_nginx"
  echo "   upstream:  $(sed -n 's/^demo: server: //p' "$dir/demo.out") (its own counts)"
  echo "   connscope: $(grep -c '"direction":"inbound"' "$events") upstream connections"
  echo "              state:          $(tally state "$events")"
  echo "              closed_by:      $(tally close_initiator "$events")  (local: the upstream closed first and holds TIME_WAIT; remote: nginx did)"
  echo "              close_reason:   $(tally close_reason "$events")"
  echo "              requests/conn:  $(tally requests "$events")"
  # connscope's close_initiator against the kernel, connection by connection (closed ones whose TIME_WAIT is there).
  local agree=0 differ=0 port initiator side
  while read -r port initiator; do
    side=$(awk -v p="$(printf '%04X' "$port")" '$1 == p { print $2 }' "$dir/timewait.txt")
    [ -z "$side" ] && continue
    if [ "$side" = "$initiator" ]; then agree=$((agree + 1)); else differ=$((differ + 1)); fi
  done < <(grep '"direction":"inbound"' "$events" | grep '"state":"closed"' \
             | sed -n 's/.*"remote_port":\([0-9]*\),.*"close_initiator":"\([a-z_]*\)".*/\1 \2/p')
  echo "              closed_by vs the kernel's TIME_WAIT, per connection: $agree agree, $differ differ"
}

run "nginx default proxy (HTTP/1.0 to the upstream)" "" "" 2
run "upstream keepalive 2, HTTP/1.1, Connection \"\"" "keepalive 2;" \
  "proxy_http_version 1.1; proxy_set_header Connection \"\";" 2
run "upstream keepalive 2, HTTP/1.1, Connection \"\"" "keepalive 2;" \
  "proxy_http_version 1.1; proxy_set_header Connection \"\";" 5
echo
echo "Files of each run (demo output, connscope's JSON Lines, nginx config) are in $work"
