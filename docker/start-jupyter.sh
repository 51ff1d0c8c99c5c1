#!/usr/bin/env bash
# Serves Jupyter for both ./lab.sh and the image's entrypoint: JupyterLab where it is installed (the image's
# default), else the classic Notebook server (Debian 12 packages no JupyterLab).
#   JUPYTER_IP     address to listen on (default 127.0.0.1; the image uses 0.0.0.0 inside its network namespace)
#   JUPYTER_PORT   default 8888; taken or not, Jupyter never moves to another port
#   JUPYTER_ROOT   folder served (default: the current one)
#   JUPYTER_TOKEN  the token; when empty one is generated and printed here, once
#   JUPYTER_LOG    also append Jupyter's own output (never the generated token) to this file
set -euo pipefail
ip=${JUPYTER_IP:-127.0.0.1}
port=${JUPYTER_PORT:-8888}
root=${JUPYTER_ROOT:-$PWD}

if [[ -z "${JUPYTER_TOKEN:-}" ]]; then
  JUPYTER_TOKEN=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
  shown=$ip
  [[ "$shown" == 0.0.0.0 ]] && shown=127.0.0.1
  echo "Jupyter token (generated for this start): $JUPYTER_TOKEN"
  echo "  open http://$shown:$port/?token=$JUPYTER_TOKEN"
fi
# Both servers read the token from the environment, which keeps it off the command line (ps) and makes them
# print it as "..." in their own logs.
export JUPYTER_TOKEN

if [[ -n "${JUPYTER_LOG:-}" ]]; then
  mkdir -p "$(dirname "$JUPYTER_LOG")"
  exec > >(tee -a "$JUPYTER_LOG") 2>&1
fi

if command -v jupyter-lab >/dev/null; then
  app=(jupyter lab) cfg=ServerApp
else
  app=(jupyter notebook) cfg=NotebookApp
fi
root_opt=root_dir
[[ $cfg == NotebookApp ]] && root_opt=notebook_dir

opts=(--no-browser --ip="$ip" --port="$port" "--$cfg.port_retries=0" "--$cfg.$root_opt=$root")
# The host lab may run as root (CI does); the image never does.
((EUID != 0)) || opts+=(--allow-root)
exec "${app[@]}" "${opts[@]}"
