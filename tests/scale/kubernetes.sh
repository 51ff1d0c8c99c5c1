#!/usr/bin/env bash
# Kubernetes manifests, checked without a cluster (none runs here or in CI): deploy/kubernetes/submit-eval.sh
# --render writes them; tests/scale/check_k8s_manifests.py parses them (Debian's python3-yaml) and runs each pod's
# command line to check the shard wiring; bad parameters are refused before anything is written.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
# shellcheck source=tests/checks.sh
source tests/checks.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
submit=deploy/kubernetes/submit-eval.sh

render_and_check() {  # render_and_check SHARDS PARALLELISM GPUS EVAL_ARGS
  local dir=$tmp/render-$1-$2-$3
  "$submit" --render "$dir" --shards "$1" --parallelism "$2" --gpus-per-shard "$3" --eval-args "$4" \
    --image registry.example/effnet-lab:1.0 --run val-b3 --weights /data/ckpt/b3.pth --data /data/imagenet/val \
    --data-claim imagenet --results-claim sweeps
  /usr/bin/python3 tests/scale/check_k8s_manifests.py "$dir" "$1" "$2" "$3" registry.example/effnet-lab:1.0 val-b3 \
    /data/ckpt/b3.pth /data/imagenet/val imagenet sweeps "$4"
}
check "8 shards, 8 at a time, 1 GPU each: Indexed Job + merge wired shard k ↔ /results/RUN/shard-k" render_and_check 8 8 1 ""
check "3 shards, 2 at a time, no GPU, extra eval options reach every pod" render_and_check 3 2 0 "--model b3 --batch-size 128"

refused() {  # refused WHAT OPTION…: submit-eval.sh exits 2 naming WHAT and writes nothing
  local what=$1 dir=$tmp/refused
  shift
  rm -rf "$dir"
  local out rc=0
  out=$("$submit" --render "$dir" --image i --run r --weights w --data d "$@" 2>&1) || rc=$?
  echo "exit $rc: $out"
  ((rc == 2)) && grep -q -- "$what" <<<"$out" && [[ ! -e "$dir" ]]
}
check "--parallelism above --shards is refused" refused --parallelism --shards 2 --parallelism 3
check "a --run that is no DNS label is refused" refused --run --shards 2 --run Val_B3
check "shell syntax in --eval-args is refused" refused --eval-args --shards 2 --eval-args '--limit 5; rm -rf /'
check "--shards 0 is refused" refused --shards --shards 0
summary
