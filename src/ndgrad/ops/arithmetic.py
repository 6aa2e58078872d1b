"""Binary arithmetic: ``add``, ``sub``, ``mul``, ``div``, ``floor_divide``, ``remainder``, ``fmod``,
``pow``, ``atan2``, ``maximum``/``minimum``, ``where`` and the compositions
``lerp``/``addcmul``/``addcdiv``.

Operands are broadcast and type-promoted by ``binary_operands`` (a Python number stays a number, so
``x * 2`` saves no second tensor); the engine un-broadcasts the gradients. Part of the elementwise
family; import them from ``ndgrad.ops.elementwise`` (or ``ndgrad``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ndgrad import _dtype, _workspace
from ndgrad.autograd.function import Op, _value
from ndgrad.ops._ew_util import _float_input, _is_int, _quiet, _xp
from ndgrad.ops._util import (
    binary_operands,
    inplace,
    refuse_bool,
    require_float,
    require_float_pair,
    require_same_dtype,
)
from ndgrad.ops.compare import _no_grad
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
    "add_",
    "sub_",
    "mul_",
    "div_",
    "pow_",
    "addcmul_",
    "addcdiv_",
    "lerp_",
]


class Add(Op):
    """out = a + b"""

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        return _workspace.ufunc(np.add, a, b) if _workspace.large(a, b) else a + b

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

    backward_on_arrays = True  # its backward is operators only

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        return _workspace.ufunc(np.subtract, a, b) if _workspace.large(a, b) else a - b

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        return grad, -grad if ctx.needs_input_grad[1] else None


def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """out = input - alpha * other"""
    if alpha != 1:
        other = mul(other, alpha)
    a, b = binary_operands(input, other)
    if isinstance(a, Tensor) and a.array.dtype.kind == "b":
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead."
        )
    return Sub.apply(a, b)


subtract = sub


class Mul(Op):
    """out = a * b"""

    backward_on_arrays = True  # its backward is operators only

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        # save only what a gradient needs: x * 2 keeps no reference to x
        ctx.save_for_backward(
            b if ctx.needs_input_grad[0] else None, a if ctx.needs_input_grad[1] else None
        )
        # A 0-d array (a scalar leaf: a weight times an activation, in a graph of 0-d tensors) is
        # read as a NumPy scalar, the same value: NumPy takes its array path for 0-d arrays,
        # several times slower. After saving: the input's own array is what maps back to the input.
        if _workspace.large(a, b):
            return _workspace.ufunc(np.multiply, a, b)
        return _value(a) * _value(b)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        b, a = ctx.saved_tensors
        return (
            grad * b if ctx.needs_input_grad[0] else None,
            grad * a if ctx.needs_input_grad[1] else None,
        )


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
            return div(a, b).trunc()
        raise ValueError(
            "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
            f"'{rounding_mode}'"
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
    refuse_bool("div_floor_cpu", input, other)
    a, b = binary_operands(input, other)
    return FloorDivide.apply(a, b)


class Remainder(Op):
    """out = a - floor(a / b) * b (the sign of b, like Python's %)"""

    @staticmethod
    @_quiet
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx.save_for_backward(
            a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[1] else None
        )
        return a % b

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        a, b = ctx.saved_tensors
        gb = -grad * floor_divide(a, b) if ctx.needs_input_grad[1] else None
        return grad, gb


def remainder(input: Any, other: Any) -> Tensor:
    """out = input - floor(input / other) * other"""
    refuse_bool("remainder_cpu", input, other)
    a, b = binary_operands(input, other)
    return Remainder.apply(a, b)


class Fmod(Op):
    """out = a - trunc(a / b) * b (the sign of a, like C's fmod)"""

    @staticmethod
    @_quiet
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx.save_for_backward(
            a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[1] else None
        )
        return _xp(a if not isinstance(a, int | float) else b).fmod(a, b)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        a, b = ctx.saved_tensors
        gb = -grad * (a / b).trunc() if ctx.needs_input_grad[1] else None
        return grad, gb


def fmod(input: Any, other: Any) -> Tensor:
    """out = input - trunc(input / other) * other"""
    refuse_bool("fmod_cpu", input, other)
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
            log_a = a.log() if isinstance(a, Tensor) else math.log(a) if a > 0 else math.nan
            gb = grad * out * log_a
            if isinstance(a, Tensor):
                gb = where((a == 0) & (b >= 0), 0.0, gb)
            elif a == 0:
                gb = where(b >= 0, 0.0, gb)
        return ga, gb


def pow(input: Any, exponent: Any) -> Tensor:
    """out = input ** exponent"""
    refuse_bool("pow", input, exponent)
    a, b = binary_operands(input, exponent)
    if _is_int(a) and isinstance(b, Tensor) is False and isinstance(b, int) and b < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return Pow.apply(a, b)


def float_power(input: Any, exponent: Any) -> Tensor:
    """out = input ** exponent, computed in float64 whatever the operands' dtypes (as PyTorch)"""
    a = input.to(dtype=_dtype.float64) if isinstance(input, Tensor) else float(input)
    b = exponent.to(dtype=_dtype.float64) if isinstance(exponent, Tensor) else float(exponent)
    return pow(a, b)


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


class LogAddExp(Op):
    """out = log(e^a + e^b); da = g e^(a - out), db = g e^(b - out), each factor at most 1"""

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        out = _xp(a).logaddexp(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        a, b, out = ctx.saved_tensors
        ga = grad * (a - out).exp() if ctx.needs_input_grad[0] else None
        gb = grad * (b - out).exp() if ctx.needs_input_grad[1] else None
        return ga, gb


def logaddexp(input: Tensor, other: Any) -> Tensor:
    """out = log(e^input + e^other), without overflow for large inputs"""
    require_float_pair("logaddexp_cpu", input, other)
    a, b = binary_operands(_float_input(input), other)
    if not isinstance(b, Tensor):
        b = a * 0 + b
    return LogAddExp.apply(a, b)


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
        from ndgrad.ops.gather_scatter import nonzero

        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        condition = Tensor._make(np.asarray(condition, dtype=bool), False, None)
    if condition.array.dtype.kind != "b":
        raise RuntimeError(
            "where expected condition to be a boolean tensor, but got a tensor with dtype "
            f"{condition.dtype.name}"
        )
    a, b = binary_operands(input, other)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        dt = _dtype.result_type([], [a, b])
        a = Tensor._make(_xp(condition.array).asarray(a, dtype=dt.np), False, None)
    return Where.apply(condition, a, b)


def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:
    """out = input + weight * (end - input)"""
    require_same_dtype(input, end=end, weight=weight)
    require_float(
        "lerp_kernel_tensor" if isinstance(weight, Tensor) else "lerp_kernel_scalar", input
    )
    return input + weight * (end - input)


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """out = input + value * tensor1 * tensor2"""
    refuse_bool("addcmul_cpu_out", input, tensor1, tensor2)
    return input + value * tensor1 * tensor2


_ADDCDIV_INT = (
    "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will "
    "perform a true division of tensor1 and tensor2. The historic addcdiv behavior can be "
    "implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer "
    "inputs and as (input + value * tensor1 / tensor2) for float inputs. The future addcdiv "
    "behavior is just the latter implementation: (input + value * tensor1 / tensor2), for all "
    "dtypes."
)


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """out = input + value * tensor1 / tensor2"""
    if tensor1.array.dtype.kind in "biu" and tensor2.array.dtype.kind in "biu":
        raise RuntimeError(_ADDCDIV_INT)
    return input + value * tensor1 / tensor2


# -- in-place forms (one block, apart from the hot Add and Mul above) -------------------------


def add_(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """In place: input = input + alpha * other"""
    return inplace(input, add(input, other, alpha=alpha))


def sub_(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """In place: input = input - alpha * other"""
    return inplace(input, sub(input, other, alpha=alpha))


def mul_(input: Tensor, other: Any) -> Tensor:
    """In place: input = input * other"""
    return inplace(input, mul(input, other))


def div_(input: Tensor, other: Any) -> Tensor:
    """In place: input = input / other"""
    return inplace(input, div(input, other))


def pow_(input: Tensor, exponent: Any) -> Tensor:
    """In place: input = input ^ exponent"""
    return inplace(input, pow(input, exponent))


def fmod_(input: Tensor, other: Any) -> Tensor:
    """In place: input = fmod(input, other)"""
    return inplace(input, fmod(input, other))


def remainder_(input: Tensor, other: Any) -> Tensor:
    """In place: input = remainder(input, other)"""
    return inplace(input, remainder(input, other))


def lerp_(input: Tensor, end: Tensor, weight: Any) -> Tensor:
    """In place: input = input + weight * (end - input)"""
    return inplace(input, lerp(input, end, weight))


def addcmul_(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """In place: input = input + value * tensor1 * tensor2"""
    return inplace(input, addcmul(input, tensor1, tensor2, value=value))


def addcdiv_(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """In place: input = input + value * tensor1 / tensor2"""
    return inplace(input, addcdiv(input, tensor1, tensor2, value=value))
