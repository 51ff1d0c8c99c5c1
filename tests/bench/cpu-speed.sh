#!/usr/bin/env bash
# Issue #15's numbers in one run on one quiet machine, in the order docs/benchmarks.md records them:
#   1. the kit's ONNX Runtime backend against plain ONNX Runtime on the same file (ort-side-by-side.sh);
#   2. `effnet bench` with default options against Debian's PyTorch, channels_last with tuned malloc (models.sh);
#   3. `effnet eval` with default options against the two-core bound 2/(2/M + c) (eval-vs-model.sh);
#   4. what the oneDNN AVX2 cap costs (onednn-isa-cap.sh).
#   tests/bench/cpu-speed.sh [--rounds 3] [--out FILE]   (default FILE: artifacts/bench/cpu-speed-<date>.md)
# Starts from an empty --backend auto probe cache (~/.cache/effnet/backend-probe.json is moved aside and put
# back), so the default's choice is made here, on this quiet machine. Run nothing else meanwhile: the parts time
# themselves (ort-side-by-side.sh takes /tmp/effnet-bench.lock per run, so this script does not hold it).
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=3 out=''
while (($#)); do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) sed -n '7p' "$0" >&2; exit 2 ;;
  esac
done
out=${out:-artifacts/bench/cpu-speed-$(date -u +%Y%m%dT%H%M%SZ).md}
mkdir -p "$(dirname "$out")"

cache=${XDG_CACHE_HOME:-$HOME/.cache}/effnet/backend-probe.json
if [[ -e $cache ]]; then
  mv "$cache" "$cache.before-cpu-speed"
  trap 'mv "$cache.before-cpu-speed" "$cache"' EXIT
fi

part() {  # part TITLE COMMAND...: runs one script, its table into $out
  printf '## %s\n```\n$ %s\n' "$1" "${*:2}" >> "$out"
  "${@:2}" | tee -a "$out"
  echo '```' >> "$out"
}
{
  echo "# cpu-speed.sh, $(date -u +%FT%TZ)"
  echo "$(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -1); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out"
part "Kit's ONNX Runtime backend vs plain ONNX Runtime" tests/bench/ort-side-by-side.sh --rounds "$rounds"
part "effnet bench (default options) vs PyTorch" tests/bench/models.sh --batch-size 1,32 --rounds "$rounds"
part "effnet eval (default options) vs the two-core bound" tests/bench/eval-vs-model.sh --rounds "$rounds" --backends auto --sets b0-224
part "The oneDNN AVX2 cap" tests/bench/onednn-isa-cap.sh --rounds "$rounds"
echo "written to $out" >&2
