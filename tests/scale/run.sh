#!/usr/bin/env bash
# The scale-out suites in one: Kubernetes manifests (rendered and checked, no cluster), local shards on the CPU and a
# real one-node Slurm; prints each suite's checks and one closing "N passed, N failed, N skipped" line.
set -uo pipefail
cd "$(dirname "$0")" || exit 1
passed=0 failed=0 skipped=0
for suite in kubernetes.sh local.sh slurm.sh; do
  echo "== tests/scale/$suite"
  out=$(./"$suite" 2>&1)
  rc=$?
  echo "$out"
  if [[ "$(tail -n 1 <<<"$out")" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
    passed=$((passed + BASH_REMATCH[1])) failed=$((failed + BASH_REMATCH[2])) skipped=$((skipped + ${BASH_REMATCH[4]:-0}))
    ((rc == 0 || BASH_REMATCH[2] > 0)) || failed=$((failed + 1))
  else
    echo "tests/scale/$suite ended without its summary line (exit $rc)"
    failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
