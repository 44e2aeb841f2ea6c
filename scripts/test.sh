#!/usr/bin/env bash
# The README's test command: installs the package with its test extras (one
# release build of the extension), then runs the Rust tests (sharing that
# release build's artifacts) and the Python test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
"$PYTHON" -m pip install --quiet ".[test]"
cargo test --release --workspace --exclude ferrotorch-python
# tests/ has no __init__.py, so the installed package (not python/) is imported.
"$PYTHON" -m pytest tests -q -p no:cacheprovider
