"""Errors, warnings, every setting as a keyword, Ctrl-C, the GIL, progress, NVRTC wheels."""
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import warnings

import numpy as np
import pytest

import batchode
from conftest import EXAMPLES


def test_unknown_setting_says_did_you_mean(lorenz):
    with pytest.raises(batchode.UnknownSettingError) as e:
        batchode.Solver(lorenz, rtoll=1e-8)
    assert str(e.value) == "unknown setting 'rtoll' (did you mean 'rtol'?)"
    assert isinstance(e.value, ValueError) and isinstance(e.value, TypeError)
    assert isinstance(e.value, batchode.SettingError)
    s = batchode.Solver(lorenz, backend="cpu")
    with pytest.raises(batchode.UnknownSettingError, match="did you mean 'duration'"):
        s.solve(duraton=2.0)


def test_bad_setting_values(lorenz):
    with pytest.raises(batchode.SettingError, match="'rtol' must be >= 0, got -1"):
        batchode.Solver(lorenz, rtol=-1)
    with pytest.raises(batchode.SettingError, match="algorithm"):
        batchode.Solver(lorenz, algorithm="rk99")
    with pytest.raises(batchode.SettingError, match="has 2 values; the model has 3 states"):
        batchode.Solver(lorenz, atol=[1e-8, 1e-6], backend="cpu")
    with pytest.raises(batchode.SettingError, match="not a number, text, bool or list"):
        batchode.Solver(lorenz, rtol={"x": 1})


def test_every_setting_is_a_keyword(decay):
    """Each key of `batchode settings` is accepted, by its name, with its default value."""
    defaults = batchode.default_settings()
    assert {"rtol", "atol", "algorithm", "outputs", "duration", "save_every", "backend",
            "threads", "cache", "timestep_memory", "krylov_restart"} <= set(defaults)
    s = batchode.Solver(decay, backend="cpu")
    for key, value in defaults.items():
        s.set(**{key: value})
    doc = batchode.settings_doc()
    for key in defaults:
        assert key in doc
    # typed values become the library's text
    s.set(rtol=1e-7, max_steps=np.int64(5000), keep_failed=True, outputs=("state", "mean"))
    assert s.settings["rtol"] == "1e-07" and s.settings["max_steps"] == "5000"
    assert s.settings["keep_failed"] == "true" and s.settings["outputs"] == "state,mean"


def test_bad_inputs(lorenz):
    s = batchode.Solver(lorenz, backend="cpu")
    with pytest.raises(batchode.NotFoundError, match=r"unknown parameter 'rhoo' \(did you mean "
                                                     r"'rho'\?\)") as e:
        s.solve(params={"rhoo": [1.0]})
    assert isinstance(e.value, LookupError)
    with pytest.raises(batchode.InvalidArgumentError, match="'x' is a state, not a parameter"):
        s.solve(params={"x": [1.0]})
    with pytest.raises(batchode.InvalidArgumentError, match="not finite"):
        s.solve(params={"rho": [1.0, np.nan]})
    with pytest.raises(batchode.InvalidArgumentError, match="start:stop:count"):
        s.solve(params={"rho": "0:1"})
    with pytest.raises(ValueError, match="1-D"):
        s.solve(params={"rho": np.ones((2, 2))})
    with pytest.raises(TypeError, match="dict"):
        s.solve(params=[1.0, 2.0])
    with pytest.raises(batchode.InvalidArgumentError, match="no values"):
        s.solve(params={"rho": []})


def test_cuda_without_a_gpu_says_why(lorenz):
    try:
        s = batchode.Solver(lorenz, backend="cuda")
    except batchode.BackendError as e:
        assert "not usable" in str(e) and e.code == -9
        assert isinstance(e, RuntimeError)
    else:  # a machine with a GPU
        assert s.backend == "cuda"


def test_compile_error_carries_the_log(decay):
    with pytest.raises(batchode.CompileError) as e:
        batchode.Solver(decay, backend="cpu", cache=False, cflags="-fno-such-flag-xyz")
    assert "no-such-flag" in e.value.log or "no-such-flag" in str(e.value)


