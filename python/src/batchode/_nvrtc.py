"""NVRTC from NVIDIA's Python wheels, for backend="cuda" on a machine with only a driver.

The library loads NVRTC itself, with dlopen by soname ("libnvrtc.so.13", then
"libnvrtc.so.12", then "libnvrtc.so"; src/backend/cuda/nvrtc.c). The wheels
(``pip install ./python[cuda]`` brings nvidia-cuda-nvrtc-cu12, ``[cuda13]`` the CUDA 13
nvidia-cuda-nvrtc) put the library in site-packages/nvidia/<package>/lib/, where dlopen does
not look. So before the first solver is made, this module loads it from there with
ctypes.CDLL(path, RTLD_GLOBAL): once a library with that soname is in the process, the
library's dlopen("libnvrtc.so.12") returns it. NVRTC's builtins library
(libnvrtc-builtins.so.*), which NVRTC itself opens by soname, is loaded first for the same
reason.

Nothing happens when no such wheel is installed (a CUDA toolkit's NVRTC is found the usual
way: the loader's path, CUDA_HOME) or when BATCHODE_NVRTC_WHEEL=0. Which file was loaded,
if any, is in ``batchode.nvrtc_wheel_library``.
"""
import ctypes
import glob
import importlib.util
import os
import re

loaded = None
_done = False


def _candidates():
    spec = importlib.util.find_spec("nvidia")
    if spec is None or not spec.submodule_search_locations:
        return []
    found = []
    for root in spec.submodule_search_locations:
        # nvidia/cuda_nvrtc/lib (CUDA 12 wheels), nvidia/cu13/lib (CUDA 13 wheels)
        for path in glob.glob(os.path.join(root, "*", "lib", "libnvrtc.so.*")):
            m = re.search(r"libnvrtc\.so\.(\d+)$", path)
            if m:
                found.append((int(m.group(1)), path))
    found.sort(reverse=True)  # the newest CUDA major first, as the library's own order
    return [p for _, p in found]


def preload():
    """Load the newest NVRTC found in NVIDIA's wheels into the process (once)."""
    global loaded, _done
    if _done:
        return loaded
    _done = True
    if os.environ.get("BATCHODE_NVRTC_WHEEL", "1") == "0":
        return None
    for path in _candidates():
        libdir = os.path.dirname(path)
        major = path.rsplit(".", 1)[1]
        try:
            for builtins in sorted(glob.glob(os.path.join(libdir,
                                                          f"libnvrtc-builtins.so.{major}*"))):
                ctypes.CDLL(builtins, mode=ctypes.RTLD_GLOBAL)
            ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
        except OSError:
            continue
        loaded = path
        return loaded
    return None
