"""Convolution: conv1d/2d/3d and the transposed convs (``ndgrad.nn.functional``).

How a convolution is computed here (im2col): the padded input is viewed, without copying, as all
its sliding windows (``as_strided``); one copy lays the windows out as matrices ``cols``
(C/groups * kernel rows, one column per output position); one batched matrix product with the
weight then does all the multiply-adds in BLAS (see ``_per_sample`` for the two layouts). Three ops
share one geometry (stride, padding, dilation, groups, sizes) and are each other's gradients, so
derivatives of any order come for free:

- ``Conv``:          y = conv(x, w)              (N, C, *S) -> (N, O, *P)
- ``ConvTranspose``: x = conv_transpose(y, w)    (N, O, *P) -> (N, C, *S), the adjoint in x
- ``ConvWeight``:    w = conv_weight(x, y)       the adjoint in w: sum over n, p of y * windows of x

``unfold`` and ``fold`` expose the window matrices themselves (im2col and its adjoint col2im, in
``fold.py``). The geometry and the im2col/col2im kernels live in ``_conv_util``; pooling is in
``pool`` and ``pool_adaptive``, interpolation in ``resample``; ``nn.functional`` gathers each
module's names itself. Each op's ``geom`` is its last saved value (``ctx.saved_tensors[-1]``,
which the ONNX exporter reads too)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ndgrad import _workspace as ws
from ndgrad._backend import xp_of as _xp
from ndgrad._workspace import matmul as _matmul
from ndgrad.autograd.function import Op
from ndgrad.ops._conv_util import (
    Geom,
    _batched,
    _check_positive,
    _col2im,
    _col2im_wide,
    _contiguous,
    _im2col,
    _to_wide,
    _tuple,
    _unbatch,
    _wide_ok,
)
from ndgrad.ops.reduce import sum as _sum
from ndgrad.tensor import Tensor

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
]


# -- the raw kernels: one batched matrix product in one of two layouts ----------------------------


def _per_sample(g: Geom) -> bool:
    """Which matrix layout a convolution uses (both give the same numbers).

    Wide outputs (early layers) multiply one sample at a time, (O/g, Cg*K) @ (Cg*K, P): the result
    is in NCHW order at once. Narrow outputs (deep layers, P small) make per-sample products too
    thin for BLAS, so all samples go in one product (Cg*K, N*P) and only the small output is
    transposed back to NCHW.
    """
    return math.prod(g.out_size) >= PER_SAMPLE_MIN_POSITIONS


PER_SAMPLE_MIN_POSITIONS = 256  # measured on 2 cores: the break-even is between P = 49 and P = 784


def _by_group(y: Any, g: Geom) -> Any:
    """(N, O, *P) -> (groups, O/groups, N * P), the all-samples layout."""
    n, o = y.shape[:2]
    p = math.prod(g.out_size)
    y = y.reshape(n, g.groups, o // g.groups, p).transpose(1, 2, 0, 3)
    return _contiguous(y).reshape(g.groups, o // g.groups, n * p)


# The window matrix of a whole batch is kernel-size times the input (14 MiB for the second conv
# of a small MNIST CNN, more than all its activations). So the three kernels run over chunks of
# samples, each chunk's matrix built, used and released before the next (and then still warm in
# the cache): the matrix is never kept from forward to backward, and no step holds more than a
# chunk of it. Each sample's output depends only on that sample, and the weight gradient is a sum
# over samples, so chunking changes no number beyond the order of that sum.
# 4 MiB, measured on 2 cores training the MNIST CNN (batch 64, Adam, 2 threads): 1 and 2 MiB
# chunks made a step 1.5x slower (many small GEMMs that 2 BLAS threads split badly: the MNIST epoch
# took 63-69 s against 47.6 s without chunks), 4 MiB is as fast as no chunks, and the live peak of
# the CNN step stays at 21.6 MiB up to 4 MiB (26.5 MiB at 8, 33.1 at 16).
COLS_CHUNK_BYTES = 4 << 20


def _chunks(n: int, c: int, dtype: Any, g: Geom) -> list[slice]:
    """Slices of the batch of ``n`` samples of ``c`` channels (the conv's input) whose window
    matrices hold about ``COLS_CHUNK_BYTES`` each."""
    per_sample = c * math.prod(g.kernel) * math.prod(g.out_size) * dtype.itemsize
    step = max(1, COLS_CHUNK_BYTES // max(1, per_sample))
    return [slice(i, i + step) for i in range(0, n, step)] or [slice(0, 0)]


def _conv_forward(x: Any, w: Any, g: Geom) -> Any:
    y = ws.empty((x.shape[0], w.shape[0]) + g.out_size, x.dtype, _xp(x))
    for part in _chunks(x.shape[0], x.shape[1], x.dtype, g):
        _conv_chunk(x[part], w, g, y[part])
    return y


def _conv_transpose_forward(y: Any, w: Any, g: Geom) -> Any:
    chunks = _chunks(y.shape[0], w.shape[1] * g.groups, y.dtype, g)
    if len(chunks) == 1:
        return _conv_transpose_chunk(y, w, g)
    x = ws.empty((y.shape[0], w.shape[1] * g.groups) + g.in_size, y.dtype, _xp(y))
    for part in chunks:
        x[part] = _conv_transpose_chunk(y[part], w, g)
    return x


def _conv_weight_forward(x: Any, y: Any, g: Geom) -> Any:
    gw = None
    for part in _chunks(x.shape[0], x.shape[1], x.dtype, g):
        term = _conv_weight_chunk(x[part], y[part], g)
        if gw is None:
            gw = term
        else:
            gw += term
    return gw


def _conv_chunk(x: Any, w: Any, g: Geom, out: Any) -> None:
    """out (N, O, *P) = conv(x, w) for one chunk of samples, written in place"""
    per_sample = _per_sample(g)
    cols = _im2col(x, g, per_sample)
    o, n, p = w.shape[0], x.shape[0], math.prod(g.out_size)
    wmat = w.reshape(g.groups, o // g.groups, -1)
    if per_sample:  # (N, groups, O/groups, P) is NCHW already
        _xp(x).matmul(wmat, cols, out=out.reshape(n, g.groups, o // g.groups, p))
    else:
        out.reshape(n, o, p)[...] = _matmul(wmat, cols).reshape(o, n, p).transpose(1, 0, 2)


def _conv_transpose_chunk(y: Any, w: Any, g: Geom) -> Any:
    per_sample = _per_sample(g)
    o, cg = w.shape[:2]
    n = y.shape[0]
    wmat = w.reshape(g.groups, o // g.groups, -1).transpose(0, 2, 1)  # (groups, Cg * K, O/groups)
    if _wide_ok(g):  # stride 1: col2im as contiguous additions (see _conv_util)
        return _col2im_wide(
            _matmul(wmat, _to_wide(y, g, per_sample)), g, n, cg * g.groups, per_sample
        )
    if per_sample:
        cols = _matmul(wmat, y.reshape(n, g.groups, o // g.groups, math.prod(g.out_size)))
    else:
        cols = _matmul(wmat, _by_group(y, g))
    return _col2im(cols, g, n, cg * g.groups, per_sample)


def _conv_weight_chunk(x: Any, y: Any, g: Geom) -> Any:
    per_sample = _per_sample(g)
    cols = _im2col(x, g, per_sample)
    n, o = y.shape[:2]
    if per_sample:
        yg = y.reshape(n, g.groups, o // g.groups, math.prod(g.out_size))
        gw = _matmul(yg, cols.transpose(0, 1, 3, 2)).sum(axis=0)  # (groups, O/groups, Cg * K)
    else:
        gw = _matmul(_by_group(y, g), cols.transpose(0, 2, 1))
    return gw.reshape((o, x.shape[1] // g.groups) + g.kernel)


def _bias_grad(grad: Tensor) -> Tensor:
    return _sum(grad, (0,) + tuple(range(2, grad.ndim)))


class Conv(Op):
    """y[n, o, p] = sum_{c, k} w[o, c, k] * x[n, c, p * stride - pad + k * dilation] (+ b[o])"""

    @staticmethod
    def forward(ctx: Any, x: Any, w: Any, b: Any = None, geom: Geom | None = None) -> Any:
        assert geom is not None
        ctx.save_for_backward(
            x if ctx.needs_input_grad[1] else None, w if ctx.needs_input_grad[0] else None, geom
        )
        y = _conv_forward(x, w, geom)
        if b is not None:
            y += b.reshape((1, -1) + (1,) * len(geom.kernel))
        return y

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        x, w, g = ctx.saved_tensors
        gx = ConvTranspose.apply(grad, w, geom=g) if ctx.needs_input_grad[0] else None
        gw = ConvWeight.apply(x, grad, geom=g) if ctx.needs_input_grad[1] else None
        gb = _bias_grad(grad) if len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2] else None
        return gx, gw, gb


class ConvTranspose(Op):
    """x[n, c, s] = sum over (o, p, k) with s = p * stride - pad + k * dilation of y[n, o, p] *
    w[o, c, k] (+ b[c]): the adjoint of Conv in its input, i.e. its input gradient."""

    @staticmethod
    def forward(ctx: Any, y: Any, w: Any, b: Any = None, geom: Geom | None = None) -> Any:
        assert geom is not None
        ctx.save_for_backward(
            y if ctx.needs_input_grad[1] else None, w if ctx.needs_input_grad[0] else None, geom
        )
        x = _conv_transpose_forward(y, w, geom)
        if b is not None:
            x += b.reshape((1, -1) + (1,) * len(geom.kernel))
        return x

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        y, w, g = ctx.saved_tensors
        gy = Conv.apply(grad, w, geom=g) if ctx.needs_input_grad[0] else None
        gw = ConvWeight.apply(grad, y, geom=g) if ctx.needs_input_grad[1] else None
        gb = _bias_grad(grad) if len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2] else None
        return gy, gw, gb


class ConvWeight(Op):
    """w[o, c, k] = sum_{n, p} y[n, o, p] * x[n, c, p * stride - pad + k * dilation]: the adjoint
    of Conv in its weight, i.e. its weight gradient."""

    @staticmethod
    def forward(ctx: Any, x: Any, y: Any, geom: Geom | None = None) -> Any:
        assert geom is not None
        ctx.save_for_backward(
            x if ctx.needs_input_grad[1] else None, y if ctx.needs_input_grad[0] else None, geom
        )
        return _conv_weight_forward(x, y, geom)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        x, y, g = ctx.saved_tensors
        gx = ConvTranspose.apply(y, grad, geom=g) if ctx.needs_input_grad[0] else None
        gy = Conv.apply(x, grad, geom=g) if ctx.needs_input_grad[1] else None
        return gx, gy


# -- public convolutions -------------------------------------------------------------------------


def _check_common(
    x: Tensor, weight: Tensor, bias: Tensor | None, d: int, groups: int, out_channels: int
) -> None:
    if weight.ndim != d + 2:
        raise RuntimeError(
            f"Expected {d + 2}-dimensional weight for {d + 2}-dimensional input "
            f"{list(x.shape)}, but got {weight.ndim}-dimensional weight of size "
            f"{list(weight.shape)} instead"
        )
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"convolution expects a floating point input, but got {x.dtype.name}")
    if x.dtype != weight.dtype:
        raise RuntimeError(
            f"expected scalar type {weight.dtype.name.capitalize()} but found "
            f"{x.dtype.name.capitalize()}"
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
            f"expected scalar type {x.dtype.name.capitalize()} but found "
            f"{bias.dtype.name.capitalize()}"
        )


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
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            "but "
            f"got weight of size [{list(weight.shape)}] instead"
        )
    if x.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected "
            f"input{list(x.shape)} "
            f"to have {weight.shape[1] * groups} channels, but got {x.shape[1]} channels instead"
        )
    size = tuple(x.shape[2:])
    padded = tuple(s + a + b for s, a, b in zip(size, lo, hi, strict=True))
    span = tuple(v * (k - 1) + 1 for v, k in zip(dil, kernel, strict=True))
    if any(p < k for p, k in zip(padded, span, strict=True)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel "
            "size: "
            f"({' x '.join(map(str, span))}). Kernel size can't be greater than actual input size"
        )
    out = tuple((p - k) // s + 1 for p, k, s in zip(padded, span, st, strict=True))
    geom = Geom(st, dil, lo, hi, groups, size, kernel, out)
    y = (
        Conv.apply(x, weight, bias, geom=geom)
        if bias is not None
        else Conv.apply(x, weight, geom=geom)
    )
    return _unbatch(y, unbatched)


def _conv_function(d: int, doc: str) -> Callable[..., Tensor]:
    """The public ``conv{d}d``: PyTorch's signature in front of ``_convnd``."""

    def conv(
        input: Tensor,
        weight: Tensor,
        bias: Tensor | None = None,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
    ) -> Tensor:
        return _convnd(input, weight, bias, stride, padding, dilation, groups, d)

    conv.__name__ = conv.__qualname__ = f"conv{d}d"
    conv.__doc__ = doc
    return conv


conv1d = _conv_function(
    1,
    """1-d convolution (cross-correlation, as in PyTorch) of (N, C, L) with weight (O, C/groups, K).

    ``padding`` is an int, a tuple, 'valid' (none) or 'same' (output as long as the input).
    """,
)

conv2d = _conv_function(
    2,
    """2-d convolution: out[n,o,i,j] = b[o] + sum_{c,u,v} w[o,c,u,v] * x[n, c, i*s + u*d - p, j*s
    + v*d - p]

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
    """,
)

conv3d = _conv_function(
    3, """3-d convolution of (N, C, D, H, W) with weight (O, C/groups, kD, kH, kW)."""
)


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
            f"Given transposed=1, weight of size {list(weight.shape)}, expected "
            f"input{list(y.shape)} "
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


def _conv_transpose_function(d: int, doc: str) -> Callable[..., Tensor]:
    """The public ``conv_transpose{d}d``: PyTorch's signature in front of ``_conv_transposend``."""

    def conv_transpose(
        input: Tensor,
        weight: Tensor,
        bias: Tensor | None = None,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        dilation: Any = 1,
    ) -> Tensor:
        return _conv_transposend(
            input, weight, bias, stride, padding, output_padding, groups, dilation, d
        )

    conv_transpose.__name__ = conv_transpose.__qualname__ = f"conv_transpose{d}d"
    conv_transpose.__doc__ = doc
    return conv_transpose


conv_transpose1d = _conv_transpose_function(
    1,
    """1-d transposed convolution (the gradient of conv1d in its input) of (N, C_in, L) with weight
    (C_in, C_out/groups, K); L_out = (L - 1) * stride - 2 * padding + dilation * (K - 1) +
    output_padding + 1.""",
)

conv_transpose2d = _conv_transpose_function(
    2,
    """2-d transposed convolution: every input pixel adds weight * value into a window of the
    output.

    Args:
        input: (N, C_in, H, W) or unbatched (C_in, H, W).
        weight: (C_in, C_out/groups, kH, kW).
        output_padding: extra positions at the end of each dim (to pick among the input sizes a
            strided conv2d maps to the same output size).

    Returns:
        (N, C_out, H_out, W_out), H_out = (H - 1) * s - 2p + d(kH - 1) + output_padding + 1.
    """,
)

conv_transpose3d = _conv_transpose_function(
    3,
    """3-d transposed convolution of (N, C_in, D, H, W) with weight (C_in, C_out/groups, kD, kH,
    kW).""",
)
