#!/usr/bin/env bash
# The lab on this machine: installs what is missing (Debian's Jupyter Notebook server, nbclient/nbconvert, the
# .NET Interactive tool from .config/dotnet-tools.json and its kernelspecs), packs the kit into ./artifacts/feed,
# then serves Jupyter on 127.0.0.1 only. The same docker/*.sh steps build the image.
#   ./lab.sh               set up, then serve this repository on 127.0.0.1:${LAB_PORT:-8888}
#   ./lab.sh --setup-only  set up only
# JUPYTER_TOKEN sets the token; without it one is generated and printed once.
# The kernelspecs go to ./artifacts/jupyter (put first on JUPYTER_PATH here), not to your ~/.local.
# JupyterLab is not packaged for Debian 12: this serves the classic Notebook UI (the image serves JupyterLab).
set -euo pipefail
# Debian's Jupyter and its python3, not one that a pyenv or conda put earlier on PATH.
export PATH=/usr/bin:$PATH
repo=$(cd "$(dirname "$0")" && pwd)
cd "$repo"

case "${1:-}" in
  "" | --setup-only) ;;
  *)
    sed -n '2,9s/^# \{0,1\}//p' "$0" >&2
    exit 2
    ;;
esac

docker/install-jupyter.sh distro
docker/install-dotnet-interactive.sh --local "$repo" "$repo/artifacts/jupyter/kernels"
docker/pack-feed.sh "$repo/artifacts/feed"
# The notebooks load the kit with a bare #r "nuget: EfficientNetLab.Interactive, *-*": register the feed as a source.
dotnet nuget remove source efficientnet-lab >/dev/null 2>&1 || true
dotnet nuget add source "$repo/artifacts/feed" --name efficientnet-lab >/dev/null
echo "lab.sh: set up (kernels: artifacts/jupyter/kernels, feed: artifacts/feed, NuGet source 'efficientnet-lab')"

[[ "${1:-}" == --setup-only ]] && exit 0
export JUPYTER_PATH=$repo/artifacts/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}
JUPYTER_IP=127.0.0.1 JUPYTER_PORT=${LAB_PORT:-8888} JUPYTER_ROOT=$repo exec docker/start-jupyter.sh
