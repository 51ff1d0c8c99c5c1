#!/usr/bin/env bash
# A sharded accuracy run on Kubernetes: renders eval-shards.yaml (an Indexed Job, pod k = shard k/N) and merge.yaml,
# applies the first, waits for it to complete, then applies the merge and waits for that. Exit status: the merge's.
#   deploy/kubernetes/submit-eval.sh --shards N --weights W --data D --image IMAGE --run NAME \
#       [--data-claim PVC] [--results-claim PVC] [--parallelism P] [--gpus-per-shard G] [--eval-args "ARGS"] \
#       [--render DIR] [--timeout SECONDS]
# W and D are paths as the pods see them (the data claim is mounted read-only at /data, the results claim at
# /results) or a published tag for W. Results: /results/NAME/shard-k and /results/NAME/merged on the results claim.
# --render DIR writes the two manifests and stops (no cluster needed; tests/scale/kubernetes.sh checks them).
# Rerunning after a failure replaces the failed Job; its pods resume their shards from the results claim.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

usage() { sed -n '2,/^set /{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit "${1:-2}"; }
die() { echo "submit-eval.sh: $*" >&2; exit 2; }

# The upper-case names are the templates' parameters, read by name (${!name}) in render_template.
# shellcheck disable=SC2034
SHARDS='' WEIGHTS='' DATA='' IMAGE='' RUN='' DATA_CLAIM=effnet-data RESULTS_CLAIM=effnet-results PARALLELISM='' GPUS_PER_SHARD=1
EVAL_ARGS='' render='' timeout=86400
# shellcheck disable=SC2034
while (($#)); do
  case $1 in
    --shards) SHARDS=${2:?}; shift 2 ;;
    --weights) WEIGHTS=${2:?}; shift 2 ;;
    --data) DATA=${2:?}; shift 2 ;;
    --image) IMAGE=${2:?}; shift 2 ;;
    --run) RUN=${2:?}; shift 2 ;;
    --data-claim) DATA_CLAIM=${2:?}; shift 2 ;;
    --results-claim) RESULTS_CLAIM=${2:?}; shift 2 ;;
    --parallelism) PARALLELISM=${2:?}; shift 2 ;;
    --gpus-per-shard) GPUS_PER_SHARD=${2:?}; shift 2 ;;
    --eval-args) EVAL_ARGS=$2; shift 2 ;;
    --render) render=${2:?}; shift 2 ;;
    --timeout) timeout=${2:?}; shift 2 ;;
    -h|--help) usage 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
# shellcheck source=deploy/shards.sh
source "$here/../shards.sh"
require_options --shards "$SHARDS" --weights "$WEIGHTS" --data "$DATA" --image "$IMAGE" --run "$RUN"
require_shard_count "$SHARDS"
PARALLELISM=${PARALLELISM:-$SHARDS}
if ! [[ "$PARALLELISM" =~ ^[1-9][0-9]*$ ]] || ((PARALLELISM > SHARDS)); then
  die "--parallelism must be between 1 and --shards ($SHARDS), got '$PARALLELISM'"
fi
[[ "$GPUS_PER_SHARD" =~ ^[0-9]+$ ]] || die "--gpus-per-shard must be a whole number, got '$GPUS_PER_SHARD'"
# Job names and label values: a DNS label, short enough for "effnet-merge-" in front.
[[ "$RUN" =~ ^[a-z0-9]([-a-z0-9]{0,48}[a-z0-9])?$ ]] || die "--run must be lower-case letters, digits and '-' (at most 50), got '$RUN'"
# The values are pasted into a shell command line inside the manifests: nothing that the shell would interpret.
for value in WEIGHTS DATA IMAGE DATA_CLAIM RESULTS_CLAIM EVAL_ARGS; do
  option=${value,,}
  [[ "${!value}" =~ ^[-A-Za-z0-9_./:@=\ ]*$ ]] || die "--${option//_/-} may hold only letters, digits, spaces and -_./:@=, got '${!value}'"
done
# shellcheck disable=SC2034
BACKOFF_LIMIT=$((SHARDS * 2))
SHARD_DIRS=
for ((i = 0; i < SHARDS; i++)); do SHARD_DIRS+="${SHARD_DIRS:+ }/results/$RUN/shard-$i"; done

render_template() {  # render_template FILE: the file with each ${NAME} of the parameters above replaced
  local text name
  text=$(<"$1")
  for name in RUN IMAGE SHARDS PARALLELISM BACKOFF_LIMIT GPUS_PER_SHARD WEIGHTS DATA EVAL_ARGS DATA_CLAIM RESULTS_CLAIM SHARD_DIRS; do
    text=${text//"\${$name}"/${!name}}
  done
  printf '%s\n' "$text"
}

out=${render:-$(mktemp -d)}
mkdir -p "$out"
render_template "$here/eval-shards.yaml" >"$out/eval-shards.yaml"
render_template "$here/merge.yaml" >"$out/merge.yaml"
if [[ -n "$render" ]]; then
  echo "$out/eval-shards.yaml"
  echo "$out/merge.yaml"
  exit 0
fi

command -v kubectl >/dev/null || die "kubectl is not on PATH (or use --render DIR and apply the manifests yourself)"
wait_job() {  # wait_job NAME: 0 when it completes, 1 when it fails or the time is up
  local deadline=$((SECONDS + timeout)) state
  while ((SECONDS < deadline)); do
    state=$(kubectl get job "$1" -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}')
    [[ " $state " == *" Complete "* ]] && return 0
    [[ " $state " == *" Failed "* ]] && { echo "submit-eval.sh: job $1 failed" >&2; return 1; }
    sleep 10
  done
  echo "submit-eval.sh: job $1 did not finish within $timeout s" >&2
  return 1
}
# A Job that failed stays failed: a rerun replaces it, and each new pod resumes its shard from the results claim.
if [[ "$(kubectl get job "effnet-eval-$RUN" --ignore-not-found -o jsonpath='{.status.conditions[?(@.type=="Failed")].status}')" == True ]]; then
  kubectl delete job "effnet-eval-$RUN"
fi
kubectl apply -f "$out/eval-shards.yaml"
wait_job "effnet-eval-$RUN" || exit 1
# A rerun of the same --run replaces the finished merge Job (Jobs are immutable once created).
kubectl delete job "effnet-merge-$RUN" --ignore-not-found
kubectl apply -f "$out/merge.yaml"
wait_job "effnet-merge-$RUN"
