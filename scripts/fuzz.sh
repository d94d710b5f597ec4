#!/usr/bin/env bash
# A long fuzzing campaign on connscope's parsers: each target runs under Jazzer's standalone driver for the time
# given (`mvn verify` gives each only a few seconds; Jazzer's JUnit integration takes the time from the annotation).
#
# usage: scripts/fuzz.sh TARGET|all [SECONDS]     (default 300 s per target)
# targets: http1 trace-context http2 hpack client-hello connection tcp-rows kernel-files options
#
# The corpus grows in agent/.cifuzz-corpus/ (not committed); the committed seeds are read from
# agent/src/test/resources/.../<Test>Inputs/<method>/. A finding is written there as crash-<sha1> when that directory
# exists (else to agent/), and is then a regression input of `mvn test`: fix the parser, rename the file to say what
# it is, and add a unit test that shows the fault. Each target's last line ("Done N runs in S second(s)") goes to
# agent/target/fuzz-campaign.txt, the numbers the README quotes.
# Uses the JDK on PATH / JAVA_HOME. A run of several targets on a 2-core machine shared with others: keep them short.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A targets=(
  [http1]=io.connscope.agent.core.http.HttpConnectionTrackerFuzzTest#conversation
  [trace-context]=io.connscope.agent.core.http.TraceHeadersFuzzTest#value
  [http2]=io.connscope.agent.core.http2.Http2ConnectionTrackerFuzzTest#conversation
  [hpack]=io.connscope.agent.core.http2.HpackDecoderFuzzTest#blocks
  [client-hello]=io.connscope.agent.core.tls.ClientHelloKeyFuzzTest#hello
  [connection]=io.connscope.agent.core.ConnectionProtocolsFuzzTest#connection
  [tcp-rows]=io.connscope.agent.kernel.TcpRowFuzzTest#rows
  [kernel-files]=io.connscope.agent.kernel.TcpRowFuzzTest#files
  [options]=io.connscope.agent.config.AgentConfigFuzzTest#options
)
order=(http1 trace-context http2 hpack client-hello connection tcp-rows kernel-files options)

which=${1:-}
seconds=${2:-300}
if [ -z "$which" ] || { [ "$which" != all ] && [ -z "${targets[$which]:-}" ]; }; then
  echo "usage: scripts/fuzz.sh TARGET|all [SECONDS]; targets: ${order[*]}" >&2
  exit 2
fi
[ "$which" = all ] && chosen=("${order[@]}") || chosen=("$which")

cp_file=agent/target/fuzz-classpath.txt
mvn -B -ntp -q -pl bootstrap,agent test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$PWD/$cp_file"
classpath="$PWD/agent/target/test-classes:$PWD/agent/target/classes:$(cat "$cp_file")"
# As in the pom's fuzz executions: the injection detectors watch APIs the parsers never call.
s=com.code_intelligence.jazzer.sanitizers
disabled="$s.ClojureLangHooks:$s.Deserialization:$s.ExpressionLanguageInjection:$s.LdapInjection:$s.NamingContextLookup"
disabled="$disabled:$s.OsCommandInjection:$s.ReflectiveCall:$s.RegexInjection:$s.RegexRoadblocks"
disabled="$disabled:$s.ScriptEngineInjection:$s.ServerSideRequestForgery:$s.SqlInjection:$s.XPathInjection"

results=agent/target/fuzz-campaign.txt
status=0
for name in "${chosen[@]}"; do
  target=${targets[$name]}
  log=agent/target/fuzz-$name.log
  echo "fuzz.sh: $name ($target) for $seconds s; log $log"
  # From agent/, where Jazzer finds src/test/resources for its findings.
  if (cd agent && java -Xmx1g -cp "$classpath" -Djazzer.disabled_hooks="$disabled" \
      com.code_intelligence.jazzer.Jazzer --target_class="${target%#*}" --target_method="${target#*#}" \
      -max_total_time="$seconds" -rss_limit_mb=0 > "../$log" 2>&1); then
    outcome=ok
  else
    outcome="FINDING (see $log)"
    status=1
  fi
  done_line=$(grep -a '^Done ' "$log" | tail -n 1 || true)
  echo "$(date -u +%F) $name: ${done_line:-no Done line} - $outcome" | tee -a "$results"
done
exit $status
