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
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
status=0
node "$repo/tests/browser/handout.mjs" "$repo/artifacts/test-results/browser" "${pages[@]}" | tee "$logs/handouts" || status=1
"$repo/tests/browser/plotly-interactive.sh" --feed "$repo/artifacts/feed" | tee "$logs/plotly-interactive" || status=1
# One closing line for test.sh: the sum of each part's own closing "N passed, N failed" (a part that died
# without one counts as one failure).
for part in "$logs"/*; do
  grep -E '^[0-9]+ passed, [0-9]+ failed$' "$part" | tail -1 | grep . || echo "0 passed, 1 failed"
done | awk '{ p += $1; f += $3 } END { print p " passed, " f " failed" }'
exit $status