def test_library_warnings_become_python_warnings(lorenz):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        batchode.Solver(lorenz, precision="float32", rtol=1e-10, backend="cpu")
    msgs = [str(w.message) for w in caught if issubclass(w.category, batchode.BatchodeWarning)]
    assert len(msgs) == 1 and "below what float32 arithmetic can deliver" in msgs[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        batchode.Solver(lorenz, precision="float32", rtol=1e-5, backend="cpu")


def _long_solver(lorenz):
    # about 10 s of work on one core: RK4 at dt = 1e-5 over 10^5 runs
    return batchode.Solver(lorenz, algorithm="rk4", dt=1e-5, backend="cpu", progress=False)


def test_ctrl_c_stops_a_long_solve_promptly(lorenz):
    # Python's own Ctrl-C handler, also where the suite was started with SIGINT ignored (a
    # shell's background job): Python then leaves it ignored and no KeyboardInterrupt comes.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        s = _long_solver(lorenz)
        s.solve(params={"rho": [1.0]}, duration=1e-3)  # compiled before timing
        timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
        t0 = time.monotonic()
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            s.solve(params={"rho": np.linspace(0, 21, 10**5)}, duration=1.0)
        elapsed = time.monotonic() - t0
        timer.join()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert elapsed < 2.0, f"the solve went on for {elapsed:.2f} s after Ctrl-C at 0.5 s"
    # the solver is usable afterwards, and stopped nothing else
    r = s.solve(params={"rho": [28.0]}, duration=0.01)
    assert r.status[0] == 0


def test_solves_release_the_gil(lorenz):
    s = _long_solver(lorenz)
    s.solve(params={"rho": [1.0]}, duration=1e-3)
    done = threading.Event()
    ticks = 0

    def solve():
        s.solve(params={"rho": np.linspace(0, 21, 600)}, duration=1.0, threads=1)
        done.set()

    worker = threading.Thread(target=solve)
    t0 = time.monotonic()
    worker.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    worker.join()
    elapsed = time.monotonic() - t0
    assert elapsed > 0.1
    assert ticks > 0.3 * elapsed / 0.001 * 0.5  # the main thread kept running


def test_progress_callback_and_silence(lorenz):
    calls = []
    s = batchode.Solver(lorenz, algorithm="rk4", dt=1e-4, backend="cpu", threads=1,
                        progress=lambda done, total: calls.append((done, total)))
    s.solve(params={"rho": np.linspace(0, 21, 3000)})
    assert calls and calls[-1] == (3000, 3000)
    assert all(d <= t for d, t in calls) and [d for d, _ in calls] == sorted(d for d, _ in calls)
    calls.clear()
    s.solve(params={"rho": np.linspace(0, 21, 3000)}, progress=False)
    assert calls == []


def test_tqdm_bar_on_a_long_solve(lorenz, capsys):
    pytest.importorskip("tqdm")
    s = batchode.Solver(lorenz, algorithm="rk4", dt=1e-5, backend="cpu", threads=1)
    s.solve(params={"rho": [1.0]}, duration=1e-3)
    s.solve(params={"rho": np.linspace(0, 21, 800)})  # about 1.5 s: the bar shows at 0.5 s
    err = capsys.readouterr().err
    assert "run" in err and "lorenz" in err
    s.solve(params={"rho": np.linspace(0, 21, 400)}, progress=False)
    assert capsys.readouterr().err == ""


def test_nvrtc_wheel_is_preloaded_by_soname(tmp_path):
    """A fake NVIDIA NVRTC wheel layout: the package loads its library so that a dlopen by
    soname (what the C library does) finds it."""
    lib = tmp_path / "site" / "nvidia" / "cuda_nvrtc" / "lib"
    lib.mkdir(parents=True)
    src = tmp_path / "fake.c"
    src.write_text("int nvrtcVersion(int *a, int *b) { *a = 12; *b = 9; return 0; }\n")
    for name, soname in (("libnvrtc.so.12", "libnvrtc.so.12"),
                         ("libnvrtc-builtins.so.12.9", "libnvrtc-builtins.so.12.9")):
        subprocess.run(["cc", "-shared", "-fPIC", f"-Wl,-soname,{soname}", "-o", lib / name,
                        src], check=True)
    script = textwrap.dedent("""
        import ctypes, batchode
        from batchode import _nvrtc
        path = _nvrtc.preload()
        print(path)
        print(batchode.nvrtc_wheel_library == path)
        ctypes.CDLL("libnvrtc.so.12")          # by soname, as src/backend/cuda/nvrtc.c
        print("found by soname")
    """)
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "site"))
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split()
    assert lines[0] == str(lib / "libnvrtc.so.12") and lines[1] == "True"
    assert "found by soname" in out.stdout
    # without the preload the soname is not found (so the test proves the preload works)
    env["BATCHODE_NVRTC_WHEEL"] = "0"
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True)
    assert out.returncode != 0 and "libnvrtc.so.12" in out.stderr


