#!/usr/bin/env bash
# A student's server, started by the hub as that student (HOME is theirs): puts what the lessons need in place
# where it is missing, then runs JupyterHub's single-user Notebook server with the hub's arguments.
#   ~              closed to other users
#   ~/notebooks/   the lessons, copied file by file where absent: a student's edits are never overwritten, and a
#                  lesson deleted or renamed comes back fresh at the next start
#   ~/samples      a link to the shared, read-only sample data the lessons open as ../samples
#   NuGet          the kit's feed as a source named efficientnet-lab (lessons: #r "nuget: EfficientNetLab.Interactive, *-*"),
#                  and its packages linked into ~/.nuget/packages (below)
set -euo pipefail
prefix=${EFFNET_LAB_PREFIX:?EFFNET_LAB_PREFIX is set by the hub (deploy/jupyterhub/jupyterhub_config.py)}
cd "$HOME"
# useradd makes homes that every user may read (Debian's HOME_MODE), and a server has terminals: close it.
chmod go-rwx "$HOME"

mkdir -p notebooks
cp -R --no-clobber "$prefix/notebooks/." notebooks/
[[ -e samples || -L samples ]] || ln -s "$prefix/samples" samples

config=.nuget/NuGet/NuGet.Config
if ! grep -qs "$prefix/feed" "$config"; then
  dotnet nuget add source "$prefix/feed" --name efficientnet-lab >/dev/null
fi

# The kit's packages (libtorch alone is 600 MB) are restored once, root-owned and read-only, in $prefix/nuget.
# Each version folder is linked, not copied: NuGet finds it installed and never writes to it, the kit preloads
# libtorch from ~/.nuget/packages (Devices/TorchRuntime), and a student can still add other versions beside it.
# TorchSharp is copied instead (14 MB): the kit patches its native shim in place (Devices/TorchNativeCompat).
for dir in "$prefix"/nuget/*/*/; do
  dir=${dir%/}
  rel=${dir#"$prefix/nuget/"}
  dest=.nuget/packages/$rel
  [[ -e "$dest" || -L "$dest" ]] && continue
  mkdir -p "$(dirname "$dest")"
  if [[ $rel == torchsharp/* ]]; then
    cp -R "$dir" "$dest.tmp.$$" && mv "$dest.tmp.$$" "$dest"
  else
    ln -s "$dir" "$dest"
  fi
done

exec jupyterhub-singleuser "$@"
