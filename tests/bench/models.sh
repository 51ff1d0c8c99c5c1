#!/usr/bin/env bash
# Model throughput on the CPU, every backend in one run: the kit with default options (--backend auto: the
# backend its probe picks), libtorch and ONNX Runtime through the kit (contiguous: channels-last is refused on the
# CPU, see README "Where a model runs"), and Debian's PyTorch as the peer (tests/bench/pytorch_model.py, contiguous and
# channels_last, as a user runs it; and channels_last again with glibc's allocator set the way the kit sets it
# for libtorch, through glibc's MALLOC_* variables), same variant, input size, threads and timing method.
#   tests/bench/models.sh [--model b0] [--batch-size 1,32] [--threads 2] [--rounds 3] [--repeats 10]
# Each configuration is its own process (peak RSS from /usr/bin/time), the order rotates round by round so that
# load from elsewhere hits every side alike; the summary gives medians over rounds and ratios to PyTorch
# channels_last. Raw JSON stays in the folder it names.
set -euo pipefail
cd "$(dirname "$0")/../.."

model=b0 batches=1,32 threads=2 rounds=3 repeats=10
while (($#)); do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --batch-size) batches=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    *) sed -n '2,8p' "$0" >&2; exit 2 ;;
  esac
done

dotnet build src/EfficientNetLab.Cli -c Release --nologo -v q >&2
effnet=(dotnet src/EfficientNetLab.Cli/bin/Release/net10.0/linux-x64/effnet.dll)
runs=$(mktemp -d -t effnet-model-bench.XXXXXX)
common=(--model "$model" --batch-size "$batches" --threads "$threads" --repeats "$repeats" --json)
# ONNX Runtime exports the random-init checkpoint once, and auto's probe is cached per batch size: both before
# timing anything, so that every timed run of the default measures only the backend it picked.
"${effnet[@]}" bench --model "$model" --batch-size "$batches" --threads "$threads" --repeats 1 --warmup 0 > /dev/null

pytorch="/usr/bin/python3 tests/bench/pytorch_model.py --model $model --batch-size $batches --threads $threads --repeats $repeats"
declare -A cmd=(
  [effnet-default]="${effnet[*]} bench ${common[*]}"
  [libtorch]="${effnet[*]} bench ${common[*]} --backend libtorch"
  [onnxruntime]="${effnet[*]} bench ${common[*]} --backend onnxruntime"
  [pytorch]="$pytorch"
  [pytorch-channels-last]="$pytorch --channels-last"
  # Devices/TorchRuntime: mallopt(M_MMAP_MAX, 0) and mallopt(M_TRIM_THRESHOLD, int.MaxValue).
  [pytorch-channels-last-kit-malloc]="env MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=2147483647 $pytorch --channels-last"
)
order=(effnet-default libtorch onnxruntime pytorch pytorch-channels-last pytorch-channels-last-kit-malloc)
{
  echo "date: $(date -u +%FT%TZ)"
  echo "cpu: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "dotnet: $(dotnet --version); python: $(/usr/bin/python3 -c 'import torch, torchvision; print("torch", torch.__version__, "torchvision", torchvision.__version__)')"
} > "$runs/machine.txt"
cat "$runs/machine.txt" >&2

for ((r = 0; r < rounds; r++)); do
  for ((i = 0; i < ${#order[@]}; i++)); do
    name=${order[$(((i + r) % ${#order[@]}))]}
    echo "round $((r + 1))/$rounds: $name" >&2
    # shellcheck disable=SC2086 # the command line is meant to split into words
    /usr/bin/time -f %M -o "$runs/$name.$r.rss" ${cmd[$name]} > "$runs/$name.$r.json"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$runs/machine.txt"

/usr/bin/python3 - "$runs" "${order[@]}" <<'PY'
import glob, json, statistics, sys
runs, names = sys.argv[1], sys.argv[2:]
ips, rss = {}, {}
for name in names:
    rss[name] = statistics.median(int(open(f).read().split()[-1]) / 1024 for f in glob.glob(f"{runs}/{name}.*.rss"))
    for f in glob.glob(f"{runs}/{name}.*.json"):
        for r in json.load(open(f))["results"]:
            ips.setdefault((name, r["batch_size"]), []).append(r["images_per_s"])
print(open(f"{runs}/machine.txt").read().strip())
print()
print("| backend | batch | images/s (median of %d) | vs PyTorch channels_last | vs PyTorch channels_last, kit's malloc | peak RSS MiB |" % len(next(iter(ips.values()))))
print("|---|---|---|---|---|---|")
for batch in sorted({b for _, b in ips}):
    peer = statistics.median(ips[("pytorch-channels-last", batch)])
    tuned = statistics.median(ips[("pytorch-channels-last-kit-malloc", batch)])
    for name in names:
        v = statistics.median(ips[(name, batch)])
        print(f"| {name} | {batch} | {v:.1f} | {v / peer:.2f}× | {v / tuned:.2f}× | {rss[name]:.0f} |")
print(f"\nraw results: {runs}")
PY