def test_closed_solver_and_context_manager(decay):
    with batchode.Solver(decay, backend="cpu") as s:
        r = s.solve()
    with pytest.raises(ValueError, match="closed"):
        s.solve()
    assert r.final[0, 0] > 0  # results outlive their solver
    assert "closed" in repr(s)


def test_ctrl_c_while_the_solve_thread_starts_stops_that_solve():
    """A Ctrl-C that lands while the solving thread is being started (Thread.start waits for
    it) stops and waits for the solve it began: the solve must not run on unowned, with its
    solver freed under it once the caller lets go of it (that crashed the process)."""
    script = textwrap.dedent(f"""
        import gc, threading, time
        import numpy as np, batchode
        start = threading.Thread.start
        armed = [False]
        def start_then_ctrl_c(self):
            start(self)
            if armed[0] and self.name == "batchode-solve":
                armed[0] = False
                raise KeyboardInterrupt
        threading.Thread.start = start_then_ctrl_c
        m = batchode.Model.from_file({str(EXAMPLES / "lorenz.ode")!r})
        s = batchode.Solver(m, algorithm="rk4", dt=1e-5, backend="cpu", progress=False)
        s.solve(params={{"rho": [1.0]}}, duration=1e-3)
        armed[0] = True
        t0 = time.monotonic()
        try:
            s.solve(params={{"rho": np.linspace(0, 21, 10**5)}})
        except KeyboardInterrupt:
            print("interrupted after %.2f s" % (time.monotonic() - t0))
        names = [t.name for t in threading.enumerate()]
        print("solve threads left:", names.count("batchode-solve"))
        del s
        gc.collect()
        time.sleep(1.0)
        print("exiting")
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, (out.returncode, out.stdout, out.stderr[-2000:])
    assert "interrupted after" in out.stdout and "solve threads left: 0" in out.stdout
    assert "exiting" in out.stdout


def test_exit_while_a_solve_runs_in_a_daemon_thread():
    """An interpreter that exits while a solve runs in a daemon thread stops that solve and
    waits for it: the compiled program must not run on while the interpreter and the solver
    are torn down (that crashed the process at exit)."""
    script = textwrap.dedent(f"""
        import threading, time
        import numpy as np, batchode
        m = batchode.Model.from_file({str(EXAMPLES / "lorenz.ode")!r})
        s = batchode.Solver(m, algorithm="rk4", dt=1e-5, backend="cpu", progress=False)
        s.solve(params={{"rho": [1.0]}}, duration=1e-3)
        threading.Thread(target=lambda: s.solve(params={{"rho": np.linspace(0, 21, 10**5)}}),
                         daemon=True).start()
        time.sleep(0.5)
        print("exiting")
    """)
    for _ in range(3):
        t0 = time.monotonic()
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             timeout=300)
        assert out.returncode == 0, (out.returncode, out.stderr[-2000:])
        assert "exiting" in out.stdout
        assert time.monotonic() - t0 < 60  # the solve was stopped, not run to its end
