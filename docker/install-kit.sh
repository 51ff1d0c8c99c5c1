#!/usr/bin/env bash
# Image only, run as the notebook user: packs the kit's feed, installs the effnet CLI (restoring the chosen
# TorchSharp backend into NUGET_PACKAGES, where notebooks find it), prefetches weights, copies the notebooks.
#   install-kit.sh SOURCE_DIR   with TORCH_BACKEND and PREFETCH_WEIGHTS from the build's ARGs
set -euo pipefail
src=${1:?usage: install-kit.sh SOURCE_DIR}
cd "$src"

docker/pack-feed.sh /opt/effnet/feed -p:TorchBackend="$TORCH_BACKEND"
rm /opt/effnet/feed/.inputs
dotnet nuget add source /opt/effnet/feed --name efficientnet-lab >/dev/null
dotnet publish src/EfficientNetLab.Cli -c Release --nologo -v q -p:TorchBackend="$TORCH_BACKEND" -o /opt/effnet/cli
docker/prefetch-weights.sh "$PREFETCH_WEIGHTS"
cp -r notebooks/. "$HOME/notebooks/"
# The downloaded packages are all extracted into NUGET_PACKAGES; their second copy is dead weight.
dotnet nuget locals http-cache --clear >/dev/null
