# shellcheck shell=bash
# Sourced by deploy/slurm/submit-eval.sh and deploy/local/eval-shards.sh: which shards of a run still need work.

# pending_shards OUT N: prints the indices i in 0…N-1 whose OUT/shard-i/summary.json does not say "completed": true
# (missing, interrupted or failed shards), space-separated. A complete shard is never started again: resuming it
# would only replace its summary's timing with that of an empty session.
pending_shards() {
  python3 - "$1" "$2" <<'PY'
import json, os, sys
out, n = sys.argv[1], int(sys.argv[2])
def done(i):
    try:
        with open(os.path.join(out, f"shard-{i}", "summary.json")) as f:
            return json.load(f).get("completed") is True
    except (OSError, ValueError):
        return False
print(" ".join(str(i) for i in range(n) if not done(i)))
PY
}
