#!/usr/bin/env bash
# A sharded accuracy run on Slurm: one array job (task i evaluates shard i/N into OUT/shard-i) and a merge job that
# starts when every task has ended and writes OUT/merged. Prints the two job ids.
#   deploy/slurm/submit-eval.sh --shards N --weights W --data D --out OUT [--wait] [--partition P]
#       [--gpus-per-task G] [--cpus-per-task C] [--time T] [--container IMAGE] [-- EVAL_OPTION…]
#   --wait        block until the merge job ends; exit with its status (0: OUT/merged holds the whole run)
#   --container   run effnet inside IMAGE on the nodes: Apptainer (`apptainer exec --nv`) when apptainer or
#                 singularity is on PATH here, else enroot through pyxis (`srun --container-image`)
#   EFFNET        how the nodes run the kit when not in a container (default: effnet on PATH), e.g.
#                 EFFNET=/shared/dotnet-tools/effnet  or  EFFNET="dotnet /shared/effnet/effnet.dll"
# OUT, D and W (when W is a file) must be on a file system every node sees. Rerunning the same command submits
# only the shards whose summary is not complete (each resumes from its predictions.csv) and the merge.
set -euo pipefail

usage() { sed -n '2,/^set /{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit "${1:-2}"; }
die() { echo "submit-eval.sh: $*" >&2; exit 2; }

shards='' weights='' data='' out='' wait=0 container='' extra=()
sbatch_opts=()
while (($#)); do
  case $1 in
    --shards) shards=${2:?}; shift 2 ;;
    --weights) weights=${2:?}; shift 2 ;;
    --data) data=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --wait) wait=1; shift ;;
    --partition) sbatch_opts+=("--partition=${2:?}"); shift 2 ;;
    --gpus-per-task) sbatch_opts+=("--gpus-per-task=${2:?}"); shift 2 ;;
    --cpus-per-task) sbatch_opts+=("--cpus-per-task=${2:?}"); shift 2 ;;
    --time) sbatch_opts+=("--time=${2:?}"); shift 2 ;;
    --container) container=${2:?}; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) usage 0 ;;
    *) die "unknown option '$1' (see --help; effnet eval options go after --)" ;;
  esac
done
# shellcheck source=deploy/shards.sh
source "$(dirname "$0")/../shards.sh"
require_options --shards "$shards" --weights "$weights" --data "$data" --out "$out"
require_shard_count "$shards"
[[ -e "$data" ]] || die "--data $data does not exist here (it must be a path every node sees)"
command -v sbatch >/dev/null || die "sbatch is not on PATH: run this on a Slurm login node (or tests/scale/slurm-up.sh here)"
# The nodes run in other working folders: every path they get is absolute.
data=$(realpath "$data")
[[ ! -e "$weights" ]] || weights=$(realpath "$weights")
out=$(realpath -m "$out")
mkdir -p "$out/logs" "$out/jobs"

# How a node starts effnet: the words of a command, to which the eval arguments are appended.
if [[ -z "$container" ]]; then
  read -r -a runner <<<"${EFFNET:-effnet}"
else
  # The kit's image puts the CLI at /usr/local/bin/effnet; its entrypoint (Jupyter) is not used.
  binds=("$out" "$data")
  [[ ! -e "$weights" ]] || binds+=("$(dirname "$weights")")
  if apptainer=$(command -v apptainer || command -v singularity); then
    runner=("$apptainer" exec --nv --bind "$(IFS=,; echo "${binds[*]}")" "$container" /usr/local/bin/effnet)
  else
    mounts=()
    for b in "${binds[@]}"; do mounts+=("$b:$b"); done
    runner=(srun --container-image="$container" --container-mounts="$(IFS=,; echo "${mounts[*]}")" /usr/local/bin/effnet)
  fi
fi

# The job scripts are written into OUT/jobs, so the run folder records exactly what ran.
quoted() { printf ' %q' "$@"; }
cat >"$out/jobs/shard.sh" <<EOF
#!/bin/bash
# Written by deploy/slurm/submit-eval.sh: array task i evaluates shard i/$shards, resuming what an earlier try left.
set -euo pipefail
i=\${SLURM_ARRAY_TASK_ID:?run this as a task of a Slurm array job}
# libtorch sizes its thread pool from OMP_NUM_THREADS: keep each shard to the CPUs Slurm gave it.
if [[ -n "\${SLURM_CPUS_PER_TASK:-}" ]]; then export OMP_NUM_THREADS=\$SLURM_CPUS_PER_TASK; fi
exec$(quoted "${runner[@]}" eval --weights "$weights" --data "$data") --shard "\$i/$shards" --out "$out/shard-\$i" --resume$(quoted "${extra[@]}")
EOF
shard_dirs=()
for ((i = 0; i < shards; i++)); do shard_dirs+=("$out/shard-$i"); done
cat >"$out/jobs/merge.sh" <<EOF
#!/bin/bash
# Written by deploy/slurm/submit-eval.sh: the $shards shards into one run; refuses (and names) any shard that is
# missing, unfinished, overlapping or made with other weights, preset, class mapping or dataset.
set -euo pipefail
exec$(quoted "${runner[@]}" eval merge "${shard_dirs[@]}" --out "$out/merged" --overwrite)
EOF

read -r -a todo <<<"$(pending_shards "$out" "$shards")"

name=effnet-$(basename "$out")
dependency=()
if ((${#todo[@]})); then
  array=$(sbatch --parsable --job-name="$name" --array="$(IFS=,; echo "${todo[*]}")" \
    --output="$out/logs/shard-%a.out" --open-mode=append "${sbatch_opts[@]}" "$out/jobs/shard.sh")
  array=${array%%;*}
  echo "shards: job $array (tasks ${todo[*]} of 0-$((shards - 1)))"
  # afterany, not afterok: the merge runs even when a shard failed, so that its log (and --wait) names the shard
  # and what is missing from it; it refuses to write a run from incomplete shards.
  dependency=(--dependency="afterany:$array")
else
  echo "shards: all $shards complete in $out; nothing to evaluate"
fi
merge_opts=()
for o in "${sbatch_opts[@]}"; do [[ "$o" == --gpus-per-task=* ]] || merge_opts+=("$o"); done
merge_flags=(--parsable --job-name="$name-merge" --output="$out/logs/merge.out" "${dependency[@]}" "${merge_opts[@]}")
if ((wait)); then
  # sbatch --wait prints the id only when the job has ended; the id goes to a file as soon as it is known.
  rm -f "$out/jobs/merge.jobid"
  sbatch "${merge_flags[@]}" --wait "$out/jobs/merge.sh" >"$out/jobs/merge.jobid" &
  waiter=$!
  until [[ -s "$out/jobs/merge.jobid" ]] || ! kill -0 "$waiter" 2>/dev/null; do sleep 0.2; done
  status=0
  wait "$waiter" || status=$?
  echo "merge: job $(cut -d';' -f1 "$out/jobs/merge.jobid") ended with exit status $status (log: $out/logs/merge.out)"
  ((status == 0)) || sed 's/^/  /' "$out/logs/merge.out" >&2
  exit "$status"
fi
merge=$(sbatch "${merge_flags[@]}" "$out/jobs/merge.sh")
echo "merge: job ${merge%%;*} → $out/merged (log: $out/logs/merge.out)"
