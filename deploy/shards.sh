# shellcheck shell=bash
# Sourced by the three sharded-run scripts (deploy/local, deploy/slurm, deploy/kubernetes): the checks of the options
# they share, and which shards of a run still need work. The caller defines die MESSAGE (prefixes its own name).

# require_options --NAME VALUE ...: dies naming every option whose VALUE is empty.
require_options() {
  local missing=()
  while (($#)); do
    [[ -n "$2" ]] || missing+=("$1")
    shift 2
  done
  ((${#missing[@]} == 0)) || die "missing ${missing[*]} (see --help)"
}

# require_shard_count N: the --shards value, a positive integer.
require_shard_count() {
  [[ "$1" =~ ^[1-9][0-9]*$ ]] || die "--shards must be a positive integer, got '$1'"
}

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
