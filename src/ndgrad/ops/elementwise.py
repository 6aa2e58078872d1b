"""Elementwise ops: the public module of the family, with casts, copies and the in-place forms.

The ops themselves live in ``arithmetic.py`` (binary arithmetic, ``where``), ``unary.py`` (unary
math,
rounding, ``clamp``) and ``compare.py`` (comparisons, logic, no gradient); this module re-exports
them all,
so ``ndgrad.ops.elementwise.<name>`` names every elementwise op. Each op is a class whose
``forward`` works
on raw arrays and whose ``backward`` is written in Tensor ops (so it can be differentiated again).
Broadcasting is undone once, in the engine: a backward returns gradients in the output's shape. The
plain function under each class is the public API."""

from __future__ import annotations

from typing import Any

from ndgrad import _backend, _dtype
from ndgrad.autograd import grad_mode
from ndgrad.autograd.function import Op
from ndgrad.ops._ew_util import (
    _float_input as _float_input,
)
from ndgrad.ops._ew_util import (
    _is_int as _is_int,
)
from ndgrad.ops._ew_util import (
    _quiet as _quiet,
)
from ndgrad.ops._ew_util import (
    _xp,
)
from ndgrad.ops._util import (
    inplace,
    writable_data,
)
from ndgrad.ops.arithmetic import (
    add,
    addcdiv,
    addcmul,
    arctan2,
    atan2,
    div,
    divide,
    float_power,
    floor_divide,
    fmax,
    fmin,
    fmod,
    lerp,
    logaddexp,
    maximum,
    minimum,
    mul,
    multiply,
    pow,
    remainder,
    sub,
    subtract,
    true_divide,
    where,
)
from ndgrad.ops.compare import (
    _no_grad as _no_grad,
)
from ndgrad.ops.compare import (
    allclose,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    eq,
    equal,
    ge,
    greater,
    greater_equal,
    gt,
    isclose,
    isfinite,
    isinf,
    isnan,
    isneginf,
    isposinf,
    le,
    less,
    less_equal,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    ne,
    not_equal,
)
from ndgrad.ops.rounding import (
    ceil,
    clamp,
    clip,
    fix,
    floor,
    frac,
    nan_to_num,
    round,
    sgn,
    sign,
    trunc,
)
from ndgrad.ops.unary import (
    _erf_array as _erf_array,
)
from ndgrad.ops.unary import (
    abs,
    absolute,
    acos,
    arccos,
    arcsin,
    arctan,
    asin,
    atan,
    cos,
    cosh,
    erf,
    exp,
    exp2,
    expm1,
    log,
    log1p,
    log2,
    log10,
    neg,
    negative,
    reciprocal,
    relu,
    rsqrt,
    sigmoid,
    sin,
    sinh,
    sqrt,
    square,
    tan,
    tanh,
)
from ndgrad.tensor import Tensor

__all__ = [
    "logaddexp",
    "add",
    "sub",
    "subtract",
    "mul",
    "multiply",
    "div",
    "divide",
    "true_divide",
    "floor_divide",
    "remainder",
    "fmod",
    "pow",
    "float_power",
    "atan2",
    "arctan2",
    "maximum",
    "minimum",
    "fmax",
    "fmin",
    "where",
    "lerp",
    "addcmul",
    "addcdiv",
    "neg",
    "negative",
    "abs",
    "absolute",
    "exp",
    "exp2",
    "log",
    "log2",
    "log10",
    "log1p",
    "expm1",
    "sqrt",
    "rsqrt",
    "square",
    "reciprocal",
    "sin",
    "cos",
    "tan",
    "asin",
    "arcsin",
    "acos",
    "arccos",
    "atan",
    "arctan",
    "sinh",
    "cosh",
    "tanh",
    "sigmoid",
    "relu",
    "erf",
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
    "clone",
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
    "add_",
    "sub_",
    "mul_",
    "div_",
    "pow_",
    "clamp_",
    "neg_",
    "exp_",
    "sqrt_",
    "relu_",
    "sigmoid_",
    "tanh_",
    "abs_",
    "addcmul_",
    "addcdiv_",
    "lerp_",
    "zero_",
    "fill_",
    "copy_",
]


# -- casts and copies ------------------------------------------------------------------------


class Cast(Op):
    """out = x as another dtype and/or on another device; the gradient goes back the same way"""

    @staticmethod
    def forward(ctx: Any, x: Any, dtype: Any = None, device: str | None = None) -> Any:
        src_device = _backend.device_of(x)
        ctx.save_for_backward(x.dtype, src_device)
        if device is not None and device != src_device:
            host = _backend.to_numpy(x)
            x = _backend.module_for(device).asarray(host)
        if dtype is not None and x.dtype != dtype:
            x = x.astype(dtype)
        return x

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        src_dtype, src_device = ctx.saved_tensors
        return grad.to(dtype=_dtype.from_numpy_dtype(src_dtype), device=src_device)


