"""Comparisons, logic, bitwise ops and float checks: ``eq``/``lt``/..., ``logical_*``,
``bitwise_*``, ``isnan``/``isinf``/``isfinite``, ``equal``, ``isclose`` and ``allclose``.

None of them has a gradient: each runs the array module's function on the raw data (``_no_grad``)
and wraps the result in a Tensor outside the graph. Part of the elementwise family; import them
from ``ndgrad.ops.elementwise`` (or ``ndgrad``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ndgrad.ops._ew_util import _xp
from ndgrad.ops._util import binary_operands, inplace, torch_error
from ndgrad.tensor import Tensor

__all__ = [
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "greater",
    "greater_equal",
    "less",
    "less_equal",
    "not_equal",
    "logical_and",
    "logical_or",
    "logical_xor",
    "logical_not",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "bitwise_not",
    "isnan",
    "isinf",
    "isfinite",
    "isposinf",
    "isneginf",
    "equal",
    "isclose",
    "allclose",
]


def _no_grad(fn: Any, a: Any, b: Any = None) -> Tensor:
    ref = a if isinstance(a, Tensor) else b
    xa = a.array if isinstance(a, Tensor) else a
    if b is None:
        return Tensor._make(_as_array(fn(xa), ref), False, None)
    xb = b.array if isinstance(b, Tensor) else b
    try:
        out = fn(xa, xb)
    except ValueError as exc:  # shapes that do not broadcast: PyTorch's RuntimeError
        err = torch_error(fn.__name__, exc, (a, b))
        if err is None:
            raise
        raise err from None
    return Tensor._make(_as_array(out, ref), False, None)


def _as_array(out: Any, ref: Tensor) -> Any:
    if isinstance(out, np.generic | bool):
        return _xp(ref.array).asarray(out)
    return out


def _compare(fn_name: str, input: Any, other: Any) -> Tensor:
    a, b = binary_operands(input, other)
    fn = getattr(_xp(a.array if isinstance(a, Tensor) else b.array), fn_name)
    return _no_grad(fn, a, b)


def eq(input: Any, other: Any) -> Tensor:
    """input == other, elementwise (bool)"""
    return _compare("equal", input, other)


def ne(input: Any, other: Any) -> Tensor:
    """input != other, elementwise (bool)"""
    return _compare("not_equal", input, other)


def lt(input: Any, other: Any) -> Tensor:
    """input < other, elementwise (bool)"""
    return _compare("less", input, other)


def le(input: Any, other: Any) -> Tensor:
    """input <= other, elementwise (bool)"""
    return _compare("less_equal", input, other)


def gt(input: Any, other: Any) -> Tensor:
    """input > other, elementwise (bool)"""
    return _compare("greater", input, other)


def ge(input: Any, other: Any) -> Tensor:
    """input >= other, elementwise (bool)"""
    return _compare("greater_equal", input, other)


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def logical_and(input: Any, other: Any) -> Tensor:
    return _compare("logical_and", input, other)


def logical_or(input: Any, other: Any) -> Tensor:
    return _compare("logical_or", input, other)


def logical_xor(input: Any, other: Any) -> Tensor:
    return _compare("logical_xor", input, other)


def logical_not(input: Tensor) -> Tensor:
    return _no_grad(_xp(input.array).logical_not, input)


def logical_not_(input: Tensor) -> Tensor:
    """In place: input = not input (as input's dtype)"""
    return inplace(input, logical_not(input))


def _bitwise(fn_name: str, input: Any, other: Any) -> Tensor:
    a, b = binary_operands(input, other)
    for x in (a, b):
        if isinstance(x, Tensor) and x.array.dtype.kind == "f":
            raise RuntimeError(
                f"\"{fn_name}_cpu\" not implemented for '{x.dtype.name.capitalize()}'"
            )
    return _compare(fn_name, a, b)


def bitwise_and(input: Any, other: Any) -> Tensor:
    return _bitwise("bitwise_and", input, other)


def bitwise_or(input: Any, other: Any) -> Tensor:
    return _bitwise("bitwise_or", input, other)


def bitwise_xor(input: Any, other: Any) -> Tensor:
    return _bitwise("bitwise_xor", input, other)


def bitwise_not(input: Tensor) -> Tensor:
    if input.array.dtype.kind == "f":
        raise RuntimeError("bitwise_not is only supported for integer and boolean tensors")
    return _no_grad(_xp(input.array).invert, input)


def isnan(input: Tensor) -> Tensor:
    return _no_grad(_xp(input.array).isnan, input)


def isinf(input: Tensor) -> Tensor:
    return _no_grad(_xp(input.array).isinf, input)


def isfinite(input: Tensor) -> Tensor:
    return _no_grad(_xp(input.array).isfinite, input)


def isposinf(input: Tensor) -> Tensor:
    return _no_grad(_xp(input.array).isposinf, input)


def isneginf(input: Tensor) -> Tensor:
    return _no_grad(_xp(input.array).isneginf, input)


def equal(input: Tensor, other: Tensor) -> bool:
    """True if both have the same shape and elements"""
    return input.shape == other.shape and bool(
        _xp(input.array).array_equal(input.array, other.array)
    )


def isclose(
    input: Tensor, other: Tensor, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
) -> Tensor:
    return _no_grad(
        lambda a, b: _xp(a).isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan), input, other
    )


def allclose(
    input: Tensor, other: Tensor, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
) -> bool:
    return bool(isclose(input, other, rtol, atol, equal_nan).array.all())
