"""Models (bo_model) and the contexts (bo_context) that hold the library's error messages."""
import ctypes
import os

import numpy as np

from . import _lib
from ._errors import check, emit_warnings
from ._handles import Owned, drain
from ._lib import lib


class Context:
    """A bo_context: the last error message, log and warnings of the objects made with it.
    A context belongs to one thread at a time; each Model and each Solver has its own."""

    __slots__ = ("handle", "own")

    def __init__(self):
        h = ctypes.c_void_p()
        rc = lib.bo_context_create(ctypes.byref(h))
        if rc != 0:
            raise MemoryError("batchode: cannot create a context")
        self.handle = h
        self.own = Owned(h, lib.bo_context_destroy)


_KINDS = {
    "states": _lib.STATE,
    "parameters": _lib.PARAMETER,
    "constants": _lib.CONSTANT,
    "drivers": _lib.DRIVER,
    "observables": _lib.OBSERVABLE,
    "auxiliaries": _lib.AUXILIARY,
}


class Model:
    """A model in batchode's model language (docs/model-language.md), or imported from
    CellML (docs/cellml.md).

    Make one with :meth:`Model.from_file` or :meth:`Model.from_string`; a model error raises
    :class:`ModelError` whose message is ``file:line:col: message`` followed by the source
    line and a caret. The names of its symbols are tuples in declaration order:
    ``states``, ``parameters``, ``constants``, ``drivers``, ``observables``, ``auxiliaries``.
    """

    def __init__(self, *args, **kwargs):
        raise TypeError("use batchode.Model.from_file(path) or Model.from_string(text)")

    @classmethod
    def _make(cls, load):
        drain()
        self = object.__new__(cls)
        self._ctx = Context()
        h = ctypes.c_void_p()
        check(load(self._ctx.handle, h), self._ctx.handle)
        self._handle = h
        self._own = Owned(h, lib.bo_model_destroy, (self._ctx.own,))
        emit_warnings(self._ctx.handle, stacklevel=4)
        for attr, kind in _KINDS.items():
            n = lib.bo_model_count(h, kind)
            names = tuple(lib.bo_model_symbol_name(h, kind, i).decode() for i in range(n))
            setattr(self, "_" + attr, names)
        self.name = _lib.text(lib.bo_model_name(h))
        ne = lib.bo_model_event_count(h)
        self._events = tuple(lib.bo_model_event_name(h, i).decode() for i in range(ne))
        return self

    @classmethod
    def from_file(cls, path):
        """Load a model from a .ode file, or a CellML file (a name ending in .cellml, or XML
        text), which is imported as :func:`batchode.import_cellml` shows (docs/cellml.md);
        its variables are also found by their ``component.variable`` names."""
        p = os.fsencode(path)
        return cls._make(lambda ctx, h: lib.bo_model_load_file(ctx, p, ctypes.byref(h)))

    @classmethod
    def from_string(cls, text, name=None):
        """Load a model from text; name is the source name in error messages
        (default ``<string>``)."""
        t = _lib.encode(text)
        n = _lib.encode(name) if name is not None else None
        return cls._make(lambda ctx, h: lib.bo_model_load_string(ctx, t, n, ctypes.byref(h)))

    @property
    def handle(self):
        return self._handle

    states = property(lambda self: self._states, doc="State names (integrated variables).")
    parameters = property(lambda self: self._parameters, doc="Parameter names (per run).")
    constants = property(lambda self: self._constants, doc="Constant names (compiled in).")
    drivers = property(lambda self: self._drivers, doc="Driver names (time-varying inputs).")
    observables = property(lambda self: self._observables, doc="Observable names.")
    auxiliaries = property(lambda self: self._auxiliaries, doc="Auxiliary names.")
    events = property(lambda self: self._events,
                      doc="Event names (``event NAME when ...`` lines), in declaration order.")

    def _values(self, kind, names):
        return {n: lib.bo_model_symbol_default(self._handle, kind, i) for i, n in enumerate(names)}

    @property
    def initial_values(self):
        """{state: initial value the model declares}."""
        return self._values(_lib.STATE, self._states)

    @property
    def defaults(self):
        """{parameter: default value}."""
        return self._values(_lib.PARAMETER, self._parameters)

    @property
    def constant_values(self):
        """{constant: value}."""
        return self._values(_lib.CONSTANT, self._constants)

    def units(self):
        """{symbol: declared unit} for every symbol that declares one."""
        out = {}
        for attr, kind in _KINDS.items():
            for i, n in enumerate(getattr(self, "_" + attr)):
                u = lib.bo_model_symbol_unit(self._handle, kind, i)
                if u:
                    out[n] = u.decode()
        return out

    def jacobian_pattern(self):
        """Structural sparsity of df/dy as a (states, states) bool array: [i, j] is True
        when df_i/dy_j is not identically zero."""
        n = len(self._states)
        buf = np.zeros((n, n), dtype=np.uint8)
        check(lib.bo_model_jacobian_pattern(
            self._handle, buf.ctypes.data_as(ctypes.POINTER(ctypes.c_ubyte))), self._ctx.handle)
        return buf.astype(bool)

    def c_source(self):
        """The generated C source of the model's functions (dxdt, observables, Jacobian, ...)."""
        out = ctypes.c_void_p()
        check(lib.bo_model_emit_c(self._ctx.handle, self._handle, ctypes.byref(out)),
              self._ctx.handle)
        return _lib.take_string(out)

    def __repr__(self):
        return (f"<batchode.Model {self.name!r}: states {list(self._states)}, "
                f"parameters {list(self._parameters)}>")


def import_cellml(path):
    """The model-language text of the CellML 1.0, 1.1 or 2.0 model at path (docs/cellml.md):
    the model that :meth:`Model.from_file` loads for that file, with comments naming each
    variable's component and units. Raises ModelError (with ``file:line: message``) for an
    invalid model, BatchodeIOError for a file that cannot be read, BackendError when the
    library was built without libxml2."""
    ctx = Context()
    out = ctypes.c_void_p()
    check(lib.bo_model_import_cellml(ctx.handle, os.fsencode(path), ctypes.byref(out)),
          ctx.handle)
    emit_warnings(ctx.handle, stacklevel=2)
    return _lib.take_string(out)


def cellml_supported():
    """True when the library imports CellML (it was built with libxml2)."""
    return bool(lib.bo_cellml_supported())
