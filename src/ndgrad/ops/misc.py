"""Miscellaneous PyTorch names: small elementwise forms, composed ops and in-place variants.

Most ops here are compositions of existing ops (their gradients come for free); ``LogCumSumExp``
has a custom backward, and ``isin`` / ``signbit`` have no gradient. The rest of the old ``misc``
family has files of its own: settings and dtype queries in ``settings.py``, matrices, grids, stacks
and splits in ``grid.py``, counting, searching and order statistics in ``order_stats.py``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ndgrad import _dtype
from ndgrad._backend import xp_of
from ndgrad.autograd.function import Op
from ndgrad.ops import elementwise as _ew
from ndgrad.ops import reduce as _reduce
from ndgrad.ops import shape as _shape
from ndgrad.ops._util import binary_operands, inplace, normalize_dim, require_float_pair
from ndgrad.ops._util import const as _const
from ndgrad.tensor import Tensor

__all__ = [
    "heaviside",
    "sinc",
    "logit",
    "xlogy",
    "clamp_min",
    "clamp_max",
    "hypot",
    "deg2rad",
    "rad2deg",
    "isin",
    "signbit",
    "copysign",
    "erfc",
    "logcumsumexp",
    "cov",
    "corrcoef",
    "trapezoid",
    "addmv",
    "addr",
    "is_complex",
    "is_same_size",
    "dist",
    "adjoint",
    "positive",
    "rsub",
    "gcd",
    "lcm",
    "logaddexp2",
    "unravel_index",
    "narrow_copy",
    "floor_",
    "ceil_",
    "trunc_",
    "round_",
    "log_",
    "sin_",
    "square_",
    "reciprocal_",
    "nan_to_num_",
]


def _float(x: Tensor) -> Tensor:
    """Integer and bool inputs are promoted to the default float dtype, as PyTorch's math ops do."""
    return x if x.array.dtype.kind == "f" else x.to(dtype=_dtype.get_default_dtype())


# -- elementwise math --------------------------------------------------------------------------


def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """out = 0 where input < 0, values where input == 0, 1 where input > 0 (no gradient)"""
    a, b = binary_operands(input, values)
    xp = a.xp
    bv = b.array if isinstance(b, Tensor) else b
    out = xp.where(a.array == 0, bv, (a.array > 0).astype(a.array.dtype))
    return _const(xp.asarray(out, dtype=a.array.dtype))


def sinc(input: Tensor) -> Tensor:
    """out = sin(pi x) / (pi x), and 1 at x = 0"""
    x = _float(input)
    zero = _ew.eq(x, 0)
    safe = _ew.where(zero, 1.0, x) * math.pi
    return _ew.where(zero, 1.0, _ew.sin(safe) / safe)


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """out = log(x / (1 - x)), x clamped to [eps, 1 - eps] when ``eps`` is given"""
    x = _float(input)
    if eps is not None:
        x = _ew.clamp(x, eps, 1.0 - eps)
    return _ew.log(x / (1.0 - x))


def xlogy(input: Any, other: Any) -> Tensor:
    """out = input * log(other), and 0 where input == 0 (unless other is NaN).

    Where input == 0 the output is held at 0, so both gradients there are 0 (PyTorch's formulas give
    log(0) = -inf and 0/0 = NaN at input == other == 0, as in entropies of zero probabilities).
    """
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError("xlogy(): at least one argument must be a Tensor")
    a, b = binary_operands(input, other)
    ref = _float(a if isinstance(a, Tensor) else b)
    a_t = _float(a) if isinstance(a, Tensor) else _const(ref.xp.asarray(a, dtype=ref.array.dtype))
    b_t = _float(b) if isinstance(b, Tensor) else _const(ref.xp.asarray(b, dtype=ref.array.dtype))
    zero = _ew.logical_and(_ew.eq(a_t, 0), _ew.logical_not(_ew.isnan(b_t)))
    safe_b = _ew.where(zero, 1.0, b_t)  # keeps log(0) out of the gradient where the output is 0
    return _ew.where(zero, 0.0, a_t * _ew.log(safe_b))


def clamp_min(input: Tensor, min: Any) -> Tensor:
    """out = max(input, min)"""
    return _ew.clamp(input, min=min)


def clamp_max(input: Tensor, max: Any) -> Tensor:
    """out = min(input, max)"""
    return _ew.clamp(input, max=max)


