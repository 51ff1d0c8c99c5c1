#!/usr/bin/env bash
# Packs the library and the notebook extension into a local feed with a version of its own, and prints that
# version. A fresh version per pack matters: NuGet never re-extracts a version already in ~/.nuget/packages,
# so re-packing 0.1.0 would leave notebooks running the first build forever.
#   tests/notebooks/pack-feed.sh [FEED_DIR]    (default: artifacts/feed)
set -euo pipefail
cd "$(dirname "$0")/../.."
feed="$(realpath -m "${1:-artifacts/feed}")"
version="0.1.0-local.$(date -u +%Y%m%d%H%M%S)"
rm -rf "$feed"
mkdir -p "$feed"
for project in src/EfficientNetLab kernel-extension/EfficientNetLab.Interactive; do
  dotnet pack "$project" -c Release -o "$feed" -p:Version="$version" --nologo -v q >&2
done
echo "$version" > "$feed/VERSION"
echo "$version"
