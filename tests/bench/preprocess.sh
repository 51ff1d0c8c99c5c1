#!/usr/bin/env bash
# Preprocessing throughput of the kit (`effnet bench --preprocess`) against PIL + torchvision
# (tests/bench/pil_preprocess.py) on the same files, in one run.
#   tests/bench/preprocess.sh [--data DIR] [--model b0] [--limit N] [--passes 3] [--rounds 5] [--workers "1 2"]
# Without --data it uses the photo set of tests/bench/make_images.py, written once to
# ${EFFNET_FIXTURES_DIR:-~/.cache/efficientnet-lab}/bench-images. The two sides alternate run by run (and which
# goes first alternates by round), so that load from other users of the machine hits both alike; the summary
# gives medians over the rounds of images/s (wall clock) and of CPU ms per image, and the ratios ours / PIL per
# worker count. Raw results stay in the folder it names.
set -euo pipefail
cd "$(dirname "$0")/../.."

data="" model=b0 limit=0 passes=3 rounds=5 workers="1 $(nproc)"
while (($#)); do
  case "$1" in
    --data) data=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --limit) limit=$2; shift 2 ;;
    --passes) passes=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    *) sed -n '2,8p' "$0" >&2; exit 2 ;;
  esac
done

if [[ -z "$data" ]]; then
  data="${EFFNET_FIXTURES_DIR:-$HOME/.cache/efficientnet-lab}/bench-images"
  if [[ ! -d "$data" ]]; then
    rm -rf "$data.tmp"
    /usr/bin/python3 tests/bench/make_images.py --out "$data.tmp"
    mv "$data.tmp" "$data"
  fi
fi

dotnet build src/EfficientNetLab.Cli -c Release --nologo -v q >&2
effnet=(dotnet src/EfficientNetLab.Cli/bin/Release/net10.0/linux-x64/effnet.dll)
runs=$(mktemp -d -t effnet-preprocess-bench.XXXXXX)

# The PIL side gets the preset ours resolved for --model.
"${effnet[@]}" bench --preprocess --model "$model" --data "$data" --limit 1 --passes 1 --json > "$runs/preset.json"
read -r -a pil_preset < <(/usr/bin/python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))["preset"]
print("--crop-size", p["crop_size"], "--resize-size", p["resize_size"], "--interpolation", p["interpolation"],
      "--mean", *p["mean"], "--std", *p["std"])' "$runs/preset.json")

ours() { "${effnet[@]}" bench --preprocess --model "$model" --data "$data" --limit "$limit" --passes "$passes" --workers "$1" --json; }
pil() { /usr/bin/python3 tests/bench/pil_preprocess.py --data "$data" --limit "$limit" --passes "$passes" --workers "$1" "${pil_preset[@]}"; }

echo "$(date -u +%FT%TZ)  $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -1)  load $(cut -d' ' -f1-3 /proc/loadavg)" > "$runs/machine.txt"
for ((r = 1; r <= rounds; r++)); do
  for w in $workers; do
    if ((r % 2)); then
      ours "$w" > "$runs/ours-w$w-r$r.json"; pil "$w" > "$runs/pil-w$w-r$r.json"
    else
      pil "$w" > "$runs/pil-w$w-r$r.json"; ours "$w" > "$runs/ours-w$w-r$r.json"
    fi
    echo "round $r/$rounds, $w worker(s) done" >&2
  done
done
echo "load at the end $(cut -d' ' -f1-3 /proc/loadavg)" >> "$runs/machine.txt"

# shellcheck disable=SC2086 # one argument per worker count
/usr/bin/python3 - "$runs" "$data" "$model" $workers <<'PY'
import glob, json, os, statistics, sys

runs, data, model, workers = sys.argv[1], sys.argv[2], sys.argv[3], [int(w) for w in sys.argv[4:]]

def load(side, w):
    return [json.load(open(f)) for f in sorted(glob.glob(f"{runs}/{side}-w{w}-r*.json"))]

def median(rows, *keys):
    values = []
    for row in rows:
        for k in keys:
            row = row[k]
        values.append(row)
    return statistics.median(values)

first = load("ours", workers[0])[0]
print(open(f"{runs}/machine.txt").read().rstrip())
print(f"data: {data} ({first['files']} files x {first['passes']} passes), model {model}: "
      f"resize {first['preset']['resize_size']} ({first['preset']['interpolation']}), crop {first['preset']['crop_size']}")
print(f"ours: decoder {first['decoder']} (jpeg: {first['jpeg_backend']}), resampler {first['resampler']}; "
      f"medians of {len(load('ours', workers[0]))} interleaved rounds\n")
print(f"{'workers':>7}  {'ours img/s':>10}  {'PIL img/s':>9}  {'ratio':>5}  {'ours CPU ms/img':>15}  "
      f"{'PIL CPU ms/img':>14}  {'ratio':>5}  {'ours ms/img decode+resize+normalize':>35}  {'PIL ms/img decode+transform':>27}")
per = {}
for w in workers:
    o, p = load("ours", w), load("pil", w)
    ours_ips, pil_ips = median(o, "images_per_s"), median(p, "images_per_s")
    per[w] = (ours_ips, pil_ips)
    stages = "+".join(f"{median(o, 'ms_per_image', s):.2f}" for s in ("decode", "resize", "normalize"))
    pil_stages = "+".join(f"{median(p, 'ms_per_image', s):.2f}" for s in ("decode", "transform"))
    ours_cpu, pil_cpu = median(o, "cpu_ms_per_image"), median(p, "cpu_ms_per_image")
    print(f"{w:>7}  {ours_ips:>10.1f}  {pil_ips:>9.1f}  {ours_ips / pil_ips:>4.2f}x  {ours_cpu:>15.2f}  "
          f"{pil_cpu:>14.2f}  {pil_cpu / ours_cpu:>4.2f}x  {stages:>35}  {pil_stages:>27}")
if len(workers) > 1:
    lo, hi = workers[0], workers[-1]
    print(f"\nscaling {lo} -> {hi} workers: ours {per[hi][0] / per[lo][0]:.2f}x, PIL {per[hi][1] / per[lo][1]:.2f}x")
print(f"raw results: {runs}")
PY
