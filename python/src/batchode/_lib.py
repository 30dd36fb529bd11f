"""The C library: loading libbatchode.so and the ctypes prototypes of include/batchode.h.

This module declares the public C API and nothing else; every other module calls the
library through ``lib`` below. ctypes releases the GIL for the duration of each foreign
call (CDLL, not PyDLL), so a solve running in one thread leaves the others free.

The library is the one installed inside this package (``batchode/libbatchode.so``); the
environment variable ``BATCHODE_LIBRARY`` names another one (a build tree's
``build/libbatchode.so``, say) for development and benchmarks.
"""
import ctypes
import os
from ctypes import (CFUNCTYPE, POINTER, c_char_p, c_double, c_int, c_int32, c_int64,
                    c_long, c_size_t, c_ubyte, c_void_p)

# Symbol kinds (bo_symbol_kind).
STATE, PARAMETER, CONSTANT, DRIVER, OBSERVABLE, AUXILIARY = range(6)
# Grids (bo_grid).
GRID_COMBINATORIAL, GRID_VERBATIM = 0, 1
# "Take this choice from the solver's settings" (bo_driver_options).
DRIVER_FROM_SETTINGS = -1

PROGRESS_FN = CFUNCTYPE(None, c_void_p, c_size_t, c_size_t)
INTERRUPT_FN = CFUNCTYPE(c_int, c_void_p)


class DriverOptions(ctypes.Structure):
    """bo_driver_options."""
    _fields_ = [("interpolation", c_int), ("ends", c_int), ("slope_start", c_double),
                ("slope_end", c_double)]


def _library_path():
    override = os.environ.get("BATCHODE_LIBRARY")
    if override:
        return override
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "libbatchode.so")


def _load():
    path = _library_path()
    try:
        return ctypes.CDLL(path), path
    except OSError as e:
        raise ImportError(
            f"batchode: cannot load the C library {path} ({e}); install the package with "
            "`pip install ./python` from the batchode source tree, or set BATCHODE_LIBRARY "
            "to a built libbatchode.so") from None


lib, library_path = _load()

_ctx = c_void_p
_model = c_void_p
_settings = c_void_p
_batch = c_void_p
_solver = c_void_p
_results = c_void_p
_pp = POINTER(c_void_p)
_pstr = POINTER(c_char_p)

