"""Activation functions: PyTorch's ``nn.functional`` nonlinearities and their in-place forms.

The common ones (leaky_relu, the ELU family, gelu, silu, softplus, logsigmoid, hardtanh) are fused
ops: one pass over the arrays forward, a backward in Tensor ops (so it can be differentiated again).
The rest are short compositions of existing ops. softmax and log_softmax live in ops/softmax.py.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ndgrad import _dtype, _workspace
from ndgrad._backend import xp_of as _xp
from ndgrad.autograd.function import Op
from ndgrad.ops import elementwise as ew
from ndgrad.ops import join, softmax
from ndgrad.ops import random as _random
from ndgrad.ops._util import inplace, normalize_dim, require_float
from ndgrad.ops.unary import _erf_array
from ndgrad.tensor import Tensor

__all__ = [
    "relu",
    "relu_",
    "relu6",
    "leaky_relu",
    "leaky_relu_",
    "elu",
    "elu_",
    "selu",
    "selu_",
    "celu",
    "celu_",
    "gelu",
    "silu",
    "mish",
    "softplus",
    "softsign",
    "hardtanh",
    "hardtanh_",
    "hardsigmoid",
    "hardswish",
    "logsigmoid",
    "tanh",
    "sigmoid",
    "glu",
    "prelu",
    "softmin",
    "threshold",
    "threshold_",
    "tanhshrink",
    "softshrink",
    "hardshrink",
    "rrelu",
    "rrelu_",
    "gumbel_softmax",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_C = 0.044715


def _float(x: Tensor, name: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(x).__name__}")
    require_float(name, x)
    return x


def _maybe_inplace(input: Tensor, out: Tensor, flag: bool) -> Tensor:
    return inplace(input, out) if flag else out


# -- ReLU family -------------------------------------------------------------------------------


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """out = max(input, 0)"""
    if input.array.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    return ew.relu_(input) if inplace else ew.relu(input)


def relu_(input: Tensor) -> Tensor:
    """In-place relu."""
    return ew.relu_(input)


class LeakyRelu(Op):
    """out = x if x > 0 else slope * x"""

    @staticmethod
    def forward(ctx: Any, x: Any, slope: float = 0.01) -> Any:
        ctx.save_for_backward(x, slope)
        return _xp(x).where(x > 0, x, x * slope)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        x, slope = ctx.saved_tensors
        return ew.where(x > 0, grad, grad * slope)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """out = input if input > 0 else negative_slope * input"""
    out = LeakyRelu.apply(_float(input, "leaky_relu"), slope=float(negative_slope))
    return _maybe_inplace(input, out, inplace)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, inplace=True)


class Hardtanh(Op):
    """out = clamp(x, lo, hi); the gradient passes strictly inside (lo, hi), as in PyTorch"""

    @staticmethod
    def forward(ctx: Any, x: Any, lo: float = -1.0, hi: float = 1.0) -> Any:
        ctx.save_for_backward(x, lo, hi)
        return _xp(x).clip(x, lo, hi)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        x, lo, hi = ctx.saved_tensors
        return grad * ((x > lo) & (x < hi))


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """out = clamp(input, min_val, max_val)"""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    kind = input.array.dtype.kind
    if kind == "b":
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if kind in "iu":  # PyTorch clamps integer tensors and keeps their dtype
        return _maybe_inplace(input, ew.clamp(input, int(min_val), int(max_val)), inplace)
    out = Hardtanh.apply(input, lo=float(min_val), hi=float(max_val))
    return _maybe_inplace(input, out, inplace)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """out = min(max(input, 0), 6)"""
    return hardtanh(input, 0.0, 6.0, inplace)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """out = input if input > threshold else value"""
    kind = input.array.dtype.kind
    if kind == "b":
        require_float("threshold_cpu", input)
    elif kind in "iu":  # PyTorch keeps an integer input's dtype: the value is cast to it
        value = int(value)
    out = ew.where(input > threshold, input, value)
    return _maybe_inplace(input, out, inplace)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return globals()["threshold"](input, threshold, value, inplace=True)


def _uniform_like(x: Tensor, low: float, high: float) -> Tensor:
    """Uniform samples in x's shape, dtype and device, from ndgrad's default generator."""
    host = _random.default_generator.rng.uniform(low, high, size=x.shape).astype(
        x.array.dtype, copy=False
    )
    return Tensor._make(_xp(x.array).asarray(host), False, None)


def rrelu(
    input: Tensor,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    inplace: bool = False,
) -> Tensor:
    """out = input if input >= 0 else a * input, a ~ U(lower, upper) in training, (lower+upper)/2
    in eval"""
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    slope = _uniform_like(_float(input, "rrelu"), lower, upper)
    out = ew.where(input >= 0, input, input * slope)
    return _maybe_inplace(input, out, inplace)


def rrelu_(
    input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False
) -> Tensor:
    return rrelu(input, lower, upper, training, inplace=True)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """out = input if input > 0 else weight[c] * input, with c the channel (dim 1)"""
    require_float("prelu_cpu", input)
    channels = input.shape[1] if input.ndim >= 2 else 1
    n = weight.numel()
    if n != 1 and n != channels:
        raise RuntimeError(
            "Mismatch of parameter numbers and input channel size. Found parameter numbers = "
            f"{n} and channel size = {channels}."
        )
    if n == 1:
        w = weight.reshape(())
    else:
        w = weight.reshape((channels,) + (1,) * (input.ndim - 2))
    return ew.where(input > 0, input, w * input)


# -- exponential family --------------------------------------------------------------------------


class Elu(Op):
    """out = scale * x if x > 0 else scale * alpha * (e^(input_scale * x) - 1)  (elu, selu, celu)"""

    @staticmethod
    def forward(
        ctx: Any, x: Any, alpha: float = 1.0, scale: float = 1.0, input_scale: float = 1.0
    ) -> Any:
        xp = _xp(x)
        ctx.save_for_backward(x, alpha, scale, input_scale)
        neg = xp.expm1(xp.minimum(x, 0) * input_scale) * (alpha * scale)
        return xp.where(x > 0, x * scale, neg)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        x, alpha, scale, input_scale = ctx.saved_tensors
        # min(x, 0) keeps e^x from overflowing on the branch that where() discards
        slope = ew.exp(ew.clamp(x, max=0.0) * input_scale) * (alpha * scale * input_scale)
        return grad * ew.where(x > 0, scale, slope)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """out = input if input > 0 else alpha * (e^input - 1)"""
    out = Elu.apply(_float(input, "elu"), alpha=float(alpha))
    return _maybe_inplace(input, out, inplace)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, inplace=True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """out = scale * (input if input > 0 else alpha * (e^input - 1)), the self-normalizing
    constants"""
    out = Elu.apply(_float(input, "selu"), alpha=_SELU_ALPHA, scale=_SELU_SCALE)
    return _maybe_inplace(input, out, inplace)


def selu_(input: Tensor) -> Tensor:
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """out = input if input > 0 else alpha * (e^(input / alpha) - 1)"""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    out = Elu.apply(_float(input, "celu"), alpha=float(alpha), input_scale=1.0 / float(alpha))
    return _maybe_inplace(input, out, inplace)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, inplace=True)


# -- smooth gates ------------------------------------------------------------------------------


# erf(x) ~ x P(x^2) / Q(x^2) on [-4, 4] (+-1 beyond, to float32 precision): the rational fit Eigen
# and XLA use for float32. A few in-place passes instead of scipy's float32 erf, which works in
# float64 element by element; float64 keeps the exact erf (gradchecks need it).
_ERF_P = (-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06,
          -5.69250639462346e-05, -7.34990630326855e-04, -2.95459980854025e-03,
          -1.60960333262415e-02)  # fmt: skip
_ERF_Q = (-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03,
          -7.37332916720468e-03, -1.42647390514189e-02)  # fmt: skip


def _erf_f32_(x: Any) -> Any:
    """erf of a float32 NumPy array (absolute error < 5e-7), in place: x is overwritten and
    returned (two temporaries of x's size, not four)."""
    f = np.float32
    np.clip(x, f(-4.0), f(4.0), out=x)
    x2 = x * x
    p = x2 * f(_ERF_P[0])  # Horner's rule, in place
    for c in _ERF_P[1:-1]:
        p += f(c)
        p *= x2
    p += f(_ERF_P[-1])
    x *= p
    q = np.multiply(x2, f(_ERF_Q[0]), out=p) if p.ndim else x2 * f(_ERF_Q[0])  # p's memory
    for c in _ERF_Q[1:-1]:
        q += f(c)
        q *= x2
    q += f(_ERF_Q[-1])
    x /= q
    return x


def _normal_cdf(x: Any, out: Any = None) -> Any:
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2, of x's dtype, into ``out`` (or a new array)."""
    xs = np.multiply(x, _SQRT_HALF, out=out) if out is not None else x * _SQRT_HALF
    f32 = _xp(x) is np and x.dtype == np.float32
    e = _erf_f32_(np.asarray(xs)) if f32 else _erf_array(xs)  # a 0-d xs is a NumPy scalar
    if out is not None and e is not out:
        out[...] = e
        e = out
    e += 1
    e *= 0.5
    return e


def _gelu_array(x: Any, out: Any = None) -> Any:
    """x Phi(x)"""
    cdf = _normal_cdf(x, out)
    cdf *= x
    return cdf


def _gelu_grad_array(grad: Any, x: Any, out: Any = None) -> Any:
    """grad (Phi(x) + x phi(x))"""
    xp = _xp(x)
    cdf = _normal_cdf(x, out)
    pdf = x * x
    pdf *= -0.5
    pdf = xp.exp(pdf, out=pdf) if pdf.ndim else xp.exp(pdf)  # a 0-d result is a NumPy scalar
    pdf *= _INV_SQRT_2PI
    pdf *= x
    cdf += pdf
    del pdf  # before the product: one temporary fewer at a time
    if cdf.ndim and cdf.shape == grad.shape and cdf.dtype == grad.dtype:
        cdf *= grad  # in place: the product is the only array of x's size this makes
        return cdf
    return cdf * grad


_BLOCK = 1 << 15  # elements: the ~25 passes over a block's temporaries then stay in a 1 MiB L2


def _blockwise(fn: Any, x: Any, *others: Any) -> Any:
    """``fn(x, *others)`` for an elementwise ``fn`` of arrays of one shape, block by block on large
    float32 NumPy arrays: 3x faster than whole-array passes that each go out to memory, and the
    temporaries are a block's, not the array's. ``fn`` takes ``out=``, where it writes a block."""
    if (
        _xp(x) is not np
        or x.dtype != np.float32
        or x.size <= _BLOCK
        or any(o.shape != x.shape or o.dtype != x.dtype for o in others)
    ):
        return fn(x, *others)
    flats = [a.reshape(-1) for a in (x, *others)]
    out = _workspace.empty(flats[0].shape, x.dtype)
    for i in range(0, x.size, _BLOCK):
        fn(*[f[i : i + _BLOCK] for f in flats], out=out[i : i + _BLOCK])
    return out.reshape(x.shape)


class Gelu(Op):
    """out = x * Phi(x) (Phi the normal CDF), or its tanh approximation

    Exact GELU runs fused on arrays: one erf forward; one erf and one exp backward (GeluDeriv).
    """

    @staticmethod
    def forward(ctx: Any, x: Any, approximate: str = "none") -> Any:
        xp = _xp(x)
        ctx.save_for_backward(x, approximate)
        if approximate == "tanh":
            inner = (x + _GELU_C * x * x * x) * _SQRT_2_OVER_PI
            return 0.5 * x * (1 + xp.tanh(inner))
        return _blockwise(_gelu_array, x)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        x, approximate = ctx.saved_tensors
        if approximate == "tanh":
            t = ew.tanh((x + _GELU_C * x * x * x) * _SQRT_2_OVER_PI)
            d_inner = (1 + (3 * _GELU_C) * x * x) * _SQRT_2_OVER_PI
            return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * d_inner)
        return GeluDeriv.apply(grad, x)


