"""PyTorch's older API, still in programs in the wild: typed tensor constructors and the methods
that go with them.

- ``ndgrad.Tensor(2, 3)`` (uninitialised), ``Tensor([1, 2])`` (data, in the default dtype),
  ``Tensor()`` (empty), ``Tensor(size=(2, 3))``: the rules of ``construct``.
- ``FloatTensor``, ``LongTensor``, ... : constructors with a fixed dtype, and ``isinstance`` targets
  that test a tensor's dtype and device (``_LegacyTensorType.__instancecheck__``).
- ``x.type()`` names them as PyTorch does (``'torch.FloatTensor'``: programs compare the string);
  ``x.type(ndgrad.LongTensor)`` or ``x.type('torch.LongTensor')`` converts.
- ``autograd.Variable(t, requires_grad=...)``: a tensor sharing ``t``'s memory.
- ``LegacyTensorMixin``: ``new``, ``resize_``, ``resize``, ``resize_as_``, ``view(dtype)``, and the
  device predicates (``is_xpu``, ``is_mps``, ``is_meta``, ...), mixed into ``Tensor``.

Nothing here imports ``ndgrad.tensor`` at import time: ``Tensor`` is built on the mixin below.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from ndgrad import _dtype

if TYPE_CHECKING:
    from ndgrad.tensor import Tensor

# PyTorch's scalar-type names (its C++ ScalarType), as legacy type names and messages spell them
SCALAR_NAMES = {
    "float32": "Float",
    "float64": "Double",
    "float16": "Half",
    "bfloat16": "BFloat16",
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
}


def _tensor_cls() -> Any:
    from ndgrad.tensor import Tensor

    return Tensor


def _bad_args(args: tuple[Any, ...], kwargs: dict[str, Any]) -> TypeError:
    got = [type(a).__name__ for a in args] + [f"{k}={type(v).__name__}" for k, v in kwargs.items()]
    return TypeError(
        f"new() received an invalid combination of arguments - got ({', '.join(got)}), but "
        "expected one of: (*, device), (Tensor other), (tuple of ints size, *, device), "
        "(object data, *, device)"
    )


def _is_int(x: Any) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool | np.bool_)


def construct(args: tuple[Any, ...], kwargs: dict[str, Any], dtype: Any = None) -> Tensor:
    """The tensor that PyTorch's legacy constructor ``Tensor(*args, **kwargs)`` builds.

    ``dtype`` is the typed constructor's (``LongTensor``); None is ``Tensor``'s: the default dtype.
    Sizes (ints or a ``Size``) give an uninitialised tensor, a sequence or array gives its data,
    a tensor gives a tensor sharing its memory.
    """
    from ndgrad.ops import factory
    from ndgrad.tensor import Size

    Tensor = _tensor_cls()
    if set(kwargs) - {"device", "size"}:
        raise _bad_args(args, kwargs)
    device = kwargs.get("device")
    if "size" in kwargs:
        if args:
            raise _bad_args(args, kwargs)
        args = (Size(kwargs["size"]),)
    target = dtype or _dtype.get_default_dtype()
    if not args:
        return factory.empty(0, dtype=target, device=device)
    if all(_is_int(a) for a in args) or (len(args) == 1 and isinstance(args[0], Size)):
        return factory.empty(*args, dtype=target, device=device)
    if len(args) > 1:
        raise _bad_args(args, kwargs)
    data = args[0]
    if isinstance(data, Tensor):
        if dtype is not None and data.dtype != dtype:
            raise TypeError(
                f"expected {SCALAR_NAMES.get(dtype.name, dtype.name)} tensor (got "
                f"{SCALAR_NAMES.get(data.dtype.name, data.dtype.name)} tensor)"
            )
        return Tensor._make(data.array, data.requires_grad, data.grad_fn, data._out_idx)
    if isinstance(data, numbers.Number | np.generic | str):
        raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
    if target.is_floating_point:
        return factory.tensor(data, dtype=target, device=device)
    # an integer type truncates float data toward zero, as PyTorch's typed constructors do
    array = np.asarray(data)
    if array.dtype.kind == "f":
        array = np.trunc(array)
    return factory.tensor(array.astype(target.np), device=device)


class _LegacyTensorType(type):
    """The class of ``FloatTensor`` & co: calling one builds a tensor of its dtype and device;
    ``isinstance(x, FloatTensor)`` asks whether ``x`` is a float32 tensor on that device."""

    dtype: Any
    is_cuda: bool

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls.is_cuda:
            kwargs.setdefault("device", "cuda")
        return construct(args, kwargs, cls.dtype)

    def __instancecheck__(cls, obj: Any) -> bool:
        return (
            isinstance(obj, _tensor_cls()) and obj.dtype == cls.dtype and obj.is_cuda == cls.is_cuda
        )

    def __repr__(cls) -> str:
        return f"<class '{type_name(cls.dtype, cls.is_cuda)}'>"


def type_name(dt: Any, cuda: bool = False) -> str:
    """``'torch.FloatTensor'`` for float32: PyTorch's module name, which programs compare."""
    return f"torch.{'cuda.' if cuda else ''}{SCALAR_NAMES.get(dt.name, dt.name)}Tensor"


