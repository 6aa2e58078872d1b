"""``ndgrad.cuda``: PyTorch's ``torch.cuda`` over CuPy. The GPU is there when CuPy sees one.

Answers are honest: without CuPy or a GPU, ``is_available()`` is False, ``device_count()`` is 0 and
the memory counters are 0 (as PyTorch's on a CPU-only build); calls that need a device raise.

Random numbers for GPU tensors are drawn on the host from ndgrad's default generator (CPU and GPU
runs agree), so ``manual_seed``/``manual_seed_all`` seed that generator, as ``ndgrad.manual_seed``.

CuPy keeps no peak-memory statistic: ``max_memory_allocated`` and ``max_memory_reserved`` give the
bytes CuPy's pool holds, which only grow until ``empty_cache()`` (an upper bound of the peak).
"""

from __future__ import annotations

from typing import Any

from ndgrad import _dtype
from ndgrad._backend import cuda_is_available as is_available
from ndgrad._tensor_legacy import legacy_type
from ndgrad.cuda import amp
from ndgrad.ops import random as _random

__all__ = [
    "amp",
    "current_device",
    "device",
    "device_count",
    "empty_cache",
    "get_device_capability",
    "get_device_name",
    "get_device_properties",
    "init",
    "is_available",
    "is_bf16_supported",
    "is_initialized",
    "manual_seed",
    "manual_seed_all",
    "max_memory_allocated",
    "max_memory_reserved",
    "mem_get_info",
    "memory_allocated",
    "memory_reserved",
    "reset_peak_memory_stats",
    "seed",
    "seed_all",
    "set_device",
    "synchronize",
]

FloatTensor = legacy_type(_dtype.float32, cuda=True)
DoubleTensor = legacy_type(_dtype.float64, cuda=True)
HalfTensor = legacy_type(_dtype.float16, cuda=True)
LongTensor = legacy_type(_dtype.int64, cuda=True)
IntTensor = legacy_type(_dtype.int32, cuda=True)
ShortTensor = legacy_type(_dtype.int16, cuda=True)
CharTensor = legacy_type(_dtype.int8, cuda=True)
ByteTensor = legacy_type(_dtype.uint8, cuda=True)
BoolTensor = legacy_type(_dtype.bool_, cuda=True)


def _cupy() -> Any:
    """CuPy, or a RuntimeError saying why there is no GPU."""
    if not is_available():
        raise RuntimeError(
            "ndgrad sees no CUDA GPU: it needs CuPy (pip install 'ndgrad[cuda]') and a visible "
            "device"
        )
    import cupy

    return cupy


def _index(device: Any) -> int:
    """The GPU number of ``device``: an int, 'cuda:1', an ndgrad.device, or None (the current
    one)."""
    if device is None:
        return current_device()
    if isinstance(device, int):
        return device
    index = getattr(device, "index", None)
    if index is None and isinstance(device, str) and ":" in device:
        index = int(device.split(":", 1)[1])
    return current_device() if index is None else int(index)


def device_count() -> int:
    """The number of GPUs CuPy sees (0 without CuPy)."""
    if not is_available():
        return 0
    import cupy

    return int(cupy.cuda.runtime.getDeviceCount())


def is_initialized() -> bool:
    return is_available()


def init() -> None:
    _cupy()


def current_device() -> int:
    return int(_cupy().cuda.runtime.getDevice())


def set_device(device: Any) -> None:
    """Make ``device`` the GPU new CUDA tensors go to (a negative index is a no-op, as in
    PyTorch)."""
    index = _index(device)
    if index >= 0:
        _cupy().cuda.Device(index).use()


class device:  # noqa: N801  (PyTorch's name)
    """Context manager that makes a GPU current inside the block: ``with
    ndgrad.cuda.device(1):``."""

    def __init__(self, device: Any) -> None:
        self.idx = -1 if device is None else _index(device)
        self.prev_idx = -1

    def __enter__(self) -> None:
        if self.idx >= 0:
            self.prev_idx = current_device()
            set_device(self.idx)

    def __exit__(self, *exc: object) -> None:
        if self.prev_idx >= 0:
            set_device(self.prev_idx)


def synchronize(device: Any = None) -> None:
    """Wait until the GPU has finished the work queued so far (CuPy runs asynchronously)."""
    cupy = _cupy()
    with cupy.cuda.Device(_index(device)):
        cupy.cuda.runtime.deviceSynchronize()


def get_device_name(device: Any = None) -> str:
    props = get_device_properties(device)
    name = props["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def get_device_properties(device: Any = None) -> dict[str, Any]:
    """CUDA's device properties as CuPy reports them (a dict: ``name``, ``totalGlobalMem``, ...)."""
    return dict(_cupy().cuda.runtime.getDeviceProperties(_index(device)))


def get_device_capability(device: Any = None) -> tuple[int, int]:
    props = get_device_properties(device)
    return int(props["major"]), int(props["minor"])


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """False: ndgrad has no bfloat16 tensors on the GPU."""
    return False


def mem_get_info(device: Any = None) -> tuple[int, int]:
    """(free, total) bytes of GPU memory."""
    cupy = _cupy()
    with cupy.cuda.Device(_index(device)):
        free, total = cupy.cuda.runtime.memGetInfo()
    return int(free), int(total)


def _pool() -> Any:
    if not is_available():
        return None
    import cupy

    return cupy.get_default_memory_pool()


def memory_allocated(device: Any = None) -> int:
    """Bytes held by live CUDA tensors (CuPy's pool: used bytes); 0 without a GPU."""
    pool = _pool()
    return 0 if pool is None else int(pool.used_bytes())


def memory_reserved(device: Any = None) -> int:
    """Bytes CuPy's pool holds, in use or cached for reuse; 0 without a GPU."""
    pool = _pool()
    return 0 if pool is None else int(pool.total_bytes())


def max_memory_allocated(device: Any = None) -> int:
    """An upper bound of the peak (see the module docstring): the pool's reserved bytes."""
    return memory_reserved(device)


max_memory_reserved = max_memory_allocated


def reset_peak_memory_stats(device: Any = None) -> None:
    """Accepted: CuPy keeps no peak to reset (see the module docstring)."""


def empty_cache() -> None:
    """Give the cached, unused blocks of CuPy's memory pools back to the GPU."""
    if is_available():
        import cupy

        cupy.get_default_memory_pool().free_all_blocks()
        cupy.get_default_pinned_memory_pool().free_all_blocks()


def manual_seed(seed: int) -> None:
    """Seed ndgrad's default generator, which GPU samples are drawn from (see the module
    docstring)."""
    _random.manual_seed(seed)


manual_seed_all = manual_seed


def seed() -> None:
    _random.seed()


seed_all = seed


def initial_seed() -> int:
    return _random.initial_seed()
