"""Adaptive pooling: max and average over windows that tile the input to a given output size.

Window i of an input dim of size n pooled to size o is [floor(i n / o), ceil((i + 1) n / o)), as in
PyTorch. Adaptive max pooling tracks the argmax over the offsets inside the widest window and
gathers with ops/pool.py's ``PoolGather``; adaptive average pooling is a product with small
constant averaging matrices along each spatial dim, so it is differentiable to any order through
matmul."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from ndgrad.ops._conv_util import _unbatch, _xp
from ndgrad.ops._util import require_float
from ndgrad.ops.linalg import matmul
from ndgrad.ops.pool import PoolGather, _pool_input
from ndgrad.ops.reduce import sum as _sum
from ndgrad.tensor import Tensor

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool3d",
]


# -- adaptive max pooling: the argmax over each window, then gather ---------------------------


def _adaptive_ranges(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's adaptive windows: [floor(i * size / out), ceil((i + 1) * size / out))."""
    i = np.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)


def _adaptive_out(output_size: Any, x: Tensor, d: int, name: str) -> tuple[int, ...]:
    sizes = (
        (output_size,) * d
        if isinstance(output_size, int | np.integer) or output_size is None
        else tuple(output_size)
    )
    if len(sizes) != d:
        raise RuntimeError(f"{name}: output_size must be {d}")
    return tuple(int(x.shape[2 + i]) if s is None else int(s) for i, s in enumerate(sizes))


def _adaptive_max_poolnd(input: Tensor, output_size: Any, return_indices: bool, d: int) -> Any:
    x, unbatched = _pool_input(input, d, f"adaptive_max_pool{d}d")
    require_float("adaptive_max_pool3d_cpu" if d == 3 else "adaptive_max_pool2d", x)
    out = _adaptive_out(output_size, x, d, f"adaptive_max_pool{d}d")
    xa = x.array
    xp = _xp(xa)
    size = xa.shape[2:]
    ranges = [_adaptive_ranges(n, o) for n, o in zip(size, out, strict=True)]
    widths = [int((e - b).max()) for b, e in ranges]
    flat_in = xa.reshape(xa.shape[:2] + (math.prod(size),))
    best = arg = None
    # loop over offsets inside the (at most) widest window; shorter windows repeat their last
    # element
    for k in itertools.product(*(range(w) for w in widths)):
        pos = 0
        for i, (b, e) in enumerate(ranges):
            rows = xp.asarray(np.minimum(b + k[i], e - 1)).reshape((out[i],) + (1,) * (d - 1 - i))
            pos = pos * size[i] + rows
        pos = xp.broadcast_to(pos, out).reshape(-1)
        cand = flat_in[:, :, pos].reshape(xa.shape[:2] + out)
        if best is None:
            best = xp.array(cand)
            arg = xp.broadcast_to(pos.reshape(out), best.shape).astype(np.int64)
        else:
            _track_max(best, arg, cand, xp.broadcast_to(pos.reshape(out), best.shape))
    if x.requires_grad:
        res = PoolGather.apply(x, idx=arg, values=best, unique=False)
    else:
        res = Tensor._make(best, False, None)
    res = _unbatch(res, unbatched)
    if return_indices:
        return res, _unbatch(Tensor._make(arg, False, None), unbatched)
    return res


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max over ``output_size`` windows that tile the input: [floor(i L / out), ceil((i + 1) L /
    out))."""
    return _adaptive_max_poolnd(input, output_size, return_indices, 1)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max pooling to a fixed output size (H_out, W_out); None keeps that input size."""
    return _adaptive_max_poolnd(input, output_size, return_indices, 2)


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max pooling to a fixed output size (D_out, H_out, W_out); None keeps that input size."""
    return _adaptive_max_poolnd(input, output_size, return_indices, 3)


def _track_max(best: Any, arg: Any, cand: Any, label: Any) -> None:
    """Where ``cand`` beats ``best`` strictly (so ties keep the first maximum), take it and
    ``label``.

    Written as a maximum plus integer arithmetic on the mask: several times faster than
    ``copyto(..., where=mask)`` or ``where``.
    """
    xp = _xp(best)
    wins = (cand > best).view(np.int8)
    xp.maximum(best, cand, out=best)
    step = label - arg
    step *= wins.astype(arg.dtype, copy=False)
    arg += step


# -- adaptive average pooling: products with small constant matrices -----------------------------


def _along_dims(x: Tensor, mats: list[np.ndarray]) -> Tensor:
    """Apply ``mats[i]`` (out_i, in_i) along spatial dim i of ``x`` (N, C, *S), one matmul each."""
    xp = x.xp
    d = len(mats)
    for i, m in enumerate(mats):
        if m.shape[0] == m.shape[1] and (m == np.eye(m.shape[0])).all():
            continue  # the identity: this dim keeps its size and positions
        mt = Tensor._make(xp.asarray(m.astype(x.array.dtype)), False, None)
        if i == d - 1:
            x = matmul(x, mt.permute(1, 0))
        else:
            # bring dim i last, multiply, and put it back
            dims = list(range(x.ndim))
            dims[2 + i], dims[-1] = dims[-1], dims[2 + i]
            x = matmul(x.permute(*dims), mt.permute(1, 0)).permute(*dims)
    return x


def _adaptive_avg_matrix(n: int, o: int) -> np.ndarray:
    start, end = _adaptive_ranges(n, o)
    cols = np.arange(n)
    inside = (cols >= start[:, None]) & (cols < end[:, None])
    return inside / (end - start)[:, None]


# PyTorch's adaptive average pooling is a mean, and refuses integers as mean() does
_MEAN_DTYPE = (
    "mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
    "dtype. Got: {dtype}"
)


def _adaptive_avg_poolnd(input: Tensor, output_size: Any, d: int) -> Tensor:
    x, unbatched = _pool_input(input, d, f"adaptive_avg_pool{d}d")
    require_float("", x, exc=RuntimeError, message=_MEAN_DTYPE)
    out = _adaptive_out(output_size, x, d, f"adaptive_avg_pool{d}d")
    if all(o == 1 for o in out):  # global average pooling
        count = math.prod(x.shape[2:])
        y = _sum(x, tuple(range(2, 2 + d)), keepdim=True) * (1.0 / count)
    else:
        y = _along_dims(
            x, [_adaptive_avg_matrix(n, o) for n, o in zip(x.shape[2:], out, strict=True)]
        )
    return _unbatch(y, unbatched)


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """Average over ``output_size`` windows [floor(i L / out), ceil((i + 1) L / out))."""
    return _adaptive_avg_poolnd(input, output_size, 1)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling to a fixed output size (H_out, W_out); None keeps that input size.

    Computed as A_h @ x @ A_w^T with constant averaging matrices (global pooling: a mean).
    """
    return _adaptive_avg_poolnd(input, output_size, 2)


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling to a fixed output size (D_out, H_out, W_out); None keeps that input size."""
    return _adaptive_avg_poolnd(input, output_size, 3)
