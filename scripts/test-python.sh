#!/usr/bin/env bash
# The Python package's part of the test command (scripts/test.sh runs it): builds and installs
# python/ into a project-local virtual environment and runs its pytest suite (python/tests).
#   bash scripts/test-python.sh          # as scripts/test.sh default
#   bash scripts/test-python.sh ci       # the library compiled with warnings as errors
# The environment (build-py/venv) is made once with `python3 -m venv` and kept; its packages
# come from PyPI (python/tests/requirements.txt) and are installed again only when that file
# changes. The package is built by scikit-build-core in build-py/skbuild, kept between runs,
# so only what changed is recompiled. PYTHON names another interpreter (default python3).
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-default}"
venv=build-py/venv
req=python/tests/requirements.txt
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import sys" 2>/dev/null; then
    rm -rf "$venv"
    "${PYTHON:-python3}" -m venv "$venv"
fi
if ! cmp -s "$req" "$venv/requirements.installed"; then
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q -r "$req"
    cp "$req" "$venv/requirements.installed"
fi
defines=()
[ "$preset" = ci ] && defines=(-C cmake.define.BO_WERROR=ON)
# --no-build-isolation: build with the environment's scikit-build-core instead of fetching a
# fresh one per run; -C build-dir: keep the CMake build between runs.
"$venv/bin/python" -m pip install -q --no-build-isolation --no-deps --force-reinstall \
    -C build-dir="$PWD/build-py/skbuild" "${defines[@]}" ./python
# Run from outside the source tree so the installed package is the one imported.
cd python/tests
# -X faulthandler: a crash prints every thread's Python stack instead of only "exit 139".
../../"$venv"/bin/python -X faulthandler -m pytest -q -p no:cacheprovider .
