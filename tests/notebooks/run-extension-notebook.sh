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

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet tool restore >/dev/null
if [[ -z "$feed" ]]; then
  feed="$repo/artifacts/feed"
  tests/notebooks/pack-feed.sh "$feed" >/dev/null
fi
version="$(cat "$feed/VERSION")"

# A private Jupyter data dir: the kernelspec is exactly what `dotnet interactive jupyter install` writes, plus
# --http-local-only so that the kernel's HTTP side channel does not listen on every interface.
rm -rf "$work"
mkdir -p "$work/jupyter/kernels"
dotnet interactive jupyter install --path "$work/jupyter/kernels" >/dev/null
/usr/bin/python3 - "$work/jupyter/kernels/.net-csharp/kernel.json" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
if "--http-local-only" not in spec["argv"]:
    spec["argv"].insert(spec["argv"].index("{connection_file}") + 1, "--http-local-only")
json.dump(spec, open(sys.argv[1], "w"), indent=2)
PY
export JUPYTER_PATH="$work/jupyter" JUPYTER_DATA_DIR="$work/jupyter" JUPYTER_RUNTIME_DIR="$work/runtime" JUPYTER_CONFIG_DIR="$work/config"
# The kernel starts in the notebook's folder, inside the repo, where `dotnet interactive` resolves through the tool manifest.
/usr/bin/python3 tests/notebooks/run_extension_notebook.py --feed "$feed" --version "$version" --repo "$repo" --out "$work"
