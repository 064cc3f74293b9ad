#!/usr/bin/env bash
# XGBoost GPU vs CPU on one machine with an NVIDIA GPU, in its own environment: the project pins
# xgboost-cpu, which can never see CUDA. One command, from the repository root:
#
#     bench/tuning/gpu.sh [--rows N] [--results DIR]
#
# makes .slipway/bench/gpu-venv with the CUDA build of xgboost (the `xgboost` wheel: ~240 MB plus
# ~470 MB nvidia-nccl-cu12), generates 10,000,000 x 28 rows, trains 200 rounds of depth 6 on the
# CPU and then with device="cuda", and writes bench/results/gpu.md and gpu.json. It exits 1 (and
# says why in gpu.md) when no GPU or no CUDA build was found. CPU CI never runs it.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-python3}
VENV=.slipway/bench/gpu-venv
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || {
  echo "no NVIDIA GPU here (nvidia-smi failed); this benchmark needs one" >&2; }
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "xgboost>=3.0,<4" "numpy>=1.26"
fi
"$VENV/bin/python" -c 'import xgboost, sys; info = xgboost.build_info(); print("xgboost", xgboost.__version__, "CUDA:", info.get("USE_CUDA"), info.get("CUDA_VERSION", ""))'
exec "$VENV/bin/python" -m bench.tuning.gpu "$@"
