#!/usr/bin/env bash
# Host lab tests, run by CI: ./lab.sh --setup-only twice (the second must be quick), then ./lab.sh serving on a
# free port with a known token: the API needs the token, lists the .NET kernels, listens on 127.0.0.1 only, a
# C# notebook runs on the kernel it installed, and the same in a real browser (tests/browser/lab.mjs); then
# ./handouts.sh on one lesson, opened offline in the browser.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
# shellcheck source=tests/checks.sh
source tests/checks.sh
tmp=$(mktemp -d)
server=
cleanup() {
  [[ -z "$server" ]] || kill "$server" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
# lab.sh registers its feed as a user-level NuGet source; NuGet reads that config from DOTNET_CLI_HOME. A private one
# keeps this test from leaving a source behind that points into a checkout CI deletes afterwards.
export NUGET_PACKAGES="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
mkdir -p "$tmp/home/.nuget/NuGet"
[[ ! -f "$HOME/.nuget/NuGet/NuGet.Config" ]] || cp "$HOME/.nuget/NuGet/NuGet.Config" "$tmp/home/.nuget/NuGet/"
export DOTNET_CLI_HOME="$tmp/home"

setup_within() {
  local start=$SECONDS
  ./lab.sh --setup-only
  echo "took $((SECONDS - start)) s (limit $1 s)"
  ((SECONDS - start <= $1))
}
check "./lab.sh --setup-only installs and packs" setup_within 900
check "./lab.sh --setup-only again is quick (nothing to do)" setup_within 20

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
LAB_PORT=$port JUPYTER_TOKEN=$token ./lab.sh >"$tmp/lab.log" 2>&1 &
server=$!
url=http://127.0.0.1:$port
check "./lab.sh serves on 127.0.0.1:$port" wait_for 60 curl -fs "$url/api"
check "/api/kernelspecs is 403 without the token" test "$(http_status "$url/api/kernelspecs")" = 403
kernelspecs() {
  curl -fs -H "Authorization: token $token" "$url/api/kernelspecs" | python3 -c '
import json, sys
spec = json.load(sys.stdin)["kernelspecs"][".net-csharp"]["spec"]
assert "--http-local-only" in spec["argv"], spec
assert spec["env"]["MALLOC_ARENA_MAX"] == "1", spec
print(spec)'
}
check "/api/kernelspecs with the token lists .net-csharp (started --http-local-only, MALLOC_ARENA_MAX=1)" kernelspecs
loopback_only() {
  local addrs
  addrs=$(ss -Hltn "sport = :$port" | awk '{print $4}')
  echo "$addrs"
  [[ -n "$addrs" ]] && ! grep -qv "^127\.0\.0\.1:$port$" <<<"$addrs"
}
check "it listens on 127.0.0.1 only" loopback_only
run_notebook() {
  cp tests/container/smoke.ipynb "$repo/artifacts/smoke.ipynb"
  JUPYTER_PATH=$repo/artifacts/jupyter /usr/bin/jupyter nbconvert --to notebook --execute \
    --ExecutePreprocessor.timeout=600 --output-dir "$tmp" "$repo/artifacts/smoke.ipynb"
  out=$(python3 tests/container/notebook_output.py "$tmp/smoke.ipynb")
  echo "$out"
  grep -qx 2 <<<"$out"
}
check "a C# notebook runs on the lab's kernel" run_notebook
"$repo/tests/browser/setup.sh"
browser() {
  node tests/browser/lab.mjs "$url" "$token" "$repo/artifacts/test-results/browser"
}
check "in Chromium: login page without a token, wrong token refused, the right one lists the lessons, the environment notebook runs (screenshots: artifacts/test-results/browser)" browser
handout() {
  ./handouts.sh "$tmp/handouts" notebooks/05-monitoring.ipynb
  node tests/browser/handout.mjs "$repo/artifacts/test-results/browser/handouts.sh" "$tmp/handouts/05-monitoring.html"
}
check "./handouts.sh renders a lesson whose charts draw in Chromium with the network cut off" handout
check "the token was not printed (it was given)" bash -c "! grep -q '$token' '$tmp/lab.log'"
summary
