"""The CUDA backend from Python: skipped on a machine without a usable GPU.

Values on the GPU are checked against SciPy (an independent integrator), not only against
the CPU backend; Ctrl-C's hook and per-run arrays are checked on the GPU's results too."""
import numpy as np
import pytest
from scipy.integrate import solve_ivp as scipy_solve_ivp

import batchode


def _cuda_solver(model, **settings):
    try:
        return batchode.Solver(model, backend="cuda", **settings)
    except batchode.BackendError as e:
        pytest.skip(f"no usable GPU: {e}")


def test_gpu_lorenz_sweep_against_scipy_and_cpu(lorenz):
    rho = np.linspace(0, 21, 4096)
    g = _cuda_solver(lorenz, algorithm="tsit5", rtol=1e-10, atol=1e-10)
    assert g.backend == "cuda"
    r = g.solve(params={"rho": rho}, duration=1.0, save_every=0.25)
    assert r.backend == "cuda" and r.failed_count == 0
    assert r.series.shape == (4096, 5, 3)
    for i in (0, 1000, 4095):
        ref = scipy_solve_ivp(lambda t, u: [10 * (u[1] - u[0]), u[0] * (rho[i] - u[2]) - u[1],
                                            u[0] * u[1] - 8 / 3 * u[2]],
                              (0, 1), [1, 0, 0], method="DOP853", rtol=1e-13, atol=1e-13,
                              t_eval=r.time)
        np.testing.assert_allclose(r.series[i], ref.y.T, rtol=1e-7, atol=1e-8)
    c = batchode.Solver(lorenz, algorithm="tsit5", rtol=1e-10, atol=1e-10, backend="cpu")
    rc = c.solve(params={"rho": rho}, duration=1.0, save_every=0.25)
    np.testing.assert_allclose(r.final, rc.final, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(r.params, rc.params)
    assert (r.steps > 0).all()


def test_gpu_float32_and_stiff(decay):
    g = _cuda_solver(decay, precision="float32", rtol=1e-5, atol=1e-7, algorithm="rodas4")
    k = np.linspace(0.5, 5, 256)
    r = g.solve(params={"k": k}, duration=1.0)
    assert r.final.dtype == np.float32 and r.failed_count == 0
    np.testing.assert_allclose(r.final[:, 0], 2.385 * np.exp(-k), rtol=5e-5)


def test_gpu_uses_the_wheels_nvrtc_when_installed(decay):
    # With one of NVIDIA's NVRTC wheels installed, the package preloads its newest library
    # before the first solver, and solves on the GPU through it.
    from batchode import _nvrtc
    found = _nvrtc._candidates()
    g = _cuda_solver(decay)
    if not found:
        pytest.skip("no NVRTC wheel installed")
    assert batchode.nvrtc_wheel_library == found[0]
    r = g.solve(params={"k": [1.0, 2.0]}, duration=1.0, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(r.final[:, 0], 2.385 * np.exp(-np.array([1.0, 2.0])), rtol=1e-8)