def hypot(input: Tensor, other: Tensor) -> Tensor:
    """out = sqrt(input^2 + other^2)"""
    require_float_pair("hypot_cpu", input, other)
    a, b = binary_operands(input, other)
    return _ew.sqrt(a * a + b * b)


def deg2rad(input: Tensor) -> Tensor:
    """out = input * pi / 180"""
    return _float(input) * (math.pi / 180.0)


def rad2deg(input: Tensor) -> Tensor:
    """out = input * 180 / pi"""
    return _float(input) * (180.0 / math.pi)


# -- more names from ported programs: composed from the families ------------------------------


def isin(
    elements: Any, test_elements: Any, *, assume_unique: bool = False, invert: bool = False
) -> Tensor:
    """out = whether each element of ``elements`` occurs in ``test_elements`` (no gradient)"""
    ref = elements if isinstance(elements, Tensor) else test_elements
    xp = ref.xp
    a = elements.array if isinstance(elements, Tensor) else xp.asarray(elements)
    b = test_elements.array if isinstance(test_elements, Tensor) else xp.asarray(test_elements)
    return _const(xp.asarray(xp.isin(a, b, assume_unique=assume_unique, invert=invert)))


def signbit(input: Tensor) -> Tensor:
    """out = whether the sign bit is set (True for -0.0 and negative numbers)"""
    return _const(input.xp.signbit(input.array))


def copysign(input: Any, other: Any) -> Tensor:
    """out = |input| with the sign of other (the sign bit, so -0.0 counts as negative)"""
    a, b = binary_operands(input, other)
    a = _float(a) if isinstance(a, Tensor) else float(a)
    ref = a if isinstance(a, Tensor) else _float(b)
    b_sign = ref.xp.signbit(b.array if isinstance(b, Tensor) else ref.xp.asarray(b))
    magnitude = (
        _ew.abs(a)
        if isinstance(a, Tensor)
        else _const(ref.xp.asarray(abs(a), dtype=ref.array.dtype))
    )
    return _ew.where(_const(b_sign), -magnitude, magnitude)


def erfc(input: Tensor) -> Tensor:
    """out = 1 - erf(input)"""
    return 1.0 - _ew.erf(_float(input))


class LogCumSumExp(Op):
    """out[i] = log(sum_{j <= i} e^x[j]) along ``dim`` (NumPy's logaddexp.accumulate: stable)

    The backward is the log-space form PyTorch uses (after TensorFlow): with g split into its
    positive and negative parts, grad_x = e^(x + revlogcumsumexp(log g+ - out)) - (the same for
    g-), where revlogcumsumexp runs from the end. Written with this op itself, so it can be
    differentiated again, and stable where out spans a wide range."""

    @staticmethod
    def forward(ctx: Any, x: Any, dim: int = 0) -> Any:
        xp = xp_of(x)
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
            return _shape.flip(LogCumSumExp.apply(_shape.flip(t, (d,)), dim=d), (d,))

        # the dtype's lowest finite number stands for log(0): -inf would give inf - inf one order up
        # (one order up, lowest - lowest may overflow to inf: harmless, its exp is 0 or masked)
        lowest = float(np.finfo(grad.array.dtype).min)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            log_abs = _ew.log(_ew.abs(grad))
            pos = _ew.where(grad > 0, log_abs, lowest)
            neg = _ew.where(grad < 0, log_abs, lowest)
            return _ew.exp(reverse_lcse(pos - out) + x) - _ew.exp(reverse_lcse(neg - out) + x)


def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """out[i] = log(sum_{j <= i} e^input[j]) along ``dim``"""
    x = _float(input)
    if x.ndim == 0:
        normalize_dim(dim, 0)
        return _ew.clone(x)
    d = normalize_dim(dim, x.ndim)
    if x.array.size == 0:
        return _ew.clone(x)
    return LogCumSumExp.apply(x, dim=d)


def cov(
    input: Tensor, *, correction: int = 1, fweights: Any = None, aweights: Any = None
) -> Tensor:
    """out = the covariance of the variables (rows) over the observations (columns):
    (x - mean)(x - mean)^T / (N - correction)"""
    if input.ndim > 2:
        raise RuntimeError(
            "cov(): expected input to have two or fewer dimensions but got an input with "
            f"{input.ndim} dimensions"
        )
    if fweights is not None or aweights is not None:
        raise NotImplementedError("ndgrad.cov: fweights and aweights are not supported")
    if input.array.dtype.kind == "b":
        raise RuntimeError("cov(): bool dtype is not supported for input")
    x = _float(input)
    x = _shape.reshape(x, (1, -1)) if x.ndim < 2 else x
    n = x.shape[1]
    centered = x - _reduce.mean(x, 1, True)
    c = _la_matmul(centered, _shape.t(centered)) / float(max(n - correction, 0))
    return _shape.reshape(c, ()) if input.ndim < 2 else c


