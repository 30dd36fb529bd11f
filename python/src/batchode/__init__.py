"""batchode: huge batches of ODE initial value problems on NVIDIA GPUs and CPUs.

    import numpy as np, batchode
    m = batchode.Model.from_file("examples/lorenz.ode")
    s = batchode.Solver(m, algorithm="tsit5", rtol=1e-8, atol=1e-8)
    r = s.solve(params={"rho": np.linspace(0, 21, 10**5)}, duration=1.0, save_every=0.25)
    r.final        # (runs, states)
    r.series       # (runs, saves, variables)
    r.to_xarray()

A binding of the C library's public API (include/batchode.h) through ctypes; the guide is
docs/python.md.
"""
from . import _lib
from ._errors import (BackendError, BatchodeError, BatchodeIOError, BatchodeMemoryError,
                      BatchodeWarning, CancelledError, CompileError, DeviceError,
                      InvalidArgumentError, ModelError, NotFoundError, SettingError, StateError,
                      UnknownSettingError)
from ._model import Model, cellml_supported, import_cellml
from ._results import Results, RunStatus, status_string
from ._solver import Solver, default_settings, settings_doc, solve_ivp
from . import _nvrtc

__version__ = _lib.version()
library_path = _lib.library_path


def __getattr__(name):
    if name == "nvrtc_wheel_library":
        return _nvrtc.loaded
    raise AttributeError(f"module 'batchode' has no attribute {name!r}")


__all__ = [
    "Model", "import_cellml", "cellml_supported", "Solver", "Results", "RunStatus", "solve_ivp", "default_settings", "settings_doc",
    "status_string", "BatchodeError", "ModelError", "SettingError", "UnknownSettingError",
    "InvalidArgumentError", "NotFoundError", "BatchodeIOError", "BatchodeMemoryError",
    "CompileError", "BackendError", "DeviceError", "StateError", "CancelledError",
    "BatchodeWarning",
]
