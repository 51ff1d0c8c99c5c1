#!/usr/bin/env bash
# The Debian packages the test suites need, in one list; ./test.sh calls this before it builds (CI through .ci/run).
#   tools/install-test-packages.sh          what ./test.sh needs
#   tools/install-test-packages.sh --fast   what ./test.sh --fast needs (the xunit suite)
# Installs only what is missing (as root, or through sudo), and reads the package lists (apt-get update) only when
# an install from the present ones fails; with nothing missing it returns at once. The lab and container suites
# install their own tools (podman & co.), as ./lab.sh does.
set -euo pipefail

# The xunit suite: torchvision parity fixtures and peers (/usr/bin/python3), ONNX checks, the sample photos,
# Fashion-MNIST, the fake NVML library the device tests compile, and the system TurboJPEG the JPEG tests compare.
fast=(python3-torchvision python3-numpy python3-pil python3-skimage python3-onnx dataset-fashion-mnist gcc libturbojpeg0)
# The rest of ./test.sh: notebooks in a real Jupyter, handouts and the lab in Debian's Chromium; the scale-out suites'
# one-node Slurm and manifest parser, and the hub suite's client (deploy/jupyterhub/hub.sh installs the hub itself).
full=("${fast[@]}" jupyter-notebook python3-nbclient python3-nbconvert python3-ipykernel chromium
      slurm-wlm munge python3-yaml python3-requests python3-tornado)

case "${1:-}" in
  "") want=("${full[@]}") ;;
  --fast) want=("${fast[@]}") ;;
  *) sed -n '3,4s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac

installed() { [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" == "ii " ]]; }

missing=()
for pkg in "${want[@]}"; do installed "$pkg" || missing+=("$pkg"); done
# The browser checks' playwright-core comes from npm. A Node.js from elsewhere brings its own npm, and Debian's
# npm package would conflict with it: only a machine without npm gets Debian's.
[[ "${1:-}" == --fast ]] || command -v npm >/dev/null || missing+=(nodejs npm)
((${#missing[@]})) || exit 0

sudo=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "install-test-packages: missing ${missing[*]}; run as root or install sudo" >&2; exit 1; }
  sudo=(sudo)
fi
echo "install-test-packages: installing ${missing[*]}" >&2
# Another apt run (unattended upgrades, a parallel build) may hold the dpkg lock for a while.
apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -qq)
"${apt[@]}" install "${missing[@]}" >/dev/null 2>&1 \
  || { "${apt[@]}" update && "${apt[@]}" install "${missing[@]}" >/dev/null; }
