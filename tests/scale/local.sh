#!/usr/bin/env bash
# One host, no cluster: deploy/local/eval-shards.sh runs the shipped Fashion-MNIST sample (500 images) as 2 shard
# processes side by side on the CPU (each pinned to its share of the cores) and merges them; the merged run must
# equal an unsharded `effnet eval`, and a second call must find every shard complete and start none.
#   EFFNET   the kit to run (default: the CLI built last under src/EfficientNetLab.Cli/bin)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
# shellcheck source=tests/checks.sh
source tests/checks.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/scale/effnet.sh
source tests/scale/effnet.sh
# No GPU even where there is one: the test is about the CPU split.
export CUDA_VISIBLE_DEVICES=
weights=samples/fashion-mnist/efficientnet_b0_fashion_mnist.pth
# The script gives each of the 2 shards half the cores, as libtorch threads and decode workers. The reference runs
# with as many: convolution results depend on the thread count in the sixth digit, and the summary records workers.
per=$(($(nproc) / 2 > 0 ? $(nproc) / 2 : 1))
data=samples/fashion-mnist/test

check "an unsharded effnet eval of the sample (the reference)" env OMP_NUM_THREADS="$per" "$EFFNET" eval --weights "$weights" --data "$data" --out "$tmp/whole" --device cpu --batch-size 50 --workers "$per" --backend libtorch
local_shards() {
  deploy/local/eval-shards.sh --shards 2 --weights "$weights" --data "$data" --out "$tmp/run" -- --device cpu --batch-size 50
}
check "eval-shards.sh --shards 2: two processes, merged" local_shards
check "the merged run equals the unsharded run" /usr/bin/python3 tests/scale/compare_runs.py "$tmp/whole" "$tmp/run/merged"
cores_split() {
  for i in 0 1; do
    /usr/bin/python3 -c 'import json, sys; w = json.load(open(sys.argv[1]))["workers"]; print(sys.argv[1], "workers", w); sys.exit(w != int(sys.argv[2]))' \
      "$tmp/run/shard-$i/summary.json" "$per" || return 1
  done
}
check "each shard got its share of the cores as decode workers" cores_split
nothing_to_do() {
  local out
  out=$(deploy/local/eval-shards.sh --shards 2 --weights "$weights" --data "$data" --out "$tmp/run" -- --device cpu --batch-size 50 2>&1)
  echo "$out"
  grep -q "all 2 shards are complete" <<<"$out" && ! grep -q "eval-shards.sh: shard" <<<"$out"
}
check "a second call starts no shard and merges again" nothing_to_do
# The option checks all three scripts share (deploy/shards.sh): exit 2, every missing option named, nothing started.
refuses_missing_options() {
  local out rc=0
  out=$(deploy/local/eval-shards.sh --shards 2 --data "$data" --out "$tmp/refused" 2>&1) || rc=$?
  echo "$out (exit $rc)"
  ((rc == 2)) && grep -q -- "missing --weights (see --help)" <<<"$out" && [[ ! -e "$tmp/refused" ]] || return 1
  rc=0
  out=$(deploy/local/eval-shards.sh --shards 0 --weights "$weights" --data "$data" --out "$tmp/refused" 2>&1) || rc=$?
  echo "$out (exit $rc)"
  ((rc == 2)) && grep -q -- "--shards must be a positive integer, got '0'" <<<"$out" && [[ ! -e "$tmp/refused" ]]
}
check "a missing option or a bad --shards stops with exit 2, naming it, before anything is written" refuses_missing_options
summary
