"""Solvers (bo_solver), batches (bo_batch) and the one-call solve_ivp.

A solve runs bo_solver_solve in a worker thread (ctypes releases the GIL for the call) while
the calling thread waits on it. Ctrl-C in the waiting thread raises KeyboardInterrupt there;
the solver's interrupt hook (bo_solver_set_interrupt) then answers 1, the library stops
starting runs, the runs in flight finish, the worker returns BO_ERR_CANCELLED, and the
KeyboardInterrupt is re-raised with nothing left behind.
"""
import atexit
import ctypes
import os
import threading
import time
from collections.abc import Mapping

import numpy as np

from . import _lib, _nvrtc
from ._errors import SettingError, check, emit_warnings
from ._handles import InLibrary, Owned, drain
from ._lib import lib
from ._model import Context, Model
from ._results import Results

_CANCELLED = -15
_SPANS = {"t0": 0, "settling": 1, "duration": 2}  # bo_span
_GRIDS = {"combinatorial": _lib.GRID_COMBINATORIAL, "verbatim": _lib.GRID_VERBATIM}
_INTERPOLATIONS = {"linear": 0, "natural": 1, "clamped": 2, "not_a_knot": 3, "periodic": 4}
_ENDS = {"hold": 0, "wrap": 1}


def setting_text(key, value):
    """A Python value as the text a setting takes: numbers in shortest round-trip form,
    bools as true/false, sequences as comma lists (atol per state, outputs, names)."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple, np.ndarray)):
        return ",".join(setting_text(key, v) for v in np.asarray(value, dtype=object).ravel())
    raise SettingError(f"setting '{key}': a {type(value).__name__} is not a number, text, "
                       "bool or list")


def _parse_dump(text):
    out = {}
    for line in text.splitlines():
        k, sep, v = line.partition(" = ")
        if sep:
            out[k.strip()] = v
    return out


_defaults = None


def default_settings():
    """{key: default value as text} for every setting (docs/settings.md; `batchode
    settings`)."""
    global _defaults
    if _defaults is None:
        ctx = Context()
        s = ctypes.c_void_p()
        check(lib.bo_settings_create(ctx.handle, ctypes.byref(s)), ctx.handle)
        try:
            out = ctypes.c_void_p()
            check(lib.bo_settings_dump(s, ctypes.byref(out)), ctx.handle)
            _defaults = _parse_dump(_lib.take_string(out))
        finally:
            lib.bo_settings_destroy(s)
    return dict(_defaults)


def settings_doc(markdown=False):
    """The reference of every setting: plain text (as `batchode settings`) or Markdown."""
    out = ctypes.c_void_p()
    check(lib.bo_settings_doc(1 if markdown else 0, ctypes.byref(out)), None)
    return _lib.take_string(out)


# Solves in flight, as (flags, done event) pairs. A solve runs in a daemon thread; one still running
# when the interpreter exits would run the compiled program while the interpreter and the
# solver are torn down around it. So at exit every solve in flight is asked to stop, and
# waited for (the runs in flight finish: about 10 ms of work a thread).
_in_flight = set()
_in_flight_lock = threading.Lock()


@atexit.register
def _stop_solves_at_exit():
    with _in_flight_lock:
        solves = list(_in_flight)
    for flags, _ in solves:
        flags.stop = True
    for _, done in solves:
        done.wait()


class _Flags:
    """What a solver's two callbacks read: whether to stop, and where progress goes."""
    __slots__ = ("stop", "progress")

    def __init__(self):
        self.stop = False
        self.progress = None


def _callbacks(flags):
    """The interrupt hook and progress callback of one solver, made once and kept as long as
    the C solver lives (a callback freed while the library still holds its address would
    be fatal). Both run on the solving thread: the hook about every 100 ms (CPU) or between
    chunks (GPU), cheap and never calling the library."""

    def interrupt(user):
        return 1 if flags.stop else 0

    def progress(user, done, total):
        fn = flags.progress
        if fn is not None:
            fn(done, total)

    return _lib.INTERRUPT_FN(interrupt), _lib.PROGRESS_FN(progress)


