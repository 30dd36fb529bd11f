"""Exceptions and warnings: the library's BO_ERR_* codes as a small exception hierarchy.

Every exception carries the library's message (``bo_errmsg``; model errors keep
``file:line:col``, the source line and the caret), the code (``.code``, e.g. -6) and its
name (``.status``, e.g. ``"BO_ERR_SETTING"``); compile errors also the compiler's log
(``.log``). Where a built-in exception says the same thing, the class also derives from it,
so ``except ValueError`` catches a bad setting.
"""
import warnings

from . import _lib
from ._lib import lib


class BatchodeError(Exception):
    """Base of every error the library reports."""

    def __init__(self, message, code=None, log=""):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = _lib.status_name(code) if code is not None else None
        self.log = log


class ModelError(BatchodeError, ValueError):
    """The model text has an error or the model is not valid (BO_ERR_PARSE, BO_ERR_MODEL)."""


class SettingError(BatchodeError, ValueError):
    """A setting has a bad value or does not fit the model or method (BO_ERR_SETTING)."""


class UnknownSettingError(SettingError, TypeError):
    """No setting has this name (BO_ERR_UNKNOWN_KEY); the message suggests the closest.

    Also a TypeError, as Python raises for an unexpected keyword argument."""


class InvalidArgumentError(BatchodeError, ValueError):
    """An argument the library refused (BO_ERR_INVALID_ARG, BO_ERR_RANGE)."""


class NotFoundError(BatchodeError, LookupError):
    """A name the model does not have (BO_ERR_NOT_FOUND), e.g. an unknown parameter."""


class BatchodeIOError(BatchodeError, OSError):
    """A file could not be read or written (BO_ERR_IO)."""


class BatchodeMemoryError(BatchodeError, MemoryError):
    """Out of memory (BO_ERR_NOMEM)."""


class CompileError(BatchodeError):
    """Compiling the generated program failed (BO_ERR_COMPILE); ``.log`` holds the
    compiler's output."""


class BackendError(BatchodeError, RuntimeError):
    """The backend asked for is not usable (BO_ERR_BACKEND), e.g. backend="cuda" without a
    GPU or NVRTC; the message says why."""


class DeviceError(BatchodeError, RuntimeError):
    """The GPU reported an error (BO_ERR_DEVICE)."""


class StateError(BatchodeError, RuntimeError):
    """The call is not allowed now (BO_ERR_STATE), e.g. a solve before a driver has data."""


class CancelledError(BatchodeError):
    """A solve was stopped by the interrupt hook (BO_ERR_CANCELLED) for a reason other than
    KeyboardInterrupt."""


class BatchodeWarning(UserWarning):
    """A request the library honoured but that deserves a word (bo_warnings): an rtol below
    what the precision can deliver, a compile cache that was not trusted, ..."""


_BY_CODE = {
    -1: BatchodeMemoryError,
    -2: InvalidArgumentError,
    -3: BatchodeIOError,
    -4: ModelError,
    -5: ModelError,
    -6: SettingError,
    -7: UnknownSettingError,
    -8: CompileError,
    -9: BackendError,
    -10: DeviceError,
    -11: NotFoundError,
    -12: InvalidArgumentError,
    -13: StateError,
    -14: BatchodeError,
    -15: CancelledError,
}


def error_for(code, ctx, prefix=""):
    """The exception for a failed call's code, with the message held in context ctx."""
    msg = _lib.text(lib.bo_errmsg(ctx)) if ctx else ""
    if not msg:
        msg = _lib.strerror(code)
    log = _lib.text(lib.bo_errlog(ctx)) if ctx and code == -8 else ""
    cls = _BY_CODE.get(code, BatchodeError)
    return cls(prefix + msg, code, log)


def check(code, ctx, prefix=""):
    """Raise the exception for code unless it is BO_OK."""
    if code != 0:
        raise error_for(code, ctx, prefix)


def emit_warnings(ctx, stacklevel=3):
    """Turn the warnings kept in context ctx into Python warnings, then clear them."""
    held = lib.bo_warnings(ctx)
    if not held:
        return
    for line in held.decode().splitlines():
        if line:
            warnings.warn(line, BatchodeWarning, stacklevel=stacklevel)
    lib.bo_clear_warnings(ctx)
