"""Results of a solve (bo_results) as NumPy arrays that view the library's own buffers.

The library lays every per-run array out with consecutive runs adjacent (the GPU's
coalesced layout): final[state][run], series[save][var][run],
summaries[window][column][run]. The arrays here put the run first —
``final`` is (runs, states), ``series`` (runs, saves, variables), ``summaries``
(runs, windows, columns) — as strided, read-only views of that memory: nothing is copied,
and the results object stays alive as long as any view of it does.
"""
import enum
import ctypes
import os
from functools import cached_property

import numpy as np

from . import _lib
from ._errors import check
from ._handles import Owned
from ._lib import lib


def _status_text(code):
    buf = ctypes.create_string_buffer(256)
    return lib.bo_run_status_string(int(code), buf, len(buf)).decode()


def status_string(code):
    """Readable text of a per-run status word: "success", "max_steps|nonfinite", ..."""
    return _status_text(code)


def _make_run_status():
    members = {"SUCCESS": 0}
    for bit in range(31):
        name = _status_text(1 << bit)
        if not name.startswith("bit"):
            members[name.upper()] = 1 << bit
    return enum.IntFlag("RunStatus", members)


RunStatus = _make_run_status()
RunStatus.__doc__ = ("Per-run status flags (kernels/status.h), named by the library: "
                     "RunStatus(r.status[i]) shows which flags a run has; 0 is success, and so "
                     "is STOPPED_BY_EVENT alone.")
RunStatus.__module__ = "batchode"
# The one flag that is not a failure: a terminal event ended the run as the model asked.
STOPPED_BY_EVENT = int(RunStatus.STOPPED_BY_EVENT)


class _View:
    """Exposes library memory to NumPy through the array interface; holds its owner."""

    __slots__ = ("__array_interface__", "owner")

    def __init__(self, owner, addr, dtype, shape, strides):
        self.owner = owner
        self.__array_interface__ = {
            "version": 3, "data": (addr, True), "typestr": np.dtype(dtype).str,
            "shape": tuple(shape), "strides": tuple(strides)}


def _view(owner, addr, dtype, shape, strides):
    if not addr or 0 in shape:
        a = np.zeros(shape, dtype=dtype)
        a.flags.writeable = False
        return a
    return np.asarray(_View(owner, addr, dtype, shape, strides))


