#!/usr/bin/env bash
# Builds batchode and runs the whole test suite.
#   bash scripts/test.sh            # default preset (build/)
#   bash scripts/test.sh ci         # warnings as errors (build-ci/)
#   bash scripts/test.sh asan       # AddressSanitizer + UBSan (build-asan/)
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-default}"
bash scripts/deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
ctest --preset "$preset" -j "$(nproc)"
