#!/usr/bin/env bash
# Regenerates docs/report.png, the README's picture of the HTML report, from a real demo run: the demo with the
# built agent writes its report at exit, and headless chromium (Debian's, driven by playwright-core as in
# ReportBrowserIT) takes the first screen of it. Needs the built jars (mvn -B -q package -DskipTests), chromium,
# node and npm (scripts/test.sh installs them). JAVA names the java to run.
set -euo pipefail
cd "$(dirname "$0")/.."
java=${JAVA:-java}
agent=agent/target/connscope-agent.jar
demo=demo-app/target/connscope-demo.jar
browser=agent/src/test/browser
for f in "$agent" "$demo"; do
  [ -f "$f" ] || { echo "screenshot.sh: $f is missing; build first: mvn -B -q package -DskipTests" >&2; exit 1; }
done
[ -x /usr/bin/chromium ] || { echo "screenshot.sh: /usr/bin/chromium is missing (apt-get install chromium)" >&2; exit 1; }
if [ ! -f "$browser/node_modules/playwright-core/package.json" ]; then
  (cd "$browser" && npm ci --prefer-offline --no-audit --no-fund)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$java" -javaagent:"$agent" -jar "$demo" --report "$work/report.html" >"$work/demo.out" 2>"$work/demo.err" || {
  echo "screenshot.sh: the demo failed:" >&2; tail -n 40 "$work/demo.out" "$work/demo.err" >&2; exit 1; }
[ -f "$work/report.html" ] || { echo "screenshot.sh: the demo wrote no report" >&2; tail -n 20 "$work/demo.err" >&2; exit 1; }
mkdir -p docs
node "$browser/view-report.mjs" "$work/report.html" --mode screenshot --screenshot docs/report.png \
  --width 1400 --height 1000 >"$work/view.json"
if grep -q '"consoleErrors": \[\]' "$work/view.json"; then
  echo "screenshot.sh: docs/report.png written from a demo run ($(grep -c . "$work/demo.err") lines of connscope output)"
else
  echo "screenshot.sh: the page logged errors:" >&2; cat "$work/view.json" >&2; exit 1
fi
