#!/usr/bin/env bash
# Runs a notebook through a real Jupyter kernel (the stock .NET C# kernelspec of dotnet-interactive, from the
# repo's tool manifest) that loads EfficientNetLab.Interactive from a freshly packed local feed, and fails on any
# error output or missing expected HTML. Prints "N passed, N failed" last.
# Needs: apt-get install jupyter-notebook python3-nbclient python3-nbconvert python3-ipykernel; dotnet tool restore.
#   tests/notebooks/run-extension-notebook.sh [--feed DIR]   (--feed: reuse a feed made by pack-feed.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="$PWD"
work="$repo/artifacts/notebook-test"
feed=""
if [[ "${1:-}" == "--feed" ]]; then feed="$(realpath "$2")"; fi

# shellcheck source=tests/notebooks/jupyter-env.sh
source tests/notebooks/jupyter-env.sh
# The kernel starts in the notebook's folder, inside the repo, where `dotnet interactive` resolves through the tool manifest.
/usr/bin/python3 tests/notebooks/run_extension_notebook.py --feed "$feed" --version "$version" --repo "$repo" --out "$work"
