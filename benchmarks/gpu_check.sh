#!/usr/bin/env bash
# One short call on a GPU machine: install the GPU extras, run the test suite on CuPy, run the
# GPU iteration benchmark beside the CPU one. Usage (from the repo root): bash benchmarks/gpu_check.sh
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-benchmarks/out}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
python -m pip install -q "torch==2.13.0" 2>/dev/null || true
python -m pip install -q -e ".[test]" cupy-cuda12x 2>&1 | tail -2
python - <<'PY' | tee -a "$OUT/gpu.txt"
from alignment._backend import cuda_available
print("cupy sees a GPU:", cuda_available())
PY
# the whole alignment suite on both backends (the xp fixture adds cupy when a GPU is visible)
timeout 300 python -m pytest -q -m "gpu" tests/ 2>&1 | tail -15 | tee "$OUT/gpu_tests.txt"
timeout 300 python -m pytest -q tests/test_retrieval.py tests/test_selflearning.py tests/test_mapping.py \
  tests/test_preprocess.py tests/test_metrics.py tests/test_rerank.py 2>&1 | tail -5 | tee -a "$OUT/gpu_tests.txt"
# iteration cost at the issue's size, GPU then CPU, same process settings
timeout 200 python benchmarks/iteration_cost.py --n 20000 --dim 300 --device cuda --json "$OUT/iter_gpu.json"
timeout 200 python benchmarks/iteration_cost.py --n 20000 --dim 300 --device cpu --repeat 1 --json "$OUT/iter_cpu.json"
