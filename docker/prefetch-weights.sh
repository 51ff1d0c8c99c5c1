#!/usr/bin/env bash
# Downloads torchvision checkpoints into the torch-hub cache with effnet, which checks each file's hash before
# keeping it. Used by the image build (PREFETCH_WEIGHTS).
#   prefetch-weights.sh "b0 b3,v2_s"   (empty: nothing)
set -euo pipefail
for model in ${1//,/ }; do
  effnet weights download "$model"
done
