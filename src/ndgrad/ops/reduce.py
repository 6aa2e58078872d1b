"""Reductions: sum, mean, prod, max/min, median, var/std, norms, all/any.

logsumexp, softmax and log_softmax live in ops/softmax.py, cumsum and cumprod in ops/cumulative.py;
both import this module's helpers (``Sum``, ``_kept``...).

``sum_to`` is the one place where broadcasting is undone: the engine calls it when a gradient
arrives in the broadcast shape of an op's output instead of its input's shape.

A reduction's backward first puts the reduced dims back as size-1 dims (``_kept``), then lets
broadcasting spread the gradient over the input. Ops that pick elements (max with a dim, median)
use ``TakeAlongDim`` from ops/sort.py, which also holds sort, argsort and topk.
"""

from __future__ import annotations

import builtins
import math
from collections import namedtuple
from typing import Any

from ndgrad import _dtype
from ndgrad._backend import xp_of as _xp
from ndgrad.autograd.function import Op
from ndgrad.ops._util import const as _const
from ndgrad.ops._util import normalize_dim, normalize_dims, refuse_bool
from ndgrad.ops.elementwise import maximum, minimum, where
from ndgrad.ops.sort import _argsort, _select
from ndgrad.tensor import Tensor

__all__ = [
    "sum",
    "mean",
    "nansum",
    "prod",
    "max",
    "min",
    "amax",
    "amin",
    "aminmax",
    "argmax",
    "argmin",
    "var",
    "std",
    "var_mean",
    "std_mean",
    "norm",
    "all",
    "any",
    "count_nonzero",
    "median",
]

# PyTorch's torch.return_types: tuples whose fields are also attributes (values, indices)
_MaxResult = namedtuple("max", ["values", "indices"])  # type: ignore[name-match]
_MinResult = namedtuple("min", ["values", "indices"])  # type: ignore[name-match]
_MedianResult = namedtuple("median", ["values", "indices"])  # type: ignore[name-match]
_AminmaxResult = namedtuple("aminmax", ["min", "max"])  # type: ignore[name-match]


# -- helpers ---------------------------------------------------------------------------------


def _reduce_dims(dim: Any, ndim: int) -> tuple[int, ...]:
    """The dims a reduction runs over: all for None or ``()``; a 0-d tensor has none to reduce."""
    if dim is None or (isinstance(dim, tuple | list) and len(dim) == 0):
        return tuple(range(ndim))
    dims = normalize_dims(dim, ndim)  # raises IndexError like PyTorch for dims out of range
    return dims if ndim else ()


