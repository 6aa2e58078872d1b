# mypy: disable-error-code="misc"
"""Tensor's named methods, part 1: dtypes and devices, elementwise math and its in-place forms.

The named methods are three mixins among ``Tensor``'s bases (``tensor.py``), split only to keep
each file readable: this one, ``_tensor_methods_shape.py`` (reductions, shape, indexing) and
``_tensor_methods_linalg.py`` (linear algebra and the rest).

Each method calls the function of its op family (``x.exp()`` is ``ndgrad.ops.unary.exp(x)``),
grouped here as the families are in ``ndgrad/ops/``. The op modules are reached through the
``ops`` package at call time (see ``tensor.py`` on the one import cycle). Adding an op: its class
and function in the family file, one method here, one row in ``tests/optable``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ndgrad import _dtype, ops

if TYPE_CHECKING:
    from ndgrad.tensor import Tensor

Scalar = int | float | bool
# the class has methods named bool, int and float: inside it these names annotate the builtins
_bool = bool
_int = int
_float = float


class TensorMethods:
    """Dtype, device and elementwise methods; every method takes the Tensor it is mixed into.

    The methods annotate ``self: Tensor`` (the class they serve) rather than this mixin; mypy
    flags such a self type as "not a supertype of its class" (error code ``misc``), which the
    comment on this file's first line switches off for this file alone.
    """

    __slots__ = ()

    # -- devices and dtypes ----------------------------------------------------------------
    def to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        """``to(dtype)``, ``to(device)``, ``to(other)``, ``to(device, dtype)``; differentiable."""
        return ops.elementwise.to(self, *args, **kwargs)

    def cpu(self: Tensor) -> Tensor:
        """The tensor on the CPU: itself when it is there, else a copy."""
        return ops.elementwise.to(self, device="cpu")

    def cuda(self: Tensor, device: Any = None) -> Tensor:
        """The tensor on the GPU (CuPy): itself when it is there, else a copy."""
        return ops.elementwise.to(self, device="cuda" if device is None else device)

    def float(self: Tensor) -> Tensor:
        """A cast to float32."""
        return ops.elementwise.to(self, dtype=_dtype.float32)

    def double(self: Tensor) -> Tensor:
        """A cast to float64."""
        return ops.elementwise.to(self, dtype=_dtype.float64)

    def half(self: Tensor) -> Tensor:
        """A cast to float16."""
        return ops.elementwise.to(self, dtype=_dtype.float16)

    def long(self: Tensor) -> Tensor:
        """A cast to int64."""
        return ops.elementwise.to(self, dtype=_dtype.int64)

    def int(self: Tensor) -> Tensor:
        """A cast to int32."""
        return ops.elementwise.to(self, dtype=_dtype.int32)

    def bool(self: Tensor) -> Tensor:
        """A cast to bool."""
        return ops.elementwise.to(self, dtype=_dtype.bool_)

    def byte(self: Tensor) -> Tensor:
        """A cast to uint8."""
        return ops.elementwise.to(self, dtype=_dtype.uint8)

    def short(self: Tensor) -> Tensor:
        """A cast to int16."""
        return ops.elementwise.to(self, dtype=_dtype.int16)

    def char(self: Tensor) -> Tensor:
        """A cast to int8."""
        return ops.elementwise.to(self, dtype=_dtype.int8)

    def type_as(self: Tensor, other: Tensor) -> Tensor:
        """A cast to ``other``'s dtype."""
        return ops.elementwise.to(self, dtype=other.dtype)

    def new_tensor(
        self: Tensor, data: Any, dtype: Any = None, requires_grad: _bool = False
    ) -> Tensor:
        """A new tensor from ``data``, with this tensor's dtype and device by default."""
        return ops.factory.tensor(
            data, dtype=dtype or self.dtype, device=self.device, requires_grad=requires_grad
        )

    def new_zeros(self: Tensor, *size: Any, dtype: Any = None) -> Tensor:
        """A tensor of zeros of the given size: the method form of ``ndgrad.zeros``."""
        return ops.factory.zeros(*size, dtype=dtype or self.dtype, device=self.device)

    def new_ones(self: Tensor, *size: Any, dtype: Any = None) -> Tensor:
        """A tensor of ones of the given size: the method form of ``ndgrad.ones``."""
        return ops.factory.ones(*size, dtype=dtype or self.dtype, device=self.device)

    def new_full(self: Tensor, size: Any, fill_value: Any, dtype: Any = None) -> Tensor:
        """A tensor of ``fill_value`` of the given size, this tensor's dtype and device by
        default."""
        return ops.factory.full(size, fill_value, dtype=dtype or self.dtype, device=self.device)

    def new_empty(self: Tensor, *size: Any, dtype: Any = None) -> Tensor:
        """An uninitialised tensor of the given size: the method form of ``ndgrad.empty``."""
        return ops.factory.empty(*size, dtype=dtype or self.dtype, device=self.device)

    # -- elementwise (ops/elementwise.py) --------------------------------------------------
    def add(self: Tensor, other: Any, alpha: Scalar = 1) -> Tensor:
        """out = input + alpha * other: the method form of ``ndgrad.add``."""
        return ops.arithmetic.add(self, other, alpha=alpha)

    def sub(self: Tensor, other: Any, alpha: Scalar = 1) -> Tensor:
        """out = input - alpha * other: the method form of ``ndgrad.sub``."""
        return ops.arithmetic.sub(self, other, alpha=alpha)

    subtract = sub

    def mul(self: Tensor, other: Any) -> Tensor:
        """out = input * other: the method form of ``ndgrad.mul``."""
        return ops.arithmetic.mul(self, other)

    multiply = mul

    def div(self: Tensor, other: Any, rounding_mode: str | None = None) -> Tensor:
        """The method form of ``ndgrad.div``."""
        return ops.arithmetic.div(self, other, rounding_mode=rounding_mode)

    divide = div
    true_divide = div

    def floor_divide(self: Tensor, other: Any) -> Tensor:
        """out = floor(input / other): the method form of ``ndgrad.floor_divide``."""
        return ops.arithmetic.floor_divide(self, other)

    def remainder(self: Tensor, other: Any) -> Tensor:
        """out = input - floor(input / other) * other: the method form of ``ndgrad.remainder``."""
        return ops.arithmetic.remainder(self, other)

    def fmod(self: Tensor, other: Any) -> Tensor:
        """out = input - trunc(input / other) * other: the method form of ``ndgrad.fmod``."""
        return ops.arithmetic.fmod(self, other)

    def pow(self: Tensor, exponent: Any) -> Tensor:
        """out = input ** exponent: the method form of ``ndgrad.pow``."""
        return ops.arithmetic.pow(self, exponent)

    def neg(self: Tensor) -> Tensor:
        """out = -input: the method form of ``ndgrad.neg``."""
        return ops.unary.neg(self)

    negative = neg

    def abs(self: Tensor) -> Tensor:
        """out = |input|: the method form of ``ndgrad.abs``."""
        return ops.unary.abs(self)

    absolute = abs

    def exp(self: Tensor) -> Tensor:
        """out = e^input: the method form of ``ndgrad.exp``."""
        return ops.unary.exp(self)

    def exp2(self: Tensor) -> Tensor:
        """out = 2^input: the method form of ``ndgrad.exp2``."""
        return ops.unary.exp2(self)

    def log(self: Tensor) -> Tensor:
        """out = ln(input): the method form of ``ndgrad.log``."""
        return ops.unary.log(self)

    def log2(self: Tensor) -> Tensor:
        """out = log2(input): the method form of ``ndgrad.log2``."""
        return ops.unary.log2(self)

    def log10(self: Tensor) -> Tensor:
        """out = log10(input): the method form of ``ndgrad.log10``."""
        return ops.unary.log10(self)

    def log1p(self: Tensor) -> Tensor:
        """out = ln(1 + input): the method form of ``ndgrad.log1p``."""
        return ops.unary.log1p(self)

    def expm1(self: Tensor) -> Tensor:
        """out = e^input - 1: the method form of ``ndgrad.expm1``."""
        return ops.unary.expm1(self)

    def sqrt(self: Tensor) -> Tensor:
        """out = sqrt(input): the method form of ``ndgrad.sqrt``."""
        return ops.unary.sqrt(self)

    def rsqrt(self: Tensor) -> Tensor:
        """out = 1 / sqrt(input): the method form of ``ndgrad.rsqrt``."""
        return ops.unary.rsqrt(self)

    def square(self: Tensor) -> Tensor:
        """out = input * input: the method form of ``ndgrad.square``."""
        return ops.unary.square(self)

    def reciprocal(self: Tensor) -> Tensor:
        """out = 1 / input: the method form of ``ndgrad.reciprocal``."""
        return ops.unary.reciprocal(self)

    def sin(self: Tensor) -> Tensor:
        """out = sin(input): the method form of ``ndgrad.sin``."""
        return ops.trig.sin(self)

    def cos(self: Tensor) -> Tensor:
        """out = cos(input): the method form of ``ndgrad.cos``."""
        return ops.trig.cos(self)

    def tan(self: Tensor) -> Tensor:
        """out = tan(input): the method form of ``ndgrad.tan``."""
        return ops.trig.tan(self)

    def asin(self: Tensor) -> Tensor:
        """out = asin(input): the method form of ``ndgrad.asin``."""
        return ops.trig.asin(self)

    arcsin = asin

    def acos(self: Tensor) -> Tensor:
        """out = acos(input): the method form of ``ndgrad.acos``."""
        return ops.trig.acos(self)

    arccos = acos

    def atan(self: Tensor) -> Tensor:
        """out = atan(input): the method form of ``ndgrad.atan``."""
        return ops.trig.atan(self)

    arctan = atan

    def atan2(self: Tensor, other: Any) -> Tensor:
        """out = atan2(input, other): the method form of ``ndgrad.atan2``."""
        return ops.arithmetic.atan2(self, other)

    arctan2 = atan2

    def logaddexp(self: Tensor, other: Any) -> Tensor:
        """out = log(e^self + e^other): the method form of ``ndgrad.logaddexp``."""
        return ops.arithmetic.logaddexp(self, other)

    def sinh(self: Tensor) -> Tensor:
        """out = sinh(input): the method form of ``ndgrad.sinh``."""
        return ops.trig.sinh(self)

    def cosh(self: Tensor) -> Tensor:
        """out = cosh(input): the method form of ``ndgrad.cosh``."""
        return ops.trig.cosh(self)

    def tanh(self: Tensor) -> Tensor:
        """out = tanh(input): the method form of ``ndgrad.tanh``."""
        return ops.trig.tanh(self)

    def sigmoid(self: Tensor) -> Tensor:
        """out = 1 / (1 + e^-input): the method form of ``ndgrad.sigmoid``."""
        return ops.unary.sigmoid(self)

    def relu(self: Tensor) -> Tensor:
        """out = max(input, 0): the method form of ``ndgrad.relu``."""
        return ops.unary.relu(self)

    def erf(self: Tensor) -> Tensor:
        """out = erf(input): the method form of ``ndgrad.erf``."""
        return ops.unary.erf(self)

    def sign(self: Tensor) -> Tensor:
        """out = -1, 0 or 1 by the sign of input: the method form of ``ndgrad.sign``."""
        return ops.rounding.sign(self)

    def floor(self: Tensor) -> Tensor:
        """out = floor(input): the method form of ``ndgrad.floor``."""
        return ops.rounding.floor(self)

    def ceil(self: Tensor) -> Tensor:
        """out = ceil(input): the method form of ``ndgrad.ceil``."""
        return ops.rounding.ceil(self)

    def round(self: Tensor, decimals: _int = 0) -> Tensor:
        """out = input rounded half to even, to ``decimals`` places: the method form of
        ``ndgrad.round``."""
        return ops.rounding.round(self, decimals=decimals)

    def trunc(self: Tensor) -> Tensor:
        """out = input rounded toward zero: the method form of ``ndgrad.trunc``."""
        return ops.rounding.trunc(self)

    def frac(self: Tensor) -> Tensor:
        """out = input - trunc(input): the method form of ``ndgrad.frac``."""
        return ops.rounding.frac(self)

    def clamp(self: Tensor, min: Any = None, max: Any = None) -> Tensor:
        """The method form of ``ndgrad.clamp``."""
        return ops.rounding.clamp(self, min, max)

    clip = clamp

    def maximum(self: Tensor, other: Tensor) -> Tensor:
        """out = max(input, other) elementwise: the method form of ``ndgrad.maximum``."""
        return ops.arithmetic.maximum(self, other)

    def minimum(self: Tensor, other: Tensor) -> Tensor:
        """out = min(input, other) elementwise: the method form of ``ndgrad.minimum``."""
        return ops.arithmetic.minimum(self, other)

    def where(self: Tensor, condition: Tensor, other: Any) -> Tensor:
        """The method form of ``ndgrad.where``."""
        return ops.arithmetic.where(condition, self, other)

    def lerp(self: Tensor, end: Tensor, weight: Any) -> Tensor:
        """out = input + weight * (end - input): the method form of ``ndgrad.lerp``."""
        return ops.arithmetic.lerp(self, end, weight)

    def eq(self: Tensor, other: Any) -> Tensor:
        """input == other, elementwise (bool): the method form of ``ndgrad.eq``."""
        return ops.compare.eq(self, other)

    def ne(self: Tensor, other: Any) -> Tensor:
        """input != other, elementwise (bool): the method form of ``ndgrad.ne``."""
        return ops.compare.ne(self, other)

    def lt(self: Tensor, other: Any) -> Tensor:
        """input < other, elementwise (bool): the method form of ``ndgrad.lt``."""
        return ops.compare.lt(self, other)

    def le(self: Tensor, other: Any) -> Tensor:
        """input <= other, elementwise (bool): the method form of ``ndgrad.le``."""
        return ops.compare.le(self, other)

    def gt(self: Tensor, other: Any) -> Tensor:
        """input > other, elementwise (bool): the method form of ``ndgrad.gt``."""
        return ops.compare.gt(self, other)

    def ge(self: Tensor, other: Any) -> Tensor:
        """input >= other, elementwise (bool): the method form of ``ndgrad.ge``."""
        return ops.compare.ge(self, other)

    def equal(self: Tensor, other: Tensor) -> _bool:
        """True if both have the same shape and elements: the method form of ``ndgrad.equal``."""
        return ops.compare.equal(self, other)

    def allclose(
        self: Tensor,
        other: Tensor,
        rtol: _float = 1e-5,
        atol: _float = 1e-8,
        equal_nan: _bool = False,
    ) -> _bool:
        """The method form of ``ndgrad.allclose``."""
        return ops.compare.allclose(self, other, rtol=rtol, atol=atol, equal_nan=equal_nan)

    def isclose(
        self: Tensor,
        other: Tensor,
        rtol: _float = 1e-5,
        atol: _float = 1e-8,
        equal_nan: _bool = False,
    ) -> Tensor:
        """The method form of ``ndgrad.isclose``."""
        return ops.compare.isclose(self, other, rtol=rtol, atol=atol, equal_nan=equal_nan)

    def logical_and(self: Tensor, other: Any) -> Tensor:
        """The method form of ``ndgrad.logical_and``."""
        return ops.compare.logical_and(self, other)

    def logical_or(self: Tensor, other: Any) -> Tensor:
        """The method form of ``ndgrad.logical_or``."""
        return ops.compare.logical_or(self, other)

    def logical_xor(self: Tensor, other: Any) -> Tensor:
        """The method form of ``ndgrad.logical_xor``."""
        return ops.compare.logical_xor(self, other)

    def logical_not(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.logical_not``."""
        return ops.compare.logical_not(self)

    def isnan(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.isnan``."""
        return ops.compare.isnan(self)

    def isinf(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.isinf``."""
        return ops.compare.isinf(self)

    def isfinite(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.isfinite``."""
        return ops.compare.isfinite(self)

    def nan_to_num(
        self: Tensor, nan: _float = 0.0, posinf: _float | None = None, neginf: _float | None = None
    ) -> Tensor:
        """The method form of ``ndgrad.nan_to_num``."""
        return ops.rounding.nan_to_num(self, nan=nan, posinf=posinf, neginf=neginf)

    def clone(self: Tensor) -> Tensor:
        """out = a copy of input that stays in the graph: the method form of ``ndgrad.clone``."""
        return ops.elementwise.clone(self)

    # in place
    def add_(self: Tensor, other: Any, alpha: Scalar = 1) -> Tensor:
        """The method form of ``ndgrad.add_``."""
        return ops.arithmetic.add_(self, other, alpha=alpha)

    def sub_(self: Tensor, other: Any, alpha: Scalar = 1) -> Tensor:
        """The method form of ``ndgrad.sub_``."""
        return ops.arithmetic.sub_(self, other, alpha=alpha)

    def mul_(self: Tensor, other: Any) -> Tensor:
        """The method form of ``ndgrad.mul_``."""
        return ops.arithmetic.mul_(self, other)

    def div_(self: Tensor, other: Any) -> Tensor:
        """The method form of ``ndgrad.div_``."""
        return ops.arithmetic.div_(self, other)

    def pow_(self: Tensor, other: Any) -> Tensor:
        """The method form of ``ndgrad.pow_``."""
        return ops.arithmetic.pow_(self, other)

    def clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:
        """The method form of ``ndgrad.clamp_``."""
        return ops.rounding.clamp_(self, min, max)

    clip_ = clamp_

    def zero_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.zero_``."""
        return ops.elementwise.zero_(self)

    def fill_(self: Tensor, value: Any) -> Tensor:
        """The method form of ``ndgrad.fill_``."""
        return ops.elementwise.fill_(self, value)

    def copy_(self: Tensor, src: Any) -> Tensor:
        """The method form of ``ndgrad.copy_``."""
        return ops.elementwise.copy_(self, src)

    def neg_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.neg_``."""
        return ops.unary.neg_(self)

    def exp_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.exp_``."""
        return ops.unary.exp_(self)

    def sqrt_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.sqrt_``."""
        return ops.unary.sqrt_(self)

    def relu_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.relu_``."""
        return ops.unary.relu_(self)

    def sigmoid_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.sigmoid_``."""
        return ops.unary.sigmoid_(self)

    def tanh_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.tanh_``."""
        return ops.trig.tanh_(self)

    def abs_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.abs_``."""
        return ops.unary.abs_(self)

    def addcmul_(self: Tensor, t1: Tensor, t2: Tensor, value: Scalar = 1) -> Tensor:
        """The method form of ``ndgrad.addcmul_``."""
        return ops.arithmetic.addcmul_(self, t1, t2, value=value)

    def addcdiv_(self: Tensor, t1: Tensor, t2: Tensor, value: Scalar = 1) -> Tensor:
        """The method form of ``ndgrad.addcdiv_``."""
        return ops.arithmetic.addcdiv_(self, t1, t2, value=value)

    def lerp_(self: Tensor, end: Tensor, weight: Any) -> Tensor:
        """The method form of ``ndgrad.lerp_``."""
        return ops.arithmetic.lerp_(self, end, weight)

    def masked_fill_(self: Tensor, mask: Tensor, value: Any) -> Tensor:
        """The method form of ``ndgrad.ops.gather_scatter.masked_fill_``."""
        return ops.gather_scatter.masked_fill_(self, mask, value)

    def uniform_(self: Tensor, a: _float = 0.0, b: _float = 1.0, generator: Any = None) -> Tensor:
        """The method form of ``ndgrad.ops.random.uniform_``."""
        return ops.random.uniform_(self, a, b, generator=generator)

    def normal_(
        self: Tensor, mean: _float = 0.0, std: _float = 1.0, generator: Any = None
    ) -> Tensor:
        """The method form of ``ndgrad.ops.random.normal_``."""
        return ops.random.normal_(self, mean, std, generator=generator)

    def bernoulli_(self: Tensor, p: _float = 0.5, generator: Any = None) -> Tensor:
        """The method form of ``ndgrad.ops.random.bernoulli_``."""
        return ops.random.bernoulli_(self, p, generator=generator)

    def bernoulli(self: Tensor, generator: Any = None) -> Tensor:
        """The method form of ``ndgrad.bernoulli``."""
        return ops.random.bernoulli(self, generator=generator)

    def multinomial(
        self: Tensor, num_samples: _int, replacement: _bool = False, generator: Any = None
    ) -> Tensor:
        """The method form of ``ndgrad.multinomial``."""
        return ops.random.multinomial(self, num_samples, replacement, generator=generator)

    def addcmul(self: Tensor, t1: Tensor, t2: Tensor, value: Scalar = 1) -> Tensor:
        """out = input + value * tensor1 * tensor2: the method form of ``ndgrad.addcmul``."""
        return ops.arithmetic.addcmul(self, t1, t2, value=value)

    def addcdiv(self: Tensor, t1: Tensor, t2: Tensor, value: Scalar = 1) -> Tensor:
        """out = input + value * tensor1 / tensor2: the method form of ``ndgrad.addcdiv``."""
        return ops.arithmetic.addcdiv(self, t1, t2, value=value)
