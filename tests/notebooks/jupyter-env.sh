# Sourced by the notebook runners: restores the dotnet-interactive tool, makes sure a packed feed exists, and points
# Jupyter at a private data dir whose .net-csharp kernelspec is exactly what `dotnet interactive jupyter install`
# writes, plus --http-local-only so the kernel's HTTP side channel does not listen on every interface, and the
# MALLOC_ARENA_MAX=1 that the lab's kernelspec carries.
# In: repo, work, feed (may be empty: then artifacts/feed is packed). Out: feed, version, JUPYTER_* exported.
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet tool restore >/dev/null
if [[ -z "$feed" ]]; then
  feed="$repo/artifacts/feed"
  "$repo/docker/pack-feed.sh" "$feed" >/dev/null
fi
version="$(cat "$feed/VERSION")"
rm -rf "$work"
mkdir -p "$work/jupyter/kernels"
dotnet interactive jupyter install --path "$work/jupyter/kernels" >/dev/null
/usr/bin/python3 - "$work/jupyter/kernels/.net-csharp/kernel.json" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
if "--http-local-only" not in spec["argv"]:
    spec["argv"].insert(spec["argv"].index("{connection_file}") + 1, "--http-local-only")
spec.setdefault("env", {})["MALLOC_ARENA_MAX"] = "1"  # as docker/install-dotnet-interactive.sh writes it
json.dump(spec, open(sys.argv[1], "w"), indent=2)
PY
# The notebooks load the kit with a bare `#r "nuget: EfficientNetLab.Interactive, *-*"`: the lab registers its feed as a
# user-level NuGet source. Tests do the same in a private HOME so the real user's NuGet config is never touched;
# the package cache stays the shared one.
export NUGET_PACKAGES="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
mkdir -p "$work/home/.nuget/NuGet"
if [[ -f "$HOME/.nuget/NuGet/NuGet.Config" ]]; then cp "$HOME/.nuget/NuGet/NuGet.Config" "$work/home/.nuget/NuGet/NuGet.Config"; fi
# NuGet reads its user config from DOTNET_CLI_HOME, dotnet-interactive its work folders from HOME: point both there,
# and restore the tool again so its resolver cache exists in that home.
export HOME="$work/home" DOTNET_CLI_HOME="$work/home"
# The copied config may already name this source (./lab.sh registers it for the real user): replace it.
dotnet nuget remove source efficientnet-lab >/dev/null 2>&1 || true
dotnet nuget add source "$feed" --name efficientnet-lab >/dev/null
dotnet tool restore >/dev/null
export JUPYTER_PATH="$work/jupyter" JUPYTER_DATA_DIR="$work/jupyter" JUPYTER_RUNTIME_DIR="$work/runtime" JUPYTER_CONFIG_DIR="$work/config"
