#!/usr/bin/env bash
# What the kit's oneDNN ISA cap (TorchRuntime.OneDnnIsaCap = AVX2) costs: `effnet bench` (libtorch, batch 32,
# random weights, contiguous: --channels-last is refused on the CPU) for B0 at 224² and V2-S at 384², with the cap
# and with ONEDNN_MAX_CPU_ISA=ALL, alternating which goes first, medians over rounds.
#   tests/bench/onednn-isa-cap.sh [--rounds 3] [--models "b0 v2_s"]
# Wrap it in `flock /tmp/effnet-bench.lock` on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=3
models="b0 v2_s"
while (($#)); do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    *) sed -n '2,6p' "$0" >&2; exit 2 ;;
  esac
done

dotnet build src/EfficientNetLab.Cli -c Release --nologo -v q >&2
effnet=(dotnet src/EfficientNetLab.Cli/bin/Release/net10.0/linux-x64/effnet.dll)
runs=$(mktemp -d -t effnet-isa-cap.XXXXXX)
echo "date: $(date -u +%FT%TZ); cpu: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -1), family $(lscpu | sed -n 's/^CPU family: *//p'); load before: $(cut -d' ' -f1-3 /proc/loadavg)" > "$runs/machine.txt"

for ((r = 0; r < rounds; r++)); do
  for model in $models; do
    # V2-S at 384² takes seconds per batch of 32 on two cores: fewer passes.
    passes=(--warmup 3 --repeats 10)
    [[ $model == b0 ]] || passes=(--warmup 1 --repeats 4)
    order="AVX2 ALL"
    ((r % 2)) && order="ALL AVX2"
    for isa in $order; do
      echo "round $((r + 1))/$rounds: $model $isa" >&2
      # AVX2 is the kit's own cap (no variable set); ALL lifts it.
      if [[ $isa == AVX2 ]]; then env -u ONEDNN_MAX_CPU_ISA "${effnet[@]}" bench --model "$model" --backend libtorch --batch-size 32 "${passes[@]}" --json
      else ONEDNN_MAX_CPU_ISA=ALL "${effnet[@]}" bench --model "$model" --backend libtorch --batch-size 32 "${passes[@]}" --json; fi > "$runs/$model.$isa.$r.json"
    done
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$runs/machine.txt"

/usr/bin/python3 - "$runs" "$models" <<'PY'
import glob, json, statistics, sys
runs, models = sys.argv[1], sys.argv[2].split()
print(open(f"{runs}/machine.txt").read().strip())
print()
print("| model | capped (AVX2) images/s | uncapped (ALL) images/s | cap costs |")
print("|---|---|---|---|")
for model in models:
    ips = {isa: statistics.median(json.load(open(f))["results"][0]["images_per_s"]
                                  for f in glob.glob(f"{runs}/{model}.{isa}.*.json")) for isa in ("AVX2", "ALL")}
    print(f"| {model} | {ips['AVX2']:.1f} | {ips['ALL']:.1f} | {1 - ips['AVX2'] / ips['ALL']:.0%} |")
print(f"\nraw results: {runs}")
PY
