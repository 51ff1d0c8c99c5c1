#!/usr/bin/env bash
# Installs a Jupyter server, shared by the image and ./lab.sh.
#   install-jupyter.sh pip [VENV]  JupyterLab pinned in requirements-jupyter.txt, in a venv (default /opt/jupyter)
#                                  with its jupyter commands linked into /usr/local/bin
#   install-jupyter.sh distro      the distribution's classic Notebook server + nbconvert (works from
#                                  a Debian/Ubuntu mirror alone; Debian 12 does not package JupyterLab)
#   install-jupyter.sh hub         distro, plus Debian's JupyterHub and its proxy (deploy/jupyterhub/hub.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mode=${1:?usage: install-jupyter.sh pip [VENV] | distro | hub}

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  ((${#missing[@]})) || return 0
  local sudo=()
  ((EUID == 0)) || sudo=(sudo)
  # Other builds on the same machine may hold the dpkg lock for a while; stale package lists only cost a retry.
  local apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -qq)
  "${apt[@]}" install --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || { "${apt[@]}" update && "${apt[@]}" install --no-install-recommends "${missing[@]}" >/dev/null; }
}

distro=(jupyter-notebook jupyter-nbconvert python3-nbclient python3-nbconvert)
case "$mode" in
  distro)
    apt_install "${distro[@]}"
    ;;
  hub)
    apt_install "${distro[@]}" jupyterhub node-configurable-http-proxy
    ;;
  pip)
    venv=${2:-/opt/jupyter}
    apt_install python3-venv
    [[ -x "$venv/bin/pip" ]] || python3 -m venv "$venv"
    # pip trusts certifi's bundle, not the system store that may hold a proxy's CA.
    "$venv/bin/pip" install -q --no-cache-dir --cert /etc/ssl/certs/ca-certificates.crt \
      -r "$here/requirements-jupyter.txt"
    for cmd in "$venv"/bin/jupyter*; do ln -sf "$cmd" /usr/local/bin/; done
    ;;
  *)
    echo "install-jupyter.sh: unknown mode '$mode' (pip, distro or hub)" >&2
    exit 2
    ;;
esac
jupyter --version >/dev/null