def _kept_shape(shape: tuple[int, ...], dims: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _kept(t: Tensor, in_shape: tuple[int, ...], dims: tuple[int, ...], keepdim: bool) -> Tensor:
    """A reduction's output (or its gradient) with the reduced dims back as size 1."""
    return t if keepdim else t.reshape(_kept_shape(in_shape, dims))


def _numel(shape: tuple[int, ...], dims: tuple[int, ...]) -> int:
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _int_to_long(input: Tensor, dtype: Any) -> Tensor:
    """``dtype`` if given; bool and integer inputs otherwise accumulate in int64 (sum, prod,
    cumsum)."""
    if dtype is not None:
        return input.to(dtype=dtype)
    if input.array.dtype.kind in "bui" and input.array.dtype != _dtype.int64.np:
        return input.to(dtype=_dtype.int64)
    return input


def _check_nonempty(name: str, shape: tuple[int, ...], dims: tuple[int, ...]) -> None:
    for d in dims:
        if shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def sum_to(grad: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum ``grad`` over the dims that broadcasting added or stretched, giving ``shape``."""
    lead = grad.ndim - len(shape)
    dims = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and grad.shape[i + lead] != 1
    )
    out = Sum.apply(grad, dims, True) if dims else grad
    if lead:
        out = out.reshape(shape)
    return out


# -- sum, mean, prod -------------------------------------------------------------------------


class Sum(Op):
    """out = sum of x over dims"""

    @staticmethod
    def forward(ctx: Any, x: Any, dims: tuple[int, ...] = (), keepdim: bool = False) -> Any:
        ctx.save_for_backward(x.shape, dims, keepdim)
        # an int32 sum (dtype=int32) stays int32; NumPy would widen it to int64
        keep = x.dtype if x.dtype.kind == "i" else None
        return _xp(x).asarray(x.sum(axis=dims, keepdims=keepdim, dtype=keep))

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        in_shape, dims, keepdim = ctx.saved_tensors
        return _kept(grad, in_shape, dims, keepdim).expand(in_shape)


def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """out = sum of input over ``dim`` (all dims when None); bools and ints sum as int64

    Example:
        >>> ndgrad.sum(ndgrad.ones(2, 3), dim=-1)
        tensor([3., 3.])
    """
    input = _int_to_long(input, dtype)
    return Sum.apply(input, _reduce_dims(dim, input.ndim), keepdim)


def nansum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """out = sum of input over ``dim``, NaNs counted as zero"""
    if input.array.dtype.kind == "f":
        input = where(input != input, 0.0, input)
    return sum(input, dim, keepdim, dtype=dtype)


class Mean(Op):
    """out = sum of x over dims / their number of elements (NaN for none)"""

    @staticmethod
    def forward(ctx: Any, x: Any, dims: tuple[int, ...] = (), keepdim: bool = False) -> Any:
        ctx.save_for_backward(x.shape, dims, keepdim)
        count = _numel(x.shape, dims)
        out = x.sum(axis=dims, keepdims=keepdim)
        return _xp(x).asarray(out / count if count else out * math.nan, dtype=x.dtype)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        in_shape, dims, keepdim = ctx.saved_tensors
        count = _numel(in_shape, dims)
        g = _kept(grad, in_shape, dims, keepdim) * (1.0 / count if count else math.nan)
        return g.expand(in_shape)


def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """out = sum(input) / count over ``dim``"""
    if dtype is not None:
        input = input.to(dtype=dtype)
    if input.array.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {_dtype.torch_name(input)}"
        )
    return Mean.apply(input, _reduce_dims(dim, input.ndim), keepdim)


class Prod(Op):
    """out = product of x over dims; d out / d x_i = product of the others (exact with zeros)"""

    @staticmethod
    def forward(ctx: Any, x: Any, dims: tuple[int, ...] = (), keepdim: bool = False) -> Any:
        out = _xp(x).asarray(x.prod(axis=dims, keepdims=keepdim))
        ctx.save_for_backward(x, out, dims, keepdim)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        x, out, dims, keepdim = ctx.saved_tensors
        g = _kept(grad, x.shape, dims, keepdim)
        is_zero = x.array == 0
        if not bool(is_zero.any()):  # the common case: product of the others = out / x
            return g * _kept(out, x.shape, dims, keepdim) / x
        # With zeros, out / x is 0/0. With P the product of a lane's nonzero entries and z its zero
        # (1 if it has none): d out / d x_i = P at the zero, z * P / x_i elsewhere; lanes with two
        # or more zeros get 0 (so second order is exact except in lanes with exactly two zeros).
        zeros = is_zero.sum(axis=dims, keepdims=True)
        zero_mask = _const(is_zero)
        nonzero_x = where(zero_mask, 1.0, x)
        p = Prod.apply(nonzero_x, dims, True)
        z = Sum.apply(where(zero_mask, x, 0.0), dims, True) + _const(
            (zeros == 0).astype(x.array.dtype)
        )
        except_self = where(zero_mask, p, z * p / nonzero_x)
        return g * where(_const(zeros < 2), except_self, 0.0)


def prod(
    input: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None
) -> Tensor:
    """out = product of input over ``dim`` (one int, or all dims when None)"""
    if dim is not None and not isinstance(dim, int):
        raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    input = _int_to_long(input, dtype)
    return Prod.apply(input, _reduce_dims(dim, input.ndim), keepdim)


# -- max, min, amax, amin, argmax, argmin ----------------------------------------------------


class Amax(Op):
    """out = max of x over dims; ties share the gradient evenly (as PyTorch)"""

    fn = "max"

    @classmethod
    def forward(cls, ctx: Any, x: Any, dims: tuple[int, ...] = (), keepdim: bool = False) -> Any:
        out = _xp(x).asarray(getattr(x, cls.fn)(axis=dims, keepdims=keepdim))
        ctx.save_for_backward(x, out, dims, keepdim)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        x, out, dims, keepdim = ctx.saved_tensors
        hit = x.array == _kept(out, x.shape, dims, keepdim).array
        share = hit / hit.sum(axis=dims, keepdims=True)  # 1/count at each tie, 0 elsewhere
        return _kept(grad, x.shape, dims, keepdim) * _const(share.astype(x.array.dtype, copy=False))


class Amin(Amax):
    """out = min of x over dims; ties share the gradient evenly (as PyTorch)"""

    fn = "min"


def amax(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """out = max of input over ``dim`` (all dims for ``()``)"""
    dims = _reduce_dims(dim, input.ndim)
    _check_nonempty("amax", input.shape, dims)
    return Amax.apply(input, dims, keepdim)


def amin(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """out = min of input over ``dim`` (all dims for ``()``)"""
    dims = _reduce_dims(dim, input.ndim)
    _check_nonempty("amin", input.shape, dims)
    return Amin.apply(input, dims, keepdim)


def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False) -> Any:
    """(min, max) of input over ``dim`` (all dims when None)"""
    d = () if dim is None else dim
    return _AminmaxResult(amin(input, d, keepdim), amax(input, d, keepdim))


def _arg_along(input: Tensor, fn: str, d: int) -> Any:
    """argmax/argmin along ``d`` as int64, keeping ``d`` with size 1."""
    xp = input.xp
    idx = getattr(xp, fn)(input.array, axis=d)
    return xp.expand_dims(idx.astype(xp.int64, copy=False), d)


def _max_min(name: str, input: Tensor, dim: Any, keepdim: bool) -> Any:
    if isinstance(dim, Tensor):  # max(input, other): the elementwise form
        return maximum(input, dim) if name == "max" else minimum(input, dim)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                "the reduction dim with the 'dim' argument."
            )
        op = Amax if name == "max" else Amin
        return op.apply(input, tuple(range(input.ndim)), False)
    if input.ndim == 0:
        normalize_dim(dim, 0)
        result = _MaxResult if name == "max" else _MinResult
        return result(input.clone(), _const(input.xp.zeros((), dtype=input.xp.int64)))
    d = normalize_dim(dim, input.ndim)
    _check_nonempty(name, input.shape, (d,))
    values, indices = _select(input, _arg_along(input, "arg" + name, d), d, keepdim)
    return (_MaxResult if name == "max" else _MinResult)(values, indices)


def max(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """max over all elements (a 0-d tensor); with ``dim``, (values, indices) along it; with a
    tensor as second argument, the elementwise maximum.

    The gradient goes to the selected index (with ``dim``) or is shared evenly among ties (without).
    """
    return _max_min("max", input, dim, keepdim)


def min(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """min over all elements (a 0-d tensor); with ``dim``, (values, indices) along it; with a
    tensor as second argument, the elementwise minimum."""
    return _max_min("min", input, dim, keepdim)


def _argmax_argmin(fn: str, input: Tensor, dim: int | None, keepdim: bool) -> Tensor:
    if input.array.dtype.kind == "b":
        raise RuntimeError(f"{fn}(): does not support bool input")
    xp = input.xp
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(
                f"{fn}(): Expected reduction dim to be specified for input.numel() == 0."
            )
        idx = xp.asarray(getattr(xp, fn)(input.array)).astype(xp.int64)
        return _const(idx.reshape((1,) * input.ndim) if keepdim else idx)
    if input.ndim == 0:
        normalize_dim(dim, 0)
        return _const(xp.zeros((), dtype=xp.int64))
    d = normalize_dim(dim, input.ndim)
    _check_nonempty(fn, input.shape, (d,))
    idx = _arg_along(input, fn, d)
    return _const(idx if keepdim else idx.reshape(idx.shape[:d] + idx.shape[d + 1 :]))


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the max along ``dim`` (of the flattened input when None), as int64"""
    return _argmax_argmin("argmax", input, dim, keepdim)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the min along ``dim`` (of the flattened input when None), as int64"""
    return _argmax_argmin("argmin", input, dim, keepdim)


# -- var, std --------------------------------------------------------------------------------


def _correction(dim: Any, unbiased: Any, correction: Any) -> tuple[Any, float]:
    if isinstance(dim, bool):  # var(x, True): the legacy unbiased-only overload
        dim, unbiased = None, dim
    if correction is not None and unbiased is not None:
        raise TypeError("var(): cannot specify both 'unbiased' and 'correction'")
    if correction is None:
        correction = 0 if unbiased is False else 1
    return dim, float(correction)


def _var(
    input: Tensor, dims: tuple[int, ...], correction: float, keepdim: bool
) -> tuple[Tensor, Tensor]:
    """(variance, mean kept as size-1 dims), composed: autograd gives 2 (x - mean) / (N - c)."""
    if input.array.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    n = _numel(input.shape, dims)
    mu = mean(input, dims, keepdim=True)
    dev = input - mu
    return Sum.apply(dev * dev, dims, keepdim) / builtins.max(0.0, n - correction), mu


def var(
    input: Tensor,
    dim: Any = None,
    unbiased: Any = None,
    keepdim: bool = False,
    *,
    correction: Any = None,
) -> Tensor:
    """out = sum((input - mean)^2) / (N - correction) over ``dim`` (correction 1 unless
    ``unbiased=False`` or ``correction`` says otherwise)"""
    dim, c = _correction(dim, unbiased, correction)
    return _var(input, _reduce_dims(dim, input.ndim), c, keepdim)[0]


def std(
    input: Tensor,
    dim: Any = None,
    unbiased: Any = None,
    keepdim: bool = False,
    *,
    correction: Any = None,
) -> Tensor:
    """out = sqrt(var(input, dim))"""
    return var(input, dim, unbiased, keepdim, correction=correction).sqrt()


def var_mean(
    input: Tensor,
    dim: Any = None,
    unbiased: Any = None,
    keepdim: bool = False,
    *,
    correction: Any = None,
) -> tuple[Tensor, Tensor]:
    """(var(input, dim), mean(input, dim))"""
    dim, c = _correction(dim, unbiased, correction)
    dims = _reduce_dims(dim, input.ndim)
    v, mu = _var(input, dims, c, keepdim)
    return v, mu if keepdim else mu.reshape(v.shape)


def std_mean(
    input: Tensor,
    dim: Any = None,
    unbiased: Any = None,
    keepdim: bool = False,
    *,
    correction: Any = None,
) -> tuple[Tensor, Tensor]:
    """(std(input, dim), mean(input, dim))"""
    v, mu = var_mean(input, dim, unbiased, keepdim, correction=correction)
    return v.sqrt(), mu


# -- norms -----------------------------------------------------------------------------------


class PNorm(Op):
    """out = (sum |x|^p)^(1/p) over dims; fused so the gradient at out = 0 is 0, not NaN:
    dx = g * sign(x) |x|^(p-1) / out^(p-1)"""

    @staticmethod
    def forward(
        ctx: Any, x: Any, p: float = 2.0, dims: tuple[int, ...] = (), keepdim: bool = False
    ) -> Any:
        xp = _xp(x)
        if p == 2:
            out = xp.sqrt((x * x).sum(axis=dims, keepdims=keepdim))
        else:
            out = (xp.abs(x) ** p).sum(axis=dims, keepdims=keepdim) ** (1.0 / p)
        out = xp.asarray(out)
        ctx.save_for_backward(x, out, p, dims, keepdim)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        x, out, p, dims, keepdim = ctx.saved_tensors
        o = _kept(out, x.shape, dims, keepdim)
        g = _kept(grad, x.shape, dims, keepdim)
        zero = _const(o.array == 0)
        safe = where(zero, 1.0, o)  # never divide by 0, not even in the branch where() drops
        if p == 2:
            return x * where(zero, 0.0, g / safe)
        return x.sign() * x.abs() ** (p - 1) * where(zero, 0.0, g / safe ** (p - 1))


def _vector_norm(input: Tensor, ord: Any, dims: tuple[int, ...], keepdim: bool) -> Tensor:
    """The vector ``ord``-norm over ``dims`` (shared by norm and linalg.vector_norm)."""
    if ord == math.inf:
        return Amax.apply(input.abs(), dims, keepdim)
    if ord == -math.inf:
        return Amin.apply(input.abs(), dims, keepdim)
    if ord == 0:  # |sign(x)| counts the nonzeros and carries the (zero) gradient
        return Sum.apply(input.sign().abs(), dims, keepdim)
    if ord == 1:
        return Sum.apply(input.abs(), dims, keepdim)
    return PNorm.apply(input, float(ord), dims, keepdim)


def norm(
    input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None
) -> Tensor:
    """The ``p``-norm of input over ``dim`` (all dims when None): 'fro' and numbers are vector norms
    (over every dim in ``dim``), 'nuc' the nuclear norm of matrices."""
    if dtype is not None:
        input = input.to(dtype=dtype)
    if input.array.dtype.kind != "f":
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
            f"{_dtype.torch_name(input)}"
        )
    if p == "nuc":
        from ndgrad.ops.linalg_matrix import matrix_norm

        return matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim)
    if p is None or p == "fro":
        p = 2
    return _vector_norm(input, p, _reduce_dims(dim, input.ndim), keepdim)


# -- logical reductions ----------------------------------------------------------------------


def _logical(fn: str, input: Tensor, dim: Any, keepdim: bool) -> Tensor:
    xp = input.xp
    # as PyTorch: dim=() reduces nothing here (sum and the others reduce everything)
    dims = () if isinstance(dim, tuple | list) and len(dim) == 0 else _reduce_dims(dim, input.ndim)
    out = xp.asarray(getattr(xp, fn)(input.array, axis=dims, keepdims=keepdim))
    if input.array.dtype == xp.uint8:  # PyTorch keeps uint8 for uint8 inputs
        out = out.astype(xp.uint8)
    return _const(out)


def all(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """True where every element over ``dim`` is nonzero"""
    return _logical("all", input, dim, keepdim)


def any(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """True where some element over ``dim`` is nonzero"""
    return _logical("any", input, dim, keepdim)


def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:
    """Number of nonzero elements over ``dim`` (all dims when None), as int64"""
    xp = input.xp
    dims = _reduce_dims(dim, input.ndim)
    return _const(xp.asarray((input.array != 0).sum(axis=dims), dtype=xp.int64))


# -- median (sort, argsort and topk are in ops/sort.py) -------------------------------------


class Median(Amax):
    """out = the lower median of all elements (NaN if any is NaN); ties share the gradient evenly"""

    @staticmethod
    def forward(ctx: Any, x: Any, dims: tuple[int, ...] = (), keepdim: bool = False) -> Any:
        xp = _xp(x)
        flat = x.reshape(-1)
        if flat.size == 0 or bool(xp.isnan(flat).any()):
            out = xp.asarray(math.nan, dtype=x.dtype)
        else:
            out = xp.partition(flat, (flat.size - 1) // 2)[(flat.size - 1) // 2]
        out = xp.asarray(out)
        ctx.save_for_backward(x, out, dims, keepdim)
        return out


def median(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """The lower median of all elements (a 0-d tensor), or (values, indices) along ``dim``"""
    refuse_bool("median_cpu", input)
    if dim is None:
        return Median.apply(input, tuple(range(input.ndim)), False)
    if input.ndim == 0:
        normalize_dim(dim, 0)
        return _MedianResult(input.clone(), _const(input.xp.zeros((), dtype=input.xp.int64)))
    d = normalize_dim(dim, input.ndim)
    _check_nonempty("median", input.shape, (d,))
    xp = input.xp
    n = input.shape[d]
    order = _argsort(input.array, d, False)
    idx = order[(slice(None),) * d + (slice((n - 1) // 2, (n - 1) // 2 + 1),)]
    if input.array.dtype.kind == "f":  # a lane holding NaN has median NaN: point at its first NaN
        nan = xp.isnan(input.array)
        has_nan = nan.any(axis=d, keepdims=True)
        if bool(has_nan.any()):
            first_nan = xp.expand_dims(nan.argmax(axis=d), d).astype(xp.int64)
            idx = xp.where(has_nan, first_nan, idx)
    values, indices = _select(input, idx, d, keepdim)
    return _MedianResult(values, indices)
