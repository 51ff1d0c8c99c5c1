#!/usr/bin/env bash
# Runs everything CI runs, suite by suite, and prints one closing line summing them: "N passed, N failed, N skipped".
#   ./test.sh          everything: unit + torchvision parity (xunit), the kernel extension (in-process and in a real
#                      Jupyter), every lesson notebook in a real Jupyter and as a file-based app (offline), the host
#                      lab, the container (podman), scale-out (Kubernetes manifests, local shards, a real one-node
#                      Slurm) and JupyterHub (root)
#   ./test.sh --fast   inner loop: Debug build, xunit without the per-variant parity sweeps, the lesson apps up to date
# Needs the .NET 10 SDK; installs the Debian packages it needs first (tools/install-test-packages.sh, with sudo when
# not root; --fast installs only the xunit suite's). The lab and container suites install podman & co. themselves.
set -uo pipefail
cd "$(dirname "$0")" || exit 1

fast=0
[[ "${1:-}" == "--fast" ]] && fast=1
config=Release
((fast)) && config=Debug

packages=(tools/install-test-packages.sh)
((fast)) && packages+=(--fast)
if ! "${packages[@]}"; then
  echo "test.sh: installing the Debian packages the tests need failed (tools/install-test-packages.sh)" >&2
  exit 2
fi

# Every suite's temporary files (fixtures, runs, fine-tuned models, Jupyter servers' scratch: over a gigabyte a run)
# go under one folder removed at the end, so that runs on one machine do not fill its disk. Sticky and open like
# /tmp: the hub and Slurm suites run processes as other users.
TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/effnet-test.XXXXXX") && chmod 1777 "$TMPDIR" && export TMPDIR || exit 1
trap 'rm -rf "$TMPDIR"' EXIT

results="$PWD/artifacts/test-results"
logs="$results/logs"
rm -rf "$results"
mkdir -p "$logs"
status=0

suite() {  # suite NAME COMMAND... : runs one suite, keeps its output, never stops the others
  local name=$1; shift
  echo "== $name"
  local start=$SECONDS
  "$@" 2>&1 | tee "$logs/$name.log"
  local rc=${PIPESTATUS[0]}
  echo "== $name: exit $rc in $((SECONDS - start)) s"
  ((rc == 0)) || status=1
}

if ! dotnet build EfficientNetLab.sln -c "$config" --nologo -v q; then
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

# shellcheck disable=SC2317 # called through suite
xunit() {  # xunit PROJECT TRX [FILTER]
  dotnet test "$1" -c "$config" --no-build --nologo ${3:+--filter "$3"} \
    --logger "trx;LogFileName=$2" --results-directory "$results"
}

if ((fast)); then
  suite unit xunit tests/EfficientNetLab.Tests unit.trx "Category!=Parity"
  suite apps-check tests/apps/run.sh --check-only
else
  dotnet tool restore >/dev/null
  suite pack docker/pack-feed.sh artifacts/feed
  suite unit xunit tests/EfficientNetLab.Tests unit.trx
  suite interactive xunit tests/EfficientNetLab.Interactive.Tests interactive.trx
  suite extension-notebook tests/notebooks/run-extension-notebook.sh --feed artifacts/feed
  suite notebooks tests/notebooks/run-notebooks.sh --feed artifacts/feed
  suite apps tests/apps/run.sh --feed artifacts/feed   # after notebooks: compares with the notebooks it executed
  suite handouts tests/browser/handouts.sh
  [[ -x tests/lab/run.sh ]] && suite lab tests/lab/run.sh
  [[ -x tests/container/run.sh ]] && suite container tests/container/run.sh
  suite scale tests/scale/run.sh
  suite hub tests/scale/hub.sh
fi

# One closing line: TRX counters for the xunit suites, plus each script suite's own "N passed, N failed" line.
/usr/bin/python3 - "$results" <<'PY'
import glob, re, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for f in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(f).getroot().find("t:ResultSummary/t:Counters", ns)
    passed += int(c.get("passed")); failed += int(c.get("failed")) + int(c.get("error"))
    skipped += int(c.get("notExecuted"))
for f in glob.glob(sys.argv[1] + "/logs/*.log"):
    if f.endswith(("/unit.log", "/interactive.log", "/pack.log")):
        continue
    lines = [m for m in re.findall(r"^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$", open(f).read(), re.M)]
    if lines:
        p, fl, s = lines[-1]
        passed += int(p); failed += int(fl); skipped += int(s or 0)
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit "$status"
