#!/usr/bin/env bash
# `effnet bench --model b0 --weights random` (batch 32, 224², 2 warm-up + 10 timed passes) in N fresh processes:
# each draws its own random init, so a draw-dependent slowdown shows up as a spread between processes. Prints a
# line per process (images/s from the median and from the mean pass, the process's CPU seconds, the load average
# when it started) and the spread. CPU seconds do not grow when other programs take turns on the cores, images/s
# does: a slow draw would cost CPU time too; a busy machine costs only wall time.
#   tests/bench/random-weights.sh [--runs 10] [--model b0] [--batch-size 32]
set -euo pipefail
cd "$(dirname "$0")/../.."

runs=10 model=b0 batch=32
while (($#)); do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --batch-size) batch=$2; shift 2 ;;
    *) sed -n '7p' "$0" >&2; exit 2 ;;
  esac
done

dotnet build src/EfficientNetLab.Cli -c Release --nologo -v q >&2
effnet=(dotnet src/EfficientNetLab.Cli/bin/Release/net10.0/linux-x64/effnet.dll)
out=$(mktemp -d -t effnet-random-weights.XXXXXX)
echo "effnet bench --model $model --weights random --batch-size $batch --repeats 10, $runs fresh processes ($(nproc) CPUs)"
printf '%-4s %12s %12s %8s %6s\n' run "img/s median" "img/s mean" "CPU s" load
for ((i = 1; i <= runs; i++)); do
  load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -f '%U %S' -o "$out/$i.time" "${effnet[@]}" bench --model "$model" --weights random --batch-size "$batch" \
    --warmup 2 --repeats 10 --json >"$out/$i.json"
  /usr/bin/python3 - "$out/$i.json" "$out/$i.time" "$i" "$load" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
user, system = map(float, open(sys.argv[2]).read().split()[-2:])
print(f'{sys.argv[3]:<4} {r["images_per_s"]:12.1f} {r["batch_size"] * 1000 / r["mean_batch_ms"]:12.1f} {user + system:8.1f} {sys.argv[4]:>6}')
PY
done | tee "$out/table.txt"
/usr/bin/python3 - "$out/table.txt" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
for name, col in (("img/s (median pass)", 1), ("CPU s", 3)):
    v = sorted(float(r[col]) for r in rows)
    print(f"{name}: min {v[0]:.1f}, median {statistics.median(v):.1f}, max {v[-1]:.1f}, max/min {v[-1] / v[0]:.2f}")
PY
echo "raw JSON: $out"
