"""Solving: values against SciPy's solve_ivp and closed forms, both grids, DataFrames,
specs, float32 and float64, settings as keywords, solve_ivp, drivers."""
import numpy as np
import pytest
from scipy.integrate import solve_ivp as scipy_solve_ivp

import batchode


def lorenz_rhs(sigma, rho, beta=8 / 3):
    def f(t, u):
        x, y, z = u
        return [sigma * (y - x), x * (rho - z) - y, x * y - beta * z]
    return f


def test_lorenz_sweep_against_scipy(lorenz):
    rho = np.linspace(0, 21, 12)
    s = batchode.Solver(lorenz, algorithm="tsit5", rtol=1e-10, atol=1e-10, backend="cpu")
    r = s.solve(params={"rho": rho}, duration=1.0, save_every=0.25)
    for i in range(rho.size):
        ref = scipy_solve_ivp(lorenz_rhs(10.0, rho[i]), (0, 1), [1, 0, 0], method="DOP853",
                              rtol=1e-13, atol=1e-13, t_eval=r.time)
        np.testing.assert_allclose(r.final[i], ref.y[:, -1], rtol=1e-7, atol=1e-8)
        np.testing.assert_allclose(r.series[i, :, :], ref.y.T, rtol=1e-7, atol=1e-8)


def test_stiff_van_der_pol_against_scipy_radau():
    m = batchode.Model.from_file(pytest.importorskip("conftest").EXAMPLES / "vanderpol.ode")
    mus = [10.0, 100.0, 1000.0]
    r = batchode.solve_ivp(m, (0, 3.0), params={"mu": mus}, method="radau5", rtol=1e-9,
                           atol=1e-9, backend="cpu")
    assert (r.status == 0).all() and (r.newton_iters > 0).all()
    for i, mu in enumerate(mus):
        ref = scipy_solve_ivp(lambda t, u: [u[1], mu * (1 - u[0] ** 2) * u[1] - u[0]],
                              (0, 3.0), [2, 0], method="Radau", rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(r.final[i, 0], ref.y[0, -1], rtol=1e-6)


def test_closed_form_decay_float64_and_float32(decay):
    k = np.array([0.5, 1.5, 2.385])
    exact = 2.385 * np.exp(-k * 2.0)
    r64 = batchode.Solver(decay, precision="float64", rtol=1e-10, atol=1e-12,
                          backend="cpu").solve(params={"k": k}, duration=2.0)
    np.testing.assert_allclose(r64.final[:, 0], exact, rtol=1e-9)
    r32 = batchode.Solver(decay, precision="float32", rtol=1e-6, atol=1e-7,
                          backend="cpu").solve(params={"k": k}, duration=2.0)
    np.testing.assert_allclose(r32.final[:, 0], exact, rtol=2e-5)
    assert r32.final.dtype == np.float64  # results are double whatever the precision
    assert not np.array_equal(r32.final, r64.final)


def test_combinatorial_grid_order(decay, oscillator):
    s = batchode.Solver(oscillator, backend="cpu")
    r = s.solve(params={"omega": [1.0, 2.0, 3.0]}, inits={"x": [0.5, 1.5]}, duration=0.5)
    assert r.runs == 6
    # params first, then inits; the last given varies fastest
    np.testing.assert_array_equal(r.params[:, 0], [1, 1, 2, 2, 3, 3])
    np.testing.assert_array_equal(r.inits[:, 0], [0.5, 1.5] * 3)
    np.testing.assert_array_equal(r.inits[:, 1], 0.0)
    np.testing.assert_allclose(r.final[:, 0], r.inits[:, 0] * np.cos(r.params[:, 0] * 0.5),
                               rtol=1e-5)


def test_verbatim_grid_pairs_and_broadcasts(oscillator):
    s = batchode.Solver(oscillator, backend="cpu")
    r = s.solve(params={"omega": [1.0, 2.0, 3.0]}, inits={"x": [0.5, 1.5, 2.5], "v": 0.25},
                grid="verbatim", duration=0.5)
    assert r.runs == 3
    np.testing.assert_array_equal(r.params[:, 0], [1, 2, 3])
    np.testing.assert_array_equal(r.inits, [[0.5, 0.25], [1.5, 0.25], [2.5, 0.25]])
    assert r.settings["grid"] == "verbatim" and s.settings["grid"] == "combinatorial"
    with pytest.raises(batchode.InvalidArgumentError, match="value counts differ"):
        s.solve(params={"omega": [1.0, 2.0]}, inits={"x": [1.0, 2.0, 3.0]}, grid="verbatim")
    s.set(grid="verbatim")
    assert s.run_count(params={"omega": [1.0, 2.0]}, inits={"x": [1.0, 2.0]}) == 2
    assert s.run_count(params={"omega": [1.0, 2.0]}, inits={"x": [1.0, 2.0]},
                       grid="combinatorial") == 4
    with pytest.raises(batchode.SettingError):
        s.solve(grid="diagonal")


def test_dataframe_runs(oscillator):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"omega": [1.0, 2.0, 3.0], "x": [0.5, 1.5, 2.5]})
    s = batchode.Solver(oscillator, backend="cpu", grid="combinatorial")
    r = s.solve(params=df, duration=0.5)
    assert r.runs == 3  # one run per row, columns paired, either kind
    np.testing.assert_array_equal(r.params[:, 0], df["omega"])
    np.testing.assert_array_equal(r.inits[:, 0], df["x"])
    # a DataFrame block times another list in a combinatorial grid: 3 rows x 2 values
    r = s.solve(params=df, inits={"v": [0.0, 1.0]}, duration=0.5)
    assert r.runs == 6
    np.testing.assert_array_equal(r.params[:, 0], [1, 1, 2, 2, 3, 3])
    np.testing.assert_array_equal(r.inits[:, 1], [0, 1] * 3)
    # verbatim: paired row by row with lists of its length
    r = s.solve(inits=df, params={}, grid="verbatim", duration=0.5)
    assert r.runs == 3
    with pytest.raises(batchode.NotFoundError, match="did you mean 'omega'"):
        s.solve(params=pd.DataFrame({"omegaa": [1.0]}))


