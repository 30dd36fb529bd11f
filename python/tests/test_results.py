"""Results: shapes and values of every array against the C API's per-element accessors,
views rather than copies, lifetime, status flags, summaries and writing files."""
import gc

import numpy as np
import pytest

import batchode
from batchode._lib import lib


@pytest.fixture(scope="module")
def swept(lorenz):
    s = batchode.Solver(lorenz, algorithm="tsit5", rtol=1e-8, atol=1e-8, backend="cpu")
    return s.solve(params={"rho": np.linspace(0, 21, 37), "sigma": [9.5, 10.25]},
                   duration=1.0, save_every=0.25, outputs=["state", "observables"])


def test_shapes(swept):
    r = swept
    assert r.runs == len(r) == 74
    assert r.final.shape == (74, 3) and r.inits.shape == (74, 3) and r.params.shape == (74, 2)
    assert r.series.shape == (74, 5, 4) and r.variables == ("x", "y", "z", "radius")
    assert r.time.shape == (5,) and np.allclose(r.time, [0, 0.25, 0.5, 0.75, 1.0])
    for a in (r.final_time, r.status, r.steps, r.rejections, r.newton_iters):
        assert a.shape == (74,)
    assert r.status.dtype == np.int32 and r.steps.dtype == np.int64
    assert r.summaries.shape == (74, 1, 0) or r.summaries.shape[2] == 0
    assert r["radius"].shape == (74, 5) and r["x"].shape == (74, 5)


def test_values_match_the_c_accessors(swept):
    r, h = swept, swept._handle
    for run in (0, 1, 17, 73):
        assert r.status[run] == lib.bo_results_status(h, run)
        assert r.final_time[run] == lib.bo_results_final_time(h, run)
        assert r.steps[run] == lib.bo_results_steps(h, run)
        assert r.rejections[run] == lib.bo_results_rejections(h, run)
        assert r.newton_iters[run] == lib.bo_results_newton_iters(h, run)
        for i in range(3):
            assert r.final[run, i] == lib.bo_results_final(h, run, i)
        for k in range(5):
            for v in range(4):
                assert r.series[run, k, v] == lib.bo_results_value(h, k, v, run)
    # combinatorial order: rho (given first) slow, sigma fast
    assert r.params[0].tolist() == [9.5, 0.0] and r.params[1].tolist() == [10.25, 0.0]
    assert r.params[2, 1] == pytest.approx(21 / 36)
    # the saved state at the last save is the final state; radius is the observable
    np.testing.assert_array_equal(r.series[:, -1, :3], r.final)
    np.testing.assert_allclose(r["radius"], np.sqrt((r.series[:, :, :3] ** 2).sum(axis=2)),
                               rtol=1e-14)
    assert (r.status == 0).all() and r.failed_count == 0 and (r.final_time == 1.0).all()


def test_arrays_are_read_only_views_that_keep_results_alive(lorenz):
    s = batchode.Solver(lorenz, backend="cpu")
    r = s.solve(params={"rho": np.linspace(1, 2, 5)}, save_every=0.5)
    final, series = r.final, r.series
    assert not final.flags.writeable and not final.flags.owndata
    with pytest.raises(ValueError):
        final[0, 0] = 1.0
    # the (runs, states) view walks the library's final[state][run] buffer: runs adjacent
    assert final.strides == (8, 8 * 5) and final.ctypes.data == lib.bo_results_final_array(
        r._handle)
    assert series.ctypes.data == lib.bo_results_series_array(r._handle)
    expect = final.copy()
    del r
    gc.collect()
    for _ in range(3):  # other solves reuse freed memory if the results were freed
        s.solve(params={"rho": np.linspace(5, 6, 5)})
    np.testing.assert_array_equal(final, expect)


def test_failed_runs_status_flags(decay):
    s = batchode.Solver(decay, algorithm="dp5", max_steps=5, backend="cpu")
    r = s.solve(params={"k": [0.001, 50.0]}, duration=10.0)
    assert r.status[0] == 0 and r.status[1] != 0
    assert r.failed_count == 1 and r.ok.tolist() == [True, False]
    assert r.status_text.tolist() == ["success", "max_steps"]
    assert batchode.RunStatus(int(r.status[1])) == batchode.RunStatus.MAX_STEPS
    assert batchode.status_string(int(r.status[1])) == "max_steps"
    assert np.isnan(r.final[1]).all() and r.final_time[1] < 10.0
    assert {"NONFINITE", "STEP_TOO_SMALL", "MAX_NEWTON_ITERS"} <= set(
        batchode.RunStatus.__members__)


