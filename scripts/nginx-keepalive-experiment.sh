#!/usr/bin/env bash
# The seed's nginx experiment, with connscope instead of a packet capture: Debian's nginx proxies to the demo's
# "Hello there!" server (`connscope-demo.jar serve`, the agent attached), ab sends 10 requests through nginx, and
# for each setup this prints connscope's view of the upstream connections beside the kernel's TIME_WAIT counts:
#   1. nginx's default proxy: HTTP/1.0 to the upstream, one connection per request, closed right after it;
#   2. upstream keepalive 2, proxy_http_version 1.1, proxy_set_header Connection "": with ab -c 2 the connections
#      are reused and stay ESTABLISHED; with ab -c 5 nginx opens more than it keeps and closes the surplus itself.
#
# usage: scripts/nginx-keepalive-experiment.sh [--results FILE] [--work DIR]
#   --results FILE  also write one line per setup to FILE, space-separated key=value pairs (read by
#                   demo-app's NginxExperimentIT; the keys are the `result` calls below)
#   --work DIR      put each setup's files (demo output, connscope's JSON Lines, nginx config and log) in DIR
#                   (default: a new directory under /tmp, kept for you to look at)
# Needs the built jars (mvn -B -q package -DskipTests), nginx and ab (apt-get install nginx apache2-utils); JAVA
# names the java to run (default: java on PATH). Everything runs on 127.0.0.1; what it starts it stops on exit;
# every wait is bounded.
set -euo pipefail

results=""
work=""
while [ $# -gt 0 ]; do
  case "$1" in
    --results) [ $# -ge 2 ] || exit 2; results=$2; shift 2 ;;
    --work) [ $# -ge 2 ] || exit 2; work=$2; shift 2 ;;
    *) sed -n '2,17s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
  esac
done
# Both relative to where we were called from, before we move to the repository's root.
if [ -n "$results" ]; then : > "$results"; results="$(cd "$(dirname "$results")" && pwd)/$(basename "$results")"; fi
if [ -n "$work" ]; then mkdir -p "$work"; work=$(cd "$work" && pwd); fi
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

[ -n "$work" ] || work=$(mktemp -d /tmp/connscope-nginx-experiment.XXXXXX)
chmod 755 "$work" # nginx's worker runs as another user when we are root: it must reach its temp directories
demo_pid=""
nginx_pid=""
stop() { # pid: TERM, then KILL after 10 s
  local pid=$1 i
  kill "$pid" 2>/dev/null || return 0
  for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  [ -z "$nginx_pid" ] || stop "$nginx_pid"
  [ -z "$demo_pid" ] || stop "$demo_pid"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "nginx-keepalive-experiment: $*" >&2; exit 1; }

# A port for nginx to listen on: outside the kernel's ephemeral range (so no client socket takes it meanwhile) and
# with nobody listening on it now. nginx may still lose it to someone else: start_nginx then tries another.
free_port() {
  local low p
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  for p in $(shuf -i 20000-$((low - 1)) -n 50); do
    if ! (exec 3<>/dev/tcp/127.0.0.1/"$p") 2>/dev/null; then echo "$p"; return; fi
  done
  fail "no free port found"
}

# The kernel's rows (/proc/net/tcp and tcp6: the JVM's sockets are IPv6 ones with IPv4-mapped addresses) with the
# upstream's port $1 on either end, as "state local_port remote_port", ports in hex; without the TIME_WAIT rows
# listed in file $2 (those left on that port number by earlier connections, before this setup's first request).
rows() {
  awk -v port="$(printf '%04X' "$1")" 'FILENAME == ARGV[1] { old[$2 " " $3] = 1; next }
      FNR > 1 { split($2, l, ":"); split($3, r, ":")
        if ((l[2] == port || r[2] == port) && !($4 == "06" && (l[2] " " r[2]) in old)) print $4, l[2], r[2] }' \
    "${2:-/dev/null}" /proc/net/tcp /proc/net/tcp6
}

# Waits (at most 10 s) until every connection on the upstream's port is ESTABLISHED (01) or in TIME_WAIT (06), and
# the rows stay the same for 0.2 s: nothing half-closed, no close still on its way, so the counts below are final.
settle() { # port, file of earlier TIME_WAIT rows
  local i now last=""
  for i in $(seq 50); do
    now=$(rows "$1" "$2" | sort)
    if ! echo "$now" | awk '$1 != "01" && $1 != "06" && $1 != "0A" { busy = 1 } END { exit !busy }' \
        && [ "$now" = "$last" ]; then
      return 0
    fi
    last=$now
    sleep 0.2
  done
  echo "warning: connections on port $1 still closing after 10 s:" >&2
  rows "$1" "$2" >&2
}

tally() { # field name, events file: "value=count ..." over inbound connection objects
  grep '"type":"connection"' "$2" | grep '"direction":"inbound"' \
    | grep -o "\"$1\":[^,]*" | sed "s/\"$1\"://; s/\"//g" | sort | uniq -c | awk '{ printf "%s%s=%s", sep, $2, $1; sep=" " }'
}