class _TqdmProgress:
    """A tqdm bar that appears only once a solve has run for half a second."""

    def __init__(self, tqdm, desc):
        self.tqdm, self.desc, self.bar, self.start = tqdm, desc, None, time.monotonic()

    def __call__(self, done, total):
        if self.bar is None:
            if done >= total or time.monotonic() - self.start < 0.5:
                return
            self.bar = self.tqdm(total=total, desc=self.desc, unit="run", unit_scale=True,
                                 leave=False)
        self.bar.update(done - self.bar.n)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _is_frame(x):
    return hasattr(x, "columns") and hasattr(x, "to_numpy") and not isinstance(x, np.ndarray)


class Solver:
    """A model compiled with settings for one backend (bo_solver).

    ``Solver(model, algorithm="tsit5", rtol=1e-8, backend="auto", **settings)``: every
    setting of docs/settings.md (``batchode settings``) is a keyword; values are numbers,
    text, bools or sequences (``atol=[1e-8, 1e-6]``, ``outputs=["state", "mean"]``). An
    unknown keyword raises :class:`UnknownSettingError` with the library's "did you mean"; a
    bad value :class:`SettingError` naming the allowed values. ``progress`` (default: a tqdm
    bar on solves longer than half a second, when tqdm is installed) may be False or a
    callable(done, total).

    Creating the solver generates and compiles the program, or loads it from the compile
    cache. Solving again with other runs, durations or save intervals never recompiles.
    """

    def __init__(self, model, algorithm=None, *, progress=None, **settings):
        if not isinstance(model, Model):
            model = Model.from_file(model)
        _nvrtc.preload()
        drain()
        self.model = model
        self._handle = None
        self._own = None
        self._ctx = Context()
        self._lock = threading.Lock()
        self._flags = _Flags()
        self._progress = progress
        self._settings_cache = None
        if algorithm is not None:
            settings = {"algorithm": algorithm, **settings}
        ctx = self._ctx.handle
        st = ctypes.c_void_p()
        check(lib.bo_settings_create(ctx, ctypes.byref(st)), ctx)
        try:
            for key, value in settings.items():
                self._apply(lambda k, v: lib.bo_settings_set(st, k, v), key, value)
            h = ctypes.c_void_p()
            check(lib.bo_solver_create(ctx, model.handle, st, ctypes.byref(h)), ctx)
        finally:
            lib.bo_settings_destroy(st)
        self._handle = h
        hooks = _callbacks(self._flags)
        self._own = Owned(h, lib.bo_solver_destroy, (self._ctx.own, model._own), keep=hooks)
        lib.bo_solver_set_interrupt(h, hooks[0], None)
        self._progress_thunk = hooks[1]
        self.backend = lib.bo_solver_backend(h).decode()
        emit_warnings(ctx)

    def _apply(self, setter, key, value):
        if value is None:
            value = default_settings().get(key)
            if value is None:  # not a key: let the library name the closest ones
                value = ""
        text = setting_text(key, value)
        check(setter(key.encode(), text.encode()), self._ctx.handle)

    # ---- lifetime -------------------------------------------------------------------------

    def close(self):
        """Free the compiled program now (it is freed anyway when the solver is collected).
        Results already returned stay valid."""
        with self._lock:
            self._handle = None
            if self._own is not None:
                self._own.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _h(self):
        if not self._handle:
            raise ValueError("the solver is closed")
        return self._handle

    # ---- settings and reports -------------------------------------------------------------

    def set(self, **settings):
        """Change settings (code settings recompile at the next solve, runtime ones never)."""
        with self._lock:
            self._set(settings)

    def _set(self, settings):
        h = self._h()
        for key, value in settings.items():
            self._apply(lambda k, v: lib.bo_solver_set(h, k, v), key, value)
            self._settings_cache = None

    @property
    def settings(self):
        """Effective settings of the solver, {key: value as text}."""
        if self._settings_cache is None:
            out = ctypes.c_void_p()
            check(lib.bo_solver_settings_dump(self._h(), ctypes.byref(out)), self._ctx.handle)
            self._settings_cache = _parse_dump(_lib.take_string(out))
        return self._settings_cache

    @property
    def source(self):
        """The generated C source of the current program."""
        return _lib.text(lib.bo_solver_source(self._h()))

    def info(self):
        """A report on the compiled program and its backend (as `batchode solve --info`)."""
        out = ctypes.c_void_p()
        check(lib.bo_solver_info(self._h(), ctypes.byref(out)), self._ctx.handle)
        return _lib.take_string(out)

    @property
    def last_wall_seconds(self):
        """Wall time of the last solve inside the library, in seconds."""
        return lib.bo_solver_last_wall_seconds(self._h())

    # ---- drivers --------------------------------------------------------------------------

    def set_save_times(self, times):
        """Save at these times (measured from the end of settling, shared by every run) for
        every later solve: a 1-D sequence of finite, strictly increasing numbers inside
        [0, duration]. The same as the setting save_at= (which takes a list too, or
        "lin:a:b:n", "log:a:b:n" or a file), and exclusive with it and with save_every.
        None or an empty sequence goes back to save_every."""
        tt = np.ascontiguousarray(np.asarray([] if times is None else times,
                                             dtype=np.float64).ravel())
        with self._lock:
            check(lib.bo_solver_set_save_times(self._h(), tt.ctypes.data if tt.size else None,
                                               tt.size), self._ctx.handle)

    def _driver_options(self, interpolation, ends, slope_start, slope_end):
        opt = _lib.DriverOptions()
        lib.bo_driver_options_init(ctypes.byref(opt))
        if interpolation is not None:
            if interpolation not in _INTERPOLATIONS:
                raise ValueError(f"interpolation={interpolation!r}: must be one of "
                                 f"{', '.join(_INTERPOLATIONS)}")
            opt.interpolation = _INTERPOLATIONS[interpolation]
        if ends is not None:
            if ends not in _ENDS:
                raise ValueError(f"ends={ends!r}: must be one of {', '.join(_ENDS)}")
            opt.ends = _ENDS[ends]
        if slope_start is not None:
            opt.slope_start = float(slope_start)
        if slope_end is not None:
            opt.slope_end = float(slope_end)
        return opt

    def set_driver(self, name, t, values=None, *, interpolation=None, ends=None,
                   slope_start=None, slope_end=None):
        """Give driver ``name`` its samples (t[i], values[i]), shared by every run (copied;
        never recompiles). ``t`` may be a pandas Series (its index the times) with values
        omitted. interpolation: linear, natural, clamped, not_a_knot, periodic; ends: hold,
        wrap (default: the settings driver_interpolation, driver_ends); slope_start,
        slope_end: the end slopes of a clamped spline (default: one-sided differences)."""
        if values is None:
            if not hasattr(t, "index"):
                raise TypeError("set_driver(name, t, values): values missing")
            t, values = np.asarray(t.index, dtype=float), np.asarray(t, dtype=float)
        tt = np.ascontiguousarray(t, dtype=np.float64).ravel()
        vv = np.ascontiguousarray(values, dtype=np.float64).ravel()
        if tt.size != vv.size:
            raise ValueError(f"driver '{name}': {tt.size} times but {vv.size} values")
        opt = self._driver_options(interpolation, ends, slope_start, slope_end)
        with self._lock:
            check(lib.bo_solver_set_driver(self._h(), _lib.encode(name), tt.ctypes.data,
                                           vv.ctypes.data, tt.size, ctypes.byref(opt)),
                  self._ctx.handle)

    def load_driver_csv(self, name, path, *, interpolation=None, ends=None, slope_start=None,
                        slope_end=None):
        """Driver samples from a CSV file of time,value rows (docs/drivers.md)."""
        opt = self._driver_options(interpolation, ends, slope_start, slope_end)
        with self._lock:
            check(lib.bo_solver_load_driver_csv(self._h(), _lib.encode(name), os.fsencode(path),
                                                ctypes.byref(opt)), self._ctx.handle)

    # ---- batches --------------------------------------------------------------------------

    def _set_block(self, b, frame):
        names = [str(c) for c in frame.columns]
        cols = [np.ascontiguousarray(frame[c].to_numpy(), dtype=np.float64)
                for c in frame.columns]
        n = len(frame)
        c_names = (ctypes.c_char_p * len(names))(*[s.encode() for s in names])
        c_cols = (ctypes.c_void_p * len(cols))(*[c.ctypes.data for c in cols])
        check(lib.bo_batch_set_runs(b, len(names), c_names, c_cols, n), self._ctx.handle)

    def _set_values(self, b, kind, values, what):
        ctx = self._ctx.handle
        if values is None:
            return
        if _is_frame(values):
            self._set_block(b, values)
            return
        if not isinstance(values, Mapping):
            raise TypeError(f"{what}: a dict of name -> values or a pandas DataFrame, not "
                            f"{type(values).__name__}")
        for name, v in values.items():
            key = _lib.encode(name)
            if isinstance(v, str):
                check(lib.bo_batch_set_spec(b, kind, key, v.encode()), ctx, f"{what}: ")
                continue
            arr = np.ascontiguousarray(v, dtype=np.float64)
            if arr.ndim > 1:
                raise ValueError(f"{what}['{name}']: a scalar or 1-D sequence of values, not "
                                 f"an array of shape {arr.shape}")
            arr = arr.reshape(-1)
            check(lib.bo_batch_set_values(b, kind, key, arr.ctypes.data, arr.size), ctx,
                  f"{what}: ")

    def _set_spans(self, b, spans):
        ctx = self._ctx.handle
        if spans is None:
            return
        if _is_frame(spans):
            self._set_block(b, spans)
            return
        if not isinstance(spans, Mapping):
            raise TypeError(f"spans: a dict of t0/settling/duration -> values or a pandas "
                            f"DataFrame, not {type(spans).__name__}")
        for name, v in spans.items():
            if name not in _SPANS:
                raise ValueError(f"spans: unknown span {name!r} (spans: t0, settling, "
                                 f"duration)")
            which = _SPANS[name]
            if isinstance(v, str):
                check(lib.bo_batch_set_span_spec(b, which, v.encode()), ctx, "spans: ")
                continue
            arr = np.ascontiguousarray(v, dtype=np.float64)
            if arr.ndim > 1:
                raise ValueError(f"spans['{name}']: a scalar or 1-D sequence of values, not "
                                 f"an array of shape {arr.shape}")
            arr = arr.reshape(-1)
            check(lib.bo_batch_set_span(b, which, arr.ctypes.data, arr.size), ctx, "spans: ")

    def _make_batch(self, params, inits, runs, grid=None, spans=None):
        ctx = self._ctx.handle
        b = ctypes.c_void_p()
        check(lib.bo_batch_create(ctx, self.model.handle, ctypes.byref(b)), ctx)
        try:
            check(lib.bo_batch_set_grid(b, _GRIDS[grid or self.settings["grid"]]), ctx)
            if runs is not None:
                if _is_frame(runs):
                    self._set_block(b, runs)
                else:
                    check(lib.bo_batch_load_csv(b, os.fsencode(runs)), ctx)
            self._set_values(b, _lib.PARAMETER, params, "params")
            self._set_values(b, _lib.STATE, inits, "inits")
            self._set_spans(b, spans)
            check(lib.bo_batch_validate(b), ctx)
        except BaseException:
            lib.bo_batch_destroy(b)
            raise
        return b

    def run_count(self, params=None, inits=None, *, runs=None, grid=None, spans=None):
        """How many runs solve() would integrate for these inputs."""
        if grid is not None and grid not in _GRIDS:
            raise SettingError(f"grid={grid!r}: must be 'combinatorial' or 'verbatim'")
        with self._lock:
            b = self._make_batch(params, inits, runs, grid, spans)
            n = lib.bo_batch_run_count(b)
            lib.bo_batch_destroy(b)
            return n

    # ---- solving --------------------------------------------------------------------------

    def _progress_fn(self, progress):
        p = self._progress if progress is None else progress
        if p is False:
            return None, None
        if callable(p) and p is not True:
            return p, None
        try:
            from tqdm import tqdm
        except ImportError:
            return None, None
        bar = _TqdmProgress(tqdm, self.model.name)
        return bar, bar

    def solve(self, params=None, inits=None, *, runs=None, grid=None, spans=None,
              progress=None, **settings):
        """Integrate a batch of runs; returns :class:`Results`.

        params, inits: {name: values} where values is a number, a 1-D sequence or a spec
        string ("0:21:1000", "log:1e-3:1:50", "1,2,5"; docs/batches.md), or a pandas
        DataFrame with one run per row (its columns states and/or parameters, kept paired).
        runs: a DataFrame or the path of a CSV run file, likewise one run per row.
        grid: "combinatorial" (every combination of the value lists, the last given varying
        fastest; params before inits) or "verbatim" (lists paired element-wise, single values
        broadcast). Whatever is not given takes the model's value.
        spans: per-run time spans, {"t0"|"settling"|"duration": values} (values as for
        params) or a DataFrame of those columns; they take part in the grid like parameters
        (given after params and inits). A DataFrame given as runs, params or inits may hold
        t0, settling and duration columns too ("span.duration" when the model has a symbol
        of that name). Each run's saves start at its own t0 + settling; with different
        durations the longest sets the number of saves and a shorter run's later saves are
        NaN (docs/python.md).
        Other keywords are settings (duration=, save_every=, outputs=, t0=, ...) for this
        solve only; set() changes settings for every later solve. (A code setting given here,
        such as outputs=, switches the program for this solve and back after it: put it in
        Solver() or set() for repeated solves.)
        """
        with self._lock:
            h = self._h()
            if grid is not None:
                if grid not in _GRIDS:
                    raise SettingError(f"grid={grid!r}: must be 'combinatorial' or 'verbatim'")
                settings["grid"] = grid
            for key in _SPANS:
                if key in settings and np.ndim(settings[key]) > 0:
                    raise TypeError(f"{key}=: a setting takes one value for every run; give "
                                    f"per-run values as spans={{'{key}': [...]}}")
            before = self.settings
            try:
                self._set(settings)
                batch = self._make_batch(params, inits, runs, spans=spans)
                fn, closer = self._progress_fn(progress)
                try:
                    self._flags.progress = fn
                    lib.bo_solver_set_progress(
                        h, self._progress_thunk if fn else _lib.PROGRESS_FN(), None)
                    out = self._run(h, batch)
                finally:
                    lib.bo_batch_destroy(batch)
                    self._flags.progress = None
                    if closer is not None:
                        closer.close()
                emit_warnings(self._ctx.handle)
                return Results(out, self, dict(self.settings))
            finally:
                # keywords apply to this solve only: back to the values set before (their
                # normalised text, so exactly the same setting, and no rebuild)
                for key in settings:
                    if key in before:
                        lib.bo_solver_set(h, key.encode(), before[key].encode())
                if settings:
                    self._settings_cache = before

    def _run(self, h, batch):
        out = ctypes.c_void_p()
        rc = [None]
        flags = self._flags
        flags.stop = False
        # Set by the solving thread when the library returns. Completion is read from this
        # event, not from Thread.join/is_alive: on CPython 3.11 a join interrupted by Ctrl-C
        # can mark a thread that is still running as stopped, which left solves running
        # unowned (and a later solve on the same solver cleared their stop flag).
        done = threading.Event()
        began = threading.Event()

        def work(owner=self):
            # owner: the solver stays alive while its solve runs, whoever lets go of it.
            # The collector may run here inside the progress or interrupt callback: its
            # finalizers must not call the library now (_handles.py).
            began.set()
            try:
                with InLibrary():
                    rc[0] = lib.bo_solver_solve(h, batch, ctypes.byref(out))
            finally:
                done.set()

        worker = threading.Thread(target=work, name="batchode-solve", daemon=True)
        entry = (flags, done)
        with _in_flight_lock:
            _in_flight.add(entry)
        try:
            # start() waits for the thread to begin, and a Ctrl-C in that wait raises here too:
            # inside the try, so the solve it began is stopped and waited for like any other.
            worker.start()
            done.wait()
        except BaseException:
            # Ctrl-C (or another exception raised in this thread): ask the library to stop,
            # wait for the runs in flight, drop what was computed, and re-raise.
            flags.stop = True
            # A Ctrl-C can also land before start() made the thread: then nothing began and
            # nothing will, which `began` tells within moments of a thread that was made.
            made_by = time.monotonic() + 1.0
            while not done.is_set() and (began.is_set() or time.monotonic() < made_by):
                try:
                    done.wait(0.05)
                except KeyboardInterrupt:
                    pass
            if rc[0] == 0:
                lib.bo_results_destroy(out)
            drain()
            raise
        finally:
            with _in_flight_lock:
                _in_flight.discard(entry)
        drain()
        if rc[0] == _CANCELLED and flags.stop:
            raise KeyboardInterrupt
        check(rc[0], self._ctx.handle)
        return out

    def __repr__(self):
        if not self._handle:
            return f"<batchode.Solver {self.model.name!r} (closed)>"
        s = self.settings
        return (f"<batchode.Solver {self.model.name!r}: {s.get('algorithm')}, "
                f"{s.get('precision')}, {self.backend}>")