def legacy_type(dt: Any, cuda: bool = False) -> Any:
    """The legacy type of dtype ``dt`` (``FloatTensor`` for float32), on the CPU or on CUDA."""
    name = f"{SCALAR_NAMES[dt.name]}Tensor"
    cls = _LegacyTensorType(name, (), {"dtype": dt, "is_cuda": cuda, "__slots__": ()})
    cls.__module__ = "ndgrad.cuda" if cuda else "ndgrad"
    return cls


FloatTensor = legacy_type(_dtype.float32)
DoubleTensor = legacy_type(_dtype.float64)
HalfTensor = legacy_type(_dtype.float16)
LongTensor = legacy_type(_dtype.int64)
IntTensor = legacy_type(_dtype.int32)
ShortTensor = legacy_type(_dtype.int16)
CharTensor = legacy_type(_dtype.int8)
ByteTensor = legacy_type(_dtype.uint8)
BoolTensor = legacy_type(_dtype.bool_)


def _parse_type(spec: Any) -> tuple[Any, bool | None]:
    """(dtype, on CUDA?) from ``x.type``'s argument: a legacy type, its name, or a dtype."""
    if isinstance(spec, _LegacyTensorType):
        return spec.dtype, spec.is_cuda
    if isinstance(spec, _dtype.dtype):
        return spec, None
    if isinstance(spec, str):
        module, _, name = spec.rpartition(".")
        scalar = name.removesuffix("Tensor")
        by_scalar = {v: k for k, v in SCALAR_NAMES.items()}
        if module in ("torch", "ndgrad", "torch.cuda", "ndgrad.cuda") and scalar in by_scalar:
            np_name = by_scalar[scalar]
            dt = getattr(_dtype, "bool_" if np_name == "bool" else np_name, None)
            if dt is not None:
                return dt, module.endswith("cuda")
    raise ValueError(f"invalid type: {spec!r}")


class _VariableMeta(type):
    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, _tensor_cls())


class Variable(metaclass=_VariableMeta):
    """PyTorch's pre-0.4 wrapper, kept as PyTorch keeps it: ``Variable(t)`` is a tensor sharing
    ``t``'s memory, cut from its graph; ``requires_grad=True`` makes it a leaf that requires grad.
    ``volatile`` is accepted and ignored (use ``no_grad``); every tensor is a ``Variable``."""

    def __new__(cls, data: Any, requires_grad: bool = False, volatile: bool = False) -> Any:  # type: ignore[misc]
        Tensor = _tensor_cls()
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if volatile:
            warnings.warn(
                "volatile was removed and now has no effect. Use `with ndgrad.no_grad():` instead.",
                UserWarning,
                stacklevel=2,
            )
        out = Tensor._make(data.array, False, None)
        return out.requires_grad_(requires_grad) if requires_grad else out


