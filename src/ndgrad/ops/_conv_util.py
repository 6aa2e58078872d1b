"""Sliding-window plumbing shared by the convolution family (conv, pool, unfold/fold).

A convolution, a pooling window and an unfold block all read the same index map: input position
``s = p * stride - pad + k * dilation`` for output position ``p`` and kernel offset ``k``. ``Geom``
records that map; ``_pad`` and ``_window_slices`` give one kernel offset's inputs for all output
positions as a strided slice; ``_im2col`` lays out every window as a matrix column (a strided view,
then one copy) and ``_col2im`` is its adjoint (add each column back where it came from). The small
argument helpers (int-or-tuple sizes, optional batch dim) live here too, so ``conv`` and ``pool``
import them without importing each other.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, NamedTuple

import numpy as np

from ndgrad import _workspace as ws
from ndgrad._backend import xp_of as _xp
from ndgrad.tensor import Tensor


def _as_strided(a: Any, shape: tuple[int, ...], strides: tuple[int, ...]) -> Any:
    """A read-only strided view of ``a`` (NumPy or CuPy); strides in bytes."""
    xp = _xp(a)
    if xp is np:
        return np.lib.stride_tricks.as_strided(a, shape, strides, writeable=False)
    return xp.lib.stride_tricks.as_strided(a, shape, strides)


def _tuple(value: Any, d: int, name: str) -> tuple[int, ...]:
    """An int or a sequence of ``d`` ints as a d-tuple (PyTorch's message otherwise)."""
    if isinstance(value, int | np.integer):
        return (int(value),) * d
    vals = tuple(int(v) for v in value)
    if len(vals) == 1:
        return vals * d
    if len(vals) != d:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of {d} values to match the "
            f"convolution dimensions, but got {name}={list(vals)}"
        )
    return vals


