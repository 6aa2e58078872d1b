"""Convolution and pooling: conv1d/2d/3d, transposed convs, max/avg/adaptive pooling, interpolate,
unfold and fold (``ndgrad.nn.functional``).

How a convolution is computed here (im2col): the padded input is viewed, without copying, as all
its sliding windows (``as_strided``); one copy lays the windows out as matrices ``cols``
(C/groups * kernel rows, one column per output position); one batched matrix product with the
weight then does all the multiply-adds in BLAS (see ``_per_sample`` for the two layouts). Three ops
share one geometry (stride, padding, dilation, groups, sizes) and are each other's gradients, so
derivatives of any order come for free:

- ``Conv``:          y = conv(x, w)              (N, C, *S) -> (N, O, *P)
- ``ConvTranspose``: x = conv_transpose(y, w)    (N, O, *P) -> (N, C, *S), the adjoint in x
- ``ConvWeight``:    w = conv_weight(x, y)       the adjoint in w: sum over n, p of y * windows of x

Pooling ops loop over the kernel offsets (a handful) with whole-array operations on strided slices,
never over elements. Linear resampling (adaptive average pooling, interpolate) is a product with
small constant matrices along each spatial dim, so it is differentiable to any order through matmul.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, NamedTuple

import numpy as np

from ndgrad import _backend
from ndgrad.autograd.function import Op
from ndgrad.ops.linalg import matmul
from ndgrad.ops.reduce import sum as _sum
from ndgrad.tensor import Tensor

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "max_pool1d",
    "max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "interpolate",
    "upsample",
    "unfold",
    "fold",
]


def _xp(a: Any) -> Any:
    return _backend.xp_of(a)


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


def _window_slices(
    start: tuple[int, ...], step: tuple[int, ...], count: tuple[int, ...]
) -> tuple[slice, ...]:
    """Slices picking ``count`` positions ``start, start + step, ...`` along each spatial dim."""
    return tuple(slice(b, b + s * (n - 1) + 1, s) for b, s, n in zip(start, step, count, strict=True))


# -- convolution geometry and the raw kernels ----------------------------------------------------


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
    out = _xp(x).full(shape, value, dtype=x.dtype)
    inner = tuple(slice(a, a + s) for a, s in zip(lo, x.shape[2:], strict=True))
    out[(slice(None), slice(None)) + inner] = x
    return out


def _per_sample(g: Geom) -> bool:
    """Which matrix layout a convolution uses (both give the same numbers).

    Wide outputs (early layers) multiply one sample at a time, (O/g, Cg*K) @ (Cg*K, P): the result
    is in NCHW order at once. Narrow outputs (deep layers, P small) make per-sample products too
    thin for BLAS, so all samples go in one product (Cg*K, N*P) and only the small output is
    transposed back to NCHW.
    """
    return math.prod(g.out_size) >= PER_SAMPLE_MIN_POSITIONS


PER_SAMPLE_MIN_POSITIONS = 256  # measured on 2 cores: the break-even is between P = 49 and P = 784


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
        view = _as_strided(xp, (n, g.groups, cg) + g.kernel + g.out_size, (sn, cg * sc, sc) + ks + ps)
        return _xp(x).ascontiguousarray(view).reshape(n, g.groups, ck, p)
    view = _as_strided(xp, (g.groups, cg) + g.kernel + (n,) + g.out_size, (cg * sc, sc) + ks + (sn,) + ps)
    return _xp(x).ascontiguousarray(view).reshape(g.groups, ck, n * p)


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
    buf = xp.zeros(((n, c) if per_sample else (c, n)) + padded, dtype=cols.dtype)
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
    return xp.ascontiguousarray(buf[lead + inner])


def _by_group(y: Any, g: Geom) -> Any:
    """(N, O, *P) -> (groups, O/groups, N * P), the all-samples layout."""
    n, o = y.shape[:2]
    p = math.prod(g.out_size)
    y = y.reshape(n, g.groups, o // g.groups, p).transpose(1, 2, 0, 3)
    return _xp(y).ascontiguousarray(y).reshape(g.groups, o // g.groups, n * p)


def _conv_forward(x: Any, w: Any, g: Geom, cols: Any = None) -> Any:
    per_sample = _per_sample(g)
    if cols is None:
        cols = _im2col(x, g, per_sample)
    o, n = w.shape[0], x.shape[0]
    y = w.reshape(g.groups, o // g.groups, -1) @ cols
    if per_sample:  # (N, groups, O/groups, P): NCHW already
        return y.reshape((n, o) + g.out_size)
    y = y.reshape(o, n, math.prod(g.out_size)).transpose(1, 0, 2)
    return _xp(y).ascontiguousarray(y).reshape((n, o) + g.out_size)


def _conv_transpose_forward(y: Any, w: Any, g: Geom) -> Any:
    per_sample = _per_sample(g)
    o, cg = w.shape[:2]
    n = y.shape[0]
    wmat = w.reshape(g.groups, o // g.groups, -1).transpose(0, 2, 1)  # (groups, Cg * K, O/groups)
    if per_sample:
        cols = wmat @ y.reshape(n, g.groups, o // g.groups, math.prod(g.out_size))
    else:
        cols = wmat @ _by_group(y, g)
    return _col2im(cols, g, n, cg * g.groups, per_sample)


def _conv_weight_forward(x: Any, y: Any, g: Geom, cols: Any = None) -> Any:
    per_sample = _per_sample(g)
    if cols is None:
        cols = _im2col(x, g, per_sample)
    n, o = y.shape[:2]
    if per_sample:
        yg = y.reshape(n, g.groups, o // g.groups, math.prod(g.out_size))
        gw = (yg @ cols.transpose(0, 1, 3, 2)).sum(axis=0)  # (groups, O/groups, Cg * K)
    else:
        gw = _by_group(y, g) @ cols.transpose(0, 2, 1)
    return gw.reshape((o, x.shape[1] // g.groups) + g.kernel)


def _bias_grad(grad: Tensor) -> Tensor:
    return _sum(grad, (0,) + tuple(range(2, grad.ndim)))


class Conv(Op):
    """y[n, o, p] = sum_{c, k} w[o, c, k] * x[n, c, p * stride - pad + k * dilation] (+ b[o])"""

    @staticmethod
    def forward(ctx: Any, x: Any, w: Any, b: Any = None, geom: Geom | None = None) -> Any:
        assert geom is not None
        ctx.geom = geom
        cols = _im2col(x, geom, _per_sample(geom))
        # the window matrix is kept for the weight gradient: it saves redoing the copy in backward
        # (at the cost of holding kernel-size times the input's memory until backward)
        need_w = ctx.needs_input_grad[1]
        ctx.save_for_backward(
            x if need_w else None, w if ctx.needs_input_grad[0] else None, cols if need_w else None
        )
        y = _conv_forward(x, w, geom, cols)
        if b is not None:
            y += b.reshape((1, -1) + (1,) * len(geom.kernel))
        return y

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        x, w, cols = ctx.saved_tensors
        g = ctx.geom
        gx = ConvTranspose.apply(grad, w, geom=g) if ctx.needs_input_grad[0] else None
        gw = ConvWeight.apply(x, grad, geom=g, cols=cols.data) if ctx.needs_input_grad[1] else None
        gb = _bias_grad(grad) if len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2] else None
        return gx, gw, gb


class ConvTranspose(Op):
    """x[n, c, s] = sum over (o, p, k) with s = p * stride - pad + k * dilation of y[n, o, p] * w[o, c, k]
    (+ b[c]): the adjoint of Conv in its input, i.e. its input gradient."""

    @staticmethod
    def forward(ctx: Any, y: Any, w: Any, b: Any = None, geom: Geom | None = None) -> Any:
        assert geom is not None
        ctx.geom = geom
        ctx.save_for_backward(y if ctx.needs_input_grad[1] else None, w if ctx.needs_input_grad[0] else None)
        x = _conv_transpose_forward(y, w, geom)
        if b is not None:
            x += b.reshape((1, -1) + (1,) * len(geom.kernel))
        return x

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        y, w = ctx.saved_tensors
        g = ctx.geom
        gy = Conv.apply(grad, w, geom=g) if ctx.needs_input_grad[0] else None
        gw = ConvWeight.apply(grad, y, geom=g) if ctx.needs_input_grad[1] else None
        gb = _bias_grad(grad) if len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2] else None
        return gy, gw, gb


class ConvWeight(Op):
    """w[o, c, k] = sum_{n, p} y[n, o, p] * x[n, c, p * stride - pad + k * dilation]: the adjoint
    of Conv in its weight, i.e. its weight gradient."""

    @staticmethod
    def forward(ctx: Any, x: Any, y: Any, geom: Geom | None = None, cols: Any = None) -> Any:
        assert geom is not None
        ctx.geom = geom
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None, y if ctx.needs_input_grad[0] else None)
        return _conv_weight_forward(x, y, geom, cols)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        x, y = ctx.saved_tensors
        g = ctx.geom
        gx = ConvTranspose.apply(y, grad, geom=g) if ctx.needs_input_grad[0] else None
        gy = Conv.apply(x, grad, geom=g) if ctx.needs_input_grad[1] else None
        return gx, gy


# -- public convolutions -------------------------------------------------------------------------


def _batched(input: Tensor, d: int, name: str) -> tuple[Tensor, bool]:
    """Accept (C, *S) or (N, C, *S); unbatched inputs get a batch dim of 1."""
    if input.ndim == d + 1:
        return input.reshape((1,) + tuple(input.shape)), True
    if input.ndim != d + 2:
        raise RuntimeError(
            f"Expected {d + 1}D (unbatched) or {d + 2}D (batched) input to {name}, but got input of "
            f"size: {list(input.shape)}"
        )
    return input, False


def _unbatch(out: Tensor, unbatched: bool) -> Tensor:
    return out.reshape(tuple(out.shape)[1:]) if unbatched else out


def _check_common(
    x: Tensor, weight: Tensor, bias: Tensor | None, d: int, groups: int, out_channels: int
) -> None:
    if weight.ndim != d + 2:
        raise RuntimeError(
            f"Expected {d + 2}-dimensional weight for {d + 2}-dimensional input "
            f"{list(x.shape)}, but got {weight.ndim}-dimensional weight of size {list(weight.shape)} instead"
        )
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"convolution expects a floating point input, but got {x.dtype.name}")
    if x.dtype != weight.dtype:
        raise RuntimeError(
            f"expected scalar type {weight.dtype.name.capitalize()} but found {x.dtype.name.capitalize()}"
        )
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != out_channels):
        raise RuntimeError(
            f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
            f"{out_channels} elements, but got bias of size {list(bias.shape)} instead"
        )
    if bias is not None and bias.dtype != x.dtype:
        raise RuntimeError(
            f"expected scalar type {x.dtype.name.capitalize()} but found {bias.dtype.name.capitalize()}"
        )


def _check_positive(stride: tuple[int, ...], dilation: tuple[int, ...], padding: tuple[int, ...]) -> None:
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(v <= 0 for v in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")


def _convnd(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
    d: int,
) -> Tensor:
    name = f"conv{d}d"
    x, unbatched = _batched(input, d, name)
    _check_common(x, weight, bias, d, groups, weight.shape[0])
    st, dil = _tuple(stride, d, "stride"), _tuple(dilation, d, "dilation")
    kernel = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            lo = hi = (0,) * d
        elif padding == "same":
            if any(s != 1 for s in st):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            total = tuple(v * (k - 1) for v, k in zip(dil, kernel, strict=True))
            lo = tuple(t // 2 for t in total)  # an odd total puts the extra position at the end
            hi = tuple(t - a for t, a in zip(total, lo, strict=True))
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        lo = hi = _tuple(padding, d, "padding")
    _check_positive(st, dil, lo)
    if weight.shape[0] % groups != 0:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
            f"got weight of size [{list(weight.shape)}] instead"
        )
    if x.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected input{list(x.shape)} "
            f"to have {weight.shape[1] * groups} channels, but got {x.shape[1]} channels instead"
        )
    size = tuple(x.shape[2:])
    padded = tuple(s + a + b for s, a, b in zip(size, lo, hi, strict=True))
    span = tuple(v * (k - 1) + 1 for v, k in zip(dil, kernel, strict=True))
    if any(p < k for p, k in zip(padded, span, strict=True)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
            f"({' x '.join(map(str, span))}). Kernel size can't be greater than actual input size"
        )
    out = tuple((p - k) // s + 1 for p, k, s in zip(padded, span, st, strict=True))
    geom = Geom(st, dil, lo, hi, groups, size, kernel, out)
    y = Conv.apply(x, weight, bias, geom=geom) if bias is not None else Conv.apply(x, weight, geom=geom)
    return _unbatch(y, unbatched)


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """1-d convolution (cross-correlation, as in PyTorch) of (N, C, L) with weight (O, C/groups, K).

    ``padding`` is an int, a tuple, 'valid' (none) or 'same' (output as long as the input).
    """
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """2-d convolution: out[n,o,i,j] = b[o] + sum_{c,u,v} w[o,c,u,v] * x[n, c, i*s + u*d - p, j*s + v*d - p]

    Args:
        input: (N, C, H, W) or unbatched (C, H, W).
        weight: (O, C/groups, kH, kW).
        bias: (O,) or None.
        stride, padding, dilation: an int or a pair; padding may also be 'valid' or 'same'.
        groups: split the channels into this many independent convolutions.

    Returns:
        (N, O, H_out, W_out) with H_out = (H + 2p - d(kH - 1) - 1) // s + 1.

    Example:
        >>> x = ndgrad.randn(8, 3, 32, 32)
        >>> ndgrad.nn.functional.conv2d(x, ndgrad.randn(16, 3, 3, 3), padding=1).shape
        ndgrad.Size([8, 16, 32, 32])
    """
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 2)


def conv3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """3-d convolution of (N, C, D, H, W) with weight (O, C/groups, kD, kH, kW)."""
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 3)


def _conv_transposend(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: Any,
    padding: Any,
    output_padding: Any,
    groups: int,
    dilation: Any,
    d: int,
) -> Tensor:
    if isinstance(padding, str):
        raise TypeError(f"conv_transpose{d}d(): argument 'padding' must be tuple of ints, not str")
    y, unbatched = _batched(input, d, f"conv_transpose{d}d")
    if weight.ndim == d + 2 and weight.shape[0] % groups == 0 and groups > 0:
        out_channels = weight.shape[1] * groups
    else:
        out_channels = -1
    _check_common(y, weight, bias, d, groups, out_channels)
    st, dil = _tuple(stride, d, "stride"), _tuple(dilation, d, "dilation")
    pad, opad = _tuple(padding, d, "padding"), _tuple(output_padding, d, "output_padding")
    _check_positive(st, dil, pad)
    if any(op >= s and op >= v for op, s, v in zip(opad, st, dil, strict=True)):
        raise RuntimeError(
            f"output padding must be smaller than either stride or dilation, but got "
            f"output_padding={list(opad)}, stride={list(st)}, dilation={list(dil)}"
        )
    if y.shape[1] != weight.shape[0]:
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(weight.shape)}, expected input{list(y.shape)} "
            f"to have {weight.shape[0]} channels, but got {y.shape[1]} channels instead"
        )
    kernel = tuple(weight.shape[2:])
    p_size = tuple(y.shape[2:])
    size = tuple(
        (p - 1) * s - 2 * a + v * (k - 1) + op + 1
        for p, s, a, v, k, op in zip(p_size, st, pad, dil, kernel, opad, strict=True)
    )
    if any(s <= 0 for s in size):
        raise RuntimeError(
            f"Given input size per channel: {list(p_size)}. Calculated output size per channel: "
            f"{list(size)}. Output size is too small"
        )
    # the transposed conv is the adjoint of the conv from (N, C_out, *size) to the given input
    geom = Geom(st, dil, pad, pad, groups, size, kernel, p_size)
    if bias is not None:
        x = ConvTranspose.apply(y, weight, bias, geom=geom)
    else:
        x = ConvTranspose.apply(y, weight, geom=geom)
    return _unbatch(x, unbatched)


def conv_transpose1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """1-d transposed convolution (the gradient of conv1d in its input) of (N, C_in, L) with weight
    (C_in, C_out/groups, K); L_out = (L - 1) * stride - 2 * padding + dilation * (K - 1) + output_padding + 1.
    """
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups, dilation, 1)


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """2-d transposed convolution: every input pixel adds weight * value into a window of the output.

    Args:
        input: (N, C_in, H, W) or unbatched (C_in, H, W).
        weight: (C_in, C_out/groups, kH, kW).
        output_padding: extra positions at the end of each dim (to pick among the input sizes a
            strided conv2d maps to the same output size).

    Returns:
        (N, C_out, H_out, W_out), H_out = (H - 1) * s - 2p + d(kH - 1) + output_padding + 1.
    """
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups, dilation, 2)


def conv_transpose3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """3-d transposed convolution of (N, C_in, D, H, W) with weight (C_in, C_out/groups, kD, kH, kW)."""
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups, dilation, 3)


# -- max pooling: find the argmax of every window, then gather -----------------------------------


class PoolGather(Op):
    """out[n, c, p] = x[n, c, idx[n, c, p]] over the flattened spatial dims (max pooling, once the
    argmax of each window is known); its gradient scatters back to the chosen positions."""

    @staticmethod
    def forward(ctx: Any, x: Any, idx: Any = None, values: Any = None, unique: bool = False) -> Any:
        flat = _global_index(idx, x.shape)
        ctx.in_shape, ctx.unique = x.shape, unique
        ctx.save_for_backward(idx)
        if values is not None:  # the caller found the maxima already
            return values
        return x.reshape(-1)[flat].reshape(idx.shape)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        (idx,) = ctx.saved_tensors
        return PoolScatter.apply(grad, idx=idx.data, in_shape=ctx.in_shape, unique=ctx.unique)


class PoolScatter(Op):
    """out[n, c, s] = sum of g[n, c, p] over the p with idx[n, c, p] = s (the adjoint of PoolGather)."""

    @staticmethod
    def forward(
        ctx: Any, g: Any, idx: Any = None, in_shape: tuple[int, ...] = (), unique: bool = False
    ) -> Any:
        ctx.in_shape, ctx.unique = in_shape, unique
        ctx.save_for_backward(idx)
        xp = _xp(g)
        flat = _global_index(idx, in_shape).reshape(-1)
        if unique:  # windows that do not overlap: every input position is chosen at most once
            out = xp.zeros(math.prod(in_shape), dtype=g.dtype)
            out[flat] = g.reshape(-1)
        else:
            out = xp.bincount(flat, weights=g.reshape(-1), minlength=math.prod(in_shape)).astype(g.dtype)
        return out.reshape(in_shape)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        (idx,) = ctx.saved_tensors
        return PoolGather.apply(grad, idx=idx.data, unique=ctx.unique)


def _global_index(idx: Any, in_shape: tuple[int, ...]) -> Any:
    """Per-plane flat indices (N, C, *P) -> indices into the whole flattened (N, C, *S) array."""
    xp = _xp(idx)
    planes = in_shape[0] * in_shape[1]
    plane_size = math.prod(in_shape[2:])
    offset = (xp.arange(planes, dtype=idx.dtype) * plane_size).reshape(in_shape[:2] + (1,) * (idx.ndim - 2))
    return idx + offset


def _track_max(best: Any, arg: Any, cand: Any, label: Any) -> None:
    """Where ``cand`` beats ``best`` strictly (so ties keep the first maximum), take it and ``label``.

    Written as a maximum plus integer arithmetic on the mask: several times faster than
    ``copyto(..., where=mask)`` or ``where``.
    """
    xp = _xp(best)
    wins = (cand > best).view(np.int8)
    xp.maximum(best, cand, out=best)
    step = label - arg
    step *= wins.astype(arg.dtype, copy=False)
    arg += step


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
    """Window maxima of ``x`` (N, C, *S) and their flat indices in each (n, c) plane (int64)."""
    xp = _xp(x)
    size = x.shape[2:]
    d = len(kernel)
    hi = tuple(
        max(0, (o - 1) * s + v * (k - 1) + 1 - n - p)
        for o, s, v, k, n, p in zip(out, stride, dil, kernel, size, pad, strict=True)
    )
    buf = _pad(x, pad, hi, _lowest(x.dtype))
    lead = (slice(None), slice(None))
    offsets = list(itertools.product(*(range(kk) for kk in kernel)))
    label_type = np.int8 if len(offsets) < 128 else np.int32
    best = arg = None
    for j, k in enumerate(offsets):
        start = tuple(i * v for i, v in zip(k, dil, strict=True))
        cand = buf[lead + _window_slices(start, stride, out)]
        if best is None:
            best = xp.array(cand)
            arg = xp.zeros(best.shape, dtype=label_type)
        else:
            _track_max(best, arg, cand, label_type(j))
    assert best is not None and arg is not None
    # flat index = where the window starts (per output position) + where the offset lies in it
    shift = np.zeros(len(offsets), dtype=np.int64)
    base = np.zeros(out, dtype=np.int64)
    for i in range(d):
        row = np.array([k[i] * dil[i] for k in offsets])
        shift = shift * size[i] + row
        first = (np.arange(out[i]) * stride[i] - pad[i]).reshape((out[i],) + (1,) * (d - 1 - i))
        base = base * size[i] + first
    return best, xp.asarray(base) + xp.take(xp.asarray(shift), arg)


def _pool_input(input: Tensor, d: int) -> tuple[Tensor, bool]:
    if input.ndim not in (d + 1, d + 2) or input.numel() == 0:
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
    if any(s <= 0 for s in stride):
        raise RuntimeError("stride should be greater than zero")
    if any(k <= 0 for k in kernel):
        raise RuntimeError("kernel size should be greater than zero")
    if any(v <= 0 for v in dil):
        raise RuntimeError("dilation should be greater than zero")
    for p, k, v in zip(pad, kernel, dil, strict=True):
        if p < 0 or 2 * p > k:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={p}, kernel_size={k} "
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
            f"Given input size: ({given}). Calculated output size: ({calc}). Output size is too small"
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
    kernel = _tuple(kernel_size, d, "kernel_size")
    st = kernel if stride is None or stride == [] or stride == () else _tuple(stride, d, "stride")
    pad, dil = _tuple(padding, d, "padding"), _tuple(dilation, d, "dilation")
    out_size = _pool_size(x, kernel, st, pad, dil, ceil_mode)
    values, idx = _max_pool_raw(x.data, kernel, st, pad, dil, out_size)
    if x.requires_grad:
        unique = all(s >= v * (k - 1) + 1 for s, v, k in zip(st, dil, kernel, strict=True))
        out = PoolGather.apply(x, idx=idx, values=values, unique=unique)
    else:
        out = Tensor._make(values, False, None)
    out = _unbatch(out, unbatched)
    if return_indices:
        return out, _unbatch(Tensor._make(idx, False, None), unbatched)
    return out


def max_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """out[n, c, i] = max of input[n, c, i * stride - padding + k * dilation] over k < kernel_size."""
    return _max_poolnd(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1)


def max_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """out[n, c, i, j] = max of the (dilated) kernel_size window at (i * stride - p, j * stride - p).

    Args:
        input: (N, C, H, W) or unbatched (C, H, W).
        kernel_size, stride (default: kernel_size), padding, dilation: an int or a pair.
        ceil_mode: round the output size up (a last partial window that starts inside the input).
        return_indices: also return, for each output, the flat index h * W + w of its maximum
            in the input plane (the first one on ties), as int64.
    """
    return _max_poolnd(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2)


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
    x, unbatched = _pool_input(input, d)
    out = _adaptive_out(output_size, x, d, f"adaptive_max_pool{d}d")
    xa = x.data
    xp = _xp(xa)
    size = xa.shape[2:]
    ranges = [_adaptive_ranges(n, o) for n, o in zip(size, out, strict=True)]
    widths = [int((e - b).max()) for b, e in ranges]
    flat_in = xa.reshape(xa.shape[:2] + (-1,))
    best = arg = None
    # loop over offsets inside the (at most) widest window; shorter windows repeat their last element
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
    """Max over ``output_size`` windows that tile the input: [floor(i L / out), ceil((i + 1) L / out))."""
    return _adaptive_max_poolnd(input, output_size, return_indices, 1)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max pooling to a fixed output size (H_out, W_out); None keeps that input size."""
    return _adaptive_max_poolnd(input, output_size, return_indices, 2)


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
    """out[n, c, p] = sum of the window at p * stride - pad / divisor[p]"""

    @staticmethod
    def forward(ctx: Any, x: Any, geom: PoolGeom | None = None, divisor: Any = 1.0) -> Any:
        assert geom is not None
        ctx.geom, ctx.divisor = geom, divisor
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
        return AvgPoolAdjoint.apply(grad, geom=ctx.geom, divisor=ctx.divisor)


