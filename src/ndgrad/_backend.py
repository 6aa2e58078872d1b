"""The array backend: NumPy on "cpu", CuPy on "cuda". Every op gets its array module from here.

Ops call ``xp_of(array)`` (or a tensor's ``.xp``) instead of naming ``numpy`` for anything that
creates or transforms arrays, so the same code runs on either device.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

_MODULES: dict[str, ModuleType] = {"cpu": np}
# Extra array types (a stand-in backend in the tests, CuPy once imported) -> (device, module).
_ARRAY_TYPES: dict[type, tuple[str, ModuleType]] = {np.ndarray: ("cpu", np)}
# 0-d results of NumPy ops are NumPy scalars (np.float32...): CPU data too, found without a search
for _t in (
    np.bool_,
    np.uint8,
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.float16,
    np.float32,
    np.float64,
):
    _ARRAY_TYPES[_t] = ("cpu", np)


def register_backend(device: str, module: ModuleType, array_type: type) -> None:
    """Make ``module`` the array module of ``device``; its arrays are of ``array_type``."""
    _MODULES[device] = module
    _ARRAY_TYPES[array_type] = (device, module)


def unregister_backend(device: str) -> None:
    """Undo ``register_backend`` (the tests register a stand-in "cuda" and remove it after)."""
    _MODULES.pop(device, None)
    for t in [t for t, (dev, _) in _ARRAY_TYPES.items() if dev == device]:
        del _ARRAY_TYPES[t]


def _load_cupy() -> ModuleType:
    try:
        import cupy
    except ImportError as e:  # pragma: no cover - depends on the machine
        raise RuntimeError(
            "device 'cuda' needs CuPy: install it with pip install 'ndgrad[cuda]'"
        ) from e
    register_backend("cuda", cupy, cupy.ndarray)
    return cupy


def module_for(device: str) -> ModuleType:
    """The array module for a device name ("cpu", "cuda", "cuda:0")."""
    base = device.split(":")[0]
    mod = _MODULES.get(base)
    if mod is None:
        if base == "cuda":
            return _load_cupy()
        raise RuntimeError(f"unknown device {device!r}; expected 'cpu' or 'cuda'")
    return mod


def xp_of(a: Any) -> ModuleType:
    """The array module that owns array ``a`` (NumPy for NumPy arrays and scalars)."""
    entry = _ARRAY_TYPES.get(type(a))
    if entry is not None:
        return entry[1]
    for t, (dev, mod) in _ARRAY_TYPES.items():
        if dev != "cpu" and isinstance(a, t):
            return mod
    return np


def device_of(a: Any) -> str:
    """The device name of array ``a``."""
    entry = _ARRAY_TYPES.get(type(a))
    if entry is not None:
        return entry[0]
    for t, (dev, _) in _ARRAY_TYPES.items():
        if dev != "cpu" and isinstance(a, t):
            return dev
    return "cpu"


def to_numpy(a: Any) -> np.ndarray:
    """Copy an array of any backend to host memory (CuPy's ``.get()``)."""
    if type(a) is np.ndarray:
        return a
    get = getattr(a, "get", None)
    if get is not None:
        return get()
    return np.asarray(a)


def cuda_is_available() -> bool:
    """True when CuPy is installed and sees a GPU."""
    try:
        import cupy
    except ImportError:
        return False
    try:
        return bool(cupy.cuda.runtime.getDeviceCount() > 0)
    except Exception:
        return False
