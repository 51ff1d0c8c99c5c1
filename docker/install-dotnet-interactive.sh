#!/usr/bin/env bash
# Installs the .NET Interactive tool at the version pinned in .config/dotnet-tools.json and its Jupyter
# kernelspecs, shared by the image and ./lab.sh.
#   install-dotnet-interactive.sh --local REPO KERNELS_DIR      restore the repo's tool manifest (host lab)
#   install-dotnet-interactive.sh --tool-path DIR KERNELS_DIR   install into DIR with the manifest's version (image)
# The kernels are started with --http-local-only: their HTTP API (ports 2048-3000) stays on loopback; and with
# MALLOC_ARENA_MAX=1, which glibc reads only at process start: without it libtorch computes 6-8× slower on the
# CPU on any thread but the first, and kernels run cells on other threads (Devices/TorchRuntime.cs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mode=${1:?usage: install-dotnet-interactive.sh --local REPO KERNELS_DIR | --tool-path DIR KERNELS_DIR}
target=${2:?missing REPO or DIR}
kernels=${3:?missing KERNELS_DIR}
manifest=${DOTNET_TOOLS_MANIFEST:-$here/../.config/dotnet-tools.json}

export DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

case "$mode" in
  --local)
    (cd "$target" && dotnet tool restore >/dev/null)
    run=(dotnet tool run dotnet-interactive --)
    cd "$target"
    ;;
  --tool-path)
    version=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tools"]["microsoft.dotnet-interactive"]["version"])' "$manifest")
    if [[ ! -x "$target/dotnet-interactive" ]]; then
      dotnet tool install --tool-path "$target" Microsoft.dotnet-interactive --version "$version" >/dev/null
    fi
    run=("$target/dotnet-interactive")
    ;;
  *)
    echo "install-dotnet-interactive.sh: unknown mode '$mode'" >&2
    exit 2
    ;;
esac

if ! grep -qs MALLOC_ARENA_MAX "$kernels/.net-csharp/kernel.json"; then
  mkdir -p "$kernels"
  "${run[@]}" jupyter install --path "$kernels" >/dev/null
  # `jupyter install` has no --http-local-only; it is an option of the kernel command the spec runs.
  # With --tool-path the spec names the tool by path: `dotnet interactive` only finds it on PATH.
  python3 - "$kernels" "${mode#--}" "${run[0]}" <<'PY'
import json, pathlib, sys
kernels, mode, tool = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
for spec in kernels.glob(".net-*/kernel.json"):
    k = json.loads(spec.read_text())
    argv = k["argv"]
    if mode == "tool-path" and argv[:2] == ["dotnet", "interactive"]:
        argv[:2] = [tool]
    if "--http-local-only" not in argv:
        argv.append("--http-local-only")
    k.setdefault("env", {})["MALLOC_ARENA_MAX"] = "1"
    spec.write_text(json.dumps(k, indent=2) + "\n")
PY
fi
