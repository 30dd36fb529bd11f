#!/usr/bin/env bash
# Regenerates docs/settings.md from the settings tables (src/settings/settings_tables.c), through the
# settings unit test's --write-doc mode. The unit test fails while the file is out of date.
#   bash scripts/gen-settings-doc.sh          # uses the default preset (build/)
#   bash scripts/gen-settings-doc.sh ci       # or another preset: ci (build-ci/), asan
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-default}"
case "$preset" in
default) dir=build ;;
*) dir="build-$preset" ;;
esac
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" --target test_unit_test_settings -j 2
"$dir/tests/test_unit_test_settings" --write-doc docs/settings.md
echo "wrote docs/settings.md"
