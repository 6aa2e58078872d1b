"""Unary math: ``neg``, ``abs``, ``exp``/``log`` and kin, ``sqrt``, trigonometric and hyperbolic
functions,
``sigmoid``, ``relu`` and ``erf``. The rounding family (``sign``, ``floor``, ``round``, ...),
``clamp``
and ``nan_to_num`` are in ``rounding.py``.

Float math on integer or bool input computes in the default float dtype (``_float_input``), as in
PyTorch.
Backward formulas reuse the forward output where that is cheaper (``exp``, ``tanh``, ``sigmoid``,
...).
Part of the elementwise family; import them from ``ndgrad.ops.elementwise`` (or ``ndgrad``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ndgrad import _backend, _workspace
from ndgrad.autograd.function import Op
from ndgrad.ops._ew_util import _float_input, _quiet, _xp
from ndgrad.ops.arithmetic import mul, pow
from ndgrad.ops.rounding import sign
from ndgrad.tensor import Tensor

__all__ = [
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
]


_pi_factor = 2.0 / math.sqrt(math.pi)


class Neg(Op):
    """out = -x"""

    backward_on_arrays = True  # its backward is operators only

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        return -x

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        return -grad


def neg(input: Tensor) -> Tensor:
    """out = -input"""
    if input.array.dtype.kind == "b":
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

    backward_on_arrays = True  # its backward is operators only

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

    backward_on_arrays = True  # its backward is operators only

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
        xp = _xp(x)
        if x.nbytes < _workspace.MIN_BYTES:  # small (0-d arrays stay NumPy scalars: faster)
            out = xp.maximum(x, 0)
        else:
            out = xp.maximum(x, 0, out=_workspace.empty(x.shape, x.dtype, xp))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return ReluGrad.apply(grad, out.detach())  # the mask (out > 0) is flat: no gradient in out


class ReluGrad(Op):
    """gx = g * (out > 0): ReLU's gradient as one op (a byte mask and a product, no float casts),
    with workspace arrays so a training step does not page-fault them in afresh."""

    @staticmethod
    def forward(ctx: Any, g: Any, out: Any) -> Any:
        xp = _xp(g)
        ctx.save_for_backward(out)
        if g.nbytes < _workspace.MIN_BYTES:
            return g * (out > 0)
        mask = xp.greater(out, 0, out=_workspace.empty(out.shape, np.bool_, xp))
        shape = np.broadcast_shapes(g.shape, out.shape)
        return xp.multiply(g, mask, out=_workspace.empty(shape, g.dtype, xp))

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        (out,) = ctx.saved_tensors
        return ReluGrad.apply(grad, out), None


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
