#!/usr/bin/env bash
# End-to-end accuracy-run throughput (`effnet eval` with default workers) against what the cores allow: model-only
# throughput M (`effnet bench`, synthetic input, same backend, batch size, input size and weights; images/s over
# the mean pass, as the eval counts) and decode + preprocess CPU time c per image (`effnet bench --preprocess`, one
# worker, CPU seconds). On P cores the best overlap of the two is P / (P/M + c) images/s: the model uses all P
# cores while it runs and decoding fills every other moment. Data sets:
#   b0-224: EfficientNet-B0 at 224² (torchvision's random init, seed 0, saved once; `--weights random` draws anew in
#     each process and about one run in three ran 4× slower here, so all sides load this file) on the photos of
#     tests/bench/make_images.py, 1,000 images (50 files linked 20 times into one ImageNet wnid folder), batch 32;
#   fashion-mnist: the shipped Fashion-MNIST checkpoint on the 10,000 test PNGs (28×28, upscaled to 56²), batch 128.
#   tests/bench/eval-vs-model.sh [--rounds 3] [--backends "libtorch onnxruntime"] [--sets "b0-224"] [--eval-env "NAME=V …"]
# --eval-env sets variables for the eval runs only, for A/B runs of a knob. Data is written once under
# ${EFFNET_FIXTURES_DIR:-~/.cache/efficientnet-lab}. Medians over rounds; eval and bench alternate which goes first.
# Wrap it in `flock /tmp/effnet-bench.lock` on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=3 backends="libtorch onnxruntime" sets="b0-224" eval_env=""
while (($#)); do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --backends) backends=$2; shift 2 ;;
    --sets) sets=$2; shift 2 ;;
    --eval-env) eval_env=$2; shift 2 ;;
    *) sed -n '2,15p' "$0" >&2; exit 2 ;;
  esac
done

dotnet build src/EfficientNetLab.Cli -c Release --nologo -v q >&2
effnet=(dotnet src/EfficientNetLab.Cli/bin/Release/net10.0/linux-x64/effnet.dll)
cache="${EFFNET_FIXTURES_DIR:-$HOME/.cache/efficientnet-lab}"
runs=$(mktemp -d -t effnet-eval-bench.XXXXXX)

fm="$cache/fashion-mnist-png"
if [[ " $sets " == *" fashion-mnist "* && ! -d "$fm/test" ]]; then
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
declare -A eval_args=(
  [fashion-mnist]="--weights $sample --data $fm/test --batch-size 128"
  [b0-224]="--model b0 --weights $b0_random --data $runs/photos --batch-size 32"
)
declare -A bench_args=(
  [fashion-mnist]="--weights $sample --model b0 --batch-size 128 --repeats 20"
  [b0-224]="--model b0 --weights $b0_random --batch-size 32 --repeats 10"
)
declare -A preprocess_args=(
  [fashion-mnist]="--weights $sample --model b0 --data $fm/test --limit 1000"
  [b0-224]="--model b0 --data $runs/photos --limit 200"
)
echo "date: $(date -u +%FT%TZ); cpu: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -1); load before: $(cut -d' ' -f1-3 /proc/loadavg); eval env: ${eval_env:-none}" > "$runs/machine.txt"

for ((r = 0; r < rounds; r++)); do
  for set in $sets; do
    # shellcheck disable=SC2086 # the argument lists are meant to split into words
    "${effnet[@]}" bench --preprocess ${preprocess_args[$set]} --workers 1 --passes 1 --json > "$runs/$set.preprocess.$r.json"
    for backend in $backends; do
      first=eval second=bench
      ((r % 2)) && first=bench second=eval
      for kind in $first $second; do
        echo "round $((r + 1))/$rounds: $set $backend $kind" >&2
        # shellcheck disable=SC2086
        if [[ $kind == eval ]]; then env $eval_env "${effnet[@]}" eval ${eval_args[$set]} --backend "$backend" --json > "$runs/$set.$backend.eval.$r.json"
        else "${effnet[@]}" bench ${bench_args[$set]} --backend "$backend" --json > "$runs/$set.$backend.bench.$r.json"; fi
      done
    done
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$runs/machine.txt"

/usr/bin/python3 - "$runs" "$sets" "$backends" "$(nproc)" <<'PY'
import glob, json, statistics, sys
runs, sets, backends, cores = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), int(sys.argv[4])
print(open(f"{runs}/machine.txt").read().strip())
print()
print(f"| data | backend (eval used / bench used) | batch | M model-only images/s | c decode CPU ms/image | bound {cores}/({cores}/M + c) | eval images/s | eval / bound | data-wait fraction |")
print("|---|---|---|---|---|---|---|---|---|")
for name in sets:
    c = statistics.median(x["cpu_ms_per_image"] for x in (json.load(open(f)) for f in glob.glob(f"{runs}/{name}.preprocess.*.json"))) / 1000
    for backend in backends:
        evals = [json.load(open(f)) for f in sorted(glob.glob(f"{runs}/{name}.{backend}.eval.*.json"))]
        benches = [json.load(open(f))["results"][0] for f in sorted(glob.glob(f"{runs}/{name}.{backend}.bench.*.json"))]
        e = statistics.median(x["images_per_s"] for x in evals)
        # Total time over passes, as timm's benchmark.py and the eval's own images/s count it.
        m = statistics.median(x["batch_size"] * 1000 / x["mean_batch_ms"] for x in benches)
        bound = cores / (cores / m + c)
        wait = statistics.median(x["data_wait_fraction"] for x in evals)
        used = "/".join(sorted({x["backend"] for x in evals})) + " / " + "/".join(sorted({x["backend"] for x in benches}))
        print(f"| {name} ({evals[0]['images']} images, {evals[0]['img_size']}²) | {backend} ({used}) | {benches[0]['batch_size']} | {m:.1f} | {c * 1000:.2f} | {bound:.1f} | {e:.1f} | {e / bound:.2f} | {wait:.3f} |")
print(f"\nraw results: {runs}")
PY
