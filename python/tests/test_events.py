"""Events: counts and records against SciPy's solve_ivp events on a nonlinear model (Van der
Pol), a terminal event, the bouncing ball's closed form, the arrays' shapes and the
DataFrame/xarray views."""
import numpy as np
import pytest
from scipy.integrate import solve_ivp as scipy_solve_ivp

import batchode

VDP = """model vdp
param mu = 2.385
state x = 2, v = 0
dx/dt = v
dv/dt = mu*(1 - x^2)*v - x
event up when x rising
event down when x - 0.5 falling
event vmax when v falling
"""


def test_events_against_scipy_on_van_der_pol():
    m = batchode.Model.from_string(VDP)
    assert m.events == ("up", "down", "vmax")
    mus = [0.5, 2.385, 4.0]
    T = 20.0
    r = batchode.Solver(m, algorithm="dop853", rtol=1e-11, atol=1e-11, backend="cpu",
                        event_records=40).solve(params={"mu": mus}, duration=T)
    assert r.ok.all() and r.events == ("up", "down", "vmax")
    assert r.event_counts.shape == (3, 3) and r.event_time.shape == (3, 40)
    for i, mu in enumerate(mus):
        def f(t, u):
            return [u[1], mu * (1 - u[0] ** 2) * u[1] - u[0]]

        def up(t, u):
            return u[0]
        up.direction = 1

        def down(t, u):
            return u[0] - 0.5
        down.direction = -1

        def vmax(t, u):
            return u[1]
        vmax.direction = -1
        ref = scipy_solve_ivp(f, (0, T), [2, 0], method="DOP853", rtol=1e-13, atol=1e-13,
                              events=[up, down, vmax])
        for k in range(3):
            # v(0) = 0 exactly: SciPy reports that zero at the initial time as a falling
            # crossing; batchode never counts a zero at the start (docs/events.md).
            later = ref.t_events[k] > 0
            ref.t_events[k], ref.y_events[k] = ref.t_events[k][later], ref.y_events[k][later]
            assert r.event_counts[i, k] == len(ref.t_events[k])
            mine = r.event_time[i][r.event_index[i] == k]
            # Located on the step's cubic Hermite interpolant (O(h^4) on dop853's long steps)
            # until the method's own dense output is in the program.
            np.testing.assert_allclose(mine, ref.t_events[k], rtol=0, atol=1e-5)
            states = r.event_state[i][r.event_index[i] == k]
            np.testing.assert_allclose(states, ref.y_events[k], rtol=0, atol=1e-5)
        # Records are in time order, and the unused ones are empty.
        n = int(r.event_counts[i].sum())
        assert np.all(np.diff(r.event_time[i, :n]) >= 0)
        assert np.all(r.event_index[i, n:] == -1) and np.isnan(r.event_time[i, n:]).all()


def test_terminal_event_is_a_success():
    m = batchode.Model.from_string(VDP.replace("event up when x rising",
                                               "event up when x rising stop"))
    r = batchode.Solver(m, rtol=1e-10, atol=1e-10, backend="cpu").solve(duration=20.0,
                                                                          save_every=0.5)
    ref = scipy_solve_ivp(lambda t, u: [u[1], 2.385 * (1 - u[0] ** 2) * u[1] - u[0]],
                          (0, 20.0), [2, 0], method="DOP853", rtol=1e-13, atol=1e-13,
                          events=lambda t, u: u[0])
    first_up = [t for t, y in zip(ref.t_events[0], ref.y_events[0]) if y[1] > 0][0]
    assert r.failed_count == 0 and r.ok.all() and r.stopped.all()
    assert r.status[0] == batchode.RunStatus.STOPPED_BY_EVENT
    assert abs(r.final_time[0] - first_up) < 1e-6
    after = r.time > r.final_time[0]
    assert np.isnan(r.series[0, after]).all() and np.isfinite(r.series[0, ~after]).all()


def test_bouncing_ball_tables():
    m = batchode.Model.from_string("param e = 0.8\nstate y = 1, v = 0\ndy/dt = v\n"
                                   "dv/dt = -9.81\nevent bounce when y falling then v = -e*v\n")
    r = batchode.Solver(m, rtol=1e-10, atol=1e-12, backend="cpu").solve(
        params={"e": [0.5, 0.8]}, duration=1.5)
    t1 = np.sqrt(2 / 9.81)
    for i, e in enumerate([0.5, 0.8]):
        want = t1 + 2 * t1 * e  # the second bounce
        assert abs(r.event_time[i, 1] - want) < 1e-9
    df = r.to_pandas("events")
    assert list(df.columns) == ["t", "event", "y", "v"]
    assert (df["event"] == "bounce").all()
    assert len(df) == int(np.minimum(r.event_counts[:, 0], 10).sum())  # event_records = 10
    fin = r.to_pandas()
    assert "bounce.count" in fin.columns
    xr = pytest.importorskip("xarray")
    ds = r.to_xarray()
    assert isinstance(ds, xr.Dataset)
    assert ds["event_counts"].dims == ("run", "event")
    assert ds["event_state"].dims == ("run", "record", "state")
