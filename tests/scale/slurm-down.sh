#!/usr/bin/env bash
# Stops what tests/scale/slurm-up.sh started (slurmd, slurmctld, munged: the processes in its pid files, nothing
# else); the scratch folder stays (its munge key and state make the next slurm-up.sh quick). EFFNET_SLURM_DIR as there.
set -euo pipefail
dir=${EFFNET_SLURM_DIR:-/var/tmp/effnet-slurm}
for pidfile in "$dir/run/slurmd.pid" "$dir/run/slurmctld.pid" "$dir/munge/munged.pid"; do
  [[ -s "$pidfile" ]] || continue
  pid=$(<"$pidfile")
  # Only the daemon the file names: a pid left from a daemon that died may belong to another program by now.
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$(basename "$pidfile" .pid)" ]] || continue
  if kill "$pid"; then
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    echo "slurm-down.sh: stopped $(basename "$pidfile" .pid) ($pid)"
  fi
done
