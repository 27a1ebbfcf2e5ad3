#!/usr/bin/env bash
# One short call on a GPU machine: the array-code test suite on NumPy and CuPy, the iteration cost
# on GPU and CPU, and whole self-learning runs on real vectors on both devices.
# Usage (from anywhere): bash benchmarks/gpu_check.sh      results go to $OUT (default benchmarks/out/gpu);
# then `python benchmarks/tables.py benchmarks/results benchmarks/out/gpu --page` shows them beside the records
# GPU_ONLY=1 DEVICES=cuda bash benchmarks/gpu_check.sh    skips the CPU rows
#
# A machine with a package index: the GPU extras are installed with pip. An offline machine (no
# index): carry the packages its image lacks as wheels in .whl/ at the repo root, built for its
# Python (gensim, smart_open, rapidfuzz, scikit-learn, joblib, threadpoolctl; faiss-cpu optional, the
# CuPy path does not use it), and CuPy must be there already. Make them here with, e.g., `pip download
# --no-deps --only-binary=:all: --python-version 3.12 --platform manylinux_2_28_x86_64 -d .whl gensim
# smart_open rapidfuzz scikit-learn joblib threadpoolctl` (.whl/ is git-ignored; the device tool needs it
# named in `carry`). Real vectors for the last
# step: benchmarks/_cache/en-fr.npz, made here with
# `python benchmarks/selflearning_device.py --prepare --src en --tgt fr --out benchmarks/_cache/en-fr.npz`.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-benchmarks/out/gpu}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
if [ -d .whl ]; then
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    || { echo "installing the carried wheels failed"; exit 1; }
  # offramp itself without a build step: the layout setup.py's package_dir maps (src/offramp holds the
  # namespace's __init__, alignment/, bootstrap/ and cli/ are its subpackages)
  mkdir -p /tmp/site/offramp && cp src/offramp/*.py /tmp/site/offramp/ \
    && for layer in alignment bootstrap cli; do ln -sfn "$PWD/$layer" "/tmp/site/offramp/$layer"; done
  export PYTHONPATH=/tmp/site:$PWD
else
  $PY -m pip install -q "torch==2.13.0" 2>/dev/null || true
  $PY -m pip install -q -e ".[test]" cupy-cuda12x 2>&1 | tail -2
fi
$PY - <<'PY' | tee -a "$OUT/gpu.txt"
import sys, numpy
from offramp.alignment import cuda_available
print("python", sys.version.split()[0], "numpy", numpy.__version__)
try:
    import cupy
    print("cupy", cupy.__version__, "sees a GPU:", cuda_available())
except Exception as e:
    print("cupy does not import:", e)
PY
# every test marked gpu (the CuPy side of the xp fixture, the cpu-vs-cuda comparisons, the kernels),
# wherever the test files live under tests/
timeout 420 $PY -m pytest -q -p no:cacheprovider -m gpu tests/ 2>&1 | tail -40 | tee "$OUT/gpu_tests.txt"
# iteration cost at the benchmark size (20000 words, 300 dims) on the GPU (the CPU's is the last step)
timeout 120 $PY benchmarks/iteration_cost.py --n 20000 --dim 300 --device cuda --breakdown --json "$OUT/iteration-cuda.json"
# whole self-learning runs on real vectors (en-fr), same seeds and settings on both devices; the CPU
# runs at cutoff 20000 take minutes without faiss, so only the 5000-word cutoff runs on both
if [ -f benchmarks/_cache/en-fr.npz ]; then
  timeout 150 $PY benchmarks/selflearning_device.py --npz benchmarks/_cache/en-fr.npz --devices ${DEVICES:-cuda,cpu} \
    --configs dictionary-5k,identical-5k --json "$OUT/selflearning_5k.json"
  timeout 60 $PY benchmarks/selflearning_device.py --npz benchmarks/_cache/en-fr.npz --devices cuda \
    --configs dictionary-20k,identical-20k --json "$OUT/selflearning_20k.json"
fi
# a whole-vocabulary induce on the GPU, every kind of re-ranking, in searches
timeout 120 $PY benchmarks/induce_cost.py --n 50000 --device cuda --json "$OUT/induce_cost.50k.cuda.json"
# full-size path on the GPU at 200k words: align, evaluate and induce with CuPy, time and peak host memory
timeout 420 $PY benchmarks/scale.py --n 200000 --induce-src 20000 --device cuda \
  --steps align_dictionary,align_identical,evaluate,induce_mutual --json "$OUT/scale-cuda.json"
# GPU_ONLY=1 skips the CPU rows (minutes of device time for numbers that do not change with the GPU code)
[ -n "${GPU_ONLY:-}" ] || timeout 120 $PY benchmarks/iteration_cost.py --n 20000 --dim 300 --device cpu --repeat 1 --json "$OUT/iteration-cpu.gpu-host.json"
