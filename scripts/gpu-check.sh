#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: build, run the GPU tests, a memcheck of a representative
# solve, and CPU/GPU agreement through the CLI. Logs go to $OUT when it is set, else to a
# logs folder in this run's private work directory (printed at the end). Results and the
# compile cache live in that work directory too (mktemp -d: fresh, mode 0700), never at fixed
# names in the shared temporary directory, which another user could create first.
set -uo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/batchode-gpu-check.XXXXXX") || exit 1
out="${OUT:-$work/logs}"
mkdir -p "$out"
# Results can be large (the 2^24 sweep); the logs stay.
trap 'rm -rf "$work/cache" "$work/g1" "$work/c2" "$work/g2" "$work/g3" "$work/g24"; echo "logs in $out"' EXIT
nvidia-smi -L
rm -rf build  # copied sources may carry older times than a previous build
cmake --preset default -DBO_BUILD_BENCH=OFF -DBO_REQUIRE_GSL=OFF >/dev/null
cmake --build --preset default -j "$(nproc)" > "$out/build.log" 2>&1 || { tail -30 "$out/build.log"; exit 1; }
export BATCHODE_CACHE_DIR="$work/cache"
ctest --preset default -L 'gpu|nvrtc' -j 4 --output-on-failure > "$out/ctest-gpu.log" 2>&1
grep -E "tests passed|Failed|FAILED|passed,|SKIP" "$out/ctest-gpu.log" | tail -20
b=./build/batchode
$b solve examples/lorenz.ode --backend cuda --param rho=0:21:1048576 --info -o "$work/g1" 2>&1 | tail -25
$b solve examples/lorenz.ode --backend cpu --param rho=0:21:4096 --save-every 0.25 -o "$work/c2" -q
$b solve examples/lorenz.ode --backend cuda --param rho=0:21:4096 --save-every 0.25 -o "$work/g2" -q
python3 - "$work/c2/final.csv" "$work/g2/final.csv" <<'PY'
import csv, sys
def load(p):
    with open(p) as f:
        r = list(csv.reader(f))
    return r[0], [[float(x) for x in row] for row in r[1:]]
hc, c = load(sys.argv[1]); hg, g = load(sys.argv[2])
assert hc == hg
worst = max(abs(a - b) / (abs(a) + 1e-300) for rc, rg in zip(c, g) for a, b in zip(rc, rg) if a == a)
print("cpu vs gpu final.csv (4096 runs, tsit5 default tol): max rel diff %.3e" % worst)
PY
if command -v compute-sanitizer >/dev/null; then
    compute-sanitizer --tool memcheck --error-exitcode 9 $b solve examples/lorenz.ode \
        --backend cuda --param rho=0:21:2048 --save-every 0.25 -o "$work/g3" -q > "$out/memcheck.log" 2>&1
    echo "memcheck exit $?"; tail -4 "$out/memcheck.log"
fi
# The Python package on the GPU, when the interpreter has what building it needs (pip
# install --no-build-isolation uses the environment's scikit-build-core, so nothing is
# fetched): its GPU tests, and the CUDA case of the behaviour tests.
if python3 -c "import numpy, scipy, pytest, scikit_build_core" 2>/dev/null; then
    if python3 -m pip install -q --no-build-isolation --no-deps --target "$work/site" \
        -C build-dir="$work/skbuild" ./python > "$out/python-build.log" 2>&1; then
        (cd python/tests && PYTHONPATH="$work/site" python3 -m pytest -q -p no:cacheprovider \
            test_gpu.py test_behaviour.py -k "gpu or cuda" 2>&1 | tail -15)
        echo "python gpu tests exit $?"
    else
        echo "python package build failed"; tail -20 "$out/python-build.log"
    fi
else
    echo "python: numpy, scipy, pytest or scikit-build-core missing; Python GPU tests not run"
fi
# A 2^24-run sweep with only summaries requested (no time series): must fit and run.
/usr/bin/time -f "2^24 summaries-only sweep: %e s wall, %M KB max resident" \
    $b solve examples/lorenz.ode --backend cuda --param rho=0:28:16777216 --outputs mean,max,std \
    --summarise-every 0.5 --sample-every 0.01 -o "$work/g24" --format npy -q 2>&1 | tail -3
echo "2^24 summaries exit ${PIPESTATUS[0]}"; ls -la "$work/g24" | head
python3 -c "
import sys, numpy as np
s = np.load(sys.argv[1]); print('summaries.npy', s.shape, 'nan runs', int(np.isnan(s).any(axis=(0,1)).sum()))
" "$work/g24/summaries.npy" 2>&1 | tail -2
