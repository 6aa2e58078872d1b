"""Piecewise unary ops: the rounding family (``sign``, ``floor``, ``ceil``, ``trunc``, ``round``,
``frac``), ``clamp`` and ``nan_to_num``.

Rounding has gradient zero almost everywhere (``_ZeroGrad``); clamp passes the gradient where the
input is inside the bounds. Part of the elementwise family, beside ``unary.py``; import them from
``ndgrad.ops.elementwise`` (or ``ndgrad``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ndgrad import _dtype
from ndgrad.autograd.function import Op
from ndgrad.ops._ew_util import _is_int, _xp
from ndgrad.ops._util import inplace, refuse_bool, require_float
from ndgrad.ops.arithmetic import maximum, minimum, where
from ndgrad.ops.compare import isfinite, isnan
from ndgrad.tensor import Tensor

__all__ = [
    "sign",
    "sgn",
    "floor",
    "ceil",
    "trunc",
    "fix",
    "round",
    "frac",
    "clamp",
    "clip",
    "nan_to_num",
    "floor_",
    "ceil_",
    "trunc_",
    "round_",
    "clamp_",
    "nan_to_num_",
]


class _ZeroGrad(Op):
    """Piecewise-constant functions (sign, floor, ...): gradient zero almost everywhere."""

    fn = "sign"

    @classmethod
    def forward(cls, ctx: Any, x: Any) -> Any:
        return getattr(_xp(x), cls.fn)(x)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        return grad * 0


class Sign(_ZeroGrad):
    fn = "sign"


class Floor(_ZeroGrad):
    fn = "floor"


class Ceil(_ZeroGrad):
    fn = "ceil"


class Trunc(_ZeroGrad):
    fn = "trunc"


class Round(_ZeroGrad):
    fn = "rint"  # half to even, as PyTorch rounds


def sign(input: Tensor) -> Tensor:
    """out = -1, 0 or 1 by the sign of input"""
    if input.array.dtype.kind == "b":
        return input.clone()
    return Sign.apply(input)


def sign_(input: Tensor) -> Tensor:
    """In place: input = sign(input)"""
    return inplace(input, sign(input))


sgn = sign


def floor(input: Tensor) -> Tensor:
    """out = floor(input)"""
    refuse_bool("floor_vml_cpu", input)
    return input.clone() if _is_int(input) else Floor.apply(input)


def floor_(input: Tensor) -> Tensor:
    """In place: input = floor(input)"""
    return inplace(input, floor(input))


def ceil(input: Tensor) -> Tensor:
    """out = ceil(input)"""
    refuse_bool("ceil_vml_cpu", input)
    return input.clone() if _is_int(input) else Ceil.apply(input)


def ceil_(input: Tensor) -> Tensor:
    """In place: input = ceil(input)"""
    return inplace(input, ceil(input))


def trunc(input: Tensor) -> Tensor:
    """out = input rounded toward zero"""
    refuse_bool("trunc_vml_cpu", input)
    return input.clone() if _is_int(input) else Trunc.apply(input)


def trunc_(input: Tensor) -> Tensor:
    """In place: input = trunc(input)"""
    return inplace(input, trunc(input))


fix = trunc


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """out = input rounded half to even, to ``decimals`` places"""
    refuse_bool("round_vml_cpu", input)
    if _is_int(input):
        return input.clone()
    if decimals == 0:
        return Round.apply(input)
    scale = 10.0**decimals
    return Round.apply(input * scale) / scale


def round_(input: Tensor, decimals: int = 0) -> Tensor:
    """In place: input = input rounded half to even, to ``decimals`` places"""
    return inplace(input, round(input, decimals=decimals))


def frac(input: Tensor) -> Tensor:
    """out = input - trunc(input)"""
    require_float("frac_cpu", input)
    return input - trunc(input)


class Clamp(Op):
    """out = min(max(x, lo), hi); the gradient passes where lo <= x <= hi"""

    @staticmethod
    def forward(ctx: Any, x: Any, lo: Any = None, hi: Any = None) -> Any:
        ctx.save_for_backward(x, lo, hi)
        return _xp(x).clip(x, lo, hi)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        x, lo, hi = ctx.saved_tensors
        mask = None
        if lo is not None:
            mask = x >= lo
        if hi is not None:
            mask = x <= hi if mask is None else mask & (x <= hi)
        return grad * mask if mask is not None else grad


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """out = min(max(input, min), max); ``min``/``max`` may be numbers or tensors"""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = input
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        return out
    if input.array.dtype.kind != "f" and isinstance(min or 0, float) | isinstance(max or 0, float):
        input = input.to(dtype=_dtype.get_default_dtype())
    return Clamp.apply(input, min, max)


def clamp_(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """In place: input = min(max(input, min), max)"""
    return inplace(input, clamp(input, min, max))


clip = clamp


def nan_to_num(
    input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
) -> Tensor:
    """out = input with NaN, +inf and -inf replaced (by 0 and the dtype's extremes by default)"""
    if input.array.dtype.kind != "f":
        return input.clone()
    info = np.finfo(input.array.dtype)
    pos = info.max if posinf is None else posinf
    neg = info.min if neginf is None else neginf
    finite = isfinite(input)
    filled = where(isnan(input), nan, where(input > 0, pos, neg)).to(dtype=input.dtype)
    return where(finite, input, filled)


def nan_to_num_(
    input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
) -> Tensor:
    """In place: NaN, +inf and -inf replaced, as ``nan_to_num``"""
    return inplace(input, nan_to_num(input, nan, posinf, neginf))
