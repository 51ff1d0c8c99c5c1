#!/usr/bin/env bash
# A sharded accuracy run on this host, no cluster: N `effnet eval --shard i/N` processes side by side, then
# `effnet eval merge` into OUT/merged. Exit status: the merge's (it names any shard that failed).
#   deploy/local/eval-shards.sh --shards N --weights W --data D --out OUT [-- EVAL_OPTION…]
# GPUs (nvidia-smi -L, or the list in CUDA_VISIBLE_DEVICES): shard i sees only GPU i mod G through
# CUDA_VISIBLE_DEVICES. The CPU cores are split between the shards either way: shard i is pinned (taskset) to its
# share, with as many libtorch threads (OMP_NUM_THREADS) and decode workers (--workers) as it has cores.
# EFFNET: how to run the kit (default: effnet on PATH), e.g. EFFNET="dotnet /opt/effnet/effnet.dll".
# A rerun starts only the shards whose summary is not complete; each resumes from its predictions.csv.
set -euo pipefail

usage() { sed -n '2,/^set /{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit "${1:-2}"; }
die() { echo "eval-shards.sh: $*" >&2; exit 2; }

shards='' weights='' data='' out='' extra=()
while (($#)); do
  case $1 in
    --shards) shards=${2:?}; shift 2 ;;
    --weights) weights=${2:?}; shift 2 ;;
    --data) data=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) usage 0 ;;
    *) die "unknown option '$1' (see --help; effnet eval options go after --)" ;;
  esac
done
# shellcheck source=deploy/shards.sh
source "$(dirname "$0")/../shards.sh"
require_options --shards "$shards" --weights "$weights" --data "$data" --out "$out"
require_shard_count "$shards"
for option in "${extra[@]}"; do
  [[ "$option" != --workers && "$option" != -j ]] || die "the script sets --workers per shard (its share of the cores); drop it"
done
read -r -a runner <<<"${EFFNET:-effnet}"
mkdir -p "$out/logs"

gpus=()
if [[ -v CUDA_VISIBLE_DEVICES ]]; then
  # Set, even empty (CUDA's "no GPU"), it decides.
  IFS=, read -r -a gpus <<<"$CUDA_VISIBLE_DEVICES"
elif command -v nvidia-smi >/dev/null && count=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU '); then
  for ((g = 0; g < count; g++)); do gpus+=("$g"); done
fi
cores=$(nproc)
per=$((cores / shards))
((per >= 1)) || per=1

read -r -a todo <<<"$(pending_shards "$out" "$shards")"
((${#todo[@]})) || echo "eval-shards.sh: all $shards shards are complete in $out"
pids=()
for i in "${todo[@]}"; do
  env=(OMP_NUM_THREADS="$per")
  ((${#gpus[@]} == 0)) || env+=(CUDA_VISIBLE_DEVICES="${gpus[i % ${#gpus[@]}]}")
  pin=()
  # Pinning only when every shard gets cores of its own.
  ((cores < shards)) || pin=(taskset -c "$((i * per))-$((i * per + per - 1))")
  echo "eval-shards.sh: shard $i/$shards: ${env[*]} ${pin[*]} → $out/shard-$i (log: $out/logs/shard-$i.out)"
  env "${env[@]}" "${pin[@]}" "${runner[@]}" eval --weights "$weights" --data "$data" --shard "$i/$shards" \
    --out "$out/shard-$i" --resume --workers "$per" "${extra[@]}" >"$out/logs/shard-$i.out" 2>&1 &
  pids+=($!)
done
for k in "${!pids[@]}"; do
  status=0
  wait "${pids[k]}" || status=$?
  ((status == 0)) || echo "eval-shards.sh: shard ${todo[k]}/$shards failed (exit $status); see $out/logs/shard-${todo[k]}.out" >&2
done

dirs=()
for ((i = 0; i < shards; i++)); do dirs+=("$out/shard-$i"); done
"${runner[@]}" eval merge "${dirs[@]}" --out "$out/merged" --overwrite
