#!/usr/bin/env bash
# Slurm for real: tests/scale/slurm-up.sh brings up a one-node Slurm on this machine (needs root, or sudo without a
# password), then deploy/slurm/submit-eval.sh runs the shipped Fashion-MNIST sample (500 images) as 4 array tasks
# plus a merge job, with --wait. The merged run must equal an unsharded `effnet eval` of the same folder; a shard
# that fails must make the merge job fail naming it; the rerun must submit only that shard, which resumes.
#   EFFNET   the kit to run (default: the CLI built last under src/EfficientNetLab.Cli/bin)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
# shellcheck source=tests/checks.sh
source tests/checks.sh
tmp=$(mktemp -d)
# Slurm starts jobs as the submitting user: the folders must be theirs, and readable by the daemons.
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT

up=(tests/scale/slurm-up.sh)
if ((EUID != 0)); then
  if ! sudo -n true 2>/dev/null; then
    echo "slurm: skipped: slurm-up.sh needs root (slurmd starts jobs as their users) and sudo asks for a password"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
  fi
  up=(sudo -n tests/scale/slurm-up.sh)
fi
# shellcheck source=tests/scale/effnet.sh
source tests/scale/effnet.sh

weights=$repo/samples/fashion-mnist/efficientnet_b0_fashion_mnist.pth
data=$tmp/data
cp -r samples/fashion-mnist/test "$data"
eval_args=(--device cpu --batch-size 50)

check "slurm-up.sh brings up slurmctld, slurmd and munged" "${up[@]}"
check "slurm-up.sh again reuses them" bash -c "${up[*]} | grep -q reusing"
export SLURM_CONF=${EFFNET_SLURM_DIR:-/var/tmp/effnet-slurm}/slurm.conf

check "an unsharded effnet eval of the sample (the reference)" "$EFFNET" eval --weights "$weights" --data "$data" --out "$tmp/whole" "${eval_args[@]}" --backend libtorch

submit() {  # submit OUT EXTRA_EVAL_ARG…: submit-eval.sh --shards 4 … --wait; its output in OUT.log
  local out=$1
  shift
  # A merge that never starts (a dependency Slurm cannot satisfy) would block --wait for good.
  timeout 600 deploy/slurm/submit-eval.sh --shards 4 --weights "$weights" --data "$data" --out "$out" --wait -- "${eval_args[@]}" "$@" \
    >"$out.log" 2>&1
}
sharded_run() {
  submit "$tmp/run"
  cat "$tmp/run.log"
  grep -Eq '^shards: job [0-9]+ \(tasks 0 1 2 3 of 0-3\)$' "$tmp/run.log" &&
    grep -Eq '^merge: job [0-9]+ ended with exit status 0' "$tmp/run.log" &&
    /usr/bin/python3 tests/scale/compare_runs.py "$tmp/whole" "$tmp/run/merged"
}
check "submit-eval.sh --shards 4 --wait: job ids printed, OUT/merged equals the unsharded run" sharded_run

# Shard 2 of 4 holds images 250–374; with --strict an unreadable one stops that shard (and only that one).
bad=$(find "$data" -type f | LC_ALL=C sort | sed -n 321p)
cp "$bad" "$tmp/good.png"
echo "not an image" >"$bad"
failing_shard() {
  local rc=0
  submit "$tmp/fail" --strict || rc=$?
  cat "$tmp/fail.log"
  ((rc != 0)) && grep -q "$tmp/fail/shard-2: no summary.json" "$tmp/fail.log" && [[ ! -e "$tmp/fail/merged/summary.json" ]]
}
check "a shard that fails makes the merge job fail, naming the shard (and --wait returns its status)" failing_shard

cp "$tmp/good.png" "$bad"
rerun_resumes() {
  local before
  before=$(sha256sum "$tmp"/fail/shard-{0,1,3}/summary.json)
  submit "$tmp/fail" --strict
  cat "$tmp/fail.log"
  grep -Eq '^shards: job [0-9]+ \(tasks 2 of 0-3\)$' "$tmp/fail.log" &&
    grep -q "resuming after image 300" "$tmp/fail/logs/shard-2.out" &&
    [[ "$(sha256sum "$tmp"/fail/shard-{0,1,3}/summary.json)" == "$before" ]] &&
    /usr/bin/python3 tests/scale/compare_runs.py "$tmp/whole" "$tmp/fail/merged"
}
check "the rerun submits only shard 2, which resumes at image 300; the merge then equals the unsharded run" rerun_resumes
summary
