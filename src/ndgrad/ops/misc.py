"""Miscellaneous PyTorch names: small elementwise forms and ops composed from the families.

All are compositions of existing ops (their gradients come for free), except ``isin``, ``signbit``,
``heaviside``, ``gcd`` and ``lcm``, which have no gradient. The rest of the old ``misc`` family has
files of its own: settings and dtype queries in ``settings.py``, matrices, grids, stacks and splits
in ``grid.py``, counting, searching and order statistics in ``order_stats.py``, ``logcumsumexp`` in
``cumulative.py``, the indexing compositions (``take_along_dim``, ``index_copy``, ``put``,
``masked_scatter``) in ``gather_scatter.py``, and the in-place forms beside their ops.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ndgrad import _dtype
from ndgrad.ops import elementwise as _ew
from ndgrad.ops import reduce as _reduce
from ndgrad.ops import shape as _shape
from ndgrad.ops._util import binary_operands, normalize_dim, require_float_pair
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
    for t in (elements, test_elements):
        if isinstance(t, Tensor) and t.array.dtype.kind == "b":
            raise RuntimeError("Unsupported input type encountered for isin(): Bool")
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
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
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