class GeluDeriv(Op):
    """out = grad (Phi(x) + x phi(x)), exact GELU's backward, fused on arrays (one erf, one exp)
    into the one array it returns: no array of the derivative alone is made.

    Its own backward (PyTorch's GeluBackwardBackward0): d/dgrad is this op again, d/dx is
    grad phi(x) (2 - x^2), written in Tensor ops for higher orders.
    """

    @staticmethod
    def forward(ctx: Any, grad: Any, x: Any) -> Any:
        ctx.save_for_backward(grad, x)
        return _blockwise(_gelu_grad_array, grad, x)

    @staticmethod
    def backward(ctx: Any, gg: Tensor) -> Any:
        grad, x = ctx.saved_tensors
        g_grad = GeluDeriv.apply(gg, x) if ctx.needs_input_grad[0] else None
        g_x = None
        if ctx.needs_input_grad[1]:
            x2 = x * x
            g_x = gg * grad * (ew.exp(x2 * -0.5) * _INV_SQRT_2PI) * (2 - x2)
        return g_grad, g_x


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """out = input * Phi(input); approximate='tanh' uses 0.5x(1 + tanh(sqrt(2/pi)(x +
    0.044715x^3)))"""
    if approximate not in ("none", "tanh"):
        raise RuntimeError(
            f"approximate argument must be either none or tanh., got {approximate!r}"
        )
    return Gelu.apply(_float(input, "gelu"), approximate=approximate)


