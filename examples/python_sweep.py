"""The worked example of docs/python.md: a Lorenz sweep over rho from Python, saved as a plot.

    python examples/python_sweep.py [out.png]      (default: docs/python-sweep.png)
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import batchode

model = batchode.Model.from_file("examples/lorenz.ode")
solver = batchode.Solver(model, algorithm="tsit5", rtol=1e-8, atol=1e-8)

# 20,000 values of rho, each integrated to t = 10 with a save every 0.01
rho = np.linspace(0, 30, 20_000)
r = solver.solve(params={"rho": rho}, duration=10.0, save_every=0.01)
print(r)                           # <batchode.Results 'lorenz': 20000 runs, 0 failed, ...>
print(r.final.shape, r.series.shape, r.time.shape)

# Left: z(t) of three runs; right: z at t = 10 against rho, every run.
fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6))
for i in (3000, 9000, 18000):
    a.plot(r.time, r["z"][i], lw=0.8, label=f"rho = {rho[i]:.1f}")
a.set(xlabel="t", ylabel="z", title="three runs")
a.legend(fontsize="small")
b.plot(rho, r.final[:, 2], ",", color="k")
b.set(xlabel="rho", ylabel="z(t = 10)", title=f"{r.runs} runs ({r.wall_seconds:.2f} s)")
fig.tight_layout()
fig.savefig(sys.argv[1] if len(sys.argv) > 1 else "docs/python-sweep.png", dpi=110)