class LegacyTensorMixin:
    """Tensor methods of PyTorch's older API and device predicates (see the module docstring)."""

    __slots__ = ()

    def type(self: Any, dtype: Any = None, non_blocking: bool = False, **kwargs: Any) -> Any:
        """``'torch.FloatTensor'`` (PyTorch's name of this tensor's type), or this tensor converted
        to ``dtype``: a legacy type (``ndgrad.LongTensor``), its name, or a dtype."""
        if dtype is None:
            return type_name(self.dtype, self.is_cuda)
        dt, cuda = _parse_type(dtype)
        out = self.to(dtype=dt)
        if cuda is not None and cuda != self.is_cuda:
            out = out.to(device="cuda" if cuda else "cpu")
        return out

    def new(self: Any, *args: Any, **kwargs: Any) -> Any:
        """A new tensor of this one's dtype and device: ``x.new(2, 3)`` (uninitialised),
        ``x.new(data)``."""
        kwargs.setdefault("device", self.device)
        return construct(args, kwargs, self.dtype)

    def resize_(self: Any, *sizes: Any, memory_format: Any = None) -> Any:
        """Give this tensor the shape ``sizes`` in place; the first elements keep their values
        (row-major order) and new ones are uninitialised, as in PyTorch."""
        shape = _sizes(sizes)
        if self.requires_grad:
            raise RuntimeError("cannot resize variables that require grad")
        flat = self.array.reshape(-1)
        n = math.prod(shape)
        if n != flat.size:
            grown = self.xp.empty(n, dtype=self.array.dtype)
            keep = min(n, flat.size)
            grown[:keep] = flat[:keep]
            flat = grown
        self.array = flat.reshape(shape)
        self._bump_version()
        return self

    def resize_as_(self: Any, other: Any, memory_format: Any = None) -> Any:
        return self.resize_(other.shape)

    def resize(self: Any, *sizes: Any) -> Any:
        """Deprecated in PyTorch: this tensor with a new shape of the same number of elements."""
        warnings.warn("non-inplace resize is deprecated", UserWarning, stacklevel=2)
        shape = _sizes(sizes)
        if math.prod(shape) != self.numel():
            raise RuntimeError(
                f"requested resize to {'x'.join(map(str, shape))} ({math.prod(shape)} elements in "
                f"total), but the given tensor has a size of {'x'.join(map(str, self.shape))} "
                f"({self.numel()} elements). autograd's resize can only change the shape of a "
                "given "
                "tensor, while preserving the number of elements. "
            )
        return self.reshape(shape)

    def _view_dtype(self: Any, dtype: Any) -> Any:
        """``x.view(dtype)``: the same bytes read as ``dtype`` (PyTorch's rules for the last
        dim)."""
        old, new = self.array.itemsize, np.dtype(dtype.np).itemsize
        array = self.array
        if old != new:
            _check_view_dtype(self, dtype, old, new)
            if array.ndim and array.strides[-1] != old:  # a size-1 last dim may have any stride
                array = array.copy()
        return _tensor_cls()._make(array.view(dtype.np), False, None)

    # -- facts about the tensor that PyTorch programs ask ---------------------------------------
    @property
    def itemsize(self) -> int:
        """Bytes per element."""
        return int(self.array.itemsize)  # type: ignore[attr-defined]

    @property
    def nbytes(self) -> int:
        """Bytes of the elements (``numel() * itemsize``)."""
        return int(self.array.nbytes)  # type: ignore[attr-defined]

    def is_signed(self: Any) -> bool:
        """Whether the dtype has negative values (floats and signed integers)."""
        return bool(self.dtype.is_signed)

    def get_device(self: Any) -> int:
        """-1 for a CPU tensor, else its GPU number (as PyTorch)."""
        if not self.is_cuda:
            return -1
        return int(getattr(self.array.device, "id", 0))

    # -- device predicates: ndgrad's tensors live on the CPU or on a CUDA GPU ------------------
    @property
    def is_cpu(self: Any) -> bool:
        return not self.is_cuda

    @property
    def is_xpu(self) -> bool:
        return False

    @property
    def is_mps(self) -> bool:
        return False

    @property
    def is_meta(self) -> bool:
        return False

    @property
    def is_quantized(self) -> bool:
        return False

    @property
    def is_mkldnn(self) -> bool:
        return False

    @property
    def is_nested(self) -> bool:
        return False


def _inplace_of(name: str) -> Any:
    """The in-place form ``x.<name>_(...)``: ``x.<name>(...)`` written into ``x``'s memory, with the
    checks of every in-place op (dtype that can't be cast back, a leaf that requires grad)."""

    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        from ndgrad.ops._util import inplace

        return inplace(self, getattr(self, name)(*args, **kwargs))

    method.__name__ = method.__qualname__ = name + "_"
    return method