class Silu(Op):
    """out = x * sigmoid(x)"""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        xp = _xp(x)
        ctx.save_for_backward(x)
        e = xp.exp(-xp.abs(x))  # a stable sigmoid: e^-|x| never overflows
        sig = xp.where(x >= 0, 1 / (1 + e), e / (1 + e))
        return (x * sig).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        s = ew.sigmoid(x)
        return grad * (s * (1 + x * (1 - s)))


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """out = input * sigmoid(input)"""
    out = Silu.apply(_float(input, "silu"))
    return _maybe_inplace(input, out, inplace)


class Softplus(Op):
    """out = log(1 + e^(beta x)) / beta, or x where beta x > threshold (linear there)"""

    @staticmethod
    def forward(ctx: Any, x: Any, beta: float = 1.0, threshold: float = 20.0) -> Any:
        xp = _xp(x)
        ctx.save_for_backward(x, beta, threshold)
        bx = x * beta
        # log(1 + e^z) = max(z, 0) + log1p(e^-|z|), never overflowing
        soft = (xp.maximum(bx, 0) + xp.log1p(xp.exp(-xp.abs(bx)))) / beta
        return xp.where(bx > threshold, x, soft).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        x, beta, threshold = ctx.saved_tensors
        bx = x * beta
        return ew.where(bx > threshold, grad, grad * ew.sigmoid(bx))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """out = 1/beta * log(1 + e^(beta * input)), linear where beta * input > threshold"""
    return Softplus.apply(_float(input, "softplus"), beta=float(beta), threshold=float(threshold))