class AvgPoolAdjoint(Op):
    """out[n, c, s] = sum over the windows p containing s of g[n, c, p] / divisor[p]"""

    @staticmethod
    def forward(ctx: Any, g: Any, geom: PoolGeom | None = None, divisor: Any = 1.0) -> Any:
        assert geom is not None
        ctx.geom, ctx.divisor = geom, divisor
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
        return AvgPool.apply(grad, geom=ctx.geom, divisor=ctx.divisor)


def _avg_divisor(x: Any, g: PoolGeom, count_include_pad: bool, divisor_override: Any) -> Any:
    """How many positions each window averages over, as PyTorch counts them."""
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError("divisor must be not zero")
        return float(divisor_override)
    counts = None
    for i, (n, k, s, p, o) in enumerate(zip(g.in_size, g.kernel, g.stride, g.pad, g.out_size, strict=True)):
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
    if not x.dtype.is_floating_point:
        raise RuntimeError(f'"avg_pool{d}d" not implemented for {x.dtype.name}')
    kernel = _tuple(kernel_size, d, "kernel_size")
    st = kernel if stride is None or stride == [] or stride == () else _tuple(stride, d, "stride")
    pad = _tuple(padding, d, "padding")
    out = _pool_size(x, kernel, st, pad, (1,) * d, ceil_mode)
    size = tuple(x.shape[2:])
    hi = tuple(
        max(0, (o - 1) * s + k - n - p) for o, s, k, n, p in zip(out, st, kernel, size, pad, strict=True)
    )
    geom = PoolGeom(kernel, st, pad, hi, size, out)
    divisor = _avg_divisor(x.data, geom, count_include_pad, divisor_override)
    return _unbatch(AvgPool.apply(x, geom=geom, divisor=divisor), unbatched)


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


