#!/usr/bin/env bash
# Packs the solution's library projects into a local NuGet feed that notebooks restore from (#i "nuget: FEED"),
# shared by the image and ./lab.sh. Whatever packable projects the solution lists are packed, except
#   tests/ (not packable anyway, and left out of the image's build context) and
#   .NET tools (PackAsTool: effnet is installed on its own; its libtorch would make a multi-GB package on CUDA).
# A hash of the inputs skips the pack when nothing changed, and names the version (0.1.0-local.<hash>, also written
# to FEED/VERSION): NuGet never re-extracts a version already in ~/.nuget/packages, so a rebuilt kit needs a new one.
#   pack-feed.sh FEED_DIR [extra dotnet pack arguments]
set -euo pipefail
feed=${1:?usage: pack-feed.sh FEED_DIR [dotnet pack args]}
shift
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
mkdir -p "$feed"
feed=$(cd "$feed" && pwd)

mapfile -t projects < <(dotnet sln EfficientNetLab.sln list | grep -E '\.(cs|fs)proj$' | grep -v '^tests/' \
  | while read -r p; do grep -qsi '<PackAsTool>true</PackAsTool>' "$p" || echo "$p"; done)
if ((${#projects[@]} == 0)); then
  echo "pack-feed.sh: no packable projects in EfficientNetLab.sln" >&2
  exit 1
fi

stamp=$( { printf '%s\n' "$@"; find Directory.Build.* EfficientNetLab.sln src kernel-extension -type f \
  -not -path '*/bin/*' -not -path '*/obj/*' -print0 | sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-64)
if [[ -f "$feed/.inputs" && "$(cat "$feed/.inputs")" == "$stamp" ]]; then
  exit 0
fi

filter=$(mktemp --suffix=.slnf -p "$repo")
trap 'rm -f "$filter"' EXIT
python3 - "$filter" "${projects[@]}" <<'PY'
import json, sys
json.dump({"solution": {"path": "EfficientNetLab.sln", "projects": sys.argv[2:]}}, open(sys.argv[1], "w"))
PY
version="0.1.0-local.${stamp:0:12}"
rm -f "$feed"/*.nupkg
dotnet pack "$filter" -c Release -o "$feed" --nologo -v q -p:Version="$version" "$@"
echo "$version" >"$feed/VERSION"
echo "$stamp" >"$feed/.inputs"
