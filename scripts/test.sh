#!/usr/bin/env bash
# Runs every test: installs the Debian tools the tests drive (nginx, curl, ab, openssl, prometheus and promtool,
# docker-compose, wrk, chromium, nodejs and npm) when they are missing, then `mvn -B verify` (unit tests, then the
# built agent jar in forked JVMs on loopback, the HTML report in headless chromium, and the benchmark suite's smoke
# run, BenchSmokeIT).
# Uses the JDK on PATH / JAVA_HOME; .ci/run calls it once per supported JDK.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v ab >/dev/null 2>&1 || missing+=(apache2-utils)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
# docker-compose (1.29, Python) validates otel-collector/compose.yaml offline; no Docker daemon is installed or needed.
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
# The HTML report's browser test (ReportBrowserIT) drives headless chromium with playwright-core, which the test
# installs itself with npm ci from agent/src/test/browser/package-lock.json (npm's cache serves it offline after).
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]} (Debian packages the tests drive)"
  if [ "$(id -u)" -eq 0 ]; then
    sudo=""
  elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "test.sh: need root or sudo to install: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

exec mvn -B -ntp verify "$@"
