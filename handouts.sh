#!/usr/bin/env bash
# Course handouts: runs every lesson notebook top to bottom in a real .NET Interactive kernel and writes each as one
# self-contained HTML file — code, outputs, images inline, Plotly charts drawn by the plotly.js the page carries,
# no script fetched from anywhere — for printing or mailing. Sets up like ./lab.sh --setup-only first.
#   ./handouts.sh [OUTDIR] [NOTEBOOK...]   OUTDIR defaults to ./handouts; notebooks default to notebooks/*.ipynb
# The executed .ipynb files land beside the HTML.
set -euo pipefail
export PATH=/usr/bin:$PATH
repo=$(cd "$(dirname "$0")" && pwd)

case "${1:-}" in
  -h | --help)
    sed -n '2,6s/^# \{0,1\}//p' "$0"
    exit 0
    ;;
esac
out=$(realpath -m "${1:-$repo/handouts}")
(($#)) && shift
notebooks=()
for n in "$@"; do notebooks+=("$(realpath "$n")"); done

"$repo/lab.sh" --setup-only
export JUPYTER_PATH=$repo/artifacts/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}
cd "$repo"
/usr/bin/python3 tools/handouts.py --out "$out" "${notebooks[@]}"
echo "handouts: $out"
