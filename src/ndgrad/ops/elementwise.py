"""Elementwise ops: arithmetic, unary math, comparisons, casts and their in-place forms.

Each op is a class whose ``forward`` works on raw arrays and whose ``backward`` is written in Tensor
ops (so it can be differentiated again). Broadcasting is undone once, in the engine: a backward
returns gradients in the output's shape. The plain function under each class is the public API.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ndgrad import _backend, _dtype
from ndgrad.autograd import grad_mode
from ndgrad.autograd.function import Op
from ndgrad.ops._util import binary_operands, inplace, writable_data
from ndgrad.tensor import Tensor

__all__ = [
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

_pi_factor = 2.0 / math.sqrt(math.pi)

# PyTorch is silent where NumPy warns (log(0) = -inf, 1/0 = inf, sqrt(-1) = nan): the ops that
# can divide by zero, leave their domain or overflow compute under this (a decorator, so only
# they pay for it; nothing global is changed).
_quiet = np.errstate(divide="ignore", invalid="ignore", over="ignore")


def _xp(a: Any) -> Any:
    return _backend.xp_of(a)


def _float_input(x: Tensor) -> Tensor:
    """Unary float math on an integer or bool tensor computes in the default float dtype."""
    if x.data.dtype.kind not in "fc":
        return x.to(dtype=_dtype.get_default_dtype())
    return x


# -- arithmetic ------------------------------------------------------------------------------


class Add(Op):
    """out = a + b"""

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        return a + b

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        return grad, grad


def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """out = input + alpha * other"""
    if alpha != 1:
        other = mul(other, alpha)
    a, b = binary_operands(input, other)
    return Add.apply(a, b)


class Sub(Op):
    """out = a - b"""

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        return a - b

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        return grad, -grad if ctx.needs_input_grad[1] else None


def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """out = input - alpha * other"""
    if alpha != 1:
        other = mul(other, alpha)
    a, b = binary_operands(input, other)
    if isinstance(a, Tensor) and a.data.dtype.kind == "b":
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead."
        )
    return Sub.apply(a, b)


subtract = sub


class Mul(Op):
    """out = a * b"""

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        # save only what a gradient needs: x * 2 keeps no reference to x
        ctx.save_for_backward(b if ctx.needs_input_grad[0] else None, a if ctx.needs_input_grad[1] else None)
        return a * b

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        b, a = ctx.saved_tensors
        return (grad * b if ctx.needs_input_grad[0] else None, grad * a if ctx.needs_input_grad[1] else None)


def mul(input: Any, other: Any) -> Tensor:
    """out = input * other"""
    a, b = binary_operands(input, other)
    return Mul.apply(a, b)


multiply = mul


class Div(Op):
    """out = a / b"""

    @staticmethod
    @_quiet
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        return a / b

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        a, b = ctx.saved_tensors
        ga = grad / b
        # d/db a/b = -a/b^2, as -(grad/b)(a/b): b*b would overflow first
        gb = -ga * a / b if ctx.needs_input_grad[1] else None
        return ga if ctx.needs_input_grad[0] else None, gb


def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """out = input / other; ``rounding_mode`` 'trunc' or 'floor' rounds the quotient."""
    if rounding_mode is not None:
        if rounding_mode == "floor":
            return floor_divide(input, other)
        if rounding_mode == "trunc":
            a, b = binary_operands(input, other)
            if _is_int(a) and _is_int(b):
                return _no_grad(_trunc_div, a, b)
            return trunc(div(a, b))
        raise ValueError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
        )
    a, b = binary_operands(input, other)
    # true division of integers gives the default float dtype
    if _is_int(a) and _is_int(b):
        f = _dtype.get_default_dtype()
        a = a.to(dtype=f) if isinstance(a, Tensor) else float(a)
        b = b.to(dtype=f) if isinstance(b, Tensor) else float(b)
    return Div.apply(a, b)


divide = div
true_divide = div


def _is_int(x: Any) -> bool:
    if isinstance(x, Tensor):
        return x.data.dtype.kind in "iub"
    return isinstance(x, int | bool)


@_quiet
def _trunc_div(a: Any, b: Any) -> Any:
    q = _xp(b if isinstance(a, int) else a).floor_divide(a, b)
    return q + ((q < 0) & (q * b != a))


class FloorDivide(Op):
    """out = floor(a / b); its gradient is zero"""

    @staticmethod
    @_quiet
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        return _xp(a if not isinstance(a, int | float) else b).floor_divide(a, b)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        return grad * 0, grad * 0


def floor_divide(input: Any, other: Any) -> Tensor:
    """out = floor(input / other)"""
    a, b = binary_operands(input, other)
    return FloorDivide.apply(a, b)


class Remainder(Op):
    """out = a - floor(a / b) * b (the sign of b, like Python's %)"""

    @staticmethod
    @_quiet
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[1] else None)
        return a % b

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        a, b = ctx.saved_tensors
        gb = -grad * floor_divide(a, b) if ctx.needs_input_grad[1] else None
        return grad, gb