count() { # pattern, file: matching lines (0 when none, or no file)
  grep -c -- "$1" "$2" 2>/dev/null || true
}

line=""
result() { line="$line${line:+ }$1=$2"; } # a key=value for --results

start_demo() { # dir, response delay in ms: starts `serve` on a port of its own choosing, sets demo_pid and upstream
  local dir=$1 delay=$2 i
  : > "$dir/demo.out"
  "$java" -javaagent:"$agent" -Dconnscope.console=off -Dconnscope.events.file="$dir/upstream.jsonl" \
    -Dconnscope.events.requests=true -jar "$demo" serve --port 0 --delay-ms "$delay" > "$dir/demo.out" 2> "$dir/demo.err" &
  demo_pid=$!
  upstream=""
  for i in $(seq 300); do
    upstream=$(sed -n 's|.*serving "Hello there!" on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$dir/demo.out")
    [ -n "$upstream" ] && return 0
    kill -0 "$demo_pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$dir/demo.out" "$dir/demo.err" >&2
  fail "the demo server did not start within 30 s"
}

start_nginx() { # dir, upstream block extra, proxy extra: sets nginx_pid and listen
  local dir=$1 upstream_extra=$2 proxy_extra=$3 attempt i
  for attempt in 1 2 3 4 5; do
    listen=$(free_port)
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
    for i in $(seq 100); do
      # Listening on our port, and still running (it is nginx listening, not someone who took the port).
      if (exec 3<>/dev/tcp/127.0.0.1/"$listen") 2>/dev/null && kill -0 "$nginx_pid" 2>/dev/null; then return 0; fi
      kill -0 "$nginx_pid" 2>/dev/null || break
      sleep 0.1
    done
    stop "$nginx_pid"; nginx_pid=""
    echo "nginx did not start on port $listen (attempt $attempt):" >&2
    cat "$dir/nginx.out" "$dir/error.log" >&2 2>/dev/null || true
  done
  fail "nginx did not start"
}

run() { # name, title, nginx upstream block extra, proxy settings, ab concurrency
  local name=$1 title=$2 upstream_extra=$3 proxy_extra=$4 concurrency=$5
  local dir="$work/$name"
  mkdir -p "$dir"; chmod 755 "$dir"
  local events="$dir/upstream.jsonl"
  # With more clients than kept connections, each response waits 100 ms: all of ab's requests are then in
  # flight at once, and nginx must open a connection for each that finds none idle (answered at once, they could
  # go one after another over a single connection).
  start_demo "$dir" "$([ "$concurrency" -gt 2 ] && echo 100 || echo 0)"
  local before="$dir/timewait-before.txt"
  rows "$upstream" | awk '$1 == "06"' > "$before"
  start_nginx "$dir" "$upstream_extra" "$proxy_extra"
  timeout 120 ab -q -s 30 -n 10 -c "$concurrency" "http://127.0.0.1:$listen/" > "$dir/ab.out" 2>&1 \
    || { cat "$dir/ab.out" >&2; fail "ab failed"; }
  settle "$upstream" "$before"
  # Per connection (nginx's port, in hex): which side holds its TIME_WAIT, as "port side" lines.
  local hex; hex=$(printf '%04X' "$upstream")
  rows "$upstream" "$before" | awk -v port="$hex" '$1 == "06" { if ($2 == port) print $3, "local"; else print $2, "remote" }' \
    > "$dir/timewait.txt"
  local tw_upstream tw_nginx established
  tw_upstream=$(awk -v port="$hex" '$1 == "06" && $2 == port { n++ } END { print n + 0 }' <(rows "$upstream" "$before"))
  tw_nginx=$(awk -v port="$hex" '$1 == "06" && $3 == port { n++ } END { print n + 0 }' <(rows "$upstream" "$before"))
  established=$(awk -v port="$hex" '$1 == "01" && $2 == port { n++ } END { print n + 0 }' <(rows "$upstream" "$before"))
  # Stop the upstream first: connscope writes the connections still open at exit, as open.
  stop "$demo_pid"; demo_pid=""
  stop "$nginx_pid"; nginx_pid=""

  # connscope's close_initiator against the kernel, connection by connection (the closed ones):
  #   agree:        it says local and only the upstream holds TIME_WAIT, or it says remote and only nginx does;
  #   simultaneous: it says local and both sides hold TIME_WAIT: each sent its FIN before it had the other's;
  #   race:         it says local but nginx holds TIME_WAIT: nginx's FIN arrived between connscope's look at the
  #                 socket and the upstream's own close, microseconds apart (docs/close-initiator.md);
  #   differ:       anything else (it says remote but the upstream holds TIME_WAIT, or no TIME_WAIT row found).
  local agree=0 simultaneous=0 race=0 differ=0 port initiator sides
  while read -r port initiator; do
    sides=$(awk -v p="$(printf '%04X' "$port")" '$1 == p { print $2 }' "$dir/timewait.txt" | sort -u | tr '\n' ' ')
    case "$initiator:$sides" in
      "local:local "|"remote:remote ") agree=$((agree + 1)) ;;
      "local:local remote ") simultaneous=$((simultaneous + 1)) ;;
      "local:remote ") race=$((race + 1)) ;;
      *) differ=$((differ + 1)); echo "differ: nginx port $port close_initiator=$initiator TIME_WAIT: ${sides:-none}" >&2 ;;
    esac
  done < <(grep '"type":"connection"' "$events" | grep '"direction":"inbound"' | grep '"state":"closed"' \
             | sed -n 's/.*"remote_port":\([0-9]*\),.*"close_initiator":"\([a-z_]*\)".*/\1 \2/p')

  local counts; counts=$(sed -n 's/^demo: server: //p' "$dir/demo.out")
  local inbound='"type":"connection".*"direction":"inbound"'
  echo
  echo "== $title, ab -n 10 -c $concurrency (upstream 127.0.0.1:$upstream)"
  echo "   ab:        $(sed -n 's/^Complete requests: *//p' "$dir/ab.out") complete, $(sed -n 's/^Failed requests: *//p' "$dir/ab.out") failed"
  echo "   kernel:    upstream side: ESTABLISHED $established, TIME_WAIT $tw_upstream; nginx side: TIME_WAIT $tw_nginx"
  echo "   upstream:  $counts (its own counts)"
  echo "   connscope: $(count "$inbound" "$events") upstream connections"
  echo "              state:          $(tally state "$events")"
  echo "              closed_by:      $(tally close_initiator "$events")  (local: the upstream closed first and holds TIME_WAIT; remote: nginx did)"
  echo "              close_reason:   $(tally close_reason "$events")"
  echo "              requests/conn:  $(tally requests "$events")"
  echo "              http_version:   $(grep '"type":"request"' "$events" | grep -o '"http_version":"[^"]*"' | sed 's/.*:"//; s/"//' | sort | uniq -c | awk '{ printf "%s%s=%s", sep, $2, $1; sep=" " }')"
  echo "              closed_by vs the kernel's TIME_WAIT, per closed connection: $agree agree, $simultaneous simultaneous, $race race (nginx's FIN came during the upstream's close), $differ differ"

  [ -n "$results" ] || return 0
  line=""
  result setup "$name"
  result concurrency "$concurrency"
  result ab_complete "$(sed -n 's/^Complete requests: *//p' "$dir/ab.out")"
  result ab_failed "$(sed -n 's/^Failed requests: *//p' "$dir/ab.out")"
  result kernel_upstream_established "$established"
  result kernel_upstream_time_wait "$tw_upstream"
  result kernel_nginx_time_wait "$tw_nginx"
  local kv
  for kv in $counts; do result "upstream_$(echo "${kv%%=*}")" "${kv#*=}"; done
  result connscope_connections "$(count "$inbound" "$events")"
  result connscope_open "$(count "$inbound.*\"state\":\"open\"" "$events")"
  result connscope_closed "$(count "$inbound.*\"state\":\"closed\"" "$events")"
  result connscope_closed_local "$(count "$inbound.*\"close_initiator\":\"local\"" "$events")"
  result connscope_closed_remote "$(count "$inbound.*\"close_initiator\":\"remote\"" "$events")"
  result connscope_close_reason_http_1_0 "$(count "$inbound.*\"close_reason\":\"http_1_0\"" "$events")"
  result connscope_requests "$(grep "$inbound" "$events" | grep -o '"requests":[0-9]*' | cut -d: -f2 | awk '{ n += $1 } END { print n + 0 }')"
  result connscope_max_requests_per_connection "$(grep "$inbound" "$events" | grep -o '"requests":[0-9]*' | cut -d: -f2 | sort -n | tail -1)"
  result connscope_request_objects "$(count '"type":"request".*"direction":"inbound"' "$events")"
  result connscope_http_1_0 "$(count '"type":"request".*"direction":"inbound".*"http_version":"HTTP/1.0"' "$events")"
  result connscope_http_1_1 "$(count '"type":"request".*"direction":"inbound".*"http_version":"HTTP/1.1"' "$events")"
  result connscope_reused "$(count '"type":"request".*"direction":"inbound".*"reused":true' "$events")"
  result initiator_agree "$agree"
  result initiator_simultaneous "$simultaneous"
  result initiator_race "$race"
  result initiator_differ "$differ"
  echo "$line" >> "$results"
}

run default "nginx default proxy (HTTP/1.0 to the upstream)" "" "" 2
run keepalive-c2 "upstream keepalive 2, HTTP/1.1, Connection \"\"" "keepalive 2;" \
  "proxy_http_version 1.1; proxy_set_header Connection \"\";" 2
run keepalive-c5 "upstream keepalive 2, HTTP/1.1, Connection \"\"" "keepalive 2;" \
  "proxy_http_version 1.1; proxy_set_header Connection \"\";" 5
echo
echo "Files of each setup (demo output, connscope's JSON Lines, nginx config and log) are in $work"
