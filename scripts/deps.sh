#!/usr/bin/env bash
# Installs the Debian packages the build and tests need, only those that are missing.
# Needs root (or sudo) only when something is missing.
set -euo pipefail
need=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for pkg in build-essential cmake libgsl-dev libsundials-dev python3-numpy; do
    have "$pkg" || need+=("$pkg")
done
if ((${#need[@]})); then
    echo "scripts/deps.sh: installing ${need[*]}" >&2
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
