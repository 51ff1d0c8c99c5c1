#!/usr/bin/env bash
# The handouts the notebook suite rendered (artifacts/notebooks-run/handouts, made by the same renderer as
# ./handouts.sh), opened in Chromium with the network cut off; screenshots go to artifacts/test-results/browser.
# Then Plotly.NET.Interactive beside the kit (tests/browser/plotly-interactive.sh). One closing "N passed, N failed".
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
"$repo/tests/browser/setup.sh"
shopt -s nullglob
pages=("$repo"/artifacts/notebooks-run/handouts/*.html)
((${#pages[@]})) || { echo "no handouts in artifacts/notebooks-run/handouts: run tests/notebooks/run-notebooks.sh first"; echo "0 passed, 1 failed"; exit 1; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
node "$repo/tests/browser/handout.mjs" "$repo/artifacts/test-results/browser" "${pages[@]}" | tee -a "$log" || status=1
"$repo/tests/browser/plotly-interactive.sh" --feed "$repo/artifacts/feed" | tee -a "$log" || status=1
# plotly-interactive.sh ends with its own total: count only that, and handout.mjs's line.
grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | sed -n '1p;$p' |
  awk '{ p += $1; f += $3 } END { print p " passed, " f " failed" }'
exit $status
