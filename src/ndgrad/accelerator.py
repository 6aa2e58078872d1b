"""``ndgrad.accelerator``: PyTorch 2.x's device-neutral questions about the accelerator.

ndgrad's one accelerator is a CUDA GPU through CuPy. Without one, the answers are PyTorch's on a
CPU-only build: ``is_available()`` is False, ``current_accelerator()`` None, ``device_count()`` 0,
and the calls that need a device raise RuntimeError.

>>> acc = ndgrad.accelerator
>>> device = acc.current_accelerator() if acc.is_available() else "cpu"
"""

from __future__ import annotations

from typing import Any

from ndgrad import cuda
from ndgrad.tensor import device as _device

__all__ = [
    "current_accelerator",
    "current_device_idx",
    "current_device_index",
    "device_count",
    "is_available",
    "set_device_idx",
    "set_device_index",
    "synchronize",
]


def is_available() -> bool:
    """True when CuPy sees a GPU."""
    return cuda.is_available()


def current_accelerator(check_available: bool = False) -> _device | None:
    """``device(type='cuda')`` when there is a GPU, else None."""
    return _device("cuda") if cuda.is_available() else None


def device_count() -> int:
    return cuda.device_count()


def _require() -> None:
    if not cuda.is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")


def current_device_index() -> int:
    _require()
    return cuda.current_device()


def set_device_index(device: Any) -> None:
    _require()
    cuda.set_device(device)


current_device_idx = current_device_index
set_device_idx = set_device_index


def synchronize(device: Any = None) -> None:
    """Wait for the GPU to finish the work queued so far."""
    _require()
    cuda.synchronize(device)
