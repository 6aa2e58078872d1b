"""Unary math: ``neg``, ``abs``, ``exp``/``log`` and kin, ``sqrt``, ``sigmoid``, ``relu`` and
``erf``, each with its in-place form (``exp_``...) below it. The trigonometric and hyperbolic
functions are in ``trig.py``; the rounding family (``sign``, ``floor``, ``round``, ...), ``clamp``
and ``nan_to_num`` in ``rounding.py``.

Float math on integer or bool input computes in the default float dtype (``_float_input``), as in
PyTorch. Backward formulas reuse the forward output where that is cheaper (``exp``, ``sigmoid``,
...). Part of the elementwise family, gathered (with ``ndgrad``'s names) by ``elementwise.py``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ndgrad import _backend, _workspace
from ndgrad.autograd.function import Op
from ndgrad.ops._ew_util import _float_input, _quiet, _xp
from ndgrad.ops._util import inplace, refuse_bool
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
    "sigmoid",
    "relu",
    "erf",
    "neg_",
    "abs_",
    "exp_",
    "log_",
    "sqrt_",
    "square_",
    "reciprocal_",
    "sigmoid_",
    "relu_",
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


def neg_(input: Tensor) -> Tensor:
    """In place: input = -input"""
    return inplace(input, neg(input))


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
    refuse_bool("abs_cpu", input)
    return Abs.apply(input)


def abs_(input: Tensor) -> Tensor:
    """In place: input = |input|"""
    return inplace(input, abs(input))


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


def exp_(input: Tensor) -> Tensor:
    """In place: input = e^input"""
    return inplace(input, exp(input))


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


def log_(input: Tensor) -> Tensor:
    """In place: input = ln(input)"""
    return inplace(input, log(input))


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


def log1p_(input: Tensor) -> Tensor:
    """In place: input = ln(1 + input)"""
    return inplace(input, log1p(input))


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


def sqrt_(input: Tensor) -> Tensor:
    """In place: input = sqrt(input)"""
    return inplace(input, sqrt(input))


def rsqrt(input: Tensor) -> Tensor:
    """out = 1 / sqrt(input)"""
    return reciprocal(sqrt(input))


def square(input: Tensor) -> Tensor:
    """out = input * input (int64 for a bool input, as PyTorch squares by pow(input, 2))"""
    if input.array.dtype.kind == "b":
        input = input.long()
    return mul(input, input)


def square_(input: Tensor) -> Tensor:
    """In place: input = input^2"""
    return inplace(input, square(input))


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


def reciprocal_(input: Tensor) -> Tensor:
    """In place: input = 1 / input"""
    return inplace(input, reciprocal(input))


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


def sigmoid_(input: Tensor) -> Tensor:
    """In place: input = 1 / (1 + e^-input)"""
    return inplace(input, sigmoid(input))


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
    if input.array.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    return Relu.apply(input)


def relu_(input: Tensor) -> Tensor:
    """In place: input = max(input, 0)"""
    return inplace(input, relu(input))


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
