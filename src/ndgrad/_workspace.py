"""A small caching pool for the big temporary arrays of the CPU ops (what PyTorch's allocator does).

Why: a training step allocates the same large arrays every time (im2col matrices, col2im and
padding buffers, pooling maxima, matrix products, the results of large elementwise sums,
differences and products, concatenations, reshapes that must copy, layer norm's backward). glibc
hands freed memory at the top of the heap back to the kernel, so the next step page-faults all of
it in again: on a 2-core VM that was ~20 of a CNN step's 45 ms, and 13,900 page faults (7-9% of
the time) of a GPT step run alone in its process. The pool keeps those blocks and hands them out
again. The ops ask for them through ``empty``, ``matmul``, ``ufunc`` and ``reshape`` below.

How it knows a block is free: the pool holds every block it made; an array handed out is a view
of its block, and every view (or view of a view, or Tensor around one) holds a reference to the
block. A block whose only references are the pool's own is free, whatever path the arrays took
(saved for backward, returned to the user, dropped). So nothing is released by hand, and an array
that outlives its step simply keeps its block busy.

Bounded: at most ``limit`` bytes are cached (default 256 MiB, ``set_limit``); past it, free blocks
are dropped oldest first, and a request that still does not fit gets a plain ``np.empty``. Only
NumPy arrays of at least ``MIN_BYTES`` go through the pool (small ones are cheap for malloc); CuPy
has a pool of its own. A lock makes it safe to call from DataLoader worker threads.

    >>> from ndgrad import _workspace
    >>> _workspace.set_limit(0)      # turn the pool off (every request is a fresh np.empty)
    >>> _workspace.empty_cache()     # drop the free blocks now (busy ones are kept)

``keep_freed_memory()`` is the process-wide alternative: an explicit opt-in that tells glibc to
keep freed memory (``mallopt``) for every allocation in the process, ndgrad's or not.
"""

from __future__ import annotations

import ctypes
import sys
import threading
from collections import OrderedDict
from typing import Any

import numpy as np

from ndgrad import _backend

MIN_BYTES = 1 << 16  # below 64 KiB malloc's free lists already reuse memory
_PAGE = 4096

_lock = threading.Lock()
_limit = 256 << 20
_cached = 0  # bytes held in blocks (free or busy)
# rounded size -> blocks of that size (uint8 arrays), oldest use first
_blocks: OrderedDict[int, list[np.ndarray]] = OrderedDict()


def _refs(bucket: list[np.ndarray], i: int) -> int:
    return sys.getrefcount(bucket[i])


# the count a block shows when only the pool holds it (measured, as interpreters count differently)
_FREE_REFS = _refs([np.empty(0, np.uint8)], 0)