class LogSigmoid(Op):
    """out = log(sigmoid(x)) = min(x, 0) - log1p(e^-|x|), stable for any x"""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        xp = _xp(x)
        ctx.save_for_backward(x)
        return (xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * ew.sigmoid(-x)


def logsigmoid(input: Tensor) -> Tensor:
    """out = log(1 / (1 + e^-input))"""
    return LogSigmoid.apply(_float(input, "log_sigmoid_forward"))


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """out = input * tanh(softplus(input))"""
    out = input * ew.tanh(softplus(input))
    return _maybe_inplace(input, out, inplace)


def softsign(input: Tensor) -> Tensor:
    """out = input / (1 + |input|)"""
    if input.array.dtype.kind == "b":
        require_float("abs_cpu", input)
    return input / (1 + ew.abs(input))


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """out = relu6(input + 3) / 6"""
    require_float("hardsigmoid_cpu", input)
    out = hardtanh(input + 3.0, 0.0, 6.0) * (1.0 / 6.0)
    return _maybe_inplace(input, out, inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """out = input * relu6(input + 3) / 6"""
    require_float("hardswish_cpu", input)
    out = input * (hardtanh(input + 3.0, 0.0, 6.0) * (1.0 / 6.0))
    return _maybe_inplace(input, out, inplace)


def tanh(input: Tensor) -> Tensor:
    """out = tanh(input)"""
    return ew.tanh(input)


def sigmoid(input: Tensor) -> Tensor:
    """out = 1 / (1 + e^-input)"""
    return ew.sigmoid(input)


def tanhshrink(input: Tensor) -> Tensor:
    """out = input - tanh(input)"""
    if input.array.dtype.kind == "b":
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
            "trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return input - ew.tanh(input)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """out = input - lambd if input > lambd, input + lambd if input < -lambd, else 0"""
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    require_float("softshrink_check", input)
    return input - ew.clamp(input, -lambd, lambd)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """out = input if |input| > lambd else 0"""
    require_float("hardshrink_cpu", input)
    return ew.where(ew.abs(input) > lambd, input, 0.0)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """out = a * sigmoid(b), where a and b are the two halves of input along ``dim``"""
    require_float("glu_cpu", input)
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = normalize_dim(dim, input.ndim)
    size = input.shape[d]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {size}")
    a, b = join.chunk(input, 2, d)
    return a * ew.sigmoid(b)


def softmin(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """out = softmax(-input, dim)"""
    if dtype is not None:
        input = input.to(dtype=_dtype.to_dtype(dtype))
    return softmax.softmax(-input, dim)


def gumbel_softmax(
    logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10, dim: int = -1
) -> Tensor:
    """y = softmax((logits + g) / tau), g ~ Gumbel(0, 1); with hard, a one-hot of argmax(y) whose
    gradient is y's (the straight-through estimator)"""
    require_float(
        "gumbel_softmax",
        logits,
        exc=RuntimeError,
        message="Exponential distribution is a continuous probability distribution. dtype must "
        "be a floating point but you specified {dtype}",
    )
    host = _random.default_generator.rng.exponential(size=logits.shape).astype(
        logits.array.dtype, copy=False
    )
    gumbels = -ew.log(Tensor._make(_xp(logits.array).asarray(host), False, None))
    y = softmax.softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y
    xp = _xp(y.array)
    d = normalize_dim(dim, y.ndim)
    top = xp.argmax(y.array, axis=d)[(slice(None),) * d + (None,)]
    classes = xp.arange(y.shape[d]).reshape((-1,) + (1,) * (y.ndim - d - 1))
    y_hard = Tensor._make((classes == top).astype(y.array.dtype), False, None)
    return y_hard - y.detach() + y