def solve_ivp(model, t_span, params=None, inits=None, *, method=None, t_eval=None,
              runs=None, grid=None, progress=None, **settings):
    """Solve a batch in one call, in the manner of scipy.integrate.solve_ivp.

    model: a Model, the path of a .ode file, or model text. t_span: (t0, t_end). method: the
    algorithm ("tsit5", "dp5" = "rk45", "radau5", "rodas5p", ...; case-insensitive).
    t_eval: the save times, increasing, inside t_span (evenly spaced ones from t0 to t_end
    become save_every=, others save_at=; or give either yourself). params, inits, runs,
    grid: as Solver.solve. Other keywords are settings (rtol=, atol=, outputs=, precision=,
    backend=, save_mode=, ...). Returns Results.
    """
    if not isinstance(model, Model):
        text = os.fspath(model)
        if isinstance(text, str) and "\n" in text and not os.path.exists(text):
            model = Model.from_string(text)
        else:
            model = Model.from_file(text)
    t0, t1 = (float(x) for x in t_span)
    if not t1 > t0:
        raise ValueError(f"t_span={tuple(t_span)}: the end must be after the start")
    settings.update(t0=t0, duration=t1 - t0)
    if t_eval is not None:
        te = np.asarray(t_eval, dtype=float).ravel()
        h = (t1 - t0) / (te.size - 1) if te.size > 1 else 0.0
        if te.size >= 2 and np.allclose(te, t0 + h * np.arange(te.size), rtol=1e-12,
                                        atol=1e-12 * max(abs(t0), abs(t1))):
            settings["save_every"] = h
        else:
            # any other times: measured from t0 (no settling here); the library checks them
            settings["save_at"] = te - t0
    if method is not None:
        settings["algorithm"] = method
    solver = Solver(model, progress=progress, **settings)
    return solver.solve(params, inits, runs=runs, grid=grid)
