#!/usr/bin/env bash
# Regenerates the golden outputs of the model emitter (tests/golden/*.expected) from the
# current code. Review the resulting diff before committing it: every change in it is a
# change in the code batchode generates.
#   bash scripts/regen-golden.sh [preset]     # preset defaults to "default"
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-default}"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j 2 --target test_golden_test_emit_golden
case "$preset" in
default) dir=build ;;
*) dir="build-$preset" ;; # the binaryDir of every other preset in CMakePresets.json
esac
"$dir/tests/test_golden_test_emit_golden" --regen "$PWD/tests/golden"
git --no-pager diff --stat -- tests/golden || true
