#!/usr/bin/env bash
# The handouts the notebook suite rendered (artifacts/notebooks-run/handouts, made by the same renderer as
# ./handouts.sh), opened in Chromium with the network cut off; screenshots go to artifacts/test-results/browser.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
"$repo/tests/browser/setup.sh"
shopt -s nullglob
pages=("$repo"/artifacts/notebooks-run/handouts/*.html)
((${#pages[@]})) || { echo "no handouts in artifacts/notebooks-run/handouts: run tests/notebooks/run-notebooks.sh first"; echo "0 passed, 1 failed"; exit 1; }
node "$repo/tests/browser/handout.mjs" "$repo/artifacts/test-results/browser" "${pages[@]}"
