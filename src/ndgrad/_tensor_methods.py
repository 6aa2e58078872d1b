# mypy: disable-error-code="misc"
"""Tensor's named methods: one thin door per op, mixed into ``Tensor`` (``tensor.py``).

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
    """The method forms of the op functions; every method takes the Tensor it is mixed into.

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

    def type(self: Tensor, dtype: Any = None) -> Any:
        """The type name (``'ndgrad.float32'``) with no argument, else a cast to ``dtype``."""
        if dtype is None:
            return f"ndgrad.{self.dtype.name}"
        return ops.elementwise.to(self, dtype=dtype)

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

    def new_tensor(self: Tensor, data: Any, dtype: Any = None, requires_grad: _bool = False) -> Tensor:
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
        """A tensor of ``fill_value`` of the given size, this tensor's dtype and device by default."""
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
        return ops.unary.sin(self)

    def cos(self: Tensor) -> Tensor:
        """out = cos(input): the method form of ``ndgrad.cos``."""
        return ops.unary.cos(self)

    def tan(self: Tensor) -> Tensor:
        """out = tan(input): the method form of ``ndgrad.tan``."""
        return ops.unary.tan(self)

    def asin(self: Tensor) -> Tensor:
        """out = asin(input): the method form of ``ndgrad.asin``."""
        return ops.unary.asin(self)

    arcsin = asin

    def acos(self: Tensor) -> Tensor:
        """out = acos(input): the method form of ``ndgrad.acos``."""
        return ops.unary.acos(self)

    arccos = acos

    def atan(self: Tensor) -> Tensor:
        """out = atan(input): the method form of ``ndgrad.atan``."""
        return ops.unary.atan(self)

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
        return ops.unary.sinh(self)

    def cosh(self: Tensor) -> Tensor:
        """out = cosh(input): the method form of ``ndgrad.cosh``."""
        return ops.unary.cosh(self)

    def tanh(self: Tensor) -> Tensor:
        """out = tanh(input): the method form of ``ndgrad.tanh``."""
        return ops.unary.tanh(self)

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
        """out = input rounded half to even, to ``decimals`` places: the method form of ``ndgrad.round``."""
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
        self: Tensor, other: Tensor, rtol: _float = 1e-5, atol: _float = 1e-8, equal_nan: _bool = False
    ) -> _bool:
        """The method form of ``ndgrad.allclose``."""
        return ops.compare.allclose(self, other, rtol=rtol, atol=atol, equal_nan=equal_nan)

    def isclose(
        self: Tensor, other: Tensor, rtol: _float = 1e-5, atol: _float = 1e-8, equal_nan: _bool = False
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
        return ops.elementwise.add_(self, other, alpha=alpha)

    def sub_(self: Tensor, other: Any, alpha: Scalar = 1) -> Tensor:
        """The method form of ``ndgrad.sub_``."""
        return ops.elementwise.sub_(self, other, alpha=alpha)

    def mul_(self: Tensor, other: Any) -> Tensor:
        """The method form of ``ndgrad.mul_``."""
        return ops.elementwise.mul_(self, other)

    def div_(self: Tensor, other: Any) -> Tensor:
        """The method form of ``ndgrad.div_``."""
        return ops.elementwise.div_(self, other)

    def pow_(self: Tensor, other: Any) -> Tensor:
        """The method form of ``ndgrad.pow_``."""
        return ops.elementwise.pow_(self, other)

    def clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:
        """The method form of ``ndgrad.clamp_``."""
        return ops.elementwise.clamp_(self, min, max)

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
        return ops.elementwise.neg_(self)

    def exp_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.exp_``."""
        return ops.elementwise.exp_(self)

    def sqrt_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.sqrt_``."""
        return ops.elementwise.sqrt_(self)

    def relu_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.relu_``."""
        return ops.elementwise.relu_(self)

    def sigmoid_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.sigmoid_``."""
        return ops.elementwise.sigmoid_(self)

    def tanh_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.tanh_``."""
        return ops.elementwise.tanh_(self)

    def abs_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.abs_``."""
        return ops.elementwise.abs_(self)

    def addcmul_(self: Tensor, t1: Tensor, t2: Tensor, value: Scalar = 1) -> Tensor:
        """The method form of ``ndgrad.addcmul_``."""
        return ops.elementwise.addcmul_(self, t1, t2, value=value)

    def addcdiv_(self: Tensor, t1: Tensor, t2: Tensor, value: Scalar = 1) -> Tensor:
        """The method form of ``ndgrad.addcdiv_``."""
        return ops.elementwise.addcdiv_(self, t1, t2, value=value)

    def lerp_(self: Tensor, end: Tensor, weight: Any) -> Tensor:
        """The method form of ``ndgrad.lerp_``."""
        return ops.elementwise.lerp_(self, end, weight)

    def masked_fill_(self: Tensor, mask: Tensor, value: Any) -> Tensor:
        """The method form of ``ndgrad.ops.index.masked_fill_``."""
        return ops.index.masked_fill_(self, mask, value)

    def uniform_(self: Tensor, a: _float = 0.0, b: _float = 1.0, generator: Any = None) -> Tensor:
        """The method form of ``ndgrad.ops.random.uniform_``."""
        return ops.random.uniform_(self, a, b, generator=generator)

    def normal_(self: Tensor, mean: _float = 0.0, std: _float = 1.0, generator: Any = None) -> Tensor:
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

    # -- reductions (ops/reduce.py) --------------------------------------------------------
    def sum(self: Tensor, dim: Any = None, keepdim: _bool = False, dtype: Any = None) -> Tensor:
        """The method form of ``ndgrad.sum``."""
        return ops.reduce.sum(self, dim, keepdim, dtype=dtype)

    def mean(self: Tensor, dim: Any = None, keepdim: _bool = False, dtype: Any = None) -> Tensor:
        """out = sum(input) / count over ``dim``: the method form of ``ndgrad.mean``."""
        return ops.reduce.mean(self, dim, keepdim, dtype=dtype)

    def prod(self: Tensor, dim: Any = None, keepdim: _bool = False, dtype: Any = None) -> Tensor:
        """The method form of ``ndgrad.prod``."""
        return ops.reduce.prod(self, dim, keepdim, dtype=dtype)

    def max(self: Tensor, dim: Any = None, keepdim: _bool = False) -> Any:
        """The method form of ``ndgrad.max``."""
        return ops.reduce.max(self, dim, keepdim)

    def min(self: Tensor, dim: Any = None, keepdim: _bool = False) -> Any:
        """The method form of ``ndgrad.min``."""
        return ops.reduce.min(self, dim, keepdim)

    def amax(self: Tensor, dim: Any = (), keepdim: _bool = False) -> Tensor:
        """out = max of input over ``dim`` (all dims for ``()``): the method form of ``ndgrad.amax``."""
        return ops.reduce.amax(self, dim, keepdim)

    def amin(self: Tensor, dim: Any = (), keepdim: _bool = False) -> Tensor:
        """out = min of input over ``dim`` (all dims for ``()``): the method form of ``ndgrad.amin``."""
        return ops.reduce.amin(self, dim, keepdim)

    def argmax(self: Tensor, dim: _int | None = None, keepdim: _bool = False) -> Tensor:
        """The method form of ``ndgrad.argmax``."""
        return ops.reduce.argmax(self, dim, keepdim)

    def argmin(self: Tensor, dim: _int | None = None, keepdim: _bool = False) -> Tensor:
        """The method form of ``ndgrad.argmin``."""
        return ops.reduce.argmin(self, dim, keepdim)

    def var(
        self: Tensor, dim: Any = None, unbiased: Any = None, keepdim: _bool = False, *, correction: Any = None
    ) -> Tensor:
        """The method form of ``ndgrad.var``."""
        return ops.reduce.var(self, dim, unbiased, keepdim, correction=correction)

    def std(
        self: Tensor, dim: Any = None, unbiased: Any = None, keepdim: _bool = False, *, correction: Any = None
    ) -> Tensor:
        """out = sqrt(var(input, dim)): the method form of ``ndgrad.std``."""
        return ops.reduce.std(self, dim, unbiased, keepdim, correction=correction)

    def logsumexp(self: Tensor, dim: Any, keepdim: _bool = False) -> Tensor:
        """The method form of ``ndgrad.logsumexp``."""
        return ops.softmax.logsumexp(self, dim, keepdim)

    def norm(
        self: Tensor, p: Any = "fro", dim: Any = None, keepdim: _bool = False, dtype: Any = None
    ) -> Tensor:
        """The method form of ``ndgrad.norm``."""
        return ops.reduce.norm(self, p, dim, keepdim, dtype=dtype)

    def cumsum(self: Tensor, dim: _int, dtype: Any = None) -> Tensor:
        """The method form of ``ndgrad.cumsum``."""
        return ops.cumulative.cumsum(self, dim, dtype=dtype)

    def cumprod(self: Tensor, dim: _int, dtype: Any = None) -> Tensor:
        """The method form of ``ndgrad.cumprod``."""
        return ops.cumulative.cumprod(self, dim, dtype=dtype)

    def all(self: Tensor, dim: Any = None, keepdim: _bool = False) -> Tensor:
        """True where every element over ``dim`` is nonzero: the method form of ``ndgrad.all``."""
        return ops.reduce.all(self, dim, keepdim)

    def any(self: Tensor, dim: Any = None, keepdim: _bool = False) -> Tensor:
        """True where some element over ``dim`` is nonzero: the method form of ``ndgrad.any``."""
        return ops.reduce.any(self, dim, keepdim)

    def softmax(self: Tensor, dim: _int, dtype: Any = None) -> Tensor:
        """The method form of ``ndgrad.softmax``."""
        return ops.softmax.softmax(self, dim, dtype=dtype)

    def log_softmax(self: Tensor, dim: _int, dtype: Any = None) -> Tensor:
        """The method form of ``ndgrad.log_softmax``."""
        return ops.softmax.log_softmax(self, dim, dtype=dtype)

    def sort(self: Tensor, dim: _int = -1, descending: _bool = False, stable: _bool = False) -> Any:
        """The method form of ``ndgrad.sort``."""
        return ops.sort.sort(self, dim, descending, stable=stable)

    def argsort(self: Tensor, dim: _int = -1, descending: _bool = False, stable: _bool = False) -> Tensor:
        """Indices that sort input along ``dim``: the method form of ``ndgrad.argsort``."""
        return ops.sort.argsort(self, dim, descending, stable=stable)

    def topk(self: Tensor, k: _int, dim: _int = -1, largest: _bool = True, sorted: _bool = True) -> Any:
        """The method form of ``ndgrad.topk``."""
        return ops.sort.topk(self, k, dim, largest, sorted)

    def median(self: Tensor, dim: Any = None, keepdim: _bool = False) -> Any:
        """The method form of ``ndgrad.median``."""
        return ops.reduce.median(self, dim, keepdim)

    def count_nonzero(self: Tensor, dim: Any = None) -> Tensor:
        """The method form of ``ndgrad.count_nonzero``."""
        return ops.reduce.count_nonzero(self, dim)

    # -- shape (ops/shape.py) --------------------------------------------------------------
    def reshape(self: Tensor, *shape: Any) -> Tensor:
        """The method form of ``ndgrad.reshape``."""
        return ops.shape.reshape(self, *shape)

    def view(self: Tensor, *shape: Any) -> Tensor:
        """The method form of ``ndgrad.ops.elementwise.to``."""
        if len(shape) == 1 and not isinstance(shape[0], int | tuple | list):
            return ops.elementwise.to(self, dtype=shape[0])
        return ops.shape.view(self, *shape)

    def view_as(self: Tensor, other: Tensor) -> Tensor:
        """The method form of ``ndgrad.view``."""
        return ops.shape.view(self, other.shape)

    def reshape_as(self: Tensor, other: Tensor) -> Tensor:
        """The method form of ``ndgrad.reshape``."""
        return ops.shape.reshape(self, other.shape)

    def flatten(self: Tensor, start_dim: _int = 0, end_dim: _int = -1) -> Tensor:
        """The method form of ``ndgrad.flatten``."""
        return ops.shape.flatten(self, start_dim, end_dim)

    def unflatten(self: Tensor, dim: _int, sizes: Any) -> Tensor:
        """The method form of ``ndgrad.unflatten``."""
        return ops.shape.unflatten(self, dim, sizes)

    def squeeze(self: Tensor, dim: Any = None) -> Tensor:
        """The method form of ``ndgrad.squeeze``."""
        return ops.shape.squeeze(self, dim)

    def unsqueeze(self: Tensor, dim: _int) -> Tensor:
        """The method form of ``ndgrad.unsqueeze``."""
        return ops.shape.unsqueeze(self, dim)

    def transpose(self: Tensor, dim0: _int, dim1: _int) -> Tensor:
        """out = input with dims ``dim0`` and ``dim1`` swapped: the method form of ``ndgrad.transpose``."""
        return ops.shape.transpose(self, dim0, dim1)

    swapaxes = transpose
    swapdims = transpose

    def t(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.t``."""
        return ops.shape.t(self)

    def permute(self: Tensor, *dims: Any) -> Tensor:
        """out = input with dims in the order ``dims``: the method form of ``ndgrad.permute``."""
        return ops.shape.permute(self, *dims)

    def movedim(self: Tensor, source: Any, destination: Any) -> Tensor:
        """The method form of ``ndgrad.movedim``."""
        return ops.shape.movedim(self, source, destination)

    moveaxis = movedim

    def expand(self: Tensor, *sizes: Any) -> Tensor:
        """out = input broadcast to ``sizes`` (-1 keeps a dim): the method form of ``ndgrad.expand``."""
        return ops.shape.expand(self, *sizes)

    def expand_as(self: Tensor, other: Tensor) -> Tensor:
        """out = input broadcast to ``sizes`` (-1 keeps a dim): the method form of ``ndgrad.expand``."""
        return ops.shape.expand(self, other.shape)

    def broadcast_to(self: Tensor, shape: Any) -> Tensor:
        """out = input broadcast to ``shape``: the method form of ``ndgrad.broadcast_to``."""
        return ops.shape.broadcast_to(self, shape)

    def repeat(self: Tensor, *sizes: Any) -> Tensor:
        """The method form of ``ndgrad.repeat``."""
        return ops.shape.repeat(self, *sizes)

    def tile(self: Tensor, *dims: Any) -> Tensor:
        """The method form of ``ndgrad.tile``."""
        return ops.shape.tile(self, *dims)

    def split(self: Tensor, split_size_or_sections: Any, dim: _int = 0) -> tuple[Tensor, ...]:
        """The method form of ``ndgrad.split``."""
        return ops.join.split(self, split_size_or_sections, dim)

    def chunk(self: Tensor, chunks: _int, dim: _int = 0) -> tuple[Tensor, ...]:
        """The method form of ``ndgrad.chunk``."""
        return ops.join.chunk(self, chunks, dim)

    def unbind(self: Tensor, dim: _int = 0) -> tuple[Tensor, ...]:
        """The method form of ``ndgrad.unbind``."""
        return ops.join.unbind(self, dim)

    def flip(self: Tensor, *dims: Any) -> Tensor:
        """out = input reversed along ``dims``: the method form of ``ndgrad.flip``."""
        return ops.shape.flip(self, *dims)

    def roll(self: Tensor, shifts: Any, dims: Any = None) -> Tensor:
        """The method form of ``ndgrad.roll``."""
        return ops.shape.roll(self, shifts, dims)

    def narrow(self: Tensor, dim: _int, start: _int, length: _int) -> Tensor:
        """The method form of ``ndgrad.narrow``."""
        return ops.shape.narrow(self, dim, start, length)

    def select(self: Tensor, dim: _int, index: _int) -> Tensor:
        """The method form of ``ndgrad.select``."""
        return ops.shape.select(self, dim, index)

    def tril(self: Tensor, diagonal: _int = 0) -> Tensor:
        """The method form of ``ndgrad.tril``."""
        return ops.shape.tril(self, diagonal)

    def triu(self: Tensor, diagonal: _int = 0) -> Tensor:
        """The method form of ``ndgrad.triu``."""
        return ops.shape.triu(self, diagonal)

    def diagonal(self: Tensor, offset: _int = 0, dim1: _int = 0, dim2: _int = 1) -> Tensor:
        """The method form of ``ndgrad.diagonal``."""
        return ops.shape.diagonal(self, offset, dim1, dim2)

    def contiguous(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.contiguous``."""
        return ops.shape.contiguous(self)

    def unfold(self: Tensor, dimension: _int, size: _int, step: _int) -> Tensor:
        """The method form of ``ndgrad.ops.shape.unfold``."""
        return ops.shape.unfold(self, dimension, size, step)

    # -- indexing (ops/index.py) -----------------------------------------------------------
    def gather(self: Tensor, dim: _int, index: Tensor) -> Tensor:
        """The method form of ``ndgrad.gather``."""
        return ops.index.gather(self, dim, index)

    def scatter(self: Tensor, dim: _int, index: Tensor, src: Any, reduce: str | None = None) -> Tensor:
        """The method form of ``ndgrad.scatter``."""
        return ops.index.scatter(self, dim, index, src, reduce=reduce)

    def scatter_add(self: Tensor, dim: _int, index: Tensor, src: Tensor) -> Tensor:
        """The method form of ``ndgrad.scatter_add``."""
        return ops.index.scatter_add(self, dim, index, src)

    def scatter_(self: Tensor, dim: _int, index: Tensor, src: Any, reduce: str | None = None) -> Tensor:
        """In-place scatter: the method form of ``ndgrad.ops.index.scatter_``."""
        return ops.index.scatter_(self, dim, index, src, reduce=reduce)

    def scatter_add_(self: Tensor, dim: _int, index: Tensor, src: Tensor) -> Tensor:
        """In-place scatter_add: the method form of ``ndgrad.ops.index.scatter_add_``."""
        return ops.index.scatter_add_(self, dim, index, src)

    def index_select(self: Tensor, dim: _int, index: Tensor) -> Tensor:
        """The method form of ``ndgrad.index_select``."""
        return ops.index.index_select(self, dim, index)

    def index_add(self: Tensor, dim: _int, index: Tensor, source: Tensor, alpha: Scalar = 1) -> Tensor:
        """The method form of ``ndgrad.index_add``."""
        return ops.index.index_add(self, dim, index, source, alpha=alpha)

    def index_add_(self: Tensor, dim: _int, index: Tensor, source: Tensor, alpha: Scalar = 1) -> Tensor:
        """The method form of ``ndgrad.ops.index.index_add_``."""
        return ops.index.index_add_(self, dim, index, source, alpha=alpha)

    def masked_fill(self: Tensor, mask: Tensor, value: Any) -> Tensor:
        """The method form of ``ndgrad.masked_fill``."""
        return ops.index.masked_fill(self, mask, value)

    def masked_select(self: Tensor, mask: Tensor) -> Tensor:
        """The method form of ``ndgrad.masked_select``."""
        return ops.index.masked_select(self, mask)

    def nonzero(self: Tensor, as_tuple: _bool = False) -> Any:
        """The method form of ``ndgrad.nonzero``."""
        return ops.index.nonzero(self, as_tuple=as_tuple)

    def index_put_(self: Tensor, indices: Any, values: Any, accumulate: _bool = False) -> Tensor:
        """The method form of ``ndgrad.index_put_``."""
        return ops.index.index_put_(self, indices, values, accumulate)

    def index_put(self: Tensor, indices: Any, values: Any, accumulate: _bool = False) -> Tensor:
        """The method form of ``ndgrad.index_put``."""
        return ops.index.index_put(self, indices, values, accumulate)

    def index_fill(self: Tensor, dim: _int, index: Tensor, value: Any) -> Tensor:
        """The method form of ``ndgrad.index_fill``."""
        return ops.index.index_fill(self, dim, index, value)

    def take(self: Tensor, index: Tensor) -> Tensor:
        """out = input.flatten()[index], shaped like index: the method form of ``ndgrad.take``."""
        return ops.index.take(self, index)

    # -- linear algebra (ops/linalg.py) ----------------------------------------------------
    def matmul(self: Tensor, other: Tensor) -> Tensor:
        """The method form of ``ndgrad.matmul``."""
        return ops.linalg.matmul(self, other)

    def mm(self: Tensor, other: Tensor) -> Tensor:
        """out = input @ mat2 for two matrices: the method form of ``ndgrad.mm``."""
        return ops.linalg.mm(self, other)

    def bmm(self: Tensor, other: Tensor) -> Tensor:
        """The method form of ``ndgrad.bmm``."""
        return ops.linalg.bmm(self, other)

    def mv(self: Tensor, vec: Tensor) -> Tensor:
        """out = input @ vec for a matrix and a vector: the method form of ``ndgrad.mv``."""
        return ops.linalg.mv(self, vec)

    def dot(self: Tensor, other: Tensor) -> Tensor:
        """The method form of ``ndgrad.dot``."""
        return ops.linalg.dot(self, other)

    def outer(self: Tensor, other: Tensor) -> Tensor:
        """out_ij = input_i * vec2_j: the method form of ``ndgrad.outer``."""
        return ops.linalg.outer(self, other)

    def inverse(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.ops.linalg_matrix.inv``."""
        return ops.linalg_matrix.inv(self)

    def det(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.det``."""
        return ops.linalg_matrix.det(self)

    def is_nonzero(self: Tensor) -> _bool:
        """The method form of ``ndgrad.is_nonzero``."""
        return ops.settings.is_nonzero(self)

    def diag(self: Tensor, diagonal: _int = 0) -> Tensor:
        """The method form of ``ndgrad.diag``."""
        return ops.grid.diag(self, diagonal)

    def diag_embed(self: Tensor, offset: _int = 0, dim1: _int = -2, dim2: _int = -1) -> Tensor:
        """The method form of ``ndgrad.diag_embed``."""
        return ops.grid.diag_embed(self, offset, dim1, dim2)

    def diagflat(self: Tensor, offset: _int = 0) -> Tensor:
        """The method form of ``ndgrad.diagflat``."""
        return ops.grid.diagflat(self, offset)

    def trace(self: Tensor) -> Tensor:
        """out = sum_i input[i, i] (a 2-d input): the method form of ``ndgrad.trace``."""
        return ops.grid.trace(self)

    def kron(self: Tensor, other: Tensor) -> Tensor:
        """The method form of ``ndgrad.kron``."""
        return ops.grid.kron(self, other)

    def ravel(self: Tensor) -> Tensor:
        """out = input flattened to 1-d: the method form of ``ndgrad.ravel``."""
        return ops.grid.ravel(self)

    def diff(self: Tensor, n: _int = 1, dim: _int = -1, prepend: Any = None, append: Any = None) -> Tensor:
        """The method form of ``ndgrad.diff``."""
        return ops.grid.diff(self, n, dim, prepend, append)

    def repeat_interleave(
        self: Tensor, repeats: Any = None, dim: _int | None = None, *, output_size: Any = None
    ) -> Tensor:
        """The method form of ``ndgrad.repeat_interleave``."""
        return ops.grid.repeat_interleave(self, repeats, dim, output_size=output_size)

    def fill_diagonal_(self: Tensor, fill_value: Any, wrap: _bool = False) -> Tensor:
        """The method form of ``ndgrad.ops.misc.fill_diagonal_``."""
        return ops.misc.fill_diagonal_(self, fill_value, wrap)

    def index_fill_(self: Tensor, dim: _int, index: Tensor, value: Any) -> Tensor:
        """The method form of ``ndgrad.ops.misc.index_fill_``."""
        return ops.misc.index_fill_(self, dim, index, value)

    def masked_scatter(self: Tensor, mask: Tensor, source: Tensor) -> Tensor:
        """The method form of ``ndgrad.masked_scatter``."""
        return ops.misc.masked_scatter(self, mask, source)

    def masked_scatter_(self: Tensor, mask: Tensor, source: Tensor) -> Tensor:
        """The method form of ``ndgrad.ops.misc.masked_scatter_``."""
        return ops.misc.masked_scatter_(self, mask, source)

    def unique(
        self: Tensor,
        sorted: _bool = True,
        return_inverse: _bool = False,
        return_counts: _bool = False,
        dim: Any = None,
    ) -> Any:
        """The method form of ``ndgrad.unique``."""
        return ops.order_stats.unique(self, sorted, return_inverse, return_counts, dim)

    def bincount(self: Tensor, weights: Tensor | None = None, minlength: _int = 0) -> Tensor:
        """The method form of ``ndgrad.bincount``."""
        return ops.order_stats.bincount(self, weights, minlength)

    def histc(self: Tensor, bins: _int = 100, min: _float = 0, max: _float = 0) -> Tensor:
        """The method form of ``ndgrad.histc``."""
        return ops.order_stats.histc(self, bins, min, max)

    def kthvalue(self: Tensor, k: _int, dim: _int = -1, keepdim: _bool = False) -> Any:
        """The method form of ``ndgrad.kthvalue``."""
        return ops.order_stats.kthvalue(self, k, dim, keepdim)

    def quantile(
        self: Tensor, q: Any, dim: Any = None, keepdim: _bool = False, *, interpolation: str = "linear"
    ) -> Tensor:
        """The method form of ``ndgrad.quantile``."""
        return ops.order_stats.quantile(self, q, dim, keepdim, interpolation=interpolation)

    def nanquantile(
        self: Tensor, q: Any, dim: Any = None, keepdim: _bool = False, *, interpolation: str = "linear"
    ) -> Tensor:
        """The method form of ``ndgrad.nanquantile``."""
        return ops.order_stats.nanquantile(self, q, dim, keepdim, interpolation=interpolation)

    def nanmean(self: Tensor, dim: Any = None, keepdim: _bool = False, *, dtype: Any = None) -> Tensor:
        """out = mean of the non-NaN elements of input over ``dim``: the method form of ``ndgrad.nanmean``."""
        return ops.order_stats.nanmean(self, dim, keepdim, dtype=dtype)

    def mode(self: Tensor, dim: _int = -1, keepdim: _bool = False) -> Any:
        """The method form of ``ndgrad.mode``."""
        return ops.order_stats.mode(self, dim, keepdim)

    def cummax(self: Tensor, dim: _int) -> Any:
        """The method form of ``ndgrad.cummax``."""
        return ops.order_stats.cummax(self, dim)

    def cummin(self: Tensor, dim: _int) -> Any:
        """The method form of ``ndgrad.cummin``."""
        return ops.order_stats.cummin(self, dim)

    def heaviside(self: Tensor, values: Tensor) -> Tensor:
        """The method form of ``ndgrad.heaviside``."""
        return ops.misc.heaviside(self, values)

    def sinc(self: Tensor) -> Tensor:
        """out = sin(pi x) / (pi x), and 1 at x = 0: the method form of ``ndgrad.sinc``."""
        return ops.misc.sinc(self)

    def logit(self: Tensor, eps: _float | None = None) -> Tensor:
        """The method form of ``ndgrad.logit``."""
        return ops.misc.logit(self, eps)

    def xlogy(self: Tensor, other: Any) -> Tensor:
        """The method form of ``ndgrad.xlogy``."""
        return ops.misc.xlogy(self, other)

    def clamp_min(self: Tensor, min: Any) -> Tensor:
        """out = max(input, min): the method form of ``ndgrad.clamp_min``."""
        return ops.misc.clamp_min(self, min)

    def clamp_max(self: Tensor, max: Any) -> Tensor:
        """out = min(input, max): the method form of ``ndgrad.clamp_max``."""
        return ops.misc.clamp_max(self, max)

    def clamp_min_(self: Tensor, min: Any) -> Tensor:
        """The method form of ``ndgrad.clamp_``."""
        return ops.elementwise.clamp_(self, min=min)

    def clamp_max_(self: Tensor, max: Any) -> Tensor:
        """The method form of ``ndgrad.clamp_``."""
        return ops.elementwise.clamp_(self, max=max)

    def hypot(self: Tensor, other: Tensor) -> Tensor:
        """out = sqrt(input^2 + other^2): the method form of ``ndgrad.hypot``."""
        return ops.misc.hypot(self, other)

    def deg2rad(self: Tensor) -> Tensor:
        """out = input * pi / 180: the method form of ``ndgrad.deg2rad``."""
        return ops.misc.deg2rad(self)

    def rad2deg(self: Tensor) -> Tensor:
        """out = input * 180 / pi: the method form of ``ndgrad.rad2deg``."""
        return ops.misc.rad2deg(self)

    def rot90(self: Tensor, k: _int = 1, dims: Any = (0, 1)) -> Tensor:
        """The method form of ``ndgrad.rot90``."""
        return ops.grid.rot90(self, k, dims)

    def fliplr(self: Tensor) -> Tensor:
        """out = input with its columns (dim 1) reversed: the method form of ``ndgrad.fliplr``."""
        return ops.grid.fliplr(self)

    def flipud(self: Tensor) -> Tensor:
        """out = input with its rows (dim 0) reversed: the method form of ``ndgrad.flipud``."""
        return ops.grid.flipud(self)

    def take_along_dim(self: Tensor, indices: Tensor, dim: _int | None = None) -> Tensor:
        """The method form of ``ndgrad.take_along_dim``."""
        return ops.misc.take_along_dim(self, indices, dim)

    def signbit(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.signbit``."""
        return ops.misc.signbit(self)

    def copysign(self: Tensor, other: Any) -> Tensor:
        """The method form of ``ndgrad.copysign``."""
        return ops.misc.copysign(self, other)

    def erfc(self: Tensor) -> Tensor:
        """out = 1 - erf(input): the method form of ``ndgrad.erfc``."""
        return ops.misc.erfc(self)

    def logcumsumexp(self: Tensor, dim: _int) -> Tensor:
        """out[i] = log(sum_{j <= i} e^input[j]) along ``dim``: the method form of ``ndgrad.logcumsumexp``."""
        return ops.misc.logcumsumexp(self, dim)

    def cov(self: Tensor, *, correction: _int = 1, fweights: Any = None, aweights: Any = None) -> Tensor:
        """The method form of ``ndgrad.cov``."""
        return ops.misc.cov(self, correction=correction, fweights=fweights, aweights=aweights)

    def corrcoef(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.corrcoef``."""
        return ops.misc.corrcoef(self)

    def unique_consecutive(
        self: Tensor, return_inverse: _bool = False, return_counts: _bool = False, dim: _int | None = None
    ) -> Any:
        """The method form of ``ndgrad.unique_consecutive``."""
        return ops.order_stats.unique_consecutive(self, return_inverse, return_counts, dim)

    def addmm(self: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """The method form of ``ndgrad.addmm``."""
        return ops.linalg.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def baddbmm(self: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """The method form of ``ndgrad.baddbmm``."""
        return ops.linalg.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addmv(self: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """The method form of ``ndgrad.addmv``."""
        return ops.misc.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addr(self: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """The method form of ``ndgrad.addr``."""
        return ops.misc.addr(self, vec1, vec2, beta=beta, alpha=alpha)

    def is_complex(self: Tensor) -> _bool:
        """False: ndgrad has no complex dtypes: the method form of ``ndgrad.is_complex``."""
        return ops.misc.is_complex(self)

    def is_same_size(self: Tensor, other: Tensor) -> _bool:
        """The method form of ``ndgrad.is_same_size``."""
        return ops.misc.is_same_size(self, other)

    def tensor_split(self: Tensor, indices_or_sections: Any, dim: _int = 0) -> tuple[Tensor, ...]:
        """The method form of ``ndgrad.tensor_split``."""
        return ops.grid.tensor_split(self, indices_or_sections, dim)

    def hsplit(self: Tensor, sections: Any) -> tuple[Tensor, ...]:
        """The method form of ``ndgrad.hsplit``."""
        return ops.grid.hsplit(self, sections)

    def vsplit(self: Tensor, sections: Any) -> tuple[Tensor, ...]:
        """The method form of ``ndgrad.vsplit``."""
        return ops.grid.vsplit(self, sections)

    def dsplit(self: Tensor, sections: Any) -> tuple[Tensor, ...]:
        """The method form of ``ndgrad.dsplit``."""
        return ops.grid.dsplit(self, sections)

    def dist(self: Tensor, other: Tensor, p: _float = 2) -> Tensor:
        """out = ||input - other||_p over all elements: the method form of ``ndgrad.dist``."""
        return ops.misc.dist(self, other, p)

    def msort(self: Tensor) -> Tensor:
        """out = input sorted along dim 0: the method form of ``ndgrad.msort``."""
        return ops.order_stats.msort(self)

    def adjoint(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.adjoint``."""
        return ops.misc.adjoint(self)

    def positive(self: Tensor) -> Tensor:
        """out = input (refuses bool, as PyTorch does): the method form of ``ndgrad.positive``."""
        return ops.misc.positive(self)

    def gcd(self: Tensor, other: Tensor) -> Tensor:
        """out = the greatest common divisor, elementwise (integers): the method form of ``ndgrad.gcd``."""
        return ops.misc.gcd(self, other)

    def lcm(self: Tensor, other: Tensor) -> Tensor:
        """out = the least common multiple, elementwise (integers): the method form of ``ndgrad.lcm``."""
        return ops.misc.lcm(self, other)

    def logaddexp2(self: Tensor, other: Tensor) -> Tensor:
        """out = log2(2^input + 2^other): the method form of ``ndgrad.logaddexp2``."""
        return ops.misc.logaddexp2(self, other)

    def narrow_copy(self: Tensor, dim: _int, start: _int, length: _int) -> Tensor:
        """out = a copy of input.narrow(dim, start, length): the method form of ``ndgrad.narrow_copy``."""
        return ops.misc.narrow_copy(self, dim, start, length)

    def index_copy(self: Tensor, dim: _int, index: Tensor, source: Tensor) -> Tensor:
        """The method form of ``ndgrad.index_copy``."""
        return ops.misc.index_copy(self, dim, index, source)

    def index_copy_(self: Tensor, dim: _int, index: Tensor, source: Tensor) -> Tensor:
        """The method form of ``ndgrad.ops.misc.index_copy_``."""
        return ops.misc.index_copy_(self, dim, index, source)

    def put(self: Tensor, index: Tensor, source: Tensor, accumulate: _bool = False) -> Tensor:
        """The method form of ``ndgrad.ops.misc.put``."""
        return ops.misc.put(self, index, source, accumulate)

    def put_(self: Tensor, index: Tensor, source: Tensor, accumulate: _bool = False) -> Tensor:
        """The method form of ``ndgrad.ops.misc.put_``."""
        return ops.misc.put_(self, index, source, accumulate)

    def sum_to_size(self: Tensor, *size: Any) -> Tensor:
        """The method form of ``ndgrad.ops.misc.sum_to_size``."""
        return ops.misc.sum_to_size(self, *size)

    def aminmax(self: Tensor, *, dim: _int | None = None, keepdim: _bool = False) -> Any:
        """(min, max) of input over ``dim`` (all dims when None): the method form of ``ndgrad.aminmax``."""
        return ops.reduce.aminmax(self, dim=dim, keepdim=keepdim)

    def nansum(self: Tensor, dim: Any = None, keepdim: _bool = False, *, dtype: Any = None) -> Tensor:
        """out = sum of input over ``dim``, NaNs counted as zero: the method form of ``ndgrad.nansum``."""
        return ops.reduce.nansum(self, dim, keepdim, dtype=dtype)

    def argwhere(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.argwhere``."""
        return ops.index.argwhere(self)

    def is_pinned(self: Tensor) -> _bool:
        """False: ndgrad has no pinned host memory."""
        return False

    def pin_memory(self: Tensor) -> Tensor:
        """The tensor itself: ndgrad has no pinned host memory."""
        return self

    def share_memory_(self: Tensor) -> Tensor:
        """The tensor itself: ndgrad does not move tensors to shared memory."""
        return self

    # in place (ops/misc.py)
    def floor_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.floor_``."""
        return ops.misc.floor_(self)

    def ceil_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.ceil_``."""
        return ops.misc.ceil_(self)

    def trunc_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.trunc_``."""
        return ops.misc.trunc_(self)

    def round_(self: Tensor, decimals: _int = 0) -> Tensor:
        """The method form of ``ndgrad.round_``."""
        return ops.misc.round_(self, decimals)

    def sign_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.ops.misc.sign_``."""
        return ops.misc.sign_(self)

    def log_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.log_``."""
        return ops.misc.log_(self)

    def log1p_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.ops.misc.log1p_``."""
        return ops.misc.log1p_(self)

    def sin_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.sin_``."""
        return ops.misc.sin_(self)

    def cos_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.ops.misc.cos_``."""
        return ops.misc.cos_(self)

    def square_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.square_``."""
        return ops.misc.square_(self)

    def reciprocal_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.reciprocal_``."""
        return ops.misc.reciprocal_(self)

    def fmod_(self: Tensor, other: Any) -> Tensor:
        """The method form of ``ndgrad.ops.misc.fmod_``."""
        return ops.misc.fmod_(self, other)

    def remainder_(self: Tensor, other: Any) -> Tensor:
        """The method form of ``ndgrad.ops.misc.remainder_``."""
        return ops.misc.remainder_(self, other)

    def logical_not_(self: Tensor) -> Tensor:
        """The method form of ``ndgrad.ops.misc.logical_not_``."""
        return ops.misc.logical_not_(self)

    def nan_to_num_(
        self: Tensor, nan: _float = 0.0, posinf: _float | None = None, neginf: _float | None = None
    ) -> Tensor:
        """The method form of ``ndgrad.nan_to_num_``."""
        return ops.misc.nan_to_num_(self, nan, posinf, neginf)

    def triu_(self: Tensor, diagonal: _int = 0) -> Tensor:
        """The method form of ``ndgrad.ops.misc.triu_``."""
        return ops.misc.triu_(self, diagonal)

    def tril_(self: Tensor, diagonal: _int = 0) -> Tensor:
        """The method form of ``ndgrad.ops.misc.tril_``."""
        return ops.misc.tril_(self, diagonal)