def empty(shape: tuple[int, ...], dtype: Any, xp: Any = np) -> Any:
    """An uninitialised C-contiguous array, from the pool when it is a large NumPy array."""
    dt = np.dtype(dtype)
    nbytes = dt.itemsize
    for s in shape:
        nbytes *= s
    if xp is not np or nbytes < MIN_BYTES or _limit <= 0:
        return xp.empty(shape, dtype=dt)
    size = -(-nbytes // _PAGE) * _PAGE
    with _lock:
        block = _claim(size)
    if block is None:
        return np.empty(shape, dtype=dt)
    return block[:nbytes].view(dt).reshape(shape)


def zeros(shape: tuple[int, ...], dtype: Any, xp: Any = np) -> Any:
    """Like ``empty``, filled with zeros (a pass over warm memory instead of fresh zero pages)."""
    out = empty(shape, dtype, xp)
    out.fill(0)
    return out


def full(shape: tuple[int, ...], value: Any, dtype: Any, xp: Any = np) -> Any:
    out = empty(shape, dtype, xp)
    out.fill(value)
    return out


def matmul(a: Any, b: Any) -> Any:
    """``a @ b`` (batched, broadcasting, NumPy or CuPy) written into a workspace array."""
    xp = _backend.xp_of(a)  # by type: a device array may subclass np.ndarray (a test stand-in)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    out = empty(batch + (a.shape[-2], b.shape[-1]), np.result_type(a.dtype, b.dtype), xp)
    return xp.matmul(a, b, out=out)


def large(a: Any, b: Any) -> bool:
    """An operand of a binary op is a NumPy array of at least ``MIN_BYTES``: its result is then
    worth a workspace array (``ufunc``). Two identity tests first: 0-d graphs never get further."""
    return (a.__class__ is np.ndarray and a.nbytes >= MIN_BYTES) or (
        b.__class__ is np.ndarray and b.nbytes >= MIN_BYTES
    )


def ufunc(fn: Any, a: Any, b: Any) -> Any:
    """``fn(a, b)`` for a binary ufunc that keeps its operands' promoted dtype (add, subtract,
    multiply), written into a workspace array; for operands that are ``large``."""
    return fn(a, b, out=empty(np.broadcast_shapes(np.shape(a), np.shape(b)), np.result_type(a, b)))


def reshape(a: Any, shape: tuple[int, ...]) -> Any:
    """``a.reshape(shape)``: a view where the memory layout allows one, else (a large NumPy array
    laid out otherwise) a copy written into a workspace array."""
    if a.__class__ is not np.ndarray or a.nbytes < MIN_BYTES or a.flags.c_contiguous:
        return a.reshape(shape)
    view = a.view()
    try:
        view.shape = shape  # in place: refused (on every NumPy version) where a copy is needed
        return view
    except AttributeError:
        pass
    known = -1 if -1 in shape else 1
    for s in shape:
        known *= s
    full = tuple(a.size // known if s == -1 else s for s in shape)
    out = empty(full, a.dtype)
    np.copyto(out.reshape(a.shape), a)  # row-major order, as reshape reads it
    return out


ADD_BLOCK = 1 << 16  # elements per block of add_scaled: 256 KiB of float32, about an L2 cache


def add_scaled(y: Any, alpha: float, x: Any) -> None:
    """y += alpha * x in place, without a temporary as large as x (an optimizer's update).

    NumPy has no fused multiply-add, and ``y += alpha * x`` allocates alpha * x whole: for a large
    parameter that is a fresh, page-faulted array on every step and the peak memory of the update.
    Here alpha * x goes through one small block at a time. ``y`` and ``x`` have the same shape;
    CuPy arrays (and non-contiguous ones, rare for parameters) take the plain expression.
    """
    blocked = isinstance(y, np.ndarray) and y.flags.c_contiguous and x.flags.c_contiguous
    if x.size <= ADD_BLOCK or not blocked:
        y += alpha * x
        return
    yf, xf = y.reshape(-1), x.reshape(-1)
    buf = np.empty(ADD_BLOCK, np.result_type(x.dtype, y.dtype))
    for i in range(0, xf.size, ADD_BLOCK):
        part = buf[: min(ADD_BLOCK, xf.size - i)]
        np.multiply(xf[i : i + ADD_BLOCK], alpha, out=part)
        yf[i : i + ADD_BLOCK] += part


def _claim(size: int) -> np.ndarray | None:
    """A free block of ``size`` bytes, or a new one if the limit allows (caller holds the lock)."""
    global _cached
    bucket = _blocks.get(size)
    if bucket is not None:
        for i in range(len(bucket)):
            if _refs(bucket, i) == _FREE_REFS:
                _blocks.move_to_end(size)
                return bucket[i]
    if _cached + size > _limit:
        _evict(_cached + size - _limit)
        if _cached + size > _limit:
            return None
    block = np.empty(size, np.uint8)
    _blocks.setdefault(size, []).append(block)
    _blocks.move_to_end(size)
    _cached += size
    return block


def _evict(need: int) -> None:
    """Drop free blocks, least recently used sizes first, until ``need`` bytes are released."""
    global _cached
    for size in list(_blocks):
        bucket = _blocks[size]
        for i in reversed(range(len(bucket))):
            if need <= 0:
                return
            if _refs(bucket, i) == _FREE_REFS:
                del bucket[i]
                _cached -= size
                need -= size
        if not bucket:
            del _blocks[size]


def set_limit(nbytes: int) -> None:
    """Cache at most ``nbytes`` of blocks (0 turns the pool off); free blocks over it are
    dropped."""
    global _limit
    if nbytes < 0:
        raise ValueError(f"workspace limit must be non-negative, but got {nbytes}")
    with _lock:
        _limit = int(nbytes)
        _evict(_cached - _limit)


def get_limit() -> int:
    return _limit


def empty_cache() -> None:
    """Drop every free block (blocks still in use stay until their arrays are gone)."""
    with _lock:
        _evict(_cached)


def cached_bytes() -> int:
    """Bytes the pool holds, free or in use."""
    return _cached


def keep_freed_memory(enable: bool = True, threshold: int = 1 << 30) -> bool:
    """Opt in, process-wide, to glibc keeping freed memory instead of returning it to the kernel.

    Sets ``M_TRIM_THRESHOLD`` and ``M_MMAP_THRESHOLD`` to ``threshold`` bytes (or back to glibc's
    defaults with ``enable=False``), so large arrays come from the heap and freed ones stay mapped:
    no page faults when the next step allocates them again, at the price of a resident set that no
    longer shrinks. Affects every library in the process; never done at import. Returns False
    (and does nothing) where the C library is not glibc.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    # glibc caps the mmap threshold at 32 MiB (on 64-bit); bigger arrays are still mapped each time
    trim, mmap = (threshold, min(threshold, 32 << 20)) if enable else (128 << 10, 128 << 10)
    return bool(mallopt(m_trim_threshold, trim)) and bool(mallopt(m_mmap_threshold, mmap))
