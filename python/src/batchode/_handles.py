"""Ownership of library objects: each is destroyed exactly once, after everything that
borrows it, and never from inside a library call.

Two hazards of destroying C objects from Python finalizers:

- Order. A solver borrows its model and its context; results borrow the context. The garbage
  collector finalizes the objects of a reference cycle (a traceback holding a solver and its
  model, say) in no particular order. So an ``Owned`` object counts the objects that borrow
  it (``users``) and is destroyed only when it is both unreachable (``close``) and unused.
- Re-entry. The collector may run in any thread at any allocation, including the solving
  thread while it runs a progress or interrupt callback, that is inside bo_solver_solve,
  where the library must not be called (include/batchode.h). Finalizers that run in a
  thread that is inside the library (``inside()``) put the object on a list instead, and the
  next call made outside the library frees it (``drain``).
"""
import threading

from ._lib import lib

_lock = threading.RLock()
_pending = []
_in_flight = 0


def inside():
    """True while any thread is inside a long library call (a solve)."""
    return _in_flight > 0


class InLibrary:
    """Marks a long library call in progress for the duration of a with block."""

    def __enter__(self):
        global _in_flight
        with _lock:
            _in_flight += 1

    def __exit__(self, *exc):
        global _in_flight
        with _lock:
            _in_flight -= 1


class Owned:
    """One library object: ptr, the function that destroys it, and the Owned objects it
    borrows (deps), which stay alive until it is destroyed."""

    __slots__ = ("ptr", "destroy", "deps", "users", "closed", "keep")

    def __init__(self, ptr, destroy, deps=(), keep=None):
        self.ptr = ptr
        self.keep = keep  # what must live as long as the object (callbacks it calls)
        self.destroy = destroy
        self.deps = tuple(deps)
        self.users = 0
        self.closed = False
        with _lock:
            for d in self.deps:
                d.users += 1

    def close(self):
        """Give the object up; it is destroyed now, or once nothing borrows it."""
        with _lock:
            if self.closed:
                return
            self.closed = True
            if self.users:
                return
        _release(self)

    def __del__(self):
        if lib is not None:
            self.close()


def _release(o):
    if inside():
        with _lock:
            _pending.append(o)
        return
    _destroy(o)
    drain()


def _destroy(o):
    with _lock:
        ptr, o.ptr = o.ptr, None
        deps, o.deps = o.deps, ()
    if ptr:
        o.destroy(ptr)
    o.keep = None
    for d in deps:
        with _lock:
            d.users -= 1
            ready = d.closed and d.users == 0 and d.ptr
        if ready:
            _destroy(d)


def drain():
    """Destroy the objects whose finalizers ran inside the library."""
    if inside():
        return
    while True:
        with _lock:
            if not _pending:
                return
            o = _pending.pop()
        _destroy(o)