def test_runs_from_csv_file(tmp_path, oscillator):
    p = tmp_path / "runs.csv"
    p.write_text("omega,x\n1,0.5\n2,1.5\n")
    r = batchode.Solver(oscillator, backend="cpu").solve(runs=p, duration=0.5)
    np.testing.assert_array_equal(r.params[:, 0], [1, 2])
    assert r.runs == 2


def test_value_specs(lorenz):
    s = batchode.Solver(lorenz, backend="cpu")
    assert s.run_count(params={"rho": "0:21:8"}) == 8
    r = s.solve(params={"rho": "log:1:100:3", "sigma": "9,10"})
    np.testing.assert_allclose(r.params[::2, 1], [1, 10, 100])
    assert r.runs == 6


def test_solve_ivp_scipy_style(oscillator):
    r = batchode.solve_ivp(oscillator, (0.5, 2.5), params={"omega": [1.0, 2.0]},
                           t_eval=np.linspace(0.5, 2.5, 9), method="RK45", rtol=1e-10,
                           atol=1e-10, backend="cpu")
    assert r.settings["algorithm"] == "dp5"  # RK45 is dp5's alias
    np.testing.assert_allclose(r.time, np.linspace(0.5, 2.5, 9), rtol=1e-14)
    t = r.time - 0.5
    for i, w in enumerate([1.0, 2.0]):
        np.testing.assert_allclose(r["x"][i], np.cos(w * t), atol=1e-8)
    with pytest.raises(ValueError, match="after the start"):
        batchode.solve_ivp(oscillator, (1, 0))


def test_save_at(oscillator):
    """Save times chosen freely (save_at): uneven t_eval, the keyword, the C API's array and
    the lin:/log: specs all give Results.time = the times, and values on the closed form at
    times between steps (interpolated by default with dp5); bad lists are refused."""
    te = np.array([0.5, 0.51, 0.9, 1.7, 2.5])
    r = batchode.solve_ivp(oscillator, (0.5, 2.5), params={"omega": [1.0, 2.0]}, t_eval=te,
                           method="RK45", rtol=1e-10, atol=1e-10, backend="cpu")
    np.testing.assert_array_equal(r.time, 0.5 + (te - 0.5))
    for i, w in enumerate([1.0, 2.0]):
        np.testing.assert_allclose(r["x"][i], np.cos(w * (r.time - 0.5)), atol=1e-8)
    s = batchode.Solver(oscillator, algorithm="tsit5", rtol=1e-10, atol=1e-10, backend="cpu",
                        duration=3.0, settling=1.0)
    times = np.array([0.0, 0.3, 1.25, 3.0])
    a = s.solve(save_at=times)
    s.set_save_times(times)
    b = s.solve()
    np.testing.assert_array_equal(a.time, 1.0 + times)
    np.testing.assert_array_equal(b.time, a.time)
    np.testing.assert_array_equal(a["x"], b["x"])
    np.testing.assert_allclose(a["x"][0], np.cos(2.0 * a.time), atol=1e-8)
    with pytest.raises(batchode.SettingError, match="given twice"):
        s.solve(save_at="0,1")
    with pytest.raises(batchode.SettingError, match="save_every"):
        s.solve(save_every=0.5)
    s.set_save_times(None)
    assert s.solve(save_at="lin:0:3:7").time.size == 7
    np.testing.assert_allclose(s.solve(save_at="log:0.01:1:3").time, 1.0 + np.array([0.01, 0.1, 1]),
                               rtol=1e-15)
    with pytest.raises(ValueError, match="strictly increasing"):
        s.set_save_times([0.0, 2.0, 1.0])
    with pytest.raises(batchode.SettingError, match="outside the recorded span"):
        s.solve(save_at=[0.0, 4.0])
    # land and interpolate agree to the tolerance; landing takes more steps
    s.set(outputs="state,counters")
    many = np.linspace(0, 3, 301)
    li = s.solve(save_at=many, save_mode="land")
    it = s.solve(save_at=many, save_mode="interpolate")
    assert it.steps[0] < li.steps[0]
    np.testing.assert_allclose(it["x"], li["x"], atol=1e-8)