def test_summaries_against_numpy(oscillator):
    # x = cos(2t): over [0, pi] the mean of x is 0, of x^2 (rms^2) 1/2, max 1, min -1.
    s = batchode.Solver(oscillator, algorithm="vern7", rtol=1e-10, atol=1e-10, backend="cpu")
    r = s.solve(duration=np.pi, outputs=["mean", "rms", "max", "min"],
                summarise_every=np.pi / 2, sample_summaries_every=np.pi / 2000)
    assert r.summaries.shape == (1, 2, 8)
    assert r.summary_names[:4] == ("x.mean", "x.rms", "x.max", "x.min")
    assert r.windows.shape == (2, 2) and r.windows[1, 1] == pytest.approx(np.pi)
    cols = {c["name"]: c for c in r.summary_columns}
    assert cols["v.max"]["variable"] == "v" and cols["v.max"]["metric"] == "max"
    # window 0 owns the 1000 samples t = j*dt, j = 0..999, of x = cos 2t (docs/outputs.md)
    x = np.cos(2 * np.arange(1000) * (np.pi / 2000))
    assert r.summary("x.max")[0, 0] == pytest.approx(x.max(), abs=1e-9)
    assert r.summary("x.min")[0, 0] == pytest.approx(x.min(), abs=1e-9)
    assert r.summary("x.mean")[0, 0] == pytest.approx(np.mean(x), abs=1e-9)
    assert r.summary("x.rms")[0, 0] == pytest.approx(np.sqrt(np.mean(x ** 2)), abs=1e-9)
    for w in range(2):
        for c in range(8):
            assert r.summaries[0, w, c] == lib.bo_results_summary(r._handle, w, c, 0)
    with pytest.raises(KeyError, match="x.mean"):
        r.summary("x.median")


def test_write_csv_matches_to_pandas(tmp_path, swept):
    import pandas as pd
    swept.write(tmp_path / "out", "csv")
    csv = pd.read_csv(tmp_path / "out" / "final.csv", index_col="run")
    df = swept.to_pandas()
    assert list(csv.columns) == list(df.columns)
    np.testing.assert_allclose(csv.to_numpy(), df.to_numpy(), rtol=1e-15)
    swept.write(tmp_path / "npy", "npy")
    assert (tmp_path / "npy" / "final.npy").exists()
    with pytest.raises(batchode.BatchodeError):
        swept.write(tmp_path / "bad", "xml")


def test_to_pandas_series_and_summaries(swept):
    df = swept.to_pandas("series")
    assert df.shape == (74 * 5, 4) and list(df.columns) == ["x", "y", "z", "radius"]
    assert df.loc[(3, 0.5), "y"] == swept.series[3, 2, 1]
    with pytest.raises(ValueError):
        swept.to_pandas("everything")


def test_to_xarray(swept):
    ds = swept.to_xarray()
    assert ds["series"].dims == ("run", "time", "variable")
    assert ds["final"].dims == ("run", "state")
    assert ds.sizes == {"run": 74, "time": 5, "variable": 4, "state": 3}
    np.testing.assert_array_equal(ds["rho"].values, swept.params[:, 1])
    np.testing.assert_array_equal(ds["x_0"].values, swept.inits[:, 0])
    assert ds.attrs["algorithm"] == "tsit5" and ds.attrs["rtol"] == "1e-08"
    assert ds.attrs["model"] == "lorenz" and ds.attrs["backend_used"] == "cpu"
    z = ds["series"].sel(variable="z", time=1.0)
    np.testing.assert_array_equal(z.values, swept.final[:, 2])
    # select runs by parameter value through the coordinate
    sub = ds.where(ds["sigma"] == 9.5, drop=True)
    assert sub.sizes["run"] == 37


def test_plot_time_series_and_sweep(swept, lorenz, tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    fig = swept.plot()
    assert len(fig.axes) == 4
    fig.savefig(tmp_path / "series.png")
    r = batchode.Solver(lorenz, backend="cpu").solve(params={"rho": np.linspace(0, 21, 50)})
    fig = r.plot()
    assert len(fig.axes) == 3 and fig.axes[0].get_xlabel() == "rho"
    assert len(fig.axes[2].lines[0].get_xdata()) == 50
    fig.savefig(tmp_path / "sweep.png")


@pytest.mark.parametrize("module,method", [("pandas", "to_pandas"), ("xarray", "to_xarray"),
                                           ("matplotlib.pyplot", "plot")])
def test_optional_module_missing_says_what_to_install(swept, monkeypatch, module, method):
    monkeypatch.setitem(__import__("sys").modules, module, None)  # import raises ImportError
    with pytest.raises(ImportError, match=f"needs {module.split('.')[0]}: pip install"):
        getattr(swept, method)()
