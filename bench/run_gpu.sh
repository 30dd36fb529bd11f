#!/usr/bin/env bash
# GPU Lorenz ensemble benchmark (bench/README.md, "GPU"): builds bench_gpu_lorenz (batchode's
# CUDA backend) and the hand-written kernels of bench/lorenz_kernels.cu, runs both, runs an
# imported CellML model through stiff methods (bench_cellml, docs/cellml.md), times
# torchdiffeq and diffrax on the same ensemble when they are installed, and prints one Markdown
# report: kernel times and their ratio, wall times, runs/s, accuracy and steps per run, then
# compile and cache-hit times and each configuration's bo_solver_info report.
#
# Usage (from anywhere, on a machine with an NVIDIA GPU, nvcc and cmake):
#   bench/run_gpu.sh
# Environment: OUT (optional) - a directory that receives every raw output and report.md;
# LOG2N (default 10,12,...,24) - the batch sizes as powers of two; REPS (default 10);
# REPORT_ONLY=1 - only rebuild report.md from the raw outputs already in OUT; PEERS=0 - skip
# the peers (torchdiffeq, diffrax).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/build"
RES="${OUT:-$BUILD/gpubench}"
LOG2N="${LOG2N:-10,12,14,16,18,20,22,24}"
REPS="${REPS:-10}"
mkdir -p "$RES"
JOBS=$(nproc 2>/dev/null || echo 4)
export PATH="$PATH:/usr/local/cuda/bin"
say() { echo "run_gpu.sh: $*" >&2; }

