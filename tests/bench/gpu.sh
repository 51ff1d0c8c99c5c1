#!/usr/bin/env bash
# The GPU measurements docs/benchmarks.md names, prepared for a CUDA host (the GPU image, or a checkout with
# TorchBackend=cuda): what the driver and TorchSharp see, then model throughput per variant over a batch sweep in
# fp32, fp32 channels_last and fp16 channels_last, and, given --data, one end-to-end accuracy run per variant
# against its model-only number. Writes JSON per run and a summary table to OUT.
#   tests/bench/gpu.sh [--out DIR] [--models "b0 v2_s"] [--batch-size 1,8,32,64,128] [--data IMAGEFOLDER]
set -euo pipefail
cd "$(dirname "$0")/../.."

out=artifacts/gpu-bench models="b0 v2_s" batches=1,8,32,64,128 data=""
while (($#)); do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    --batch-size) batches=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    *) sed -n '2,7p' "$0" >&2; exit 2 ;;
  esac
done

if command -v effnet >/dev/null; then
  effnet=(effnet)
else
  dotnet build src/EfficientNetLab.Cli -c Release -p:TorchBackend=cuda --nologo -v q >&2
  effnet=(dotnet src/EfficientNetLab.Cli/bin/Release/net10.0/linux-x64/effnet.dll)
fi
mkdir -p "$out"
"${effnet[@]}" devices --json > "$out/devices.json"
/usr/bin/python3 - "$out/devices.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
t = d["torch"]
print("GPUs:", [g["name"] for g in d["gpus"]], "driver", d["nvml"]["driver_version"], "| TorchSharp CUDA:", t["cuda_available"])
if not t["cuda_available"]:
    for c in t["cuda_diagnosis"]:
        print(("ok  " if c["passed"] else "FAIL"), c["check"], "-", c["detail"])
    sys.exit("TorchSharp has no CUDA here: nothing to measure (see the diagnosis above).")
PY

for model in $models; do
  for mode in fp32 channels-last half; do
    flags=(--device cuda --warmup 10 --repeats 50)
    [[ $mode == channels-last ]] && flags+=(--channels-last)
    [[ $mode == half ]] && flags+=(--half --channels-last)
    echo "bench $model $mode" >&2
    "${effnet[@]}" bench --model "$model" --batch-size "$batches" "${flags[@]}" --json > "$out/bench-$model-$mode.json"
  done
  if [[ -n "$data" ]]; then
    echo "eval $model" >&2
    "${effnet[@]}" eval --model "$model" --weights imagenet1k_v1 --data "$data" --batch-size 64 --device cuda --half \
      --channels-last --out "$out/eval-$model" --overwrite --json > "$out/eval-$model.json"
  fi
done

/usr/bin/python3 - "$out" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
print("| model | mode | batch | images/s | median ms |")
print("|---|---|---|---|---|")
for f in sorted(glob.glob(f"{out}/bench-*.json")):
    mode = os.path.basename(f)[len("bench-"):-len(".json")].split("-", 1)[1]
    for r in json.load(open(f))["results"]:
        print(f"| {r['model']} | {mode} | {r['batch_size']} | {r['images_per_s']:.0f} | {r['median_batch_ms']:.2f} |")
for f in sorted(glob.glob(f"{out}/eval-*.json")):
    e = json.load(open(f))
    gpu_mib = e.get("monitor", {}).get("metrics", {}).get("gpu0_memory_used_mib", {}).get("peak")
    print(f"\neval {e['model']}: top-1 {e['top1']:.2f}, {e['images_per_s']:.0f} img/s end to end, data wait {e['data_wait_fraction']:.2f}, "
          f"GPU 0 peak memory {gpu_mib} MiB")
PY
