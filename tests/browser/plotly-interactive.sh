#!/usr/bin/env bash
# Plotly.NET.Interactive beside the kit, in either load order (tests/notebooks/plotly-interactive/): every chart,
# the kit's and plain Plotly.NET ones, must draw with the network cut off
#   1. live in the Notebook that ./lab.sh serves (docker/start-jupyter.sh), run cell by cell in Chromium, and
#   2. in the handouts (tools/notebook_run.py, as ./handouts.sh renders them), opened in Chromium.
# Uses the packed feed (artifacts/feed, packed if missing) and the notebook tests' Jupyter setup. Prints
# "N passed, N failed" last (tests/browser/chromium.mjs).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
work="$repo/artifacts/plotly-interactive"
artifacts="$repo/artifacts/test-results/browser/plotly-interactive"
# Empty: jupyter-env.sh packs artifacts/feed (skipped when nothing changed); --feed DIR reuses one.
# shellcheck disable=SC2034
feed=""
if [[ "${1:-}" == "--feed" ]]; then feed="$(realpath "$2")"; fi
# shellcheck source=tests/notebooks/jupyter-env.sh
source tests/notebooks/jupyter-env.sh
"$repo/tests/browser/setup.sh"
# Copies, so that the Notebook's autosave never writes outputs into the committed notebooks; inside the repo, where
# the kernel finds dotnet-interactive through the tool manifest.
mkdir -p "$work/nb" "$work/handouts" "$artifacts"
cp tests/notebooks/plotly-interactive/*.ipynb "$work/nb/"

server=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() { [[ -z "$server" ]] || kill "$server" 2>/dev/null || true; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
JUPYTER_IP=127.0.0.1 JUPYTER_PORT=$port JUPYTER_TOKEN=$token JUPYTER_ROOT="$work/nb" docker/start-jupyter.sh >"$work/jupyter.log" 2>&1 &
server=$!
for _ in $(seq 60); do curl -fs "http://127.0.0.1:$port/api" >/dev/null && break; sleep 1; done

log="$work/results.log"
: >"$log"
status=0
node tests/browser/notebook-charts.mjs "http://127.0.0.1:$port" "$token" "$artifacts" kit-first.ipynb plotly-first.ipynb | tee -a "$log" || status=1
kill "$server" 2>/dev/null || true
server=

/usr/bin/python3 - "$work" tests/notebooks/plotly-interactive/*.ipynb <<'PY' | tee -a "$log" || status=1
import os, sys
sys.path.insert(0, "tools")
from notebook_run import run_to_handout
work, notebooks = sys.argv[1], sys.argv[2:]
failed = 0
for path in notebooks:
    name = os.path.splitext(os.path.basename(path))[0]
    problems, _, seconds = run_to_handout(path,
                                          os.path.join(work, "handouts", name + ".ipynb"), os.path.join(work, "handouts", name + ".html"))
    failed += bool(problems)
    print(f"{'FAIL' if problems else 'ok  '} {name}.ipynb runs to a handout without errors ({seconds:.0f} s)", *problems, sep="\n    ")
print(f"{len(notebooks) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
node tests/browser/handout.mjs "$artifacts" "$work"/handouts/*.html | tee -a "$log" || status=1
# One closing line for test.sh, which reads a suite's last "N passed, N failed".
awk '/^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 } END { print p " passed, " f " failed" }' "$log"
exit $status