def _la_matmul(a: Tensor, b: Tensor) -> Tensor:
    from ndgrad.ops.linalg import matmul

    return matmul(a, b)


def corrcoef(input: Tensor) -> Tensor:
    """out = the Pearson correlation coefficients of the rows: cov / sqrt(var_i var_j), clipped
    to [-1, 1]"""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = _ew.sqrt(_shape.diagonal(c, 0, 0, 1))
    return _ew.clamp(c / _shape.unsqueeze(d, 1) / _shape.unsqueeze(d, 0), -1.0, 1.0)


def trapezoid(
    y: Tensor, x: Tensor | None = None, *, dx: float | None = None, dim: int = -1
) -> Tensor:
    """out = sum_i (x[i+1] - x[i]) (y[i+1] + y[i]) / 2 along ``dim`` (spacing ``dx``, default 1)"""
    if y.array.dtype.kind == "b" or (x is not None and x.array.dtype.kind == "b"):
        which = "`y`" if x is None else "`x` or `y`"
        raise RuntimeError(
            f"trapezoid: received a bool input for {which}, but bool is not supported"
        )
    d = normalize_dim(dim, y.ndim)
    n = y.shape[d]
    if n == 0:
        return _reduce.sum(_float(y), d)
    hi, lo = _shape.narrow(y, d, 1, n - 1), _shape.narrow(y, d, 0, n - 1)
    if x is None:
        return _reduce.sum(hi + lo, d) * ((1.0 if dx is None else dx) / 2.0)
    if x.ndim == 1:
        shape = [1] * y.ndim
        shape[d] = -1
        x = _shape.reshape(x, tuple(shape))
        dxs = _misc_diff_along(x, d)
    else:
        dxs = _misc_diff_along(x, normalize_dim(dim, x.ndim))
    return _reduce.sum(dxs * (hi + lo), d) / 2.0


def _misc_diff_along(x: Tensor, d: int) -> Tensor:
    n = x.shape[d]
    return _shape.narrow(x, d, 1, n - 1) - _shape.narrow(x, d, 0, n - 1)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """out = beta * input + alpha * (mat @ vec); input is ignored when beta == 0"""
    from ndgrad.ops.linalg import mv

    return _scaled_add(input, mv(mat, vec), beta, alpha)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """out = beta * input + alpha * outer(vec1, vec2); input is ignored when beta == 0"""
    from ndgrad.ops.linalg import outer

    return _scaled_add(input, outer(vec1, vec2), beta, alpha)


def _scaled_add(input: Tensor, product: Tensor, beta: Any, alpha: Any) -> Tensor:
    out = product if alpha == 1 else product * alpha
    if beta == 0:
        return _shape.expand(out, np.broadcast_shapes(tuple(out.shape), tuple(input.shape)))
    return out + (input if beta == 1 else input * beta)


def is_complex(input: Tensor) -> bool:
    """False: ndgrad has no complex dtypes."""
    return bool(input.array.dtype.kind == "c")


def is_same_size(input: Tensor, other: Tensor) -> bool:
    return tuple(input.shape) == tuple(other.shape)


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """out = ||input - other||_p over all elements"""
    return _reduce.norm(_ew.sub(input, other), p)


def adjoint(input: Tensor) -> Tensor:
    """out = the transpose of the last two dims (a view; ndgrad has no complex conjugate)"""
    return _shape.transpose(input, -2, -1)


def positive(input: Tensor) -> Tensor:
    """out = input (refuses bool, as PyTorch does)"""
    if input.array.dtype.kind == "b":
        raise TypeError("The `+` operator, on a bool tensor is not supported.")
    return input


def rsub(input: Tensor, other: Any, alpha: Any = 1) -> Tensor:
    """out = other - alpha * input"""
    return (
        _ew.sub(other, input, alpha=alpha)
        if isinstance(other, Tensor)
        else _ew.add(-_ew.mul(input, alpha), other)
    )


