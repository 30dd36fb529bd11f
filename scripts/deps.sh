#!/usr/bin/env bash
# Installs the Debian packages the build and tests need, only those that are missing.
# Needs root (or sudo) only when something is missing.
set -euo pipefail
#   bash scripts/deps.sh          # what the build and the test suite need
#   bash scripts/deps.sh fuzz     # the same (clang and its sanitizer and libFuzzer runtimes,
#                                 # which scripts/fuzz.sh needs, are part of the base set)
need=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
# pkg-config and man-db (with groff) for the install tests: the installed batchode.pc is used,
# the man page rendered. clang with its runtimes (libclang-rt-dev) builds the model front end
# under clang's UBSan in a unit test, and the fuzz targets. python3-venv for the Python
# package's tests (scripts/test-python.sh makes a virtual environment; its packages come from
# PyPI). The build itself needs none of these. libxml2-dev gives the library CellML import
# (optional: without it the library builds and refuses .cellml input), which the tests cover.
pkgs=(build-essential cmake libgsl-dev libsundials-dev python3-numpy pkg-config man-db clang
    libclang-rt-dev python3-venv libxml2-dev)
for extra in "$@"; do
    case "$extra" in
    fuzz) ;;
    *) echo "scripts/deps.sh: unknown group '$extra'" >&2; exit 2 ;;
    esac
done
for pkg in "${pkgs[@]}"; do
    have "$pkg" || need+=("$pkg")
done
if ((${#need[@]})); then
    echo "scripts/deps.sh: installing ${need[*]}" >&2
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
