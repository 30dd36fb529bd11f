"""CellML models through the C API: Model.from_file on a .cellml file, import_cellml's text,
component.variable names in a sweep, and errors with file:line."""
import math

import numpy as np
import pytest

import batchode
from conftest import ROOT

CELLML = ROOT / "tests" / "data" / "cellml"

pytestmark = pytest.mark.skipif(not batchode.cellml_supported(),
                                reason="library built without libxml2")


def test_from_file_cellml():
    m = batchode.Model.from_file(CELLML / "hodgkin_huxley.cellml")
    assert m.name == "hodgkin_huxley_1952"
    assert m.states == ("V", "m", "h", "n")
    assert "g_Na" in m.parameters
    assert "i_Na" in m.observables
    assert m.initial_values["V"] == -65.0


def test_import_text_is_the_model():
    text = batchode.import_cellml(CELLML / "two_units.cellml")
    assert "state V = -80 [millivolt]  # membrane.V" in text
    assert "dV/dt = 0.001*rate" in text
    a = batchode.Model.from_string(text, "two_units.ode")
    b = batchode.Model.from_file(CELLML / "two_units.cellml")
    assert a.states == b.states and a.parameters == b.parameters


def test_sweep_by_component_name_against_closed_form():
    m = batchode.Model.from_file(CELLML / "two_units.cellml")
    s = batchode.Solver(m, algorithm="dop853", rtol=1e-11, atol=1e-11)
    taus = np.array([0.005, 0.002385])  # seconds
    r = s.solve(params={"kinetics.tau": taus}, duration=7.3)
    V = r.final[:, m.states.index("V")]
    np.testing.assert_allclose(V, 20 - 100 * np.exp(-7.3 / (taus * 1000)), rtol=1e-9)
    np.testing.assert_allclose(r.final[:, m.states.index("y")], math.exp(-0.73), rtol=1e-9)


def test_errors(tmp_path):
    bad = tmp_path / "bad.cellml"
    bad.write_text("<?xml version='1.0'?>\n<model xmlns='http://www.cellml.org/cellml/1.0#'"
                   " name='m'>\n<component name='c'>\n"
                   "<variable name='x' units='furlong'/>\n</component></model>\n")
    with pytest.raises(batchode.ModelError, match=r"bad.cellml:4: unknown units 'furlong'"):
        batchode.Model.from_file(bad)
    with pytest.raises(batchode.ModelError, match=r"bad.cellml:4: unknown units"):
        batchode.import_cellml(bad)
    with pytest.raises(batchode.BatchodeIOError):
        batchode.import_cellml(tmp_path / "missing.cellml")