def remainder(input: Any, other: Any) -> Tensor:
    """out = input - floor(input / other) * other"""
    a, b = binary_operands(input, other)
    return Remainder.apply(a, b)


class Fmod(Op):
    """out = a - trunc(a / b) * b (the sign of a, like C's fmod)"""

    @staticmethod
    @_quiet
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[1] else None)
        return _xp(a if not isinstance(a, int | float) else b).fmod(a, b)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        a, b = ctx.saved_tensors
        gb = -grad * trunc(a / b) if ctx.needs_input_grad[1] else None
        return grad, gb


def fmod(input: Any, other: Any) -> Tensor:
    """out = input - trunc(input / other) * other"""
    a, b = binary_operands(input, other)
    return Fmod.apply(a, b)


class Pow(Op):
    """out = a ** b"""

    @staticmethod
    @_quiet
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        out = a**b
        ctx.save_for_backward(a, b, out if ctx.needs_input_grad[1] else None)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        a, b, out = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[0]:
            if isinstance(b, int | float) and b == 0:
                ga = grad * 0
            else:
                # d/da a^b = b * a^(b-1), taken as 0 where b == 0 (PyTorch's convention)
                ga = grad * b * a ** (b - 1)
                if isinstance(b, Tensor):
                    ga = where(b == 0, 0.0, ga)
        if ctx.needs_input_grad[1]:
            # d/db a^b = a^b * log(a), taken as 0 where a == 0 and b >= 0
            log_a = log(a) if isinstance(a, Tensor) else math.log(a) if a > 0 else math.nan
            gb = grad * out * log_a
            if isinstance(a, Tensor):
                gb = where((a == 0) & (b >= 0), 0.0, gb)
            elif a == 0:
                gb = where(b >= 0, 0.0, gb)
        return ga, gb


def pow(input: Any, exponent: Any) -> Tensor:
    """out = input ** exponent"""
    a, b = binary_operands(input, exponent)
    if _is_int(a) and isinstance(b, Tensor) is False and isinstance(b, int) and b < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return Pow.apply(a, b)


float_power = pow


class Atan2(Op):
    """out = atan2(a, b), the angle of the point (b, a)"""

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        return _xp(a).arctan2(a, b)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        a, b = ctx.saved_tensors
        denom = a * a + b * b
        ga = grad * b / denom if ctx.needs_input_grad[0] else None
        gb = -grad * a / denom if ctx.needs_input_grad[1] else None
        return ga, gb


def atan2(input: Tensor, other: Any) -> Tensor:
    """out = atan2(input, other)"""
    a, b = binary_operands(_float_input(input), other)
    if not isinstance(b, Tensor):
        b = a * 0 + b
    return Atan2.apply(a, b)


arctan2 = atan2


class Maximum(Op):
    """out = max(a, b) elementwise; at ties the gradient is shared equally"""

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        return _xp(a).maximum(a, b)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        a, b = ctx.saved_tensors
        share = where(a == b, 0.5, (a > b).to(dtype=grad.dtype))
        return grad * share, grad * (1 - share)