def avg_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """out[n, c, i, j] = sum of the kernel_size window at (i * stride - p, j * stride - p) / divisor.

    The divisor is the window's size, counting padded positions when ``count_include_pad``
    (but never positions past the padding that ``ceil_mode`` adds), or ``divisor_override``.
    """
    return _avg_poolnd(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2)


# -- resampling as products with small constant matrices -----------------------------------------


def _along_dims(x: Tensor, mats: list[np.ndarray]) -> Tensor:
    """Apply ``mats[i]`` (out_i, in_i) along spatial dim i of ``x`` (N, C, *S), one matmul each."""
    xp = x.xp
    d = len(mats)
    for i, m in enumerate(mats):
        if m.shape[0] == m.shape[1] and (m == np.eye(m.shape[0])).all():
            continue  # the identity: this dim keeps its size and positions
        mt = Tensor._make(xp.asarray(m.astype(x.data.dtype)), False, None)
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


def _adaptive_avg_poolnd(input: Tensor, output_size: Any, d: int) -> Tensor:
    x, unbatched = _pool_input(input, d)
    out = _adaptive_out(output_size, x, d, f"adaptive_avg_pool{d}d")
    if all(o == 1 for o in out):  # global average pooling
        count = math.prod(x.shape[2:])
        y = _sum(x, tuple(range(2, 2 + d)), keepdim=True) * (1.0 / count)
    else:
        y = _along_dims(x, [_adaptive_avg_matrix(n, o) for n, o in zip(x.shape[2:], out, strict=True)])
    return _unbatch(y, unbatched)


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """Average over ``output_size`` windows [floor(i L / out), ceil((i + 1) L / out))."""
    return _adaptive_avg_poolnd(input, output_size, 1)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling to a fixed output size (H_out, W_out); None keeps that input size.

    Computed as A_h @ x @ A_w^T with constant averaging matrices (global pooling: a mean).
    """
    return _adaptive_avg_poolnd(input, output_size, 2)


def _nearest_matrix(n: int, o: int, scale: float, exact: bool) -> np.ndarray:
    dst = np.arange(o, dtype=np.float64)
    src = np.floor((dst + 0.5) * scale) if exact else np.floor(dst * scale)
    src = np.minimum(src.astype(np.int64), n - 1)
    m = np.zeros((o, n))
    m[np.arange(o), src] = 1.0
    return m


def _linear_matrix(n: int, o: int, scale: float, align_corners: bool) -> np.ndarray:
    dst = np.arange(o, dtype=np.float64)
    if align_corners:
        src = dst * ((n - 1) / (o - 1)) if o > 1 else dst * 0.0
    else:
        src = np.maximum((dst + 0.5) * scale - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n - 1)
    i1 = np.minimum(i0 + 1, n - 1)
    w1 = src - i0
    m = np.zeros((o, n))
    np.add.at(m, (np.arange(o), i0), 1.0 - w1)
    np.add.at(m, (np.arange(o), i1), w1)
    return m


_LINEAR_MODES = {"linear": 1, "bilinear": 2, "trilinear": 3}


def interpolate(
    input: Tensor,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial dims of (N, C, *S) by ``size`` or ``scale_factor``.

    Modes: 'nearest' (src = floor(dst * in / out)), 'nearest-exact', 'linear' (3-d input),
    'bilinear' (4-d), 'trilinear' (5-d), 'area' (adaptive average pooling). Each dim is resampled
    by a product with a constant (out, in) matrix, so the gradient (and its gradient) is a matmul.
    """
    d = input.ndim - 2
    if d < 1:
        raise ValueError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D)")
    known = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "area")
    if mode not in known:
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for the modes: "
            f"{' | '.join(known)} (got {mode})"
        )
    if mode in _LINEAR_MODES and _LINEAR_MODES[mode] != d:
        raise NotImplementedError(
            f"Got {input.ndim}D input, but {mode} mode needs {_LINEAR_MODES[mode] + 2}D input"
        )
    if align_corners is not None and mode not in _LINEAR_MODES:
        raise ValueError(
            "align_corners option can only be set with the interpolating modes: "
            "linear | bilinear | bicubic | trilinear"
        )
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported by ndgrad")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    in_size = tuple(input.shape[2:])
    if size is not None:
        out = (int(size),) * d if isinstance(size, int | np.integer) else tuple(int(s) for s in size)
        if len(out) != d:
            raise ValueError(
                f"Input and output must have the same number of spatial dimensions, but got input with "
                f"spatial dimensions of {list(in_size)} and output size of {list(out)}. Please provide input "
                "tensor in "
                "(N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format."
            )
        scales = [n / o for n, o in zip(in_size, out, strict=True)]
    else:
        factors = (
            (float(scale_factor),) * d
            if isinstance(scale_factor, int | float)
            else tuple(map(float, scale_factor))
        )
        if len(factors) != d:
            raise ValueError(
                f"Input and scale_factor must have the same number of spatial dimensions, but got input with "
                f"spatial dimensions of {list(in_size)} and scale_factor of shape {list(factors)}."
            )
        out = tuple(int(math.floor(n * f)) for n, f in zip(in_size, factors, strict=True))
        if recompute_scale_factor:
            scales = [n / o for n, o in zip(in_size, out, strict=True)]
        else:
            scales = [1.0 / f for f in factors]
    if mode == "area":
        return adaptive_avg_pool1d(input, out) if d == 1 else _adaptive_avg_poolnd(input, out, d)
    if mode in _LINEAR_MODES:
        corners = bool(align_corners)
        mats = [_linear_matrix(n, o, s, corners) for n, o, s in zip(in_size, out, scales, strict=True)]
    else:
        exact = mode == "nearest-exact"
        mats = [_nearest_matrix(n, o, s, exact) for n, o, s in zip(in_size, out, scales, strict=True)]
    return _along_dims(input, mats)