def _method_of(name: str) -> Any:
    """The Tensor-method form ``x.<name>(...)`` of the function ``ndgrad.<name>(x, ...)``."""

    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        import ndgrad

        return getattr(ndgrad, name)(self, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    return method


class TensorAliasMixin:
    """Tensor methods PyTorch has as well as their functions: the method forms of ``ndgrad.<fn>``
    and the in-place forms ``x.<op>_()`` of ops that exist out of place. Each is a one-line
    delegation, so they are listed, not written out."""

    __slots__ = ()

    # method forms of top-level functions
    bitwise_and = _method_of("bitwise_and")
    bitwise_or = _method_of("bitwise_or")
    bitwise_xor = _method_of("bitwise_xor")
    bitwise_not = _method_of("bitwise_not")
    greater = _method_of("greater")
    greater_equal = _method_of("greater_equal")
    less = _method_of("less")
    less_equal = _method_of("less_equal")
    not_equal = _method_of("not_equal")
    isposinf = _method_of("isposinf")
    isneginf = _method_of("isneginf")
    fmax = _method_of("fmax")
    fmin = _method_of("fmin")
    fix = _method_of("fix")
    float_power = _method_of("float_power")
    cross = _method_of("cross")
    inner = _method_of("inner")
    vdot = _method_of("vdot")
    logdet = _method_of("logdet")
    slogdet = _method_of("slogdet")

    # in-place forms
    absolute_ = _inplace_of("absolute")
    acos_ = _inplace_of("acos")
    arccos_ = _inplace_of("arccos")
    asin_ = _inplace_of("asin")
    arcsin_ = _inplace_of("arcsin")
    atan_ = _inplace_of("atan")
    arctan_ = _inplace_of("arctan")
    atan2_ = _inplace_of("atan2")
    arctan2_ = _inplace_of("arctan2")
    cosh_ = _inplace_of("cosh")
    sinh_ = _inplace_of("sinh")
    tan_ = _inplace_of("tan")
    erf_ = _inplace_of("erf")
    erfc_ = _inplace_of("erfc")
    exp2_ = _inplace_of("exp2")
    expm1_ = _inplace_of("expm1")
    log10_ = _inplace_of("log10")
    log2_ = _inplace_of("log2")
    logit_ = _inplace_of("logit")
    rsqrt_ = _inplace_of("rsqrt")
    sinc_ = _inplace_of("sinc")
    frac_ = _inplace_of("frac")
    fix_ = _inplace_of("fix")
    deg2rad_ = _inplace_of("deg2rad")
    rad2deg_ = _inplace_of("rad2deg")
    negative_ = _inplace_of("negative")
    multiply_ = _inplace_of("multiply")
    subtract_ = _inplace_of("subtract")
    divide_ = _inplace_of("divide")
    true_divide_ = _inplace_of("true_divide")
    floor_divide_ = _inplace_of("floor_divide")
    copysign_ = _inplace_of("copysign")
    heaviside_ = _inplace_of("heaviside")
    hypot_ = _inplace_of("hypot")
    xlogy_ = _inplace_of("xlogy")
    gcd_ = _inplace_of("gcd")
    lcm_ = _inplace_of("lcm")
    cumsum_ = _inplace_of("cumsum")
    cumprod_ = _inplace_of("cumprod")
    addmm_ = _inplace_of("addmm")
    addmv_ = _inplace_of("addmv")
    addr_ = _inplace_of("addr")
    baddbmm_ = _inplace_of("baddbmm")
    eq_ = _inplace_of("eq")
    ne_ = _inplace_of("ne")
    gt_ = _inplace_of("gt")
    ge_ = _inplace_of("ge")
    lt_ = _inplace_of("lt")
    le_ = _inplace_of("le")
    greater_ = _inplace_of("greater")
    greater_equal_ = _inplace_of("greater_equal")
    less_ = _inplace_of("less")
    less_equal_ = _inplace_of("less_equal")
    not_equal_ = _inplace_of("not_equal")
    logical_and_ = _inplace_of("logical_and")
    logical_or_ = _inplace_of("logical_or")
    logical_xor_ = _inplace_of("logical_xor")
    bitwise_and_ = _inplace_of("bitwise_and")
    bitwise_or_ = _inplace_of("bitwise_or")
    bitwise_xor_ = _inplace_of("bitwise_xor")
    bitwise_not_ = _inplace_of("bitwise_not")

    def float_power_(self: Any, exponent: Any) -> Any:
        """In place ``x ** exponent`` in double precision: only a float64 ``x`` can hold it."""
        if self.dtype != _dtype.float64:
            name = SCALAR_NAMES.get(self.dtype.name, self.dtype.name)
            raise RuntimeError(
                f"the base given to float_power_ has dtype {name} but the operation's result "
                "requires dtype Double"
            )
        return _inplace_of("float_power")(self, exponent)


def _sizes(sizes: tuple[Any, ...]) -> tuple[int, ...]:
    if len(sizes) == 1 and not _is_int(sizes[0]):
        sizes = tuple(sizes[0])
    return tuple(int(s) for s in sizes)


def _check_view_dtype(t: Any, dtype: Any, old: int, new: int) -> None:
    """PyTorch's errors for viewing as a dtype of another element size."""
    names = (
        f"{SCALAR_NAMES.get(t.dtype.name, t.dtype.name)} as "
        f"{SCALAR_NAMES.get(dtype.name, dtype.name)}"
    )
    tail = f"to view {names} (different element sizes)"
    if t.dim() == 0:
        raise RuntimeError(f"self.dim() cannot be 0 {tail}")
    strides = t.stride()
    if t.shape[-1] != 1 and strides[-1] != 1:
        raise RuntimeError(f"self.stride(-1) must be 1 {tail}, but got {strides[-1]}")
    if new > old:
        ratio = new // old
        if t.shape[-1] % ratio:
            raise RuntimeError(
                f"self.size(-1) must be divisible by {ratio} {tail}, but got {t.shape[-1]}"
            )
        for i, s in enumerate(strides[:-1]):
            if s % ratio:
                raise RuntimeError(
                    f"self.stride({i}) must be divisible by {ratio} {tail}, but got {s}"
                )
