"""Models: loading, symbol names and values, errors with file:line:col and a caret."""
import numpy as np
import pytest

import batchode
from conftest import EXAMPLES


def test_from_file_names_and_values(lorenz):
    assert lorenz.name == "lorenz"
    assert lorenz.states == ("x", "y", "z")
    assert lorenz.parameters == ("sigma", "rho")
    assert lorenz.constants == ("beta",)
    assert lorenz.observables == ("radius",)
    assert lorenz.drivers == ()
    assert lorenz.initial_values == {"x": 1.0, "y": 0.0, "z": 0.0}
    assert lorenz.defaults == {"sigma": 10.0, "rho": 28.0}
    assert lorenz.constant_values["beta"] == pytest.approx(8 / 3, rel=1e-15)


def test_from_string_units_and_pattern():
    m = batchode.Model.from_string(
        "model u\nparam k = 2 [1/s]\nstate a = 1 [mol], b = 0 [mol]\n"
        "da/dt = -k*a\ndb/dt = k*a\n", "u.ode")
    assert m.units() == {"k": "1/s", "a": "mol", "b": "mol"}
    # df_a/da = -k, df_a/db = 0, df_b/da = k, df_b/db = 0
    np.testing.assert_array_equal(m.jacobian_pattern(), [[True, False], [True, False]])
    assert "dxdt" in m.c_source() or "void" in m.c_source()


def test_model_error_keeps_position_and_caret():
    with pytest.raises(batchode.ModelError) as e:
        batchode.Model.from_string("model a\nparam sigma = 1\nstate x = 1\ndx/dt = -sigmma*x\n",
                                   "a.ode")
    msg = str(e.value)
    assert msg.startswith("a.ode:4:10: unknown symbol 'sigmma' (did you mean 'sigma'?)")
    assert "dx/dt = -sigmma*x" in msg and "^" in msg.splitlines()[-1]
    assert e.value.code == -5 and e.value.status == "BO_ERR_MODEL"
    assert isinstance(e.value, ValueError) and isinstance(e.value, batchode.BatchodeError)


def test_missing_file_is_an_oserror(tmp_path):
    with pytest.raises(batchode.BatchodeIOError) as e:
        batchode.Model.from_file(tmp_path / "none.ode")
    assert isinstance(e.value, OSError)
    assert "none.ode" in str(e.value)


def test_model_constructor_points_to_factories():
    with pytest.raises(TypeError, match="from_file"):
        batchode.Model()


def test_every_example_loads():
    for path in sorted(EXAMPLES.glob("*.ode")):
        m = batchode.Model.from_file(path)
        assert m.states, path
