"""Shared fixtures: the repository's example models and a few small models of our own."""
import os
import pathlib

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

DECAY = """model decay
param k = 1.5
state y = 2.385
dy/dt = -k*y
obs twice = 2*y
"""

OSCILLATOR = """model oscillator
param omega = 2
state x = 1, v = 0
dx/dt = v
dv/dt = -omega^2*x
obs energy = 0.5*(v^2 + omega^2*x^2)
"""

DRIVEN = """model driven
param a = 1
driver u
state x = 0
dx/dt = a*u
"""


@pytest.fixture(scope="session")
def lorenz():
    import batchode
    return batchode.Model.from_file(EXAMPLES / "lorenz.ode")


@pytest.fixture(scope="session")
def decay():
    import batchode
    return batchode.Model.from_string(DECAY, "decay.ode")


@pytest.fixture(scope="session")
def oscillator():
    import batchode
    return batchode.Model.from_string(OSCILLATOR, "oscillator.ode")


@pytest.fixture(scope="session")
def driven():
    import batchode
    return batchode.Model.from_string(DRIVEN, "driven.ode")
