"""Per-run time spans: t0, settling and duration per run through spans=, DataFrame columns
and specs; against closed forms and against each run solved alone (bit for bit on the CPU);
the Results' span arrays, per-run save times, to_xarray and to_pandas; errors."""
import numpy as np
import pytest
from scipy.integrate import solve_ivp as scipy_solve_ivp

import batchode

TEXT = """model spans
param k = 1.5
state y = 2.385, z = 0.75
dy/dt = -k*y
dz/dt = cos(t)*z
"""


@pytest.fixture(scope="module")
def solver():
    m = batchode.Model.from_string(TEXT)
    with batchode.Solver(m, rtol=1e-10, atol=1e-12, backend="cpu") as s:
        yield s


def test_durations_and_starts_against_closed_form(solver):
    r = solver.solve(spans={"t0": [-1.5, 0.0, 2.385], "duration": "lin:0.5:2.5:3"},
                     settling=0.25)
    assert r.runs == 9 and r.spans_vary
    t0 = np.repeat([-1.5, 0.0, 2.385], 3)
    d = np.tile([0.5, 1.5, 2.5], 3)
    np.testing.assert_array_equal(r.t0, t0)
    np.testing.assert_array_equal(r.duration, d)
    np.testing.assert_array_equal(r.settling, np.full(9, 0.25))
    np.testing.assert_array_equal(r.run_start, t0 + 0.25)
    t_end = t0 + 0.25 + d
    np.testing.assert_array_equal(r.final_time, t_end)
    np.testing.assert_allclose(r.final[:, 0], 2.385 * np.exp(-1.5 * (t_end - t0)), rtol=1e-8)
    np.testing.assert_allclose(r.final[:, 1], 0.75 * np.exp(np.sin(t_end) - np.sin(t0)),
                               rtol=1e-8)


def test_mixed_equals_alone_and_scipy(solver):
    frame = __import__("pandas").DataFrame(
        {"k": [0.7, 2.385, 1.1], "t0": [0.0, -1.25, 3.5], "settling": [0.5, 0.0, 1.0],
         "duration": [1.0, 2.5, 1.75]})
    r = solver.solve(runs=frame, save_every=0.25)
    assert r.time.shape == (11,)  # the longest duration, 2.5
    np.testing.assert_array_equal(r.time, 0.25 * np.arange(11))
    for i, row in frame.iterrows():
        a = solver.solve(params={"k": row.k}, t0=row.t0, settling=row.settling,
                         duration=row.duration, save_every=0.25)
        assert not a.spans_vary
        n = a.time.size
        np.testing.assert_array_equal(r.final[i], a.final[0])
        np.testing.assert_array_equal(r.final_time[i], a.final_time[0])
        np.testing.assert_array_equal(r.series[i, :n], a.series[0])
        assert np.isnan(r.series[i, n:]).all()
        np.testing.assert_array_equal(r.run_time[i, :n], a.time)
        start = row.t0 + row.settling
        ref = scipy_solve_ivp(lambda t, u: [-row.k * u[0], np.cos(t) * u[1]],
                              (row.t0, start + row.duration), [2.385, 0.75], method="DOP853",
                              rtol=1e-13, atol=1e-13, t_eval=a.time)
        np.testing.assert_allclose(r.series[i, :n], ref.y.T, rtol=1e-7, atol=1e-9)


def test_conversions(solver):
    r = solver.solve(spans={"duration": [1.0, 2.0], "t0": 5.0}, save_every=0.5,
                     grid="verbatim")
    df = r.to_pandas()
    assert list(df.columns)[:5] == ["status", "t", "t0", "settling", "duration"]
    np.testing.assert_array_equal(df["duration"], [1.0, 2.0])
    s = r.to_pandas("series")
    assert s.index.get_level_values("time")[:3].tolist() == [5.0, 5.5, 6.0]
    assert np.isnan(s.loc[(0, 6.5), "y"])
    ds = pytest.importorskip("xarray") and r.to_xarray()
    np.testing.assert_array_equal(ds["duration"].values, [1.0, 2.0])
    np.testing.assert_array_equal(ds["run_time"].values[1], 5.0 + 0.5 * np.arange(5))
    u = solver.solve(params={"k": [1, 2]}, duration=1.5)
    assert not u.spans_vary
    np.testing.assert_array_equal(u.duration, [1.5, 1.5])
    assert "duration" not in u.to_pandas().columns


def test_errors(solver):
    with pytest.raises(batchode.BatchodeError, match="value 1 for span 'duration'"):
        solver.solve(spans={"duration": [1.0, -1.0]})
    with pytest.raises(ValueError, match="unknown span 'start'"):
        solver.solve(spans={"start": 1.0})
    with pytest.raises(TypeError, match="spans="):
        solver.solve(duration=[1.0, 2.0])
    with pytest.raises(batchode.BatchodeError, match="run 1 .*save_every"):
        solver.solve(spans={"duration": [2.0, 0.25]}, save_every=0.5)
    m = batchode.Model.from_string("param duration = 1\nstate y = 1\ndy/dt = -duration*y\n")
    s = batchode.Solver(m, backend="cpu")
    pd = pytest.importorskip("pandas")
    with pytest.raises(batchode.BatchodeError, match="ambiguous"):
        s.solve(runs=pd.DataFrame({"duration": [1.0]}))
    r = s.solve(runs=pd.DataFrame({"span.duration": [2.0], "parameter.duration": [0.5]}))
    assert list(r.to_pandas().columns)[:5] == ["status", "t", "t0", "settling", "span.duration"]
    np.testing.assert_allclose(r.final[0, 0], np.exp(-1.0), rtol=1e-5)
    s.close()