# name: (restype, argtypes). Strings the library returns as `char **out` are read as
# c_void_p so that they can be freed with bo_free after copying.
_PROTOTYPES = {
    "bo_status_name": (c_char_p, [c_int]),
    "bo_strerror": (c_char_p, [c_int]),
    "bo_version": (c_char_p, []),
    "bo_context_create": (c_int, [_pp]),
    "bo_context_destroy": (None, [_ctx]),
    "bo_errmsg": (c_char_p, [_ctx]),
    "bo_errlog": (c_char_p, [_ctx]),
    "bo_clear_error": (None, [_ctx]),
    "bo_warnings": (c_char_p, [_ctx]),
    "bo_clear_warnings": (None, [_ctx]),
    "bo_model_load_file": (c_int, [_ctx, c_char_p, _pp]),
    "bo_model_load_string": (c_int, [_ctx, c_char_p, c_char_p, _pp]),
    "bo_model_destroy": (None, [_model]),
    "bo_model_name": (c_char_p, [_model]),
    "bo_model_count": (c_size_t, [_model, c_int]),
    "bo_model_event_count": (c_size_t, [_model]),
    "bo_model_event_name": (c_char_p, [_model, c_size_t]),
    "bo_model_event_direction": (c_int, [_model, c_size_t]),
    "bo_model_event_stops": (c_int, [_model, c_size_t]),
    "bo_model_symbol_name": (c_char_p, [_model, c_int, c_size_t]),
    "bo_model_symbol_unit": (c_char_p, [_model, c_int, c_size_t]),
    "bo_model_symbol_default": (c_double, [_model, c_int, c_size_t]),
    "bo_model_find": (c_long, [_model, c_int, c_char_p]),
    "bo_model_jacobian_pattern": (c_int, [_model, POINTER(c_ubyte)]),
    "bo_model_emit_c": (c_int, [_ctx, _model, _pp]),
    "bo_model_import_cellml": (c_int, [_ctx, c_char_p, _pp]),
    "bo_cellml_supported": (c_int, []),
    "bo_settings_create": (c_int, [_ctx, _pp]),
    "bo_settings_destroy": (None, [_settings]),
    "bo_settings_set": (c_int, [_settings, c_char_p, c_char_p]),
    "bo_settings_get": (c_int, [_settings, c_char_p, _pp]),
    "bo_settings_reset": (c_int, [_settings, c_char_p]),
    "bo_settings_dump": (c_int, [_settings, _pp]),
    "bo_settings_doc": (c_int, [c_int, _pp]),
    "bo_batch_create": (c_int, [_ctx, _model, _pp]),
    "bo_batch_destroy": (None, [_batch]),
    "bo_batch_set_grid": (c_int, [_batch, c_int]),
    "bo_batch_set_values": (c_int, [_batch, c_int, c_char_p, c_void_p, c_size_t]),
    "bo_batch_set_spec": (c_int, [_batch, c_int, c_char_p, c_char_p]),
    "bo_batch_set_runs": (c_int, [_batch, c_size_t, _pstr, POINTER(c_void_p), c_size_t]),
    "bo_batch_load_csv": (c_int, [_batch, c_char_p]),
    "bo_batch_set_span": (c_int, [_batch, c_int, c_void_p, c_size_t]),
    "bo_batch_set_span_spec": (c_int, [_batch, c_int, c_char_p]),
    "bo_batch_run_count": (c_size_t, [_batch]),
    "bo_batch_validate": (c_int, [_batch]),
    "bo_run_status_string": (c_char_p, [c_int32, c_char_p, c_size_t]),
    "bo_run_failed": (c_int, [c_int32]),
    "bo_results_event_count": (c_size_t, [_results]),
    "bo_results_event_name": (c_char_p, [_results, c_size_t]),
    "bo_results_event_counts_array": (c_void_p, [_results]),
    "bo_results_event_record_count": (c_size_t, [_results]),
    "bo_results_event_time_array": (c_void_p, [_results]),
    "bo_results_event_index_array": (c_void_p, [_results]),
    "bo_results_event_state_array": (c_void_p, [_results]),
    "bo_results_destroy": (None, [_results]),
    "bo_results_run_count": (c_size_t, [_results]),
    "bo_results_failed_count": (c_size_t, [_results]),
    "bo_results_save_count": (c_size_t, [_results]),
    "bo_results_save_time": (c_double, [_results, c_size_t]),
    "bo_results_var_count": (c_size_t, [_results]),
    "bo_results_var_name": (c_char_p, [_results, c_size_t]),
    "bo_results_status": (c_int32, [_results, c_size_t]),
    "bo_results_final_time": (c_double, [_results, c_size_t]),
    "bo_results_final": (c_double, [_results, c_size_t, c_size_t]),
    "bo_results_steps": (c_int64, [_results, c_size_t]),
    "bo_results_rejections": (c_int64, [_results, c_size_t]),
    "bo_results_newton_iters": (c_int64, [_results, c_size_t]),
    "bo_results_value": (c_double, [_results, c_size_t, c_size_t, c_size_t]),
    "bo_results_summary": (c_double, [_results, c_size_t, c_size_t, c_size_t]),
    "bo_batch_get_run": (c_int, [_batch, c_size_t, c_void_p, c_void_p]),
    "bo_results_final_array": (c_void_p, [_results]),
    "bo_results_series_array": (c_void_p, [_results]),
    "bo_results_init_array": (c_void_p, [_results]),
    "bo_results_param_array": (c_void_p, [_results]),
    "bo_results_status_array": (c_void_p, [_results]),
    "bo_results_final_time_array": (c_void_p, [_results]),
    "bo_results_steps_array": (c_void_p, [_results]),
    "bo_results_rejections_array": (c_void_p, [_results]),
    "bo_results_newton_iters_array": (c_void_p, [_results]),
    "bo_results_spans_vary": (c_int, [_results]),
    "bo_results_span": (c_double, [_results, c_size_t, c_int]),
    "bo_results_span_array": (c_void_p, [_results, c_int]),
    "bo_results_window_count": (c_size_t, [_results]),
    "bo_results_window_start": (c_double, [_results, c_size_t]),
    "bo_results_window_end": (c_double, [_results, c_size_t]),
    "bo_results_summary_count": (c_size_t, [_results]),
    "bo_results_summary_name": (c_char_p, [_results, c_size_t]),
    "bo_results_summary_variable": (c_char_p, [_results, c_size_t]),
    "bo_results_summary_metric": (c_char_p, [_results, c_size_t]),
    "bo_results_summary_output": (c_char_p, [_results, c_size_t]),
    "bo_results_summary_unit": (c_char_p, [_results, c_size_t]),
    "bo_results_summary_array": (c_void_p, [_results]),
    "bo_results_write": (c_int, [_results, c_char_p, c_char_p]),
    "bo_solver_create": (c_int, [_ctx, _model, _settings, _pp]),
    "bo_solver_destroy": (None, [_solver]),
    "bo_solver_set": (c_int, [_solver, c_char_p, c_char_p]),
    "bo_solver_set_save_times": (c_int, [_solver, c_void_p, c_size_t]),
    "bo_solver_set_progress": (None, [_solver, PROGRESS_FN, c_void_p]),
    "bo_solver_set_interrupt": (None, [_solver, INTERRUPT_FN, c_void_p]),
    "bo_solver_solve": (c_int, [_solver, _batch, _pp]),
    "bo_solver_source": (c_char_p, [_solver]),
    "bo_solver_backend": (c_char_p, [_solver]),
    "bo_solver_settings_dump": (c_int, [_solver, _pp]),
    "bo_solver_info": (c_int, [_solver, _pp]),
    "bo_solver_last_wall_seconds": (c_double, [_solver]),
    "bo_driver_options_init": (None, [POINTER(DriverOptions)]),
    "bo_solver_set_driver": (c_int, [_solver, c_char_p, c_void_p, c_void_p, c_size_t,
                                     POINTER(DriverOptions)]),
    "bo_solver_load_driver_csv": (c_int, [_solver, c_char_p, c_char_p, POINTER(DriverOptions)]),
    "bo_free": (None, [c_void_p]),
}

for _name, (_res, _args) in _PROTOTYPES.items():
    _f = getattr(lib, _name)
    _f.restype = _res
    _f.argtypes = _args


def take_string(p):
    """Copy a library-allocated string (a c_void_p filled by a `char **out`) and free it."""
    if not p.value:
        return ""
    try:
        return ctypes.string_at(p.value).decode()
    finally:
        lib.bo_free(p)


def text(b):
    """A `const char *` result as str ("" for NULL)."""
    return b.decode() if b else ""


def encode(s):
    return s.encode() if isinstance(s, str) else s


def version():
    return lib.bo_version().decode()


def status_name(code):
    return lib.bo_status_name(code).decode()


def strerror(code):
    return lib.bo_strerror(code).decode()