def gcd(input: Tensor, other: Tensor) -> Tensor:
    """out = the greatest common divisor, elementwise (integers)"""
    a, b = binary_operands(input, other)
    return _const(a.xp.gcd(a.array, b.array if isinstance(b, Tensor) else b))


def lcm(input: Tensor, other: Tensor) -> Tensor:
    """out = the least common multiple, elementwise (integers)"""
    a, b = binary_operands(input, other)
    return _const(a.xp.lcm(a.array, b.array if isinstance(b, Tensor) else b))


def logaddexp2(input: Tensor, other: Tensor) -> Tensor:
    """out = log2(2^input + 2^other)"""
    require_float_pair("logaddexp2_cpu", input, other)
    ln2 = math.log(2.0)
    return _ew.logaddexp(_float(input) * ln2, _float(other) * ln2) / ln2


def unravel_index(indices: Any, shape: Any) -> tuple[Tensor, ...]:
    """The coordinates in an array of ``shape`` of flat (row-major) ``indices``"""
    shape = (shape,) if isinstance(shape, int) else tuple(int(s) for s in shape)
    if isinstance(indices, Tensor):
        if indices.array.dtype.kind not in "iu":
            raise TypeError("expected 'indices' to be integer dtype, but got " + indices.dtype.name)
        xp, data = indices.xp, indices.array
    else:
        xp, data = np, np.asarray(indices)
    size = int(np.prod(shape))
    data = xp.where(data < 0, data + size, data)
    if data.size and (bool((data < 0).any()) or bool((data >= size).any())):
        raise RuntimeError("'indices' must be in range [-size, size) of the shape")
    return tuple(_const(c.astype(np.int64)) for c in xp.unravel_index(data, shape))


def narrow_copy(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """out = a copy of input.narrow(dim, start, length)"""
    return _ew.clone(_shape.narrow(input, dim, start, length))


def sum_to_size(input: Tensor, *size: Any) -> Tensor:
    """out = input summed down to ``size`` (which input must broadcast from): Tensor.sum_to_size"""
    target = tuple(
        int(s) for s in (size[0] if len(size) == 1 and isinstance(size[0], tuple | list) else size)
    )
    if input.ndim < len(target) or np.broadcast_shapes(target, tuple(input.shape)) != tuple(
        input.shape
    ):
        raise RuntimeError(f"size {list(target)} is not expandable to size {list(input.shape)}.")
    return _reduce.sum_to(input, target)


# In-place forms (PyTorch has these as Tensor methods, and some at the top level too).
def floor_(input: Tensor) -> Tensor:
    return inplace(input, _ew.floor(input))


def ceil_(input: Tensor) -> Tensor:
    return inplace(input, _ew.ceil(input))


def trunc_(input: Tensor) -> Tensor:
    return inplace(input, _ew.trunc(input))


def round_(input: Tensor, decimals: int = 0) -> Tensor:
    return inplace(input, _ew.round(input, decimals=decimals))


def sign_(input: Tensor) -> Tensor:
    return inplace(input, _ew.sign(input))


def log_(input: Tensor) -> Tensor:
    return inplace(input, _ew.log(input))


def log1p_(input: Tensor) -> Tensor:
    return inplace(input, _ew.log1p(input))


def sin_(input: Tensor) -> Tensor:
    return inplace(input, _ew.sin(input))


def cos_(input: Tensor) -> Tensor:
    return inplace(input, _ew.cos(input))


def square_(input: Tensor) -> Tensor:
    return inplace(input, _ew.square(input))


def reciprocal_(input: Tensor) -> Tensor:
    return inplace(input, _ew.reciprocal(input))


def fmod_(input: Tensor, other: Any) -> Tensor:
    return inplace(input, _ew.fmod(input, other))


def remainder_(input: Tensor, other: Any) -> Tensor:
    return inplace(input, _ew.remainder(input, other))


def logical_not_(input: Tensor) -> Tensor:
    return inplace(input, _ew.logical_not(input))


def nan_to_num_(
    input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
) -> Tensor:
    return inplace(input, _ew.nan_to_num(input, nan, posinf, neginf))


def triu_(input: Tensor, diagonal: int = 0) -> Tensor:
    return inplace(input, _shape.triu(input, diagonal))


def tril_(input: Tensor, diagonal: int = 0) -> Tensor:
    return inplace(input, _shape.tril(input, diagonal))