def upsample(
    input: Tensor,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:
    """Deprecated alias of :func:`interpolate` (as in PyTorch)."""
    return interpolate(input, size, scale_factor, mode, align_corners)


# -- unfold (im2col) and fold (col2im) -----------------------------------------------------------


class Unfold(Op):
    """out[n, (c, k), p] = x[n, c, p * stride - pad + k * dilation]: every window as a column"""

    @staticmethod
    def forward(ctx: Any, x: Any, geom: Geom | None = None) -> Any:
        assert geom is not None
        ctx.geom = geom
        n, c = x.shape[:2]
        return _im2col(x, geom).reshape(n, c * math.prod(geom.kernel), math.prod(geom.out_size))

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        return Fold.apply(grad, geom=ctx.geom)


class Fold(Op):
    """out[n, c, s] = sum of cols[n, (c, k), p] over the (k, p) with p * stride - pad + k * dilation = s"""

    @staticmethod
    def forward(ctx: Any, cols: Any, geom: Geom | None = None) -> Any:
        assert geom is not None
        ctx.geom = geom
        n, ck = cols.shape[:2]
        c = ck // math.prod(geom.kernel)
        return _col2im(cols, geom, n, c)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        return Unfold.apply(grad, geom=ctx.geom)


def _fold_geom(size: tuple[int, ...], kernel_size: Any, dilation: Any, padding: Any, stride: Any) -> Geom:
    k, dil = _tuple(kernel_size, 2, "kernel_size"), _tuple(dilation, 2, "dilation")
    pad, st = _tuple(padding, 2, "padding"), _tuple(stride, 2, "stride")
    _check_positive(st, dil, pad)
    if any(v <= 0 for v in k):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_size={list(k)}")
    out = tuple(
        (n + 2 * p - v * (kk - 1) - 1) // s + 1 for n, p, v, kk, s in zip(size, pad, dil, k, st, strict=True)
    )
    return Geom(st, dil, pad, pad, 1, size, k, out)


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:
    """Extract sliding windows (im2col): (N, C, H, W) -> (N, C * kH * kW, L), L the number of windows.

    Unbatched (C, H, W) gives (C * kH * kW, L). ``conv2d(x, w)`` equals
    ``(w.view(O, -1) @ unfold(x, k)).view(N, O, H_out, W_out)``.
    """
    if input.ndim not in (3, 4):
        raise RuntimeError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input.ndim}D)")
    x, unbatched = _batched(input, 2, "unfold")
    geom = _fold_geom(tuple(x.shape[2:]), kernel_size, dilation, padding, stride)
    if any(o < 1 for o in geom.out_size):
        raise RuntimeError(
            f"Given input with spatial size {list(x.shape[2:])}, kernel_size={list(geom.kernel)}, "
            f"dilation={list(geom.dilation)}, padding={list(geom.pad_lo)}, calculated shape of the array of "
            f"sliding blocks as {list(geom.out_size)}, but its components must be at least one."
        )
    return _unbatch(Unfold.apply(x, geom=geom), unbatched)