def test_solve_ivp_from_model_text():
    from conftest import DECAY
    r = batchode.solve_ivp(DECAY, (0, 1), params={"k": [1.0]}, rtol=1e-10, atol=1e-12,
                           backend="cpu")
    assert r.final[0, 0] == pytest.approx(2.385 * np.exp(-1.0), rel=1e-9)


def test_solve_keywords_apply_to_that_solve_only(decay):
    s = batchode.Solver(decay, backend="cpu")
    src = s.source
    assert s.solve(duration=2.0).final_time[0] == 2.0
    assert s.settings["duration"] == "1.0" and s.solve().final_time[0] == 1.0
    r = s.solve(outputs=["state", "mean"])  # a code setting: this solve only, too
    assert r.summary_names == ("y.mean",) and r.settings["outputs"] == "state,mean"
    assert s.solve().summary_names == ()
    assert s.source == src
    s.set(duration=2.0)  # set() lasts
    assert s.solve().final_time[0] == 2.0 and s.solve().final_time[0] == 2.0
    s.set(duration=None)  # back to the default
    assert s.solve().final_time[0] == 1.0
    with pytest.raises(batchode.UnknownSettingError):
        s.solve(duratio=3.0)
    assert s.solve().final_time[0] == 1.0


def test_drivers(driven):
    # dx/dt = a*u with u = sin t sampled every 0.01: x(T) = a*(1 - cos T)
    t = np.linspace(0, 10, 1001)
    s = batchode.Solver(driven, algorithm="dop853", rtol=1e-12, atol=1e-12, backend="cpu")
    with pytest.raises(batchode.StateError, match="u"):
        s.solve(duration=10.0)
    s.set_driver("u", t, np.sin(t))
    r = s.solve(params={"a": [1.0, 2.385]}, duration=10.0)
    np.testing.assert_allclose(r.final[:, 0], np.array([1.0, 2.385]) * (1 - np.cos(10.0)),
                               atol=3e-9)
    s.set_driver("u", t, np.sin(t), interpolation="linear")
    r = s.solve(params={"a": [1.0]}, duration=10.0)
    assert abs(r.final[0, 0] - (1 - np.cos(10.0))) < 10 * 0.01 ** 2 / 8
    pd = pytest.importorskip("pandas")
    s.set_driver("u", pd.Series(np.cos(t), index=t))
    r = s.solve(params={"a": [1.0]}, duration=10.0)
    assert r.final[0, 0] == pytest.approx(np.sin(10.0), abs=3e-9)
    with pytest.raises(batchode.NotFoundError):
        s.set_driver("w", t, np.sin(t))
    with pytest.raises(batchode.InvalidArgumentError, match="times must increase"):
        s.set_driver("u", t[::-1], np.sin(t))
    with pytest.raises(ValueError, match="interpolation"):
        s.set_driver("u", t, np.sin(t), interpolation="quadratic")


def test_driver_from_csv(tmp_path, driven):
    p = tmp_path / "u.csv"
    p.write_text("t,u\n0,1\n1,1\n2,1\n")
    s = batchode.Solver(driven, backend="cpu")
    s.load_driver_csv("u", p, interpolation="linear")
    assert s.solve(duration=2.0).final[0, 0] == pytest.approx(2.0, rel=1e-9)