def _check_positive(
    stride: tuple[int, ...], dilation: tuple[int, ...], padding: tuple[int, ...]
) -> None:
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(v <= 0 for v in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")


def _window_slices(
    start: tuple[int, ...], step: tuple[int, ...], count: tuple[int, ...]
) -> tuple[slice, ...]:
    """Slices picking ``count`` positions ``start, start + step, ...`` along each spatial dim."""
    return tuple(
        slice(b, b + s * (n - 1) + 1, s) for b, s, n in zip(start, step, count, strict=True)
    )


class Geom(NamedTuple):
    """Everything that fixes a convolution's index map, shared by its three ops.

    Input position ``s = p * stride - pad_lo + k * dilation`` for output position ``p`` and kernel
    offset ``k`` (per spatial dim); channels split into ``groups`` independent blocks.
    """

    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    pad_lo: tuple[int, ...]
    pad_hi: tuple[int, ...]
    groups: int
    in_size: tuple[int, ...]  # spatial size of the conv input x
    kernel: tuple[int, ...]
    out_size: tuple[int, ...]  # spatial size of the conv output y


def _pad(x: Any, lo: tuple[int, ...], hi: tuple[int, ...], value: float = 0.0) -> Any:
    """``x`` (N, C, *S) with ``lo``/``hi`` extra positions of ``value`` on each spatial dim."""
    if not any(lo) and not any(hi):
        return x
    shape = x.shape[:2] + tuple(s + a + b for s, a, b in zip(x.shape[2:], lo, hi, strict=True))
    out = ws.full(shape, value, x.dtype, _xp(x))
    inner = tuple(slice(a, a + s) for a, s in zip(lo, x.shape[2:], strict=True))
    out[(slice(None), slice(None)) + inner] = x
    return out


def _im2col(x: Any, g: Geom, per_sample: bool = True) -> Any:
    """The sliding windows of ``x`` (N, C, *S) as matrices: (N, groups, C/groups * K, P) per
    sample, or (groups, C/groups * K, N * P) for all samples at once."""
    xp = _pad(x, g.pad_lo, g.pad_hi)
    n, c = x.shape[:2]
    cg = c // g.groups
    sn, sc = xp.strides[:2]
    sp = xp.strides[2:]
    ks = tuple(s * d for s, d in zip(sp, g.dilation, strict=True))
    ps = tuple(s * t for s, t in zip(sp, g.stride, strict=True))
    ck, p = cg * math.prod(g.kernel), math.prod(g.out_size)
    if per_sample:
        view = _as_strided(
            xp, (n, g.groups, cg) + g.kernel + g.out_size, (sn, cg * sc, sc) + ks + ps
        )
    else:
        view = _as_strided(
            xp, (g.groups, cg) + g.kernel + (n,) + g.out_size, (cg * sc, sc) + ks + (sn,) + ps
        )
    cols = ws.empty(view.shape, x.dtype, _xp(x))
    cols[...] = view
    return cols.reshape((n, g.groups, ck, p) if per_sample else (g.groups, ck, n * p))


def _contiguous(a: Any) -> Any:
    """A C-contiguous copy of ``a`` in a workspace array."""
    out = ws.empty(a.shape, a.dtype, _xp(a))
    out[...] = a
    return out


def _col2im(cols: Any, g: Geom, n: int, c: int, per_sample: bool = True) -> Any:
    """The adjoint of ``_im2col``: add each window column back where it came from -> (N, C, *S).

    One strided addition per kernel offset (9 for a 3x3 kernel), each over the whole batch, into a
    buffer laid out like ``cols`` (so the additions read memory in order).
    """
    xp = _xp(cols)
    if per_sample:
        cols = cols.reshape((n, c) + g.kernel + g.out_size)
    else:
        cols = cols.reshape((c,) + g.kernel + (n,) + g.out_size)
    padded = tuple(s + a + b for s, a, b in zip(g.in_size, g.pad_lo, g.pad_hi, strict=True))
    buf = ws.zeros(((n, c) if per_sample else (c, n)) + padded, cols.dtype, xp)
    lead = (slice(None), slice(None))
    for k in itertools.product(*(range(kk) for kk in g.kernel)):
        start = tuple(i * d for i, d in zip(k, g.dilation, strict=True))
        block = cols[lead + k] if per_sample else cols[(slice(None),) + k]
        buf[lead + _window_slices(start, g.stride, g.out_size)] += block
    if not per_sample:
        buf = buf.swapaxes(0, 1)
    elif padded == g.in_size:
        return buf
    inner = tuple(slice(a, a + s) for a, s in zip(g.pad_lo, g.in_size, strict=True))
    out = ws.empty((n, c) + g.in_size, cols.dtype, xp)
    out[...] = buf[lead + inner]
    return out


# -- col2im on "wide" rows: contiguous additions for stride-1 convolutions -----------------------
#
# With stride 1, output position i and kernel offset k read input position i + k * dilation. Lay
# the output positions out on the padded input's grid ("wide": every dim but the first as long as
# the padded input, the extra positions zero); then, in the flattened padded plane, offset k is one
# constant shift, and col2im adds each offset's whole block as one contiguous run per plane
# instead of a strided add per row of a dozen elements. The zero positions add zeros.


def _wide_ok(g: Geom) -> bool:
    """Stride 1, and the wide grid at most 25% larger than the output (more work for the GEMM)."""
    if any(s != 1 for s in g.stride):
        return False
    padded = [s + a + b for s, a, b in zip(g.in_size, g.pad_lo, g.pad_hi, strict=True)]
    return math.prod(padded[1:]) <= 1.25 * math.prod(g.out_size[1:])


def _padded_size(g: Geom) -> tuple[int, ...]:
    return tuple(s + a + b for s, a, b in zip(g.in_size, g.pad_lo, g.pad_hi, strict=True))


def _to_wide(y: Any, g: Geom, per_sample: bool) -> Any:
    """(N, O, *P) -> the wide layout: (N, groups, O/groups, L) per sample, or (groups, O/groups,
    N * L) for all samples, L = P[0] * prod(padded[1:]); zeros outside the output."""
    n, o = y.shape[:2]
    wide = g.out_size[:1] + _padded_size(g)[1:]
    region = tuple(slice(0, p) for p in g.out_size)
    if per_sample:
        out = ws.zeros((n, o) + wide, y.dtype, _xp(y))
        out[(slice(None), slice(None)) + region] = y
        return out.reshape(n, g.groups, o // g.groups, math.prod(wide))
    out = ws.zeros((o, n) + wide, y.dtype, _xp(y))
    out[(slice(None), slice(None)) + region] = y.swapaxes(0, 1)
    return out.reshape(g.groups, o // g.groups, n * math.prod(wide))


def _col2im_wide(cols: Any, g: Geom, n: int, c: int, per_sample: bool) -> Any:
    """``_col2im`` for columns on the wide grid (from ``w^T @ _to_wide(y)``) -> (N, C, *S)."""
    xp = _xp(cols)
    padded = _padded_size(g)
    strides = [math.prod(padded[i + 1 :]) for i in range(len(padded))]  # of the flat padded plane
    length = g.out_size[0] * strides[0]
    tail = sum(
        (k - 1) * d * s for k, d, s in zip(g.kernel[1:], g.dilation[1:], strides[1:], strict=True)
    )
    plane = math.prod(padded)
    kk = math.prod(g.kernel)
    if per_sample:
        cols = cols.reshape(n, c, kk, length)
        buf = ws.zeros((n, c, plane + tail), cols.dtype, xp)
    else:
        cols = cols.reshape(c, kk, n, length)
        buf = ws.zeros((c, n, plane + tail), cols.dtype, xp)
    for j, k in enumerate(itertools.product(*(range(kk) for kk in g.kernel))):
        off = sum(i * d * s for i, d, s in zip(k, g.dilation, strides, strict=True))
        buf[:, :, off : off + length] += cols[:, :, j] if per_sample else cols[:, j]
    full = buf[:, :, :plane].reshape(buf.shape[:2] + padded)
    if not per_sample:
        full = full.swapaxes(0, 1)
    inner = tuple(slice(a, a + s) for a, s in zip(g.pad_lo, g.in_size, strict=True))
    out = ws.empty((n, c) + g.in_size, cols.dtype, xp)
    out[...] = full[(slice(None), slice(None)) + inner]
    return out


def _batched(input: Tensor, d: int, name: str) -> tuple[Tensor, bool]:
    """Accept (C, *S) or (N, C, *S); unbatched inputs get a batch dim of 1."""
    if input.ndim == d + 1:
        return input.reshape((1,) + tuple(input.shape)), True
    if input.ndim != d + 2:
        raise RuntimeError(
            f"Expected {d + 1}D (unbatched) or {d + 2}D (batched) input to {name}, but got input "
            "of "
            f"size: {list(input.shape)}"
        )
    return input, False


def _unbatch(out: Tensor, unbatched: bool) -> Tensor:
    return out.reshape(tuple(out.shape)[1:]) if unbatched else out