class Results:
    """The results of one solve. Arrays are read-only views of the library's buffers.

    ``final``        (runs, states)            state at the end of each run
    ``final_time``   (runs,)                   time each run reached (its end time on success)
    ``status``       (runs,) int32             status bit flags, 0 = success (``status_text``,
                                               ``RunStatus``); failed runs' values are NaN
    ``time``         (saves,)                  save times: shared by all runs; with per-run
                                               spans, offsets from each run's start
    ``run_time``     (runs, saves)             each run's own save times (run_start + time)
    ``t0``, ``settling``, ``duration``, ``run_start``  (runs,) each run's span; its start is
                                               t0 + settling (``spans_vary``: given per run)
    ``series``       (runs, saves, variables)  saved values; ``variables`` names the last axis
    ``summaries``    (runs, windows, columns)  summary metrics; ``summary_names``, ``windows``
    ``inits``        (runs, states)            initial values each run used
    ``params``       (runs, parameters)        parameters each run used
    ``steps``, ``rejections``, ``newton_iters``  (runs,) int64 counters
    ``event_counts`` (runs, events) int64      occurrences of each event (``events`` names them)
    ``event_time``   (runs, records)           first events of each run (NaN: none), with
    ``event_index``  (runs, records) int32     their event (-1: none) and
    ``event_state``  (runs, records, states)   the state at each (before its assignments)

    ``to_xarray()``, ``to_pandas()``, ``plot()`` and ``write(dir, format)`` present them.
    """

    def __init__(self, handle, solver, settings):
        self._handle = handle
        self._own = Owned(handle, lib.bo_results_destroy, (solver._ctx.own,))
        self._ctx = solver._ctx          # where bo_results_write reports (borrowed by r)
        self.model = solver.model
        self.backend = solver.backend
        self.settings = settings         # the effective settings of this solve (dict)
        self.wall_seconds = lib.bo_solver_last_wall_seconds(solver._handle)
        h = handle
        self.runs = lib.bo_results_run_count(h)
        self.failed_count = lib.bo_results_failed_count(h)
        self.states = solver.model.states
        self.parameters = solver.model.parameters
        self._nsaves = lib.bo_results_save_count(h)
        self._nvars = lib.bo_results_var_count(h)
        self._nwin = lib.bo_results_window_count(h)
        self._ncols = lib.bo_results_summary_count(h)
        self.events = tuple(lib.bo_results_event_name(h, i).decode()
                            for i in range(lib.bo_results_event_count(h)))
        self._nrec = lib.bo_results_event_record_count(h)
        self.spans_vary = bool(lib.bo_results_spans_vary(h))

    def __len__(self):
        return self.runs

    def __repr__(self):
        parts = [f"{self.runs} runs", f"{self.failed_count} failed",
                 f"{len(self.states)} states"]
        if self._nsaves:
            parts.append(f"{self._nsaves} saves of {self._nvars} variables")
        if self._ncols:
            parts.append(f"{self._nwin} windows of {self._ncols} summaries")
        return f"<batchode.Results {self.model.name!r}: {', '.join(parts)} ({self.backend})>"

    # ---- per-run arrays -------------------------------------------------------------------

    def _per_run(self, fn, dtype):
        return _view(self, fn(self._handle), dtype, (self.runs,), (np.dtype(dtype).itemsize,))

    def _run_major(self, addr, n):
        # C layout [n][run] -> (runs, n)
        return _view(self, addr, np.float64, (self.runs, n), (8, 8 * self.runs))

    @cached_property
    def final(self):
        """(runs, states) final state of each run; NaN for failed runs."""
        return self._run_major(lib.bo_results_final_array(self._handle), len(self.states))

    @cached_property
    def inits(self):
        """(runs, states) initial values each run used."""
        return self._run_major(lib.bo_results_init_array(self._handle), len(self.states))

    @cached_property
    def params(self):
        """(runs, parameters) parameter values each run used."""
        return self._run_major(lib.bo_results_param_array(self._handle), len(self.parameters))

    @cached_property
    def final_time(self):
        """(runs,) time each run reached."""
        return self._per_run(lib.bo_results_final_time_array, np.float64)

    @cached_property
    def status(self):
        """(runs,) int32 status flags; 0 is success (RunStatus names the bits)."""
        return self._per_run(lib.bo_results_status_array, np.int32)

    @cached_property
    def steps(self):
        """(runs,) int64 steps attempted."""
        return self._per_run(lib.bo_results_steps_array, np.int64)

    @cached_property
    def rejections(self):
        """(runs,) int64 steps rejected."""
        return self._per_run(lib.bo_results_rejections_array, np.int64)

    @cached_property
    def newton_iters(self):
        """(runs,) int64 Newton iterations (0 for explicit and Rosenbrock methods)."""
        return self._per_run(lib.bo_results_newton_iters_array, np.int64)

    @property
    def ok(self):
        """(runs,) bool: the runs that succeeded (status 0, or stopped by a terminal event)."""
        return (self.status & ~STOPPED_BY_EVENT) == 0

    @property
    def stopped(self):
        """(runs,) bool: the runs a terminal event (``stop``) ended early."""
        return (self.status & STOPPED_BY_EVENT) != 0

    @cached_property
    def event_counts(self):
        """(runs, events) int64 occurrences of each event after settling."""
        h = self._handle
        return _view(self, lib.bo_results_event_counts_array(h), np.int64,
                     (self.runs, len(self.events)), (8, 8 * self.runs))

    @cached_property
    def event_time(self):
        """(runs, records) time of each run's first events after settling, in time order
        (NaN where a run had fewer; settings ``event_records``)."""
        return _view(self, lib.bo_results_event_time_array(self._handle), np.float64,
                     (self.runs, self._nrec), (8, 8 * self.runs))

    @cached_property
    def event_index(self):
        """(runs, records) int32 the event of each record, an index into ``events`` (-1:
        none)."""
        return _view(self, lib.bo_results_event_index_array(self._handle), np.int32,
                     (self.runs, self._nrec), (4, 4 * self.runs))

    @cached_property
    def event_state(self):
        """(runs, records, states) the state at each recorded event, before its
        assignments."""
        n = len(self.states)
        return _view(self, lib.bo_results_event_state_array(self._handle), np.float64,
                     (self.runs, self._nrec, n), (8, 8 * self.runs * n, 8 * self.runs))

    @property
    def status_text(self):
        """(runs,) readable status of each run ("success", "max_steps", ...)."""
        codes, inverse = np.unique(self.status, return_inverse=True)
        names = np.array([_status_text(c) for c in codes], dtype=object)
        return names[inverse.reshape(-1)]

    def _span(self, which):
        if self.spans_vary:
            return _view(self, lib.bo_results_span_array(self._handle, which), np.float64,
                         (self.runs,), (8,))
        a = np.full(self.runs, lib.bo_results_span(self._handle, 0, which) if self.runs else
                    np.nan)
        a.flags.writeable = False
        return a

    @cached_property
    def t0(self):
        """(runs,) start time of each run."""
        return self._span(0)

    @cached_property
    def settling(self):
        """(runs,) warm-up time of each run."""
        return self._span(1)

    @cached_property
    def duration(self):
        """(runs,) recorded duration of each run (after its settling)."""
        return self._span(2)

    @cached_property
    def run_start(self):
        """(runs,) where each run's recording starts: t0 + settling."""
        return self.t0 + self.settling

    @cached_property
    def run_time(self):
        """(runs, saves) the time of each run's saves. Without per-run spans every row is
        ``time``; with them row i is run_start[i] + time (saves past a shorter run's end
        are NaN in ``series``)."""
        if not self.spans_vary:
            return np.broadcast_to(self.time, (self.runs, self._nsaves))
        return self.run_start[:, None] + self.time[None, :]

    def _span_names(self):
        """{column: values} of the spans as final.csv names them (span.NAME when a model
        symbol has the name), when they vary per run; else empty."""
        if not self.spans_vary:
            return {}
        symbols = set(self.parameters) | set(self.states)
        return {("span." + n if n in symbols else n): getattr(self, n)
                for n in ("t0", "settling", "duration")}

    # ---- time series ----------------------------------------------------------------------

    @cached_property
    def time(self):
        """(saves,) save times, shared by all runs (empty without saves)."""
        return np.array([lib.bo_results_save_time(self._handle, k) for k in range(self._nsaves)])

    @cached_property
    def variables(self):
        """Names of the saved variables (the last axis of series): states, then observables."""
        return tuple(lib.bo_results_var_name(self._handle, v).decode()
                     for v in range(self._nvars))

    @cached_property
    def series(self):
        """(runs, saves, variables) saved values; NaN for failed runs."""
        r, s, v = self.runs, self._nsaves, self._nvars
        return _view(self, lib.bo_results_series_array(self._handle), np.float64, (r, s, v),
                     (8, 8 * v * r, 8 * r))

    # ---- summaries ------------------------------------------------------------------------

    @cached_property
    def summary_names(self):
        """Summary column names: "x.mean", "x.extrema.max", "x.peaks.t1", ..."""
        return tuple(lib.bo_results_summary_name(self._handle, c).decode()
                     for c in range(self._ncols))

    @cached_property
    def summary_columns(self):
        """One dict per summary column: name, variable, metric, output and unit (or None)."""
        h, out = self._handle, []
        for c in range(self._ncols):
            unit = lib.bo_results_summary_unit(h, c)
            out.append({"name": self.summary_names[c],
                        "variable": lib.bo_results_summary_variable(h, c).decode(),
                        "metric": lib.bo_results_summary_metric(h, c).decode(),
                        "output": lib.bo_results_summary_output(h, c).decode(),
                        "unit": unit.decode() if unit else None})
        return out

    @cached_property
    def windows(self):
        """(windows, 2) start and end time of each summary window."""
        return np.array([[lib.bo_results_window_start(self._handle, w),
                          lib.bo_results_window_end(self._handle, w)]
                         for w in range(self._nwin)]).reshape(self._nwin, 2)

    @cached_property
    def summaries(self):
        """(runs, windows, columns) summary metrics; NaN for failed runs."""
        r, w, c = self.runs, self._nwin, self._ncols
        return _view(self, lib.bo_results_summary_array(self._handle), np.float64, (r, w, c),
                     (8, 8 * c * r, 8 * r))

    def summary(self, name):
        """(runs, windows) values of one summary column by name ("x.mean")."""
        try:
            c = self.summary_names.index(name)
        except ValueError:
            raise KeyError(f"no summary column {name!r}; the columns are "
                           f"{', '.join(self.summary_names) or '(none)'}") from None
        return self.summaries[:, :, c]

    def __getitem__(self, name):
        """The saved series of one variable, (runs, saves); or, without saves, the final
        value of a state, (runs,)."""
        if name in self.variables:
            return self.series[:, :, self.variables.index(name)]
        if name in self.states:
            return self.final[:, self.states.index(name)]
        raise KeyError(f"no variable {name!r}; saved: {', '.join(self.variables) or '(none)'}"
                       f"; states: {', '.join(self.states)}")

    # ---- conversions ----------------------------------------------------------------------

    def _varying(self):
        """Names and values of the inputs that differ between runs: parameters, then initial
        values (as "<state>_0")."""
        out = {}
        for i, p in enumerate(self.parameters):
            col = self.params[:, i]
            if self.runs and np.any(col != col[0]):
                out[p] = col
        for i, s in enumerate(self.states):
            col = self.inits[:, i]
            if self.runs and np.any(col != col[0]):
                out[s + "_0"] = col
        return out

    def to_xarray(self):
        """An xarray.Dataset: ``series`` (run, time, variable), ``final`` (run, state),
        ``summaries`` (run, window, summary), ``final_time``, ``status`` and the counters
        (run). Every parameter, and every initial value as ``<state>_0``, is a coordinate
        along run; with per-run spans so are t0, settling and duration, ``time`` holds the
        offsets from each run's start and ``run_time`` (run, time) each run's own save times
        (window_start/window_end are offsets likewise); attrs hold every effective setting, the model name (``model``) and the
        backend that ran (``backend_used``)."""
        try:
            import xarray as xr
        except ImportError:
            raise ImportError("Results.to_xarray needs xarray: pip install xarray "
                              "(or the package's [xarray] extra)") from None

        taken = {"run", "time", "variable", "state", "window", "summary"}
        coords = {"run": np.arange(self.runs), "state": list(self.states)}
        for i, p in enumerate(self.parameters):
            coords[p if p not in taken else "param_" + p] = ("run", self.params[:, i])
        for i, s in enumerate(self.states):
            coords[s + "_0"] = ("run", self.inits[:, i])
        for name, values in self._span_names().items():
            coords[name] = ("run", values)
        data = {
            "final": (("run", "state"), self.final),
            "final_time": ("run", self.final_time),
            "status": ("run", self.status),
            "steps": ("run", self.steps),
            "rejections": ("run", self.rejections),
            "newton_iters": ("run", self.newton_iters),
        }
        if self._nsaves:
            coords["time"] = self.time
            if self.spans_vary:  # time: offsets from each run's start
                coords["run_time"] = (("run", "time"), self.run_time)
            coords["variable"] = list(self.variables)
            data["series"] = (("run", "time", "variable"), self.series)
        if self._ncols:
            coords["summary"] = list(self.summary_names)
            coords["window_start"] = ("window", self.windows[:, 0])
            coords["window_end"] = ("window", self.windows[:, 1])
            data["summaries"] = (("run", "window", "summary"), self.summaries)
        if self.events:
            coords["event"] = list(self.events)
            data["event_counts"] = (("run", "event"), self.event_counts)
        if self._nrec:
            data["event_time"] = (("run", "record"), self.event_time)
            data["event_index"] = (("run", "record"), self.event_index)
            data["event_state"] = (("run", "record", "state"), self.event_state)
        attrs = dict(self.settings)  # "backend" is the setting (auto, cpu, cuda)
        attrs["model"] = self.model.name
        attrs["backend_used"] = self.backend
        return xr.Dataset(data, coords=coords, attrs=attrs)

    def to_pandas(self, what="final"):
        """A pandas.DataFrame.

        what="final" (default): one row per run (index ``run``): status, t, the spans (t0,
        settling, duration) when they vary per run, the parameters, the initial values as
        ``<state>_0`` and the final states — the columns of final.csv.
        what="series": one row per (run, time), one column per saved variable; time is each
        run's own.
        what="summaries": one row per (run, window), one column per summary column.
        what="events": one row per recorded event (run, record): t, event (its name) and the
        state there — the columns of events.csv.
        """
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("Results.to_pandas needs pandas: pip install pandas "
                              "(or the package's [pandas] extra)") from None

        if what == "final":
            cols = {"status": self.status, "t": self.final_time}
            cols.update(self._span_names())
            for i, p in enumerate(self.parameters):
                cols[p] = self.params[:, i]
            for i, s in enumerate(self.states):
                cols[s + "_0"] = self.inits[:, i]
            for i, s in enumerate(self.states):
                cols[s] = self.final[:, i]
            for i, e in enumerate(self.events):
                cols[e + ".count"] = self.event_counts[:, i]
            return pd.DataFrame(cols, index=pd.RangeIndex(self.runs, name="run"))
        if what == "events":
            keep = self.event_index >= 0
            run, rec = np.nonzero(keep)
            names = np.array(self.events + ("",), dtype=object)
            cols = {"t": self.event_time[keep],
                    "event": names[self.event_index[keep]]}
            for i, s in enumerate(self.states):
                cols[s] = self.event_state[:, :, i][keep]
            idx = pd.MultiIndex.from_arrays([run, rec], names=["run", "record"])
            return pd.DataFrame(cols, index=idx)
        if what == "series":
            if self.spans_vary:  # each run's own times
                idx = pd.MultiIndex.from_arrays(
                    [np.repeat(np.arange(self.runs), self._nsaves), self.run_time.reshape(-1)],
                    names=["run", "time"])
            else:
                idx = pd.MultiIndex.from_product([np.arange(self.runs), self.time],
                                                 names=["run", "time"])
            return pd.DataFrame(self.series.reshape(-1, self._nvars), index=idx,
                                columns=list(self.variables))
        if what == "summaries":
            idx = pd.MultiIndex.from_product([np.arange(self.runs), np.arange(self._nwin)],
                                             names=["run", "window"])
            return pd.DataFrame(self.summaries.reshape(-1, self._ncols), index=idx,
                                columns=list(self.summary_names))
        raise ValueError(f"what={what!r}: must be 'final', 'series', 'summaries' or 'events'")

    def write(self, directory, format="csv"):
        """Write the results as the command-line tool does (docs/outputs.md): "csv" or
        "npy" files in directory (created if needed)."""
        check(lib.bo_results_write(self._handle, os.fsencode(directory), _lib.encode(format)),
              self._ctx.handle)

    # ---- quick look -----------------------------------------------------------------------

    def plot(self, variables=None, runs=None, x=None, max_runs=8, ax=None):
        """A quick look with matplotlib (an optional dependency); returns the Figure.

        With saves: the time series of a few runs (``runs``, default up to ``max_runs``
        spread over the batch), one panel per variable. Without saves: each final state
        against the input that varies over the batch (``x``: a parameter or "<state>_0";
        default the one with the most distinct values), one panel per state.
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError:
            raise ImportError("Results.plot needs matplotlib: pip install matplotlib") from None
        varying = self._varying()
        if self._nsaves > 1 and x is None:
            names = list(variables or self.variables)
            if runs is None:
                runs = np.unique(np.linspace(0, self.runs - 1, min(max_runs, self.runs))
                                 .round().astype(int))
            runs = np.atleast_1d(runs)
            fig, axes = self._axes(plt, len(names), ax)
            for a, name in zip(axes, names):
                values = self[name]
                for i in runs:
                    label = ", ".join(f"{k}={v[i]:.4g}" for k, v in varying.items()) or f"run {i}"
                    a.plot(self.time, values[i], label=label)
                a.set_ylabel(name)
                a.set_xlabel("t")
            if len(runs) <= 10:
                axes[0].legend(fontsize="small")
            axes[0].set_title(f"{self.model.name}: {len(runs)} of {self.runs} runs")
            return fig
        if x is None:
            if not varying:
                raise ValueError("nothing varies over the batch and there are no saves to "
                                 "plot; pass x= or solve with save_every")
            x = max(varying, key=lambda k: np.unique(varying[k]).size)
        xs = self._input(x)
        names = list(variables or self.states)
        fig, axes = self._axes(plt, len(names), ax)
        order = np.argsort(xs, kind="stable")
        for a, name in zip(axes, names):
            a.plot(xs[order], self.final[order, self.states.index(name)], ".", markersize=2)
            a.set_ylabel(f"{name}(t_end)")
            a.set_xlabel(x)
        axes[0].set_title(f"{self.model.name}: final state over {self.runs} runs")
        return fig

    def _input(self, name):
        if name in self.parameters:
            return self.params[:, self.parameters.index(name)]
        if name.endswith("_0") and name[:-2] in self.states:
            return self.inits[:, self.states.index(name[:-2])]
        raise KeyError(f"x={name!r}: not a parameter or <state>_0")

    @staticmethod
    def _axes(plt, n, ax):
        if ax is not None:
            axes = list(np.atleast_1d(ax))
            if len(axes) < n:
                raise ValueError(f"ax: {n} axes needed, {len(axes)} given")
            return axes[0].figure, axes
        fig, axes = plt.subplots(n, 1, sharex=True, figsize=(7, 2.2 * n + 0.6), squeeze=False)
        return fig, list(axes[:, 0])
