"""Pooling: max and average pooling in 1-d, 2-d and 3-d (``ndgrad.nn.functional``).

Pooling ops loop over the kernel offsets (a handful) with whole-array operations on strided slices,
never over elements. Max pooling finds the argmax of every window first, then gathers
(``PoolGather``, whose adjoint ``PoolScatter`` is its gradient); average pooling is a linear map
(``AvgPool``) with its adjoint (``AvgPoolAdjoint``). Adaptive pooling (windows that tile the input
to a given output size) is in ops/pool_adaptive.py."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ndgrad import _workspace as ws
from ndgrad.autograd.function import Op
from ndgrad.ops._conv_util import _pad, _tuple, _unbatch, _window_slices, _xp
from ndgrad.ops._util import refuse_bool, require_float
from ndgrad.tensor import Tensor

__all__ = [
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
]


# -- max pooling: find the argmax of every window, then gather -----------------------------------


class PoolGather(Op):
    """out[n, c, p] = x[n, c, idx[n, c, p]] over the flattened spatial dims (max pooling, once the
    argmax of each window is known); its gradient scatters back to the chosen positions."""

    @staticmethod
    def forward(ctx: Any, x: Any, idx: Any = None, values: Any = None, unique: bool = False) -> Any:
        ctx.save_for_backward(idx, x.shape, unique)
        if values is not None:  # the caller found the maxima already
            return values
        return x.reshape(-1)[_global_index(idx, x.shape)].reshape(idx.shape)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        idx, in_shape, unique = ctx.saved_tensors
        return PoolScatter.apply(grad, idx=idx.array, in_shape=in_shape, unique=unique)


class PoolScatter(Op):
    """out[n, c, s] = sum of g[n, c, p] over the p with idx[n, c, p] = s (the adjoint of
    PoolGather)."""

    @staticmethod
    def forward(
        ctx: Any, g: Any, idx: Any = None, in_shape: tuple[int, ...] = (), unique: bool = False
    ) -> Any:
        ctx.save_for_backward(idx, unique)
        xp = _xp(g)
        flat = _global_index(idx, in_shape).reshape(-1)
        if unique:  # windows that do not overlap: every input position is chosen at most once
            out = ws.zeros((math.prod(in_shape),), g.dtype, xp)
            out[flat] = g.reshape(-1)
        else:
            out = xp.bincount(flat, weights=g.reshape(-1), minlength=math.prod(in_shape)).astype(
                g.dtype
            )
        return out.reshape(in_shape)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        idx, unique = ctx.saved_tensors
        return PoolGather.apply(grad, idx=idx.array, unique=unique)


def _global_index(idx: Any, in_shape: tuple[int, ...]) -> Any:
    """Per-plane flat indices (N, C, *P) -> indices into the whole flattened (N, C, *S) array."""
    xp = _xp(idx)
    planes = in_shape[0] * in_shape[1]
    plane_size = math.prod(in_shape[2:])
    wide = idx.dtype if planes * plane_size < 2**31 else np.int64
    offset = (xp.arange(planes, dtype=wide) * plane_size).reshape(
        in_shape[:2] + (1,) * (idx.ndim - 2)
    )
    return xp.add(idx, offset, out=ws.empty(idx.shape, wide, xp))


def _lowest(dtype: Any) -> Any:
    return -np.inf if np.dtype(dtype).kind == "f" else np.iinfo(dtype).min


def _max_pool_raw(
    x: Any,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    pad: tuple[int, ...],
    dil: tuple[int, ...],
    out: tuple[int, ...],
) -> tuple[Any, Any]:
    """Window maxima of ``x`` (N, C, *S) and their flat indices in each (n, c) plane.

    The indices are int32 (int64 for planes of 2**31 positions or more): half the memory of the
    int64 that ``return_indices`` hands out, which converts them.
    """
    xp = _xp(x)
    size = x.shape[2:]
    hi = tuple(
        max(0, (o - 1) * s + v * (k - 1) + 1 - n - p)
        for o, s, v, k, n, p in zip(out, stride, dil, kernel, size, pad, strict=True)
    )
    buf = _pad(x, pad, hi, _lowest(x.dtype))
    lead = (slice(None), slice(None))
    offsets = list(itertools.product(*(range(kk) for kk in kernel)))
    starts = [tuple(i * v for i, v in zip(k, dil, strict=True)) for k in offsets]
    cands = [buf[lead + _window_slices(start, stride, out)] for start in starts]
    best = ws.empty(x.shape[:2] + out, x.dtype, xp)
    best[...] = cands[0]
    for cand in cands[1:]:
        xp.maximum(best, cand, out=best)
    arg = _first_max(best, cands)
    index_type = np.int32 if math.prod(size) < 2**31 else np.int64
    # flat index = where the window starts (per output position) + where the offset lies in it
    shift = np.zeros(len(offsets), dtype=index_type)
    base = np.zeros(out, dtype=index_type)
    for i in range(len(kernel)):
        row = np.array([k[i] * dil[i] for k in offsets])
        shift = shift * size[i] + row
        first = (np.arange(out[i]) * stride[i] - pad[i]).reshape(
            (out[i],) + (1,) * (len(kernel) - 1 - i)
        )
        base = base * size[i] + first
    labels = ws.empty(
        best.shape, np.intp, xp
    )  # take would convert the int8 labels to a fresh array
    labels[...] = arg
    idx = ws.empty(best.shape, index_type, xp)
    xp.take(xp.asarray(shift), labels, out=idx, mode="clip")  # "raise" would buffer the output
    idx += xp.asarray(base)
    return best, idx


def _first_max(best: Any, cands: list[Any]) -> Any:
    """Which candidate holds each window's maximum ``best``: the first one on ties, as PyTorch.

    The position of the first maximum is the number of candidates before it that differ from the
    maximum: a running "all different so far" mask, summed (2 cheap passes per candidate). A NaN
    is its window's maximum (``maximum`` propagates it) and, as in PyTorch, the last NaN is chosen.
    """
    xp = _xp(best)
    label_type = np.int8 if len(cands) < 128 else np.int32
    arg = ws.zeros(best.shape, label_type, xp)
    run = ws.empty(best.shape, np.bool_, xp)
    diff = ws.empty(best.shape, np.bool_, xp)
    for j, cand in enumerate(cands[:-1]):
        if j == 0:
            xp.not_equal(cand, best, out=run)
        else:
            xp.not_equal(cand, best, out=diff)
            run &= diff
        arg += run.view(np.int8) if label_type is np.int8 else run
    if best.dtype.kind == "f" and xp.isnan(best).any():
        for j, cand in enumerate(cands):
            xp.copyto(arg, label_type(j), where=xp.isnan(cand))
    return arg


def _pool_input(input: Tensor, d: int, adaptive: str = "") -> tuple[Tensor, bool]:
    """(N, C, *S) view of ``input``, and whether it came unbatched; only the batch may be empty."""
    if input.ndim not in (d + 1, d + 2):
        if adaptive and d == 1:
            raise RuntimeError(
                f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor for "
                "argument #1 "
                f"'self' (while checking arguments for {adaptive})"
            )
        if adaptive:
            got = ": " if "max" in adaptive else " "  # torch's two messages differ by this colon
            raise RuntimeError(
                f"{adaptive}(): Expected {d + 1}D or {d + 2}D tensor, but "
                f"got{got}{list(input.shape)}"
            )
        raise RuntimeError(f"non-empty {d + 1}D or {d + 2}D (batch mode) tensor expected for input")
    if 0 in input.shape[input.ndim - d - 1 :]:
        raise RuntimeError(f"non-empty {d + 1}D or {d + 2}D (batch mode) tensor expected for input")
    if input.ndim == d + 1:
        return input.reshape((1,) + tuple(input.shape)), True
    return input, False


def _pool_size(
    x: Tensor,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    pad: tuple[int, ...],
    dil: tuple[int, ...],
    ceil_mode: bool,
) -> tuple[int, ...]:
    """PyTorch's pooling output size; with ceil_mode a last window must start inside the input."""
    if any(s == 0 for s in stride):
        raise RuntimeError("stride should not be zero")
    if any(s < 0 for s in stride):
        raise RuntimeError("stride should be greater than zero")
    if any(k <= 0 for k in kernel):
        raise RuntimeError("kernel size should be greater than zero")
    if any(v <= 0 for v in dil):
        raise RuntimeError("dilation should be greater than zero")
    for p, k, v in zip(pad, kernel, dil, strict=True):
        if p < 0 or 2 * p > k:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={p}, "
                f"kernel_size={k} "
                f"and dilation={v}"
            )
    out = []
    for n, k, s, p, v in zip(x.shape[2:], kernel, stride, pad, dil, strict=True):
        o = (n + 2 * p - v * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (o - 1) * s >= n + p:
            o -= 1
        out.append(o)
    if any(o < 1 for o in out):
        given = "x".join(map(str, x.shape[1:]))
        calc = "x".join(map(str, (x.shape[1], *out)))
        raise RuntimeError(
            f"Given input size: ({given}). Calculated output size: ({calc}). Output size is too "
            "small"
        )
    return tuple(out)


def _max_poolnd(
    input: Tensor,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
    return_indices: bool,
    d: int,
) -> Any:
    x, unbatched = _pool_input(input, d)
    if d == 1:  # PyTorch's 1-d max pooling is float-only; 2-d and 3-d take integers, not bool
        require_float("max_pool1d_impl", x)
    refuse_bool(f"max_pool{d}d", x)
    kernel = _tuple(kernel_size, d, "kernel_size")
    st = kernel if stride is None or stride == [] or stride == () else _tuple(stride, d, "stride")
    pad, dil = _tuple(padding, d, "padding"), _tuple(dilation, d, "dilation")
    out_size = _pool_size(x, kernel, st, pad, dil, ceil_mode)
    values, idx = _max_pool_raw(x.array, kernel, st, pad, dil, out_size)
    if x.requires_grad:
        unique = all(s >= v * (k - 1) + 1 for s, v, k in zip(st, dil, kernel, strict=True))
        out = PoolGather.apply(x, idx=idx, values=values, unique=unique)
    else:
        out = Tensor._make(values, False, None)
    out = _unbatch(out, unbatched)
    if return_indices:
        return out, _unbatch(Tensor._make(idx.astype(np.int64), False, None), unbatched)
    return out


def _max_pool_function(d: int, doc: str) -> Callable[..., Any]:
    """The public ``max_pool{d}d``: PyTorch's signature in front of ``_max_poolnd``."""

    def max_pool(
        input: Tensor,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        ceil_mode: bool = False,
        return_indices: bool = False,
    ) -> Any:
        return _max_poolnd(
            input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, d
        )

    max_pool.__name__ = max_pool.__qualname__ = f"max_pool{d}d"
    max_pool.__doc__ = doc
    return max_pool


max_pool1d = _max_pool_function(
    1,
    """out[n, c, i] = max of input[n, c, i * stride - padding + k * dilation] over k <
    kernel_size.""",
)

max_pool2d = _max_pool_function(
    2,
    """out[n, c, i, j] = max of the (dilated) kernel_size window at (i * stride - p, j * stride -
    p).

    Args:
        input: (N, C, H, W) or unbatched (C, H, W).
        kernel_size, stride (default: kernel_size), padding, dilation: an int or a pair.
        ceil_mode: round the output size up (a last partial window that starts inside the input).
        return_indices: also return, for each output, the flat index h * W + w of its maximum
            in the input plane (the first one on ties), as int64.
    """,
)

max_pool3d = _max_pool_function(
    3,
    """out[n, c, i, j, l] = max of the (dilated) kernel_size window at (i, j, l) * stride - padding.

    Args:
        input: (N, C, D, H, W) or unbatched (C, D, H, W).
        kernel_size, stride (default: kernel_size), padding, dilation: an int or a triple.
        ceil_mode: round the output size up (a last partial window that starts inside the input).
        return_indices: also return, for each output, the flat index (d * H + h) * W + w of its
            maximum in the input volume (the first one on ties), as int64.
    """,
)


# -- average pooling: a linear map and its adjoint -----------------------------------------------


class PoolGeom(NamedTuple):
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    pad: tuple[int, ...]
    hi: tuple[int, ...]  # extra padding at the end for ceil_mode's last window
    in_size: tuple[int, ...]
    out_size: tuple[int, ...]


def _window_offsets(kernel: tuple[int, ...]) -> Any:
    return itertools.product(*(range(k) for k in kernel))


class AvgPool(Op):
    """out[n, c, p] = sum of the window at p * stride - pad / divisor[p]

    ``divisor`` (a number, or an array of the output's spatial shape) is an input without gradient,
    so that it reaches forward as an array when backward hands it on as a Tensor."""

    @staticmethod
    def forward(ctx: Any, x: Any, divisor: Any = 1.0, geom: PoolGeom | None = None) -> Any:
        assert geom is not None
        ctx.save_for_backward(geom, divisor)
        buf = _pad(x, geom.pad, geom.hi)
        lead = (slice(None), slice(None))
        acc = None
        for k in _window_offsets(geom.kernel):
            win = buf[lead + _window_slices(k, geom.stride, geom.out_size)]
            if acc is None:
                acc = _xp(x).array(win)
            else:
                acc += win
        assert acc is not None
        acc /= divisor
        return acc

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        geom, divisor = ctx.saved_tensors
        return AvgPoolAdjoint.apply(grad, divisor, geom=geom), None


class AvgPoolAdjoint(Op):
    """out[n, c, s] = sum over the windows p containing s of g[n, c, p] / divisor[p]"""

    @staticmethod
    def forward(ctx: Any, g: Any, divisor: Any = 1.0, geom: PoolGeom | None = None) -> Any:
        assert geom is not None
        ctx.save_for_backward(geom, divisor)
        xp = _xp(g)
        share = g / divisor
        padded = tuple(n + a + b for n, a, b in zip(geom.in_size, geom.pad, geom.hi, strict=True))
        buf = xp.zeros(g.shape[:2] + padded, dtype=g.dtype)
        lead = (slice(None), slice(None))
        for k in _window_offsets(geom.kernel):
            buf[lead + _window_slices(k, geom.stride, geom.out_size)] += share
        inner = tuple(slice(a, a + n) for a, n in zip(geom.pad, geom.in_size, strict=True))
        return xp.ascontiguousarray(buf[lead + inner])

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        geom, divisor = ctx.saved_tensors
        return AvgPool.apply(grad, divisor, geom=geom), None


def _avg_divisor(x: Any, g: PoolGeom, count_include_pad: bool, divisor_override: Any) -> Any:
    """How many positions each window averages over, as PyTorch counts them."""
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError("divisor must be not zero")
        return float(divisor_override)
    counts = None
    for i, (n, k, s, p, o) in enumerate(
        zip(g.in_size, g.kernel, g.stride, g.pad, g.out_size, strict=True)
    ):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        if count_include_pad:
            c = end - start
        else:
            c = np.minimum(end, n) - np.maximum(start, 0)
        c = c.reshape((o,) + (1,) * (len(g.kernel) - 1 - i))
        counts = c if counts is None else counts * c
    assert counts is not None
    if (counts == counts.flat[0]).all():
        return float(counts.flat[0])
    return _xp(x).asarray(counts.astype(x.dtype))


def _avg_poolnd(
    input: Tensor,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: Any,
    d: int,
) -> Tensor:
    x, unbatched = _pool_input(input, d)
    # PyTorch's kernel names; it averages int64 in integer arithmetic, which ndgrad refuses
    require_float("avg_pool3d_out_frame" if d == 3 else "avg_pool2d", x)
    kernel = _tuple(kernel_size, d, "kernel_size")
    st = kernel if stride is None or stride == [] or stride == () else _tuple(stride, d, "stride")
    pad = _tuple(padding, d, "padding")
    # torch checks that the (unpadded) input holds a whole window in 3-d only
    if d == 3 and any(n < k for n, k in zip(x.shape[2:], kernel, strict=True)):
        t, h, w = x.shape[2:]
        raise RuntimeError(
            f"input image (T: {t} H: {h} W: {w}) smaller than kernel size "
            f"(kT: {kernel[0]} kH: {kernel[1]} kW: {kernel[2]})"
        )
    out = _pool_size(x, kernel, st, pad, (1,) * d, ceil_mode)
    size = tuple(x.shape[2:])
    hi = tuple(
        max(0, (o - 1) * s + k - n - p)
        for o, s, k, n, p in zip(out, st, kernel, size, pad, strict=True)
    )
    geom = PoolGeom(kernel, st, pad, hi, size, out)
    divisor = _avg_divisor(x.array, geom, count_include_pad, divisor_override)
    return _unbatch(AvgPool.apply(x, divisor, geom=geom), unbatched)


def avg_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """out[n, c, i] = mean of input[n, c, i * stride - padding + k] over k < kernel_size."""
    return _avg_poolnd(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1)


def _avg_pool_function(d: int, doc: str) -> Callable[..., Tensor]:
    """The public ``avg_pool{d}d`` (2-d and 3-d, which take ``divisor_override``): PyTorch's
    signature in front of ``_avg_poolnd``."""

    def avg_pool(
        input: Tensor,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> Tensor:
        return _avg_poolnd(
            input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, d
        )

    avg_pool.__name__ = avg_pool.__qualname__ = f"avg_pool{d}d"
    avg_pool.__doc__ = doc
    return avg_pool


avg_pool2d = _avg_pool_function(
    2,
    """out[n, c, i, j] = sum of the kernel_size window at (i * stride - p, j * stride - p) /
    divisor.

    The divisor is the window's size, counting padded positions when ``count_include_pad``
    (but never positions past the padding that ``ceil_mode`` adds), or ``divisor_override``.
    """,
)

avg_pool3d = _avg_pool_function(
    3,
    """out[n, c, i, j, l] = sum of the kernel_size window at (i, j, l) * stride - padding / divisor.

    Args:
        input: (N, C, D, H, W) or unbatched (C, D, H, W).
        kernel_size, stride (default: kernel_size), padding: an int or a triple.
        ceil_mode, count_include_pad, divisor_override: as in ``avg_pool2d``.
    """,
)
