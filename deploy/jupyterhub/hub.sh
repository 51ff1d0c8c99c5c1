#!/usr/bin/env bash
# JupyterHub for a class on this machine: Debian's JupyterHub with PAM logins (students are UNIX users) and one
# Notebook server per student, running as that student, with the .NET Interactive kernels and the kit installed
# system-wide. Run as root (the hub must switch to each student's UID).
#   deploy/jupyterhub/hub.sh               set up, then serve the hub on HUB_IP:HUB_PORT in the foreground
#   deploy/jupyterhub/hub.sh --setup-only  set up only (idempotent; a second run takes seconds)
# Settings (environment):
#   HUB_IP            address the hub listens on (default 127.0.0.1; 0.0.0.0 for a class, behind TLS)
#   HUB_PORT          default 8000; the hub's and the proxy's own APIs take HUB_PORT+81 and HUB_PORT+1 on loopback
#   HUB_GROUP         UNIX group whose members may log in (default students; created if missing)
#   HUB_ADMINS        comma-separated admin users (added to HUB_GROUP)
#   HUB_IDLE_TIMEOUT  seconds after which an idle kernel, then an idle server, is shut down (default 3600)
#   HUB_STATE         the hub's database, cookie secret and pid files (default /var/lib/effnet-lab-hub)
#   EFFNET_LAB_PREFIX where the kit is installed for everyone (default /opt/effnet-lab)
set -euo pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
repo=$(cd "$(dirname "$0")/../.." && pwd)
here=$repo/deploy/jupyterhub

case "${1:-}" in
  "" | --setup-only) ;;
  *)
    sed -n '2,14s/^# \{0,1\}//p' "$0" >&2
    exit 2
    ;;
esac
if ((EUID != 0)); then
  echo "hub.sh: run as root: the hub reads /etc/shadow (PAM) and starts each student's server as that student" >&2
  exit 1
fi

export HUB_IP=${HUB_IP:-127.0.0.1} HUB_PORT=${HUB_PORT:-8000} HUB_GROUP=${HUB_GROUP:-students}
export HUB_ADMINS=${HUB_ADMINS:-} HUB_IDLE_TIMEOUT=${HUB_IDLE_TIMEOUT:-3600}
export HUB_STATE=${HUB_STATE:-/var/lib/effnet-lab-hub} EFFNET_LAB_PREFIX=${EFFNET_LAB_PREFIX:-/opt/effnet-lab}
prefix=$EFFNET_LAB_PREFIX
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet=$(command -v dotnet) || { echo "hub.sh: no dotnet on PATH: install the .NET 10 SDK first" >&2; exit 1; }
# Students run the SDK too (kernels, NuGet restores): it must sit where every user can read and execute it.
DOTNET_ROOT=$(dirname "$(readlink -f "$dotnet")")
export DOTNET_ROOT
if ! setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/tmp "$DOTNET_ROOT/dotnet" --list-sdks >/dev/null 2>&1; then
  echo "hub.sh: $DOTNET_ROOT/dotnet does not run for other users: install the SDK system-wide (e.g. /usr/share/dotnet, mode 755)" >&2
  exit 1
fi

"$repo/docker/install-jupyter.sh" hub
install -d -m 755 "$prefix" "$prefix/hub" "$prefix/nuget"
"$repo/docker/install-dotnet-interactive.sh" --tool-path "$prefix/tools" /usr/local/share/jupyter/kernels
"$repo/docker/pack-feed.sh" "$prefix/feed"
version=$(cat "$prefix/feed/VERSION")

# The kit and everything it references, restored once into a root-owned folder that singleuser.sh links into each
# student's ~/.nuget/packages, instead of every student downloading libtorch (600 MB) again.
if [[ "$(cat "$prefix/nuget/.kit-version" 2>/dev/null)" != "$version" ]]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # The framework the kernels restore #r "nuget:" references for: the one the .NET Interactive tool runs on.
  tfm_dirs=("$prefix"/tools/.store/microsoft.dotnet-interactive/*/microsoft.dotnet-interactive/*/tools/net*)
  tfm=$(basename "${tfm_dirs[0]}")
  cat >"$tmp/kit.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>$tfm</TargetFramework></PropertyGroup>
  <ItemGroup><PackageReference Include="EfficientNetLab.Interactive" Version="$version" /></ItemGroup>
</Project>
EOF
  # The feed comes on top of the sources root's NuGet configuration names (nuget.org or a mirror).
  cat >"$tmp/NuGet.Config" <<EOF
<configuration><packageSources><add key="efficientnet-lab" value="$prefix/feed" /></packageSources></configuration>
EOF
  NUGET_PACKAGES=$prefix/nuget dotnet restore "$tmp/kit.csproj" --nologo -v q
  echo "$version" >"$prefix/nuget/.kit-version"
fi

# The lessons and the sample data they open (../samples), as the hub hands them out.
rm -rf "$prefix/notebooks.new"
cp -R "$repo/notebooks" "$prefix/notebooks.new"
rm -rf "$prefix/notebooks" && mv "$prefix/notebooks.new" "$prefix/notebooks"
if ! diff -rq "$repo/samples" "$prefix/samples" >/dev/null 2>&1; then
  rm -rf "$prefix/samples" && cp -R "$repo/samples" "$prefix/samples"
fi
install -m 644 "$here/jupyterhub_config.py" "$prefix/hub/"
install -m 755 "$here/singleuser.sh" "$prefix/hub/"
# Everyone reads the kit; nobody but root changes what every student's kernel loads.
chmod -R a+rX,go-w "$prefix"

getent group "$HUB_GROUP" >/dev/null || groupadd "$HUB_GROUP"
IFS=, read -ra admins <<<"$HUB_ADMINS"
for admin in "${admins[@]}"; do
  id "$admin" >/dev/null 2>&1 || { echo "hub.sh: HUB_ADMINS names '$admin', who is no user here" >&2; exit 1; }
  id -nG "$admin" | tr ' ' '\n' | grep -qx "$HUB_GROUP" || usermod -aG "$HUB_GROUP" "$admin"
done
install -d -m 700 "$HUB_STATE"
echo "hub.sh: set up (kit $version in $prefix, kernels in /usr/local/share/jupyter/kernels, state in $HUB_STATE)"

[[ "${1:-}" == --setup-only ]] && exit 0
cd "$HUB_STATE"
exec jupyterhub -f "$prefix/hub/jupyterhub_config.py"
