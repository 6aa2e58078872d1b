"""Unfold (im2col) and fold (col2im): the window matrices of a convolution, as ops of their own.

``unfold`` lays every sliding window of an image out as a column; ``fold`` is its adjoint and adds
each column back where it came from, so each is the other's gradient. The kernels are the ones the
convolutions use (``_conv_util``).
"""

from __future__ import annotations

import math
from typing import Any

from ndgrad.autograd.function import Op
from ndgrad.ops._conv_util import (
    Geom,
    _batched,
    _check_positive,
    _col2im,
    _im2col,
    _tuple,
    _unbatch,
)
from ndgrad.ops._util import require_float
from ndgrad.tensor import Tensor

__all__ = ["unfold", "fold"]


class Im2Col(Op):
    """out[n, (c, k), p] = x[n, c, p * stride - pad + k * dilation]: every window as a column"""

    @staticmethod
    def forward(ctx: Any, x: Any, geom: Geom | None = None) -> Any:
        assert geom is not None
        ctx.save_for_backward(geom)
        n, c = x.shape[:2]
        return _im2col(x, geom).reshape(n, c * math.prod(geom.kernel), math.prod(geom.out_size))

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        (geom,) = ctx.saved_tensors
        return Col2Im.apply(grad, geom=geom)


class Col2Im(Op):
    """out[n, c, s] = sum of cols[n, (c, k), p] over the (k, p) with p * stride - pad + k *
    dilation = s"""

    @staticmethod
    def forward(ctx: Any, cols: Any, geom: Geom | None = None) -> Any:
        assert geom is not None
        ctx.save_for_backward(geom)
        n, ck = cols.shape[:2]
        c = ck // math.prod(geom.kernel)
        return _col2im(cols, geom, n, c)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        (geom,) = ctx.saved_tensors
        return Im2Col.apply(grad, geom=geom)


def _fold_geom(
    size: tuple[int, ...], kernel_size: Any, dilation: Any, padding: Any, stride: Any
) -> Geom:
    k, dil = _tuple(kernel_size, 2, "kernel_size"), _tuple(dilation, 2, "dilation")
    pad, st = _tuple(padding, 2, "padding"), _tuple(stride, 2, "stride")
    _check_positive(st, dil, pad)
    if any(v <= 0 for v in k):
        raise RuntimeError(
            f"kernel size should be greater than zero, but got kernel_size={list(k)}"
        )
    out = tuple(
        (n + 2 * p - v * (kk - 1) - 1) // s + 1
        for n, p, v, kk, s in zip(size, pad, dil, k, st, strict=True)
    )
    return Geom(st, dil, pad, pad, 1, size, k, out)


def unfold(
    input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
) -> Tensor:
    """Extract sliding windows (im2col): (N, C, H, W) -> (N, C * kH * kW, L), L the number of
    windows.

    Unbatched (C, H, W) gives (C * kH * kW, L). ``conv2d(x, w)`` equals
    ``(w.view(O, -1) @ unfold(x, k)).view(N, O, H_out, W_out)``.
    """
    if input.ndim not in (3, 4):
        raise RuntimeError(
            f"Input Error: Only 3D or 4D input Tensors are supported (got {input.ndim}D)"
        )
    x, unbatched = _batched(input, 2, "unfold")
    if x.array.dtype.kind in "iu":  # PyTorch's kernel takes float and bool, not integers
        require_float("im2col_out_cpu", x)
    geom = _fold_geom(tuple(x.shape[2:]), kernel_size, dilation, padding, stride)
    if any(o < 1 for o in geom.out_size):
        raise RuntimeError(
            f"Given input with spatial size {list(x.shape[2:])}, kernel_size={list(geom.kernel)}, "
            f"dilation={list(geom.dilation)}, padding={list(geom.pad_lo)}, calculated shape of "
            "the array of "
            f"sliding blocks as {list(geom.out_size)}, but its components must be at least one."
        )
    return _unbatch(Im2Col.apply(x, geom=geom), unbatched)


def fold(
    input: Tensor,
    output_size: Any,
    kernel_size: Any,
    dilation: Any = 1,
    padding: Any = 0,
    stride: Any = 1,
) -> Tensor:
    """Sum sliding-window columns back into an image (col2im), the adjoint of :func:`unfold`:
    (N, C * kH * kW, L) -> (N, C, *output_size); overlapping positions add up.
    """
    if input.ndim not in (2, 3):
        raise RuntimeError(
            "Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
            f"(got {input.ndim}D)"
        )
    cols, unbatched = (
        (input.reshape((1,) + tuple(input.shape)), True) if input.ndim == 2 else (input, False)
    )
    if cols.array.dtype.kind in "iu":  # PyTorch's kernel takes float and bool, not integers
        require_float("col2im_out_cpu", cols)
    size = _tuple(output_size, 2, "output_size")
    geom = _fold_geom(size, kernel_size, dilation, padding, stride)
    kk = math.prod(geom.kernel)
    if cols.shape[1] % kk != 0:
        raise RuntimeError(
            "Expected size of input's dimension 1 to be divisible by the product of kernel_size, "
            "but got "
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
    return _unbatch(Col2Im.apply(cols, geom=geom), unbatched)
