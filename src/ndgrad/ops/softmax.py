"""logsumexp, softmax and log_softmax: reductions made stable by subtracting the max first.

Split out of ops/reduce.py, whose helpers it uses.
Softmax and LogSoftmax have fused backwards (cheaper and more stable than composing exp, sum and
div); LogSumExp's gradient is softmax(x). The helpers they share with the other reductions
(``Sum``, ``_kept``, ``_reduce_dims``) stay in ops/reduce.py and are imported from there.
"""

from __future__ import annotations

from typing import Any

from ndgrad import _dtype
from ndgrad.autograd.function import Op
from ndgrad.ops._util import normalize_dim
from ndgrad.ops.reduce import Sum, _kept, _kept_shape, _reduce_dims, _xp
from ndgrad.tensor import Tensor

__all__ = ["logsumexp", "softmax", "log_softmax"]


# -- logsumexp, softmax, log_softmax -----------------------------------------------------------


def _stable_max(x: Any, axis: Any) -> Any:
    """max over ``axis`` kept as size-1 dims, with infinities replaced by 0 (so x - m is never
    nan)."""
    xp = _xp(x)
    if x.size == 0:
        return xp.zeros(_kept_shape(x.shape, axis if isinstance(axis, tuple) else (axis,)), x.dtype)
    m = x.max(axis=axis, keepdims=True)
    return xp.where(xp.isfinite(m), m, 0)


class LogSumExp(Op):
    """out = log(sum(exp(x))) over dims, computed as m + log(sum(exp(x - m))) with m = max(x);
    d out / dx = exp(x - out), i.e. softmax(x)"""

    @staticmethod
    def forward(ctx: Any, x: Any, dims: tuple[int, ...] = (), keepdim: bool = False) -> Any:
        xp = _xp(x)
        m = _stable_max(x, dims)
        out = xp.log(xp.exp(x - m).sum(axis=dims, keepdims=True)) + m
        if not keepdim:
            out = out.reshape(tuple(s for i, s in enumerate(x.shape) if i not in dims))
        ctx.save_for_backward(x, out, dims, keepdim)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        x, out, dims, keepdim = ctx.saved_tensors
        kept = _kept(out, x.shape, dims, keepdim)
        return _kept(grad, x.shape, dims, keepdim) * (x - kept).exp()


def logsumexp(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """out = log(sum(exp(input))) over ``dim``, without overflow"""
    if input.array.dtype.kind != "f":
        input = input.to(dtype=_dtype.get_default_dtype())
    return LogSumExp.apply(input, _reduce_dims(dim, input.ndim), keepdim)


class Softmax(Op):
    """y = exp(x - max) / sum(exp(x - max)) along dim; fused backward: dx = y * (g - sum(g * y))"""

    @staticmethod
    def forward(ctx: Any, x: Any, dim: int = -1) -> Any:
        xp = _xp(x)
        y = x - _stable_max(x, dim)
        xp.exp(y, out=y)
        y /= y.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(y, dim)
        return y

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        y, dim = ctx.saved_tensors
        return y * (grad - Sum.apply(grad * y, (dim,), True))


class LogSoftmax(Op):
    """y = x - logsumexp(x) along dim; fused backward: dx = g - exp(y) * sum(g)"""

    @staticmethod
    def forward(ctx: Any, x: Any, dim: int = -1) -> Any:
        xp = _xp(x)
        y = x - _stable_max(x, dim)
        y -= xp.log(xp.exp(y).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(y, dim)
        return y

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        y, dim = ctx.saved_tensors
        return grad - y.exp() * Sum.apply(grad, (dim,), True)


def _softmax_dim(name: str, input: Tensor, dim: int | None, dtype: Any) -> tuple[Tensor, int]:
    if dtype is not None:
        input = input.to(dtype=dtype)
    if input.array.dtype.kind != "f":
        raise NotImplementedError(f"\"{name}\" not implemented for '{_dtype.torch_name(input)}'")
    if dim is None:  # PyTorch's legacy implicit dim
        dim = 0 if input.ndim in (0, 1, 3) else 1
    d = normalize_dim(dim, input.ndim)
    if input.ndim == 0:
        input = input.reshape(1)
    return input, d


def softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """out = exp(input) / sum(exp(input)) along ``dim``, computed stably.

    ``dim=None`` follows PyTorch's legacy rule: dim 0 for 0-, 1- and 3-d inputs, else dim 1.

    Example:
        >>> ndgrad.softmax(ndgrad.tensor([0.0, 0.0]), dim=0)
        tensor([0.5000, 0.5000])
    """
    x, d = _softmax_dim("softmax", input, dim, dtype)
    out = Softmax.apply(x, d)
    return out.reshape(()) if input.ndim == 0 else out


def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """out = input - logsumexp(input) along ``dim``, computed stably (``dim=None`` as softmax)"""
    x, d = _softmax_dim("log_softmax", input, dim, dtype)
    out = LogSoftmax.apply(x, d)
    return out.reshape(()) if input.ndim == 0 else out
