#!/usr/bin/env bash
# The kit's ONNX Runtime backend against plain ONNX Runtime on the same file, threads and batch sizes (issue #15):
# B0 is exported once (`effnet export-onnx --dynamic-batch`, torchvision's random init), then each round runs
#   A) tests/bench/ort-harness.cs: a process holding nothing but ONNX Runtime (ORT_ENABLE_ALL, N intra-op threads);
#   B) `effnet bench --onnx FILE --threads N`: the kit's backend, in a process that also hosts libtorch;
# alternating which goes first, each under `flock /tmp/effnet-bench.lock`. Prints images/s per round (median pass
# of --repeats), then per side the median and the best round (on a machine others load, the best round is the
# one least disturbed) and kit / harness of each.
#   tests/bench/ort-side-by-side.sh [--rounds 3] [--threads 2] [--batch-size 1,32] [--repeats 10]
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=3 threads=2 batches=1,32 repeats=10
while (($#)); do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --batch-size) batches=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    *) sed -n '9p' "$0" >&2; exit 2 ;;
  esac
done

dotnet build src/EfficientNetLab.Cli -c Release --nologo -v q >&2
dotnet build tests/bench/ort-harness.cs -c Release --nologo -v q >&2
effnet=(dotnet src/EfficientNetLab.Cli/bin/Release/net10.0/linux-x64/effnet.dll)
harness=(dotnet run --no-build -c Release --file tests/bench/ort-harness.cs --)
out=$(mktemp -d -t effnet-ort-side-by-side.XXXXXX)
model="$out/b0.onnx"
"${effnet[@]}" export-onnx --model b0 --weights random --dynamic-batch --output "$model" >&2
echo "date: $(date -u +%FT%TZ); cpu: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -1); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "B0 224², $threads intra-op threads, batch sizes $batches, median of $repeats passes after 3 warm-up, $rounds rounds"

run_harness() {
  flock /tmp/effnet-bench.lock "${harness[@]}" "$model" "$threads" "$batches" "$repeats" 3 |
    awk -v r="$1" '{ print "harness", r, $2, $4 }'
}
run_kit() {
  flock /tmp/effnet-bench.lock "${effnet[@]}" bench --model b0 --onnx "$model" --threads "$threads" --batch-size "$batches" \
    --repeats "$repeats" --warmup 3 --json 2>"$out/kit-$1.err" |
    /usr/bin/python3 -c 'import json, sys
for r in json.load(sys.stdin)["results"]: print("kit", sys.argv[1], r["batch_size"], r["images_per_s"])' "$1"
}
for ((r = 1; r <= rounds; r++)); do
  if ((r % 2)); then run_harness "$r"; run_kit "$r"; else run_kit "$r"; run_harness "$r"; fi
done | tee "$out/rounds.txt"
/usr/bin/python3 - "$out/rounds.txt" <<'PY'
import collections, statistics, sys
rates = collections.defaultdict(list)
for line in open(sys.argv[1]):
    who, _, batch, rate = line.split()
    rates[(who, int(batch))].append(float(rate))
print(f"{'batch':>5} {'rounds':>6} {'harness img/s':>14} {'kit img/s':>10} {'kit/harness':>11}")
for batch in sorted({b for _, b in rates}):
    for name, pick in (("median", statistics.median), ("best", max)):
        h, k = pick(rates[("harness", batch)]), pick(rates[("kit", batch)])
        print(f"{batch:>5} {name:>6} {h:>14.1f} {k:>10.1f} {k / h:>11.2f}")
PY
echo "raw: $out"