def maximum(input: Tensor, other: Tensor) -> Tensor:
    """out = max(input, other) elementwise"""
    a, b = binary_operands(input, other)
    return Maximum.apply(a, b)


class Minimum(Op):
    """out = min(a, b) elementwise; at ties the gradient is shared equally"""

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        return _xp(a).minimum(a, b)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        a, b = ctx.saved_tensors
        share = where(a == b, 0.5, (a < b).to(dtype=grad.dtype))
        return grad * share, grad * (1 - share)


def minimum(input: Tensor, other: Tensor) -> Tensor:
    """out = min(input, other) elementwise"""
    a, b = binary_operands(input, other)
    return Minimum.apply(a, b)


fmax = maximum
fmin = minimum


class Where(Op):
    """out = a where cond else b"""

    @staticmethod
    def forward(ctx: Any, cond: Any, a: Any, b: Any) -> Any:
        ctx.save_for_backward(cond)
        return _xp(cond).where(cond, a, b)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        (cond,) = ctx.saved_tensors
        ga = where(cond, grad, 0.0) if ctx.needs_input_grad[1] else None
        gb = where(cond, 0.0, grad) if ctx.needs_input_grad[2] else None
        return None, ga, gb


def where(condition: Tensor, input: Any = None, other: Any = None) -> Any:
    """out = input where condition else other; with one argument, the indices where it is true"""
    if input is None and other is None:
        from ndgrad.ops.index import nonzero

        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        condition = Tensor._make(np.asarray(condition, dtype=bool), False, None)
    if condition.data.dtype.kind != "b":
        raise RuntimeError(
            "where expected condition to be a boolean tensor, but got a tensor with dtype "
            f"{condition.dtype.name}"
        )
    a, b = binary_operands(input, other)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        dt = _dtype.result_type([], [a, b])
        a = Tensor._make(_xp(condition.data).asarray(a, dtype=dt.np), False, None)
    return Where.apply(condition, a, b)


def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:
    """out = input + weight * (end - input)"""
    return input + weight * (end - input)


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """out = input + value * tensor1 * tensor2"""
    return input + value * tensor1 * tensor2


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """out = input + value * tensor1 / tensor2"""
    return input + value * tensor1 / tensor2


# -- unary math ------------------------------------------------------------------------------


class Neg(Op):
    """out = -x"""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        return -x

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        return -grad


def neg(input: Tensor) -> Tensor:
    """out = -input"""
    if input.data.dtype.kind == "b":
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. "
            "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return Neg.apply(input)


negative = neg


class Abs(Op):
    """out = |x|"""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return _xp(x).abs(x)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * sign(x)


def abs(input: Tensor) -> Tensor:
    """out = |input|"""
    return Abs.apply(input)


absolute = abs


class Exp(Op):
    """out = e^x"""

    @staticmethod
    @_quiet
    def forward(ctx: Any, x: Any) -> Any:
        out = _xp(x).exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return grad * out


def exp(input: Tensor) -> Tensor:
    """out = e^input"""
    return Exp.apply(_float_input(input))


def exp2(input: Tensor) -> Tensor:
    """out = 2^input"""
    return pow(2.0, _float_input(input))


class Log(Op):
    """out = ln(x)"""

    @staticmethod
    @_quiet
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return _xp(x).log(x)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad / x


def log(input: Tensor) -> Tensor:
    """out = ln(input)"""
    return Log.apply(_float_input(input))


def log2(input: Tensor) -> Tensor:
    """out = log2(input)"""
    return log(input) * (1.0 / math.log(2.0))


def log10(input: Tensor) -> Tensor:
    """out = log10(input)"""
    return log(input) * (1.0 / math.log(10.0))


class Log1p(Op):
    """out = ln(1 + x), accurate for small x"""

    @staticmethod
    @_quiet
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return _xp(x).log1p(x)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad / (x + 1)


