#!/usr/bin/env bash
# The benchmark suite (docs/performance.md): every workload without an agent, with connscope and with the
# OpenTelemetry Java agent (fetched from Maven Central by the benchmarks module), interleaved, medians, ratios,
# PASS/FAIL against the targets. Installs the Debian tools it drives (wrk, ab, nginx) when they are missing.
#   scripts/bench.sh           full run (about 40 minutes on 2 cores): writes benchmarks/results.md and the results block of docs/performance.md
#   scripts/bench.sh --smoke   tiny durations (about 190 s): checks that every workload produces its row
#   scripts/bench.sh --only clients[,jmh,...]   some steps only (servers, jdk-server, grpc, clients, spring, startup, attach, memory, jar, jmh):
#                              writes benchmarks/target/results-only.md, not docs/performance.md
#   --no-build                 use the jars already built
#   --spring-sets N            the spring step over N fresh JVM sets instead of 3 (about 6 minutes each), e.g.
#                              scripts/bench.sh --only spring --spring-sets 12 for a narrower interval
#   --grpc-sets N              the grpc step over N fresh sets of JVM pairs instead of 3 (about 2 minutes each)
# The spring step runs benchmarks/spring-app (Spring Boot, Tomcat) over several fresh JVM sets (3 in the full run),
# the grpc step a grpc-java server and client JVM per variant, over several fresh sets of them too.
# The jmh step runs SocketPathsBenchmark (with and without the agent), Http1ExchangeBenchmark (the agent's HTTP/1.x
# head look alone, warm and with its state out of the caches), Http2ExchangeBenchmark (the agent's HTTP/2
# frame following alone) and HostileInputBenchmark (CPU per byte of hostile against ordinary input, its table written
# to benchmarks/target/hostile-input.md, docs/security.md), all with JMH's GC profiler (-prof gc).
# Uses the JDK on PATH / JAVA_HOME. Run it on a quiet machine: other load skews the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=false
build=true
only=""
spring_sets=""
grpc_sets=""
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=true ;;
    --no-build) build=false ;;
    --only) [ $# -ge 2 ] || { echo "bench.sh: --only needs a list of steps" >&2; exit 64; }; only="$2"; shift ;;
    --spring-sets) [ $# -ge 2 ] || { echo "bench.sh: --spring-sets needs a number" >&2; exit 64; }; spring_sets="$2"; shift ;;
    --grpc-sets) [ $# -ge 2 ] || { echo "bench.sh: --grpc-sets needs a number" >&2; exit 64; }; grpc_sets="$2"; shift ;;
    *) echo "usage: scripts/bench.sh [--smoke] [--only STEP,...] [--spring-sets N] [--grpc-sets N] [--no-build]" >&2; exit 64 ;;
  esac
  shift
done

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v ab >/dev/null 2>&1 || missing+=(apache2-utils)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench.sh: installing ${missing[*]} (Debian packages the benchmarks drive)"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "bench.sh: need root or sudo to install: apt-get install ${missing[*]}" >&2; exit 1
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if $build; then
  mvn -B -q -ntp package -DskipTests -pl benchmarks -am
fi

java_bin="java"
if [ -n "${JAVA_HOME:-}" ]; then java_bin="$JAVA_HOME/bin/java"; fi

args=()
if $smoke; then
  args+=(--smoke --out benchmarks/target/results-smoke.md)
  if [ -n "$only" ]; then args+=(--only "$only"); fi
elif [ -n "$only" ]; then
  args+=(--only "$only" --out benchmarks/target/results-only.md)
else
  args+=(--out benchmarks/results.md --results-page docs/performance.md)
fi
if [ -n "$spring_sets" ]; then args+=(--spring-sets "$spring_sets"); fi
if [ -n "$grpc_sets" ]; then args+=(--grpc-sets "$grpc_sets"); fi
exec "$java_bin" -cp "benchmarks/target/connscope-benchmarks.jar:benchmarks/target/lib/*" io.connscope.bench.Bench "${args[@]}"
