#!/usr/bin/env bash
# Starts sshd (ENABLE_SSH=1) as the notebook user on port 22. Host keys are generated on the container's first
# start, so no two containers share them and none is baked into the image.
#   start-sshd.sh LOG_FILE
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
log=${1:?usage: start-sshd.sh LOG_FILE}
config=$here/sshd_config
keys=$HOME/.ssh/authorized_keys

if [[ ! -s "$keys" ]]; then
  echo "ENABLE_SSH=1 needs a public key: mount it read-only at $keys" >&2
  exit 1
fi
"$here/check-sshd-config.sh" "$config"
if [[ ! -f /opt/effnet/ssh/ssh_host_ed25519_key ]]; then
  ssh-keygen -q -t ed25519 -N '' -C "$(hostname)" -f /opt/effnet/ssh/ssh_host_ed25519_key
fi
if (($(cat /proc/sys/net/ipv4/ip_unprivileged_port_start) > 22)); then
  echo "ENABLE_SSH=1: port 22 needs --sysctl net.ipv4.ip_unprivileged_port_start=22 (Docker sets 0 by default)" >&2
  exit 1
fi
/usr/sbin/sshd -f "$config" -E "$log"
echo "sshd listening on port 22 (log: $log)"
