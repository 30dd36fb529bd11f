"""Python overhead: the same Lorenz sweep from Python and through the C API, side by side.

    python bench/python_overhead.py [--build build-ci] [--rounds 5]

Cases (examples/lorenz.ode, rho = linspace(0, 21, N), tsit5, rtol = atol = 1e-8,
t in [0, 1], final state only, CPU backend, warm compile cache):
  - N = 10^5 runs, all cores: Python's wall time over C's (target <= 1.1);
  - N = 8 runs: the fixed cost of one solve call from Python, Python's median minus C's
    (target <= 1 ms); once with progress=False and once with the default progress reporting
    (a tqdm bar on solves over half a second, when tqdm is installed).
The C side is build/bench/bench_py_overhead (bench/py_overhead.c): one batch, one solve, the
results freed, per repetition. The Python side is Solver.solve(params={"rho": rho}) and
reading r.final. Both load the very same library: Python is pointed at the build's
libbatchode.so through BATCHODE_LIBRARY, so the comparison is of the binding alone. The two
alternate in rounds (C, then Python, `--rounds` times) so that drift on a shared machine
falls on both; each figure is the median over all rounds' repetitions. Run it from the
repository root, with the package installed (pip install ./python) or python/src on
PYTHONPATH.
"""
import argparse
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, "examples", "lorenz.ode")
# (runs, repetitions per round, progress)
CASES = [(100_000, 3, False), (8, 200, False), (8, 200, None)]


def c_times(exe, n, reps):
    out = subprocess.run([exe, MODEL, str(n), str(reps)], check=True, capture_output=True,
                         text=True).stdout.split("\n")
    times = [float(l.split()[1]) for l in out if l.startswith("c ")]
    check = float(next(l.split()[1] for l in out if l.startswith("check ")))
    return times, check


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build-ci"),
                    help="CMake build directory with libbatchode.so and bench/bench_py_overhead")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    lib = os.path.join(args.build, "libbatchode.so")
    exe = os.path.join(args.build, "bench", "bench_py_overhead")
    os.environ["BATCHODE_LIBRARY"] = lib
    import batchode

    model = batchode.Model.from_file(MODEL)
    solver = batchode.Solver(model, algorithm="tsit5", rtol=1e-8, atol=1e-8, backend="cpu")
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, numpy {np.__version__}, "
          f"library {batchode.library_path}")
    print("| runs | progress | C API median s | Python median s | Python / C | Python - C | reps |")
    print("|---|---|---|---|---|---|---|")
    for n, reps, progress in CASES:
        rho = np.linspace(0, 21, n)
        r = solver.solve(params={"rho": rho}, progress=False)  # warm: compile cache, pages
        py_check = float(r.final[:, 2].sum())
        ct, pt = [], []
        for _ in range(args.rounds):
            t, c_check = c_times(exe, n, reps)
            ct += t
            for _ in range(reps):
                t0 = time.perf_counter()
                r = solver.solve(params={"rho": rho}, progress=progress)
                r.final
                del r
                pt.append(time.perf_counter() - t0)
        if abs(py_check - c_check) > 1e-9 * abs(c_check):
            sys.exit(f"results differ: sum z {py_check!r} (Python) vs {c_check!r} (C)")
        cm, pm = statistics.median(ct), statistics.median(pt)
        shown = "off" if progress is False else "default"
        print(f"| {n} | {shown} | {cm:.6f} | {pm:.6f} | {pm / cm:.3f} | {1e3 * (pm - cm):.3f} ms | "
              f"{len(ct)} |")


if __name__ == "__main__":
    main()
