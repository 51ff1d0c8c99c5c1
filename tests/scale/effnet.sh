# shellcheck shell=bash disable=SC2154 # repo: set by the sourcing suite
# Sourced by tests/scale/local.sh and slurm.sh (after setting repo): EFFNET, the kit those suites run. Unless set,
# the CLI under src/EfficientNetLab.Cli/bin whose assemblies were built last (./test.sh builds Release,
# ./test.sh --fast Debug: a stale build of the other configuration must not be tested instead).
if [[ -z "${EFFNET:-}" ]]; then
  newest=0
  for config in Release Debug; do
    dir=$repo/src/EfficientNetLab.Cli/bin/$config/net10.0/linux-x64
    [[ -x "$dir/effnet" ]] || continue
    built=$(stat -c %Y "$dir/effnet.dll" "$dir/EfficientNetLab.dll" | sort -n | tail -n 1)
    if ((built > newest)); then newest=$built EFFNET=$dir/effnet; fi
  done
fi
if [[ ! -x "${EFFNET%% *}" ]]; then
  echo "$(basename "$0"): no effnet built (EFFNET='${EFFNET:-}'): run dotnet build first"
  echo "0 passed, 1 failed"
  exit 1
fi
export EFFNET
