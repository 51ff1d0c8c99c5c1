#!/usr/bin/env bash
# The image's entrypoint, run by tini as the notebook user: optional SSH, run logs under ~/work/logs, then
# Jupyter on all of the container's interfaces. Arguments replace Jupyter (docker run IMAGE effnet models).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
logs="$HOME/work/logs"
if ! mkdir -p "$logs" 2>/dev/null || [[ ! -w "$logs" ]]; then
  # A bind-mounted host folder that Docker created is root's; Jupyter still runs, the logs go elsewhere.
  echo "entrypoint: $HOME/work is not writable by uid $(id -u) (chown $(id -u) the mounted folder); logs go to /tmp/logs" >&2
  logs=/tmp/logs
  mkdir -p "$logs"
fi
stamp=$(date -u +%Y%m%dT%H%M%SZ)

if [[ "${ENABLE_SSH:-0}" == 1 ]]; then
  "$here/start-sshd.sh" "$logs/sshd-$stamp.log"
fi

if (($#)); then
  exec "$@"
fi
export JUPYTER_IP=${JUPYTER_IP:-0.0.0.0} JUPYTER_ROOT=${JUPYTER_ROOT:-$HOME} JUPYTER_LOG="$logs/jupyter-$stamp.log"
exec "$here/start-jupyter.sh"