def log1p(input: Tensor) -> Tensor:
    """out = ln(1 + input)"""
    return Log1p.apply(_float_input(input))


class Expm1(Op):
    """out = e^x - 1, accurate for small x"""

    @staticmethod
    @_quiet
    def forward(ctx: Any, x: Any) -> Any:
        out = _xp(x).expm1(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return grad * (out + 1)


def expm1(input: Tensor) -> Tensor:
    """out = e^input - 1"""
    return Expm1.apply(_float_input(input))


class Sqrt(Op):
    """out = sqrt(x)"""

    @staticmethod
    @_quiet
    def forward(ctx: Any, x: Any) -> Any:
        out = _xp(x).sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return grad / (2 * out)


def sqrt(input: Tensor) -> Tensor:
    """out = sqrt(input)"""
    return Sqrt.apply(_float_input(input))


def rsqrt(input: Tensor) -> Tensor:
    """out = 1 / sqrt(input)"""
    return reciprocal(sqrt(input))


def square(input: Tensor) -> Tensor:
    """out = input * input"""
    return mul(input, input)


class Reciprocal(Op):
    """out = 1 / x"""

    @staticmethod
    @_quiet
    def forward(ctx: Any, x: Any) -> Any:
        out = 1.0 / x
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return -grad * out * out


def reciprocal(input: Tensor) -> Tensor:
    """out = 1 / input"""
    return Reciprocal.apply(_float_input(input))


class Sin(Op):
    """out = sin(x)"""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return _xp(x).sin(x)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * cos(x)


def sin(input: Tensor) -> Tensor:
    """out = sin(input)"""
    return Sin.apply(_float_input(input))


class Cos(Op):
    """out = cos(x)"""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return _xp(x).cos(x)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return -grad * sin(x)


def cos(input: Tensor) -> Tensor:
    """out = cos(input)"""
    return Cos.apply(_float_input(input))


class Tan(Op):
    """out = tan(x)"""

    @staticmethod
    @_quiet
    def forward(ctx: Any, x: Any) -> Any:
        out = _xp(x).tan(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return grad * (1 + out * out)


def tan(input: Tensor) -> Tensor:
    """out = tan(input)"""
    return Tan.apply(_float_input(input))


class Asin(Op):
    """out = asin(x)"""

    @staticmethod
    @_quiet
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return _xp(x).arcsin(x)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * rsqrt(1 - x * x)


def asin(input: Tensor) -> Tensor:
    """out = asin(input)"""
    return Asin.apply(_float_input(input))


arcsin = asin


class Acos(Op):
    """out = acos(x)"""

    @staticmethod
    @_quiet
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return _xp(x).arccos(x)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return -grad * rsqrt(1 - x * x)


def acos(input: Tensor) -> Tensor:
    """out = acos(input)"""
    return Acos.apply(_float_input(input))


arccos = acos


class Atan(Op):
    """out = atan(x)"""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return _xp(x).arctan(x)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad / (1 + x * x)


def atan(input: Tensor) -> Tensor:
    """out = atan(input)"""
    return Atan.apply(_float_input(input))


arctan = atan


class Sinh(Op):
    """out = sinh(x)"""

    @staticmethod
    @_quiet
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return _xp(x).sinh(x)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * cosh(x)


def sinh(input: Tensor) -> Tensor:
    """out = sinh(input)"""
    return Sinh.apply(_float_input(input))


class Cosh(Op):
    """out = cosh(x)"""

    @staticmethod
    @_quiet
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return _xp(x).cosh(x)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * sinh(x)


def cosh(input: Tensor) -> Tensor:
    """out = cosh(input)"""
    return Cosh.apply(_float_input(input))


class Tanh(Op):
    """out = tanh(x)"""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        out = _xp(x).tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)


def tanh(input: Tensor) -> Tensor:
    """out = tanh(input)"""
    return Tanh.apply(_float_input(input))


class Sigmoid(Op):
    """out = 1 / (1 + e^-x), computed without overflow for large |x|"""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        xp = _xp(x)
        # e^-|x| never overflows; the two branches give the same value
        e = xp.exp(-xp.abs(x))
        out = xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return grad * out * (1 - out)


def sigmoid(input: Tensor) -> Tensor:
    """out = 1 / (1 + e^-input)"""
    return Sigmoid.apply(_float_input(input))


class Relu(Op):
    """out = max(x, 0)"""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        out = _xp(x).maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return grad * (out > 0)


def relu(input: Tensor) -> Tensor:
    """out = max(input, 0)"""
    return Relu.apply(input)


def _erf_array(x: Any) -> Any:
    xp = _xp(x)
    if xp is np:
        try:
            from scipy.special import erf as sp_erf  # optional: faster and exact

            return sp_erf(x).astype(x.dtype, copy=False)
        except ImportError:
            pass
        # Abramowitz-Stegun 7.1.26 is too coarse for gradchecks; use math.erf per element
        return np.vectorize(math.erf, otypes=[x.dtype])(x) if x.size else x.copy()
    if hasattr(xp, "erf"):
        return xp.erf(x)
    try:
        from cupyx.scipy.special import erf as cupy_erf
    except ImportError:  # another backend without erf: compute on the host
        return xp.asarray(_erf_array(_backend.to_numpy(x)))
    return cupy_erf(x)


class Erf(Op):
    """out = erf(x) = 2/sqrt(pi) * integral_0^x e^(-t^2) dt"""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return _erf_array(x)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * _pi_factor * exp(-x * x)


def erf(input: Tensor) -> Tensor:
    """out = erf(input)"""
    return Erf.apply(_float_input(input))


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
    if input.data.dtype.kind == "b":
        return input.clone()
    return Sign.apply(input)


sgn = sign


def floor(input: Tensor) -> Tensor:
    """out = floor(input)"""
    return input.clone() if _is_int(input) else Floor.apply(input)


def ceil(input: Tensor) -> Tensor:
    """out = ceil(input)"""
    return input.clone() if _is_int(input) else Ceil.apply(input)


def trunc(input: Tensor) -> Tensor:
    """out = input rounded toward zero"""
    return input.clone() if _is_int(input) else Trunc.apply(input)


fix = trunc


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """out = input rounded half to even, to ``decimals`` places"""
    if _is_int(input):
        return input.clone()
    if decimals == 0:
        return Round.apply(input)
    scale = 10.0**decimals
    return Round.apply(input * scale) / scale


def frac(input: Tensor) -> Tensor:
    """out = input - trunc(input)"""
    return input - trunc(input)


class Clamp(Op):
    """out = min(max(x, lo), hi); the gradient passes where lo <= x <= hi"""

    @staticmethod
    def forward(ctx: Any, x: Any, lo: Any = None, hi: Any = None) -> Any:
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return _xp(x).clip(x, lo, hi)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        mask = None
        if ctx.lo is not None:
            mask = x >= ctx.lo
        if ctx.hi is not None:
            mask = x <= ctx.hi if mask is None else mask & (x <= ctx.hi)
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
    if input.data.dtype.kind != "f" and isinstance(min or 0, float) | isinstance(max or 0, float):
        input = input.to(dtype=_dtype.get_default_dtype())
    return Clamp.apply(input, min, max)


clip = clamp


def nan_to_num(
    input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
) -> Tensor:
    """out = input with NaN, +inf and -inf replaced (by 0 and the dtype's extremes by default)"""
    if input.data.dtype.kind != "f":
        return input.clone()
    info = np.finfo(input.data.dtype)
    pos = info.max if posinf is None else posinf
    neg = info.min if neginf is None else neginf
    finite = isfinite(input)
    filled = where(isnan(input), nan, where(input > 0, pos, neg)).to(dtype=input.dtype)
    return where(finite, input, filled)


# -- casts and copies ------------------------------------------------------------------------


class Cast(Op):
    """out = x as another dtype and/or on another device; the gradient goes back the same way"""

    @staticmethod
    def forward(ctx: Any, x: Any, dtype: Any = None, device: str | None = None) -> Any:
        ctx.src_dtype = x.dtype
        ctx.src_device = _backend.device_of(x)
        if device is not None and device != ctx.src_device:
            host = _backend.to_numpy(x)
            x = _backend.module_for(device).asarray(host)
        if dtype is not None and x.dtype != dtype:
            x = x.astype(dtype)
        return x

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        return grad.to(dtype=_dtype.from_numpy_dtype(ctx.src_dtype), device=ctx.src_device)


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
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {device}")
        _backend.module_for(dev)  # raises a clear error if the backend is missing
    same_dtype = np_dtype is None or np_dtype == input.data.dtype
    same_device = dev is None or dev == _backend.device_of(input.data)
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


# -- comparisons and logic (no gradient) -------------------------------------------------------


def _no_grad(fn: Any, a: Any, b: Any = None) -> Tensor:
    ref = a if isinstance(a, Tensor) else b
    xa = a.data if isinstance(a, Tensor) else a
    if b is None:
        return Tensor._make(_as_array(fn(xa), ref), False, None)
    xb = b.data if isinstance(b, Tensor) else b
    return Tensor._make(_as_array(fn(xa, xb), ref), False, None)


def _as_array(out: Any, ref: Tensor) -> Any:
    if isinstance(out, np.generic | bool):
        return _xp(ref.data).asarray(out)
    return out


def _compare(fn_name: str, input: Any, other: Any) -> Tensor:
    a, b = binary_operands(input, other)
    fn = getattr(_xp(a.data if isinstance(a, Tensor) else b.data), fn_name)
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
    return _no_grad(_xp(input.data).logical_not, input)


def _bitwise(fn_name: str, input: Any, other: Any) -> Tensor:
    a, b = binary_operands(input, other)
    for x in (a, b):
        if isinstance(x, Tensor) and x.data.dtype.kind == "f":
            raise RuntimeError(f"\"{fn_name}_cpu\" not implemented for '{x.dtype.name.capitalize()}'")
    return _compare(fn_name, a, b)


def bitwise_and(input: Any, other: Any) -> Tensor:
    return _bitwise("bitwise_and", input, other)


def bitwise_or(input: Any, other: Any) -> Tensor:
    return _bitwise("bitwise_or", input, other)


def bitwise_xor(input: Any, other: Any) -> Tensor:
    return _bitwise("bitwise_xor", input, other)


def bitwise_not(input: Tensor) -> Tensor:
    if input.data.dtype.kind == "f":
        raise RuntimeError("bitwise_not is only supported for integer and boolean tensors")
    return _no_grad(_xp(input.data).invert, input)


def isnan(input: Tensor) -> Tensor:
    return _no_grad(_xp(input.data).isnan, input)


def isinf(input: Tensor) -> Tensor:
    return _no_grad(_xp(input.data).isinf, input)


def isfinite(input: Tensor) -> Tensor:
    return _no_grad(_xp(input.data).isfinite, input)


def isposinf(input: Tensor) -> Tensor:
    return _no_grad(_xp(input.data).isposinf, input)


def isneginf(input: Tensor) -> Tensor:
    return _no_grad(_xp(input.data).isneginf, input)


def equal(input: Tensor, other: Tensor) -> bool:
    """True if both have the same shape and elements"""
    return input.shape == other.shape and bool(_xp(input.data).array_equal(input.data, other.data))


def isclose(
    input: Tensor, other: Tensor, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
) -> Tensor:
    return _no_grad(
        lambda a, b: _xp(a).isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan), input, other
    )


def allclose(
    input: Tensor, other: Tensor, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
) -> bool:
    return bool(isclose(input, other, rtol, atol, equal_nan).data.all())


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
    moved = to(src, dtype=self.dtype, device=_backend.device_of(self.data))
    return inplace(self, Copy.apply(self, moved))
