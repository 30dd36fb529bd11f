#!/usr/bin/env bash
# Builds batchode and runs the whole test suite: CTest, then the Python package's pytest suite
# (scripts/test-python.sh: the package built into the virtual environment build-py/venv).
#   bash scripts/test.sh            # default preset (build/)
#   bash scripts/test.sh ci         # warnings as errors (build-ci/)
#   bash scripts/test.sh asan       # AddressSanitizer + UBSan (build-asan/), CTest only
# The Python suite runs with the default and ci presets: it builds its own copy of the library
# (with -Werror under ci), never a sanitised one, which could not be loaded into Python.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-default}"
bash scripts/deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
ctest --preset "$preset" -j "$(nproc)"
if [ "$preset" != asan ]; then
    bash scripts/test-python.sh "$preset"
fi
