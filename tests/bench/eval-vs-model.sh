#!/usr/bin/env bash
# End-to-end accuracy-run throughput (decode + preprocess + model, `effnet eval` with 2 decode workers) against
# model-only throughput (`effnet bench`, synthetic input; from its median pass and from its mean pass) at the same batch
# size, input size and weights, in one run:
#   A) the shipped Fashion-MNIST checkpoint on the 10,000 test PNGs (28×28, upscaled to its 56² preset; batch 128);
#   B) EfficientNet-B0 at 224² (torchvision's random init, seed 0, saved once; `--weights random` draws anew in each
#      process and about one run in three ran 4× slower here, so both sides load this file) on the photos of
#      tests/bench/make_images.py, 1,000 images (50 files linked 20 times into one ImageNet wnid folder), batch 32.
#   tests/bench/eval-vs-model.sh [--rounds 3]
# Data is written once under ${EFFNET_FIXTURES_DIR:-~/.cache/efficientnet-lab}. Medians over rounds; eval and bench
# alternate which goes first.
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=3
while (($#)); do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    *) sed -n '2,11p' "$0" >&2; exit 2 ;;
  esac
done

dotnet build src/EfficientNetLab.Cli -c Release --nologo -v q >&2
effnet=(dotnet src/EfficientNetLab.Cli/bin/Release/net10.0/linux-x64/effnet.dll)
cache="${EFFNET_FIXTURES_DIR:-$HOME/.cache/efficientnet-lab}"
runs=$(mktemp -d -t effnet-eval-bench.XXXXXX)

fm="$cache/fashion-mnist-png"
if [[ ! -d "$fm/test" ]]; then
  rm -rf "$fm.tmp"
  "${effnet[@]}" data fashion-mnist --out "$fm.tmp" --split test >&2
  mv "$fm.tmp" "$fm"
fi
photos="$cache/bench-images"
if [[ ! -d "$photos" ]]; then
  rm -rf "$photos.tmp"
  /usr/bin/python3 tests/bench/make_images.py --out "$photos.tmp"
  mv "$photos.tmp" "$photos"
fi
b0_random="$cache/efficientnet_b0_random_seed0.pth"
if [[ ! -f "$b0_random" ]]; then
  /usr/bin/python3 -c 'import sys, torch, torchvision; torch.manual_seed(0); torch.save(torchvision.models.efficientnet_b0().state_dict(), sys.argv[1])' "$b0_random.tmp"
  mv "$b0_random.tmp" "$b0_random"
fi
folder="$runs/photos/n01440764"
mkdir -p "$folder"
for copy in $(seq 20); do for f in "$photos"/*; do ln -s "$f" "$folder/$copy-$(basename "$f")"; done; done

sample=samples/fashion-mnist/efficientnet_b0_fashion_mnist.pth
declare -A eval_cmd=(
  [fashion-mnist]="${effnet[*]} eval --weights $sample --data $fm/test --batch-size 128 --workers 2 --json"
  [b0-224]="${effnet[*]} eval --model b0 --weights $b0_random --data $runs/photos --batch-size 32 --workers 2 --json"
)
declare -A bench_cmd=(
  [fashion-mnist]="${effnet[*]} bench --weights $sample --model b0 --batch-size 128 --repeats 20 --json"
  [b0-224]="${effnet[*]} bench --model b0 --weights $b0_random --batch-size 32 --repeats 10 --json"
)
echo "date: $(date -u +%FT%TZ); cpu: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -1); load before: $(cut -d' ' -f1-3 /proc/loadavg)" > "$runs/machine.txt"

for ((r = 0; r < rounds; r++)); do
  for set in fashion-mnist b0-224; do
    first=eval second=bench
    ((r % 2)) && first=bench second=eval
    for kind in $first $second; do
      echo "round $((r + 1))/$rounds: $set $kind" >&2
      # shellcheck disable=SC2086 # the command lines are meant to split into words
      if [[ $kind == eval ]]; then ${eval_cmd[$set]} > "$runs/$set.eval.$r.json"
      else ${bench_cmd[$set]} > "$runs/$set.bench.$r.json"; fi
    done
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$runs/machine.txt"

/usr/bin/python3 - "$runs" <<'PY'
import glob, json, statistics, sys
runs = sys.argv[1]
print(open(f"{runs}/machine.txt").read().strip())
print()
print("| data | batch | eval images/s | data-wait fraction | model-only images/s, median pass | eval / that | model-only images/s, mean pass | eval / that | eval peak memory MB |")
print("|---|---|---|---|---|---|---|---|---|")
for name in ("fashion-mnist", "b0-224"):
    evals = [json.load(open(f)) for f in sorted(glob.glob(f"{runs}/{name}.eval.*.json"))]
    benches = [json.load(open(f))["results"][0] for f in sorted(glob.glob(f"{runs}/{name}.bench.*.json"))]
    e = statistics.median(x["images_per_s"] for x in evals)
    b = statistics.median(x["images_per_s"] for x in benches)
    # Total time over passes, as timm's benchmark.py and the eval's own images/s count it.
    m = statistics.median(x["batch_size"] * 1000 / x["mean_batch_ms"] for x in benches)
    wait = statistics.median(x["data_wait_fraction"] for x in evals)
    peak = statistics.median(x["peak_memory_mb"] for x in evals)
    print(f"| {name} ({evals[0]['images']} images, {evals[0]['img_size']}²) | {benches[0]['batch_size']} | {e:.1f} | {wait:.3f} | {b:.1f} | {e / b:.2f} | {m:.1f} | {e / m:.2f} | {peak:.0f} |")
print(f"\nraw results: {runs}")
PY
