#!/usr/bin/env bash
# Executes every lesson notebook in notebooks/ top to bottom in a real Jupyter with the stock .net-csharp kernel,
# from the notebooks folder (their relative paths and the feed at ../artifacts/feed resolve as in the lab), failing
# on any error output or a missing key output. Prints "N passed, N failed" last.
#   tests/notebooks/run-notebooks.sh [--feed DIR] [NOTEBOOK...]
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="$PWD"
work="$repo/artifacts/notebooks-run"
feed=""
if [[ "${1:-}" == "--feed" ]]; then feed="$(realpath "$2")"; shift 2; fi
# shellcheck source=tests/notebooks/jupyter-env.sh
source tests/notebooks/jupyter-env.sh
# The notebooks load the kit from ../artifacts/feed, which is where the lab packs it.
if [[ "$feed" != "$repo/artifacts/feed" ]]; then rm -rf "$repo/artifacts/feed"; cp -r "$feed" "$repo/artifacts/feed"; fi
/usr/bin/python3 tests/notebooks/run_notebooks.py --out "$work" "$@"
