#!/usr/bin/env bash
# The README's test command: installs the package with its test extras (one
# release build of the extension), then runs the Rust tests (sharing that
# release build's artifacts) and the Python test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
"$PYTHON" -m pip install --quiet ".[test]"
# The test extras include the NVRTC wheel (CUDA 13): point the CUDA tests at
# its lib directory, and make a missing libnvrtc a failure, not a skip.
NVRTC_LIB="$("$PYTHON" -c 'import nvidia.cu13, os; print(os.path.join(list(nvidia.cu13.__path__)[0], "lib"))' 2>/dev/null || true)"
if [ -n "$NVRTC_LIB" ] && [ -e "$NVRTC_LIB/libnvrtc.so.13" ]; then
    export FERROTORCH_CUDA_LIB_PATH="$NVRTC_LIB${FERROTORCH_CUDA_LIB_PATH:+:$FERROTORCH_CUDA_LIB_PATH}"
    export FERROTORCH_REQUIRE_NVRTC=1
else
    echo "note: libnvrtc.so.13 not found; the NVRTC kernel test will be skipped" >&2
fi
cargo test --release --workspace --exclude ferrotorch-python
# tests/ has no __init__.py, so the installed package (not python/) is imported.
"$PYTHON" -m pytest tests -q -p no:cacheprovider
# Again with the host emulator of the CUDA backend standing in for a GPU
# (FERROTORCH_CUDA_EMULATOR, needs a C++ compiler): every `device`-
# parametrised test and tests/test_cuda_tensors.py then run their CUDA case,
# through the same kernels, allocator and dispatch a GPU uses.
FERROTORCH_CUDA_EMULATOR=1 "$PYTHON" -m pytest tests -q -p no:cacheprovider