def fold(
    input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
) -> Tensor:
    """Sum sliding-window columns back into an image (col2im), the adjoint of :func:`unfold`:
    (N, C * kH * kW, L) -> (N, C, *output_size); overlapping positions add up.
    """
    if input.ndim not in (2, 3):
        raise RuntimeError(
            "Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
            f"(got {input.ndim}D)"
        )
    cols, unbatched = (input.reshape((1,) + tuple(input.shape)), True) if input.ndim == 2 else (input, False)
    size = _tuple(output_size, 2, "output_size")
    geom = _fold_geom(size, kernel_size, dilation, padding, stride)
    kk = math.prod(geom.kernel)
    if cols.shape[1] % kk != 0:
        raise RuntimeError(
            f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got "
            f"input.size(1)={cols.shape[1]} and kernel_size={list(geom.kernel)}"
        )
    blocks = math.prod(geom.out_size)
    if cols.shape[2] != blocks:
        raise RuntimeError(
            f"Given output_size={size}, kernel_size={geom.kernel}, dilation={geom.dilation}, "
            f"padding={geom.pad_lo}, stride={geom.stride}, "
            "expected size of input's dimension 2 to match the calculated number of sliding blocks "
            f"{' * '.join(map(str, geom.out_size))} = {blocks}, "
            f"but got input.size(2)={cols.shape[2]}."
        )
    return _unbatch(Fold.apply(cols, geom=geom), unbatched)
