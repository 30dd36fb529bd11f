#!/usr/bin/env bash
# Builds batchode and runs the main job: a Lorenz sweep over 10,000 values of rho on the CPU
# backend, writing results to out/lorenz/ (final.csv: one row per run; series.csv: saves).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)"
./build/batchode check examples/lorenz.ode
./build/batchode solve examples/lorenz.ode --param rho=0:21:10000 --duration 1 \
    --algorithm tsit5 --rtol 1e-8 --atol 1e-8 --save-every 0.25 --backend cpu -o out/lorenz
echo "results: out/lorenz/final.csv ($(($(wc -l < out/lorenz/final.csv) - 1)) runs), out/lorenz/series.csv"
head -3 out/lorenz/final.csv
