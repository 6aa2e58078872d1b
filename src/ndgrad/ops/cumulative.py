"""Cumulative ops: cumsum, cumprod and logcumsumexp along one dim.

Split out of ops/reduce.py, whose helpers it uses.
cumsum's gradient is a reverse cumsum; cumprod's backward divides by x where that is exact and
handles zeros in x separately, so its gradient (and the gradient of that) stays finite;
logcumsumexp's backward is written with the op itself (the log-space form PyTorch uses). The shared
reduction helpers (``Sum``, ``_const``, ``_int_to_long``) stay in ops/reduce.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ndgrad import _dtype
from ndgrad.autograd.function import Op
from ndgrad.ops._util import normalize_dim
from ndgrad.ops.elementwise import clone, exp, log, where
from ndgrad.ops.reduce import Sum, _const, _int_to_long, _xp
from ndgrad.ops.shape import flip
from ndgrad.tensor import Tensor

__all__ = ["cumsum", "cumprod", "logcumsumexp"]


# -- cumulative ops --------------------------------------------------------------------------


def _reverse_cumsum(g: Tensor, dim: int) -> Tensor:
    """out_i = sum_{j >= i} g_j along dim, as total - cumsum + g (no flip needed)"""
    return Sum.apply(g, (dim,), True) - Cumsum.apply(g, dim) + g


class Cumsum(Op):
    """out_i = sum_{j <= i} x_j along dim; dx_i = sum_{j >= i} g_j"""

    @staticmethod
    def forward(ctx: Any, x: Any, dim: int = 0) -> Any:
        ctx.save_for_backward(dim)
        return _xp(x).cumsum(x, axis=dim, dtype=x.dtype)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (dim,) = ctx.saved_tensors
        return _reverse_cumsum(grad, dim)


class Cumprod(Op):
    """out_i = prod_{j <= i} x_j along dim; dx_i = sum_{j >= i} g_j out_j / x_i (exact with
    zeros)"""

    @staticmethod
    def forward(ctx: Any, x: Any, dim: int = 0) -> Any:
        out = _xp(x).cumprod(x, axis=dim, dtype=x.dtype)
        ctx.save_for_backward(x, out, dim)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        x, out, d = ctx.saved_tensors
        is_zero = x.array == 0
        if not bool(is_zero.any()):
            return _reverse_cumsum(grad * out, d) / x
        # Before a lane's first zero x_z the formula holds. With r the cumulative product of x with
        # x_z replaced by 1: at z the gradient is sum_{j >= z} g_j r_j; after z it is x_z times
        # sum_{j >= i} g_j r_j / x_i, 0 in value but not in its derivative (at later zeros: 0).
        xp = _xp(is_zero)
        zeros_so_far = xp.cumsum(is_zero, axis=d)
        before = _const(zeros_so_far == 0)
        first = _const(xp.logical_and(is_zero, zeros_so_far == 1))
        r_sums = _reverse_cumsum(grad * Cumprod.apply(where(first, 1.0, x), d), d)
        x_z = Sum.apply(where(first, x, 0.0), (d,), True)
        nonzero_x = where(_const(is_zero), 1.0, x)
        before_z = _reverse_cumsum(grad * out, d) / nonzero_x
        after_z = where(_const(is_zero), 0.0, x_z * r_sums / nonzero_x)
        return where(before, before_z, where(first, r_sums, after_z))


def _cumulative(op: Any, input: Tensor, dim: int, dtype: Any) -> Tensor:
    input = _int_to_long(input, dtype)
    d = normalize_dim(dim, input.ndim)
    if input.ndim == 0:
        return op.apply(input.reshape(1), 0).reshape(())
    return op.apply(input, d)


def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """out_i = input_0 + ... + input_i along ``dim`` (ints and bools accumulate as int64)"""
    return _cumulative(Cumsum, input, dim, dtype)


def cumprod(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """out_i = input_0 * ... * input_i along ``dim`` (ints and bools accumulate as int64)"""
    return _cumulative(Cumprod, input, dim, dtype)


class LogCumSumExp(Op):
    """out[i] = log(sum_{j <= i} e^x[j]) along ``dim`` (NumPy's logaddexp.accumulate: stable)

    The backward is the log-space form PyTorch uses (after TensorFlow): with g split into its
    positive and negative parts, grad_x = e^(x + revlogcumsumexp(log g+ - out)) - (the same for
    g-), where revlogcumsumexp runs from the end. Written with this op itself, so it can be
    differentiated again, and stable where out spans a wide range."""

    @staticmethod
    def forward(ctx: Any, x: Any, dim: int = 0) -> Any:
        xp = _xp(x)
        if xp is np:
            out = np.logaddexp.accumulate(x, axis=dim)
        else:  # CuPy has no logaddexp.accumulate: shift by the max, then a cumsum
            m = xp.max(x, axis=dim, keepdims=True)
            m = xp.where(xp.isfinite(m), m, 0)
            with np.errstate(divide="ignore"):
                out = xp.log(xp.cumsum(xp.exp(x - m), axis=dim)) + m
        ctx.save_for_backward(x, out, dim)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        x, out, d = ctx.saved_tensors

        def reverse_lcse(t: Tensor) -> Tensor:
            return flip(LogCumSumExp.apply(flip(t, (d,)), dim=d), (d,))

        # the dtype's lowest finite number stands for log(0): -inf would give inf - inf one order up
        # (one order up, lowest - lowest may overflow to inf: harmless, its exp is 0 or masked)
        lowest = float(np.finfo(grad.array.dtype).min)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            log_abs = log(grad.abs())
            pos = where(grad > 0, log_abs, lowest)
            neg = where(grad < 0, log_abs, lowest)
            return exp(reverse_lcse(pos - out) + x) - exp(reverse_lcse(neg - out) + x)


def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """out[i] = log(sum_{j <= i} e^input[j]) along ``dim``"""
    x = input if input.array.dtype.kind == "f" else input.to(dtype=_dtype.get_default_dtype())
    if x.ndim == 0:
        normalize_dim(dim, 0)
        return clone(x)
    d = normalize_dim(dim, x.ndim)
    if x.array.size == 0:
        return clone(x)
    return LogCumSumExp.apply(x, dim=d)