def to(
    input: Tensor,
    *args: Any,
    dtype: Any = None,
    device: Any = None,
    copy: bool = False,
    non_blocking: bool = False,
) -> Tensor:
    """``to(dtype)``, ``to(device)``, ``to(device, dtype)`` or ``to(other_tensor)``."""
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, _dtype.dtype) or (not isinstance(a, str) and _looks_like_dtype(a)):
            dtype = a
        elif a is not None:
            device = a
    np_dtype = _dtype.to_dtype(dtype).np if dtype is not None else None
    dev = None
    if device is not None:
        dev = str(device).split(":")[0]
        if dev not in ("cpu", "cuda"):
            raise RuntimeError(
                f"Expected one of cpu, cuda device type at start of device string: {device}"
            )
        _backend.module_for(dev)  # raises a clear error if the backend is missing
    same_dtype = np_dtype is None or np_dtype == input.array.dtype
    same_device = dev is None or dev == _backend.device_of(input.array)
    if same_dtype and same_device:
        return input.clone() if copy else input
    return Cast.apply(input, np_dtype, dev)


def _looks_like_dtype(a: Any) -> bool:
    try:
        _dtype.to_dtype(a)
        return True
    except TypeError:
        return False


class Clone(Op):
    """out = a copy of x"""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        return x.copy()

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        return grad


def clone(input: Tensor) -> Tensor:
    """out = a copy of input that stays in the graph"""
    return Clone.apply(input)


# -- in-place forms --------------------------------------------------------------------------


def add_(self: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    return inplace(self, add(self, other, alpha=alpha))


def sub_(self: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    return inplace(self, sub(self, other, alpha=alpha))


def mul_(self: Tensor, other: Any) -> Tensor:
    return inplace(self, mul(self, other))


def div_(self: Tensor, other: Any) -> Tensor:
    return inplace(self, div(self, other))


def pow_(self: Tensor, other: Any) -> Tensor:
    return inplace(self, pow(self, other))


def clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:
    return inplace(self, clamp(self, min, max))


def neg_(self: Tensor) -> Tensor:
    return inplace(self, neg(self))


def exp_(self: Tensor) -> Tensor:
    return inplace(self, exp(self))


def sqrt_(self: Tensor) -> Tensor:
    return inplace(self, sqrt(self))


def relu_(self: Tensor) -> Tensor:
    return inplace(self, relu(self))


def sigmoid_(self: Tensor) -> Tensor:
    return inplace(self, sigmoid(self))


def tanh_(self: Tensor) -> Tensor:
    return inplace(self, tanh(self))


def abs_(self: Tensor) -> Tensor:
    return inplace(self, abs(self))


def addcmul_(self: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    return inplace(self, addcmul(self, tensor1, tensor2, value=value))


def addcdiv_(self: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    return inplace(self, addcdiv(self, tensor1, tensor2, value=value))


def lerp_(self: Tensor, end: Tensor, weight: Any) -> Tensor:
    return inplace(self, lerp(self, end, weight))


def zero_(self: Tensor) -> Tensor:
    return fill_(self, 0)


class Fill(Op):
    """out = value everywhere; no gradient reaches x"""

    @staticmethod
    def forward(ctx: Any, x: Any, value: Any) -> Any:
        return _xp(x).full_like(x, value)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        return grad * 0, None


def fill_(self: Tensor, value: Any) -> Tensor:
    """Set every element to ``value`` (a number or a one-element tensor)."""
    if isinstance(value, Tensor):
        value = value.item()
    if self.requires_grad and grad_mode.state.enabled:
        return inplace(self, Fill.apply(self, value))
    writable_data(self)[...] = value
    self._bump_version()
    return self


class Copy(Op):
    """out = src broadcast to x's shape; x's old values are overwritten, so its gradient is zero"""

    @staticmethod
    def forward(ctx: Any, x: Any, src: Any) -> Any:
        return _xp(x).broadcast_to(src, x.shape)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        return grad * 0 if ctx.needs_input_grad[0] else None, grad


def copy_(self: Tensor, src: Any, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, cast, moved to this device) into this tensor's memory."""
    if not isinstance(src, Tensor):
        from ndgrad.ops.factory import tensor

        src = tensor(src)
    moved = to(src, dtype=self.dtype, device=_backend.device_of(self.array))
    return inplace(self, Copy.apply(self, moved))