# Build and run everything (the body is not indented because it holds a heredoc).
run_all() {
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader \
    >"$RES/device.txt" 2>&1 || say "nvidia-smi failed"

# ---- build --------------------------------------------------------------------------------
say "building bench_gpu_lorenz"
if ! { cmake --preset default -DBO_BUILD_TESTS=OFF -DBO_BUILD_BENCH=ON >"$RES/build.log" 2>&1 &&
    cmake --build --preset default -j"$JOBS" --target bench_gpu_lorenz bench_events bench_cellml \
        >>"$RES/build.log" 2>&1; }; then
    tail -30 "$RES/build.log" >&2
    say "build failed (log: $RES/build.log)"
    exit 1
fi
HAND=""
if command -v nvcc >/dev/null; then
    say "building the hand-written kernels"
    if nvcc -O3 -gencode=arch=compute_90,code=sm_90 -o "$BUILD/bench_hand" \
        "$ROOT/bench/lorenz_kernels.cu" >>"$RES/build.log" 2>&1; then
        HAND="$BUILD/bench_hand"
    else
        tail -30 "$RES/build.log" >&2
        say "nvcc failed: no hand-written kernel times"
    fi
else
    say "nvcc not found: no hand-written kernel times"
fi

# ---- run ----------------------------------------------------------------------------------
: >"$RES/hand.txt"
if [ -n "$HAND" ]; then
    say "running the hand-written kernels"
    "$HAND" --log2n "$LOG2N" --reps "$REPS" | tee "$RES/hand.txt"
    rc=${PIPESTATUS[0]}
    [ "$rc" -eq 0 ] || say "bench_hand exited with $rc"
fi
say "running bench_gpu_lorenz"
"$BUILD/bench/bench_gpu_lorenz" --log2n "$LOG2N" --reps "$REPS" | tee "$RES/batchode.txt"
rc=${PIPESTATUS[0]}
if [ "$rc" -eq 77 ]; then
    say "no usable GPU: nothing to report"
    exit 77
fi
[ "$rc" -eq 0 ] || say "bench_gpu_lorenz exited with $rc"

# ---- saves at 100 chosen times, interpolated against landed (bench_dense_saves), 2^20 runs --
say "building and running bench_dense_saves"
if cmake --build --preset default -j"$JOBS" --target bench_dense_saves >>"$RES/build.log" 2>&1; then
    "$BUILD/bench/bench_dense_saves" --backend cuda --log2n 20 --reps "$REPS" | tee "$RES/dense_saves.txt"
    rc=${PIPESTATUS[0]}
    [ "$rc" -eq 0 ] || say "bench_dense_saves exited with $rc"
else
    say "bench_dense_saves did not build (see build.log)"
fi
# ---- an imported CellML model: the 8-compartment Hodgkin-Huxley ring of bench/cellml.c (32
# states), 2^16 runs, stiff methods, float64 (needs libxml2-dev where this is built) ----------
: >"$RES/cellml.txt"
for alg in rodas5p kvaerno5; do
    say "running bench_cellml solve 8 16 cuda $alg"
    "$BUILD/bench/bench_cellml" solve 8 16 cuda "$alg" | tee -a "$RES/cellml.txt"
    rc=${PIPESTATUS[0]}
    [ "$rc" -eq 0 ] || say "bench_cellml exited with $rc (77: no GPU or no libxml2)"
done

# ---- peers: torchdiffeq and diffrax at N = 2^20, float32, the ensemble as one (N, 3) system --
cat >"$RES/peers.py" <<'EOF'
import sys, time

N = 1 << 20
REPS = 3
which = sys.argv[1]


def reference(rho):
    # float64 RK4 at dt = 1e-4 on the host, as in the C benchmarks.
    import numpy as np
    u = np.zeros((len(rho), 3))
    u[:, 0] = 1.0
    h = 1e-4

    def f(u):
        x, y, z = u[:, 0], u[:, 1], u[:, 2]
        return np.stack((10 * (y - x), rho * x - y - x * z, x * y - (8 / 3) * z), axis=1)

    for _ in range(10000):
        k1 = f(u); k2 = f(u + h / 2 * k1); k3 = f(u + h / 2 * k2); k4 = f(u + h * k3)
        u = u + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return u


def error(final):
    import numpy as np
    idx = np.linspace(0, N - 1, 64).round().astype(np.int64)
    rho = 21.0 * idx / (N - 1)
    ref = reference(rho)
    got = np.asarray(final, dtype=np.float64)[idx]
    return float(np.max(np.abs(got - ref) / (np.abs(ref) + 1)))


def timed(run):
    t0 = time.perf_counter()
    out = run()  # warm-up (and compilation)
    slow = time.perf_counter() - t0 > 5.0  # then one timed run keeps the script short
    ts = []
    for _ in range(1 if slow else REPS):
        t0 = time.perf_counter()
        out = run()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return 1e3 * ts[len(ts) // 2], out


def report(name, case, run):
    try:
        ms, out = timed(run)
        print(f"peer {name} {case} float32 {N} {ms:.2f} {error(out):.3e}", flush=True)
    except Exception as exc:  # a peer that fails is reported, not fatal
        print(f"peer {name} {case} float32 {N} failed: {type(exc).__name__}: {exc}", flush=True)


if which == "torchdiffeq":
    import torch
    from torchdiffeq import odeint
    if not torch.cuda.is_available():
        sys.exit(3)
    dev = "cuda"
    rho = torch.linspace(0, 21, N, device=dev, dtype=torch.float32)
    y0 = torch.zeros(N, 3, device=dev, dtype=torch.float32)
    y0[:, 0] = 1
    ts = torch.tensor([0.0, 1.0], device=dev, dtype=torch.float32)

    def f(t, u):
        x, y, z = u[:, 0], u[:, 1], u[:, 2]
        return torch.stack((10 * (y - x), rho * x - y - x * z, x * y - (8 / 3) * z), dim=1)

    def solve(**kw):
        def run():
            out = odeint(f, y0, ts, **kw)[-1]
            torch.cuda.synchronize()
            return out.cpu().numpy()
        return run

    # torchdiffeq's "rk4" is Kutta's 3/8 rule, fourth order like the classical method.
    report("torchdiffeq", "rk4_fixed", solve(method="rk4", options=dict(step_size=0.001)))
    report("torchdiffeq", "dopri5_adaptive",
           solve(method="dopri5", rtol=1e-8, atol=1e-8, options=dict(first_step=0.001)))
elif which == "diffrax":
    import jax
    import jax.numpy as jnp
    import diffrax
    if not any(d.platform == "gpu" for d in jax.devices()):
        sys.exit(3)
    rho = jnp.linspace(0, 21, N, dtype=jnp.float32)
    y0 = jnp.zeros((N, 3), jnp.float32).at[:, 0].set(1.0)

    def f(t, u, args):
        x, y, z = u[:, 0], u[:, 1], u[:, 2]
        return jnp.stack((10 * (y - x), rho * x - y - x * z, x * y - (8 / 3) * z), axis=1)

    term = diffrax.ODETerm(f)
    save = diffrax.SaveAt(t1=True)
    fixed = jax.jit(lambda u: diffrax.diffeqsolve(term, diffrax.Tsit5(), 0.0, 1.0, 0.001, u,
                                                  saveat=save, max_steps=2000).ys[-1])
    ctrl = diffrax.PIDController(rtol=1e-8, atol=1e-8)
    adapt = jax.jit(lambda u: diffrax.diffeqsolve(term, diffrax.Tsit5(), 0.0, 1.0, 0.001, u,
                                                  stepsize_controller=ctrl, saveat=save,
                                                  max_steps=1000000).ys[-1])
    report("diffrax", "tsit5_fixed", lambda: jax.device_get(fixed(y0).block_until_ready()))
    report("diffrax", "tsit5_adaptive", lambda: jax.device_get(adapt(y0).block_until_ready()))
EOF
: >"$RES/peers.txt"
if [ "${PEERS:-1}" = 0 ]; then
    say "PEERS=0: peers skipped"
elif command -v python3 >/dev/null; then
    if python3 -c "import torch, torchdiffeq, numpy" 2>/dev/null; then
        say "timing torchdiffeq"
        timeout 120 python3 "$RES/peers.py" torchdiffeq | tee -a "$RES/peers.txt" ||
            say "torchdiffeq did not finish (exit $?)"
    else
        say "torchdiffeq (with torch and numpy) not installed: skipped"
    fi
    if python3 -c "import jax, diffrax, numpy" 2>/dev/null; then
        say "timing diffrax"
        timeout 120 python3 "$RES/peers.py" diffrax | tee -a "$RES/peers.txt" ||
            say "diffrax did not finish (exit $?)"
    else
        say "jax with diffrax not installed: skipped"
    fi
fi

}

if [ "${REPORT_ONLY:-0}" != 1 ]; then
    run_all || exit $?
fi

# ---- report -------------------------------------------------------------------------------
awk -v device="$(head -1 "$RES/device.txt" 2>/dev/null)" '
FNR == 1 { file++ }
$1 == "hand" { hand[$2 " " $3 " " $4] = $5 }
$1 == "accuracy" && $2 == "hand" { hacc[$3 " " $4 " " $5] = $6; hsteps[$3 " " $4 " " $5] = $7 }
$1 == "batchode" {
    k = $2 " " $3 " " $4
    if (!(k in bk)) order[++nk] = k
    bk[k] = $5; bw[k] = $6; bi[k] = $7; bt[k] = $8; n[k] = $4; cs[k] = $2; pr[k] = $3
}
$1 == "accuracy" && $2 == "batchode" { bacc[$3 " " $4 " " $5] = $6; bsteps[$3 " " $4 " " $5] = $7
    if ($9 != "ok") bad = bad " " $3 "/" $4 "/" $5 }
$1 == "compile" { comp[$2 " " $3] = $4; nv[$2 " " $3] = $5; if (!(($2 " " $3) in seen)) { seen[$2 " " $3] = 1; corder[++nc] = $2 " " $3 } }
$1 == "load_memory" { lm[$2 " " $3] = $4 }
$1 == "load_disk" { ld[$2 " " $3] = $4 }
$1 == "load_process" { lp[$2 " " $3] = $4 }
$1 == "info" { info[++ni] = $0 }
$1 == "peer" { peer[++np] = $0 }
END {
    printf "# GPU Lorenz ensemble\n\nDevice: %s\n\n", device
    print "Kernel times are CUDA-event medians; ratio = batchode kernel / hand kernel; wall = the"
    print "whole bo_solver_solve (inputs, transfers, results); reuse = the whole"
    print "bo_solver_solve_into over the previous solve'"'"'s results; copies = CUDA-event time of the"
    print "host<->device copies; over = reuse - kernel - copies (host time); runs/s from the reuse"
    print "wall time. Errors: max |got - ref| / (|ref| + 1) over up to 1024 runs against a float64"
    print "RK4 at dt = 1e-4."
    print ""
    print "| case | precision | N | hand ms | batchode kernel ms | ratio | wall ms | reuse ms | copies ms | over ms | runs/s | steps/run hand / batchode | max error hand / batchode |"
    print "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= nk; i++) {
        k = order[i]
        h = (k in hand) ? hand[k] : ""
        ratio = (h != "" && h > 0) ? sprintf("%.2f", bk[k] / h) : "-"
        rps = bi[k] > 0 ? sprintf("%.3e", n[k] / (bi[k] / 1000)) : "-"
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %.2f | %s | %s / %s | %s / %s |\n", cs[k], pr[k], n[k],
            (h != "" ? h : "-"), bk[k], ratio, bw[k], bi[k], bt[k], bi[k] - bk[k] - bt[k], rps,
            (k in hsteps ? hsteps[k] : "-"), bsteps[k], (k in hacc ? hacc[k] : "-"), bacc[k]
    }
    if (bad != "") printf "\nAccuracy check FAILED for:%s\n", bad
    print "\n## Compile and cache-hit times (ms)\n"
    print "Cold: the first bo_solver_create in an empty cache directory (NVRTC: the compile itself)."
    print "Memory: a second solver in the process. Disk: a new solver after cc_mem_clear()."
    print "New process: bo_solver_create in a fresh process, after CUDA start-up.\n"
    print "| case | precision | cold create | NVRTC | memory hit | disk hit | new process |"
    print "|---|---|---|---|---|---|---|"
    for (i = 1; i <= nc; i++) {
        k = corder[i]; split(k, a, " ")
        printf "| %s | %s | %s | %s | %s | %s | %s |\n", a[1], a[2], comp[k], nv[k], lm[k], ld[k], (k in lp ? lp[k] : "-")
    }
    if (np > 0) {
        print "\n## Peers (N = 2^20, float32, one (N, 3) system; median of 3 after a warm-up, one when the warm-up took over 5 s)\n"
        print "| library | method | ms (wall) | max error |"
        print "|---|---|---|---|"
        for (i = 1; i <= np; i++) {
            split(peer[i], a, " ")
            if (a[6] == "failed:") { msg = peer[i]; sub(/.*failed: /, "", msg); printf "| %s | %s | failed | %s |\n", a[2], a[3], msg }
            else printf "| %s | %s | %s | %s |\n", a[2], a[3], a[6], a[7]
        }
    }
    print "\n## bo_solver_info per configuration\n\n```"
    for (i = 1; i <= ni; i++) { s = info[i]; sub(/^info /, "", s); print s }
    print "```"
}' "$RES/hand.txt" "$RES/batchode.txt" "$RES/peers.txt" | tee "$RES/report.md"
# ---- event overhead: a counted event on x crossing 0 against none (bench/events.c) ---------
say "running bench_events (event overhead, kernel time)"
{
    printf '\n## Event overhead (bench_events, kernel time, median of %s)\n\n' "$REPS"
    for n in 16 20; do
        "$BUILD/bench/bench_events" "$n" cuda "$REPS" | { [ "$n" = 16 ] && cat || tail -1; }
    done
} | tee -a "$RES/report.md"
if [ -s "$RES/cellml.txt" ]; then
    {
        printf '\n## Imported CellML model (bench/cellml.c: 8-compartment HH ring, 32 states, 2^16 runs, float64)\n\n'
        printf '| algorithm | runs | s (median of 3) | runs/s | failed |\n|---|---|---|---|---|\n'
        awk '$1 == "solve" { printf "| %s | %s | %s | %s | %s |\n", $6, $4, $7, $8, $9 }' "$RES/cellml.txt"
        printf '\nbo_solver_info (the registry placement):\n\n```\n'
        grep -v '^solve ' "$RES/cellml.txt"
        printf '```\n'
    } | tee -a "$RES/report.md"
fi
say "raw outputs and report.md in $RES"
