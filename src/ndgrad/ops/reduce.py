"""Reductions: sum, mean, prod, max/min, var/std, logsumexp, norms, cumulative ops, softmax.

``sum_to`` is the one place where broadcasting is undone: the engine calls it when a gradient
arrives in the broadcast shape of an op's output instead of its input's shape.
"""

from __future__ import annotations

from typing import Any

from ndgrad import _dtype
from ndgrad.autograd.function import Op
from ndgrad.ops._util import normalize_dims
from ndgrad.tensor import Tensor


def sum_to(grad: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum ``grad`` over the dims that broadcasting added or stretched, giving ``shape``."""
    lead = grad.ndim - len(shape)
    dims = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and grad.shape[i + lead] != 1
    )
    out = sum(grad, dims, keepdim=True) if dims else grad
    if lead:
        out = out.reshape(shape)
    return out


class Sum(Op):
    """out = sum of x over dims"""

    @staticmethod
    def forward(ctx: Any, x: Any, dims: tuple[int, ...] = (), keepdim: bool = False) -> Any:
        ctx.in_shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return x.sum(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        if not ctx.keepdim:
            grad = grad.reshape(_kept_shape(ctx.in_shape, ctx.dims))
        return grad.expand(ctx.in_shape)


def _kept_shape(shape: tuple[int, ...], dims: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """out = sum of input over ``dim`` (all dims when None); bools and ints sum as int64"""
    if dtype is not None:
        input = input.to(dtype=dtype)
    elif input.data.dtype.kind in "bui" and input.data.dtype.itemsize < 8 or input.data.dtype.kind == "b":
        input = input.to(dtype=_dtype.int64)
    dims = normalize_dims(dim, input.ndim) if dim != () else tuple(range(input.ndim))
    return Sum.apply(input, dims, keepdim)


def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """out = sum(input) / count over ``dim``"""
    if dtype is not None:
        input = input.to(dtype=dtype)
    if input.data.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {input.dtype.name.capitalize()}"
        )
    dims = normalize_dims(dim, input.ndim) if dim != () else tuple(range(input.ndim))
    count = 1
    for d in dims:
        count *= input.shape[d]
    return Sum.apply(input, dims, keepdim) * (1.0 / count if count else float("nan"))


def softmax(input: Tensor, dim: Any = None, dtype: Any = None) -> Tensor:
    raise NotImplementedError  # filled in by the reductions work


def log_softmax(input: Tensor, dim: Any = None, dtype: Any = None) -> Tensor:
    raise NotImplementedError  # filled in by the reductions work
