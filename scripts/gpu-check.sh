#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: build, run the GPU tests, a memcheck of a representative
# solve, and CPU/GPU agreement through the CLI. Logs go to $OUT when it is set.
set -uo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-/tmp/batchode-gpu}"
mkdir -p "$out"
nvidia-smi -L
rm -rf build  # copied sources may carry older times than a previous build
cmake --preset default -DBO_BUILD_BENCH=OFF -DBO_REQUIRE_GSL=OFF >/dev/null
cmake --build --preset default -j "$(nproc)" > "$out/build.log" 2>&1 || { tail -30 "$out/build.log"; exit 1; }
export BATCHODE_CACHE_DIR=/tmp/bocache
ctest --preset default -L 'gpu|nvrtc' -j 4 --output-on-failure > "$out/ctest-gpu.log" 2>&1
grep -E "tests passed|Failed|FAILED|passed,|SKIP" "$out/ctest-gpu.log" | tail -20
b=./build/batchode
$b solve examples/lorenz.ode --backend cuda --param rho=0:21:1048576 --info -o /tmp/g1 2>&1 | tail -25
$b solve examples/lorenz.ode --backend cpu --param rho=0:21:4096 --save-every 0.25 -o /tmp/c2 -q
$b solve examples/lorenz.ode --backend cuda --param rho=0:21:4096 --save-every 0.25 -o /tmp/g2 -q
python3 - <<'PY'
import csv
def load(p):
    with open(p) as f:
        r = list(csv.reader(f))
    return r[0], [[float(x) for x in row] for row in r[1:]]
hc, c = load('/tmp/c2/final.csv'); hg, g = load('/tmp/g2/final.csv')
assert hc == hg
worst = max(abs(a - b) / (abs(a) + 1e-300) for rc, rg in zip(c, g) for a, b in zip(rc, rg) if a == a)
print("cpu vs gpu final.csv (4096 runs, tsit5 default tol): max rel diff %.3e" % worst)
PY
if command -v compute-sanitizer >/dev/null; then
    compute-sanitizer --tool memcheck --error-exitcode 9 $b solve examples/lorenz.ode \
        --backend cuda --param rho=0:21:2048 --save-every 0.25 -o /tmp/g3 -q > "$out/memcheck.log" 2>&1
    echo "memcheck exit $?"; tail -4 "$out/memcheck.log"
fi
# A 2^24-run sweep with only summaries requested (no time series): must fit and run.
/usr/bin/time -f "2^24 summaries-only sweep: %e s wall, %M KB max resident" \
    $b solve examples/lorenz.ode --backend cuda --param rho=0:28:16777216 --outputs mean,max,std \
    --summarise-every 0.5 --sample-every 0.01 -o /tmp/g24 --format npy -q 2>&1 | tail -3
echo "2^24 summaries exit ${PIPESTATUS[0]}"; ls -la /tmp/g24 | head
python3 -c "
import numpy as np
s = np.load('/tmp/g24/summaries.npy'); print('summaries.npy', s.shape, 'nan runs', int(np.isnan(s).any(axis=(0,1)).sum()))
" 2>&1 | tail -2
