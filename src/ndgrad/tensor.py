"""The Tensor: an array (``array``), its gradient (``grad``) and the op that made it (``grad_fn``).

Ops live in ``ndgrad/ops/`` by family; the methods here are thin doors into them, so that
``x.exp()``, ``ndgrad.exp(x)`` and the op class ``Exp`` are one piece of code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ndgrad import _backend, _dtype
from ndgrad import _tensor_legacy as _legacy
from ndgrad._dtype import dtype as DType
from ndgrad._tensor_legacy import LegacyTensorMixin, TensorAliasMixin
from ndgrad._tensor_sparse import SparseTensorMixin

Scalar = int | float | bool
# Tensor has methods named bool, int and float: inside the class these names annotate the builtins
_bool = bool
_int = int
_float = float


# PyTorch's older API and aliases (_tensor_legacy.py), sparse conversions (_tensor_sparse.py)
class Tensor(SparseTensorMixin, LegacyTensorMixin, TensorAliasMixin):
    """A multi-dimensional array that records the operations made on it for autograd.

    Example:
        >>> x = ndgrad.tensor([1.0, 2.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([2., 4.])
    """

    __slots__ = (
        "array",
        "grad",
        "grad_fn",
        "_out_idx",
        "requires_grad",
        "_vc",
        "_base",
        "_hooks",
        "_post_hooks",
        "name",
        "__weakref__",
    )
    __array_priority__ = 1000  # ndarray + Tensor -> Tensor.__radd__

    array: Any
    grad: Tensor | None
    grad_fn: Any
    requires_grad: bool
    _out_idx: int
    _vc: list[int] | None
    _base: Tensor | None
    _hooks: list[Any] | None
    _post_hooks: list[Any] | None
    name: str | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # PyTorch's legacy constructor: Tensor(2, 3), Tensor([1, 2]), Tensor(size=...), Tensor()
        t = _legacy.construct(args, kwargs)
        _init(self, t.array, t.requires_grad, t.grad_fn, t._out_idx)

    @classmethod
    def _make(cls, data: Any, requires_grad: bool, grad_fn: Any, out_idx: int = 0) -> Tensor:
        """Wrap an array without checks or copies (the hot path of every op)."""
        t = object.__new__(cls)
        _init(t, data, requires_grad, grad_fn, out_idx)
        return t

    # -- properties ------------------------------------------------------------------------
    @property
    def data(self) -> Tensor:
        """A tensor sharing this one's memory, cut from the graph, as PyTorch's ``.data``.

        Writes through it change this tensor without bumping its autograd version (unlike
        ``detach()``, which shares the version counter and so catches such writes). Assigning
        ``t.data = other`` swaps the array underneath. The raw NumPy/CuPy array is ``t.array``.
        """
        return Tensor._make(self.array, False, None)

    @data.setter
    def data(self, value: Any) -> None:
        self.array = value.array if isinstance(value, Tensor) else value

    @property
    def shape(self) -> Size:
        return Size(self.array.shape)

    def size(self, dim: int | None = None) -> Any:
        if dim is None:
            return Size(self.array.shape)
        return self.array.shape[_norm_dim(dim, self.array.ndim)]

    @property
    def ndim(self) -> int:
        return int(self.array.ndim)

    def dim(self) -> int:
        return int(self.array.ndim)

    ndimension = dim

    def numel(self) -> int:
        return int(self.array.size)

    nelement = numel

    @property
    def dtype(self) -> DType:
        return _dtype.from_numpy_dtype(self.array.dtype)

    @property
    def device(self) -> device:
        return device(_backend.device_of(self.array))

    @property
    def is_cuda(self) -> bool:
        return _backend.device_of(self.array) == "cuda"

    @property
    def xp(self) -> Any:
        """The array module (NumPy or CuPy) of this tensor's data."""
        return _backend.xp_of(self.array)

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def label(self) -> str | None:
        """A name for drawings of the graph (``ndgrad.viz.draw_graph``); same as ``name``."""
        return self.name

    @label.setter
    def label(self, value: str | None) -> None:
        self.name = value
        if self.grad_fn is not None:
            # let graph drawings find this tensor (its value and retained grad) from its op; a
            # deliberate reference cycle, made only for tensors a user names for drawing
            self.grad_fn._viz_tensor = self

    @property
    def T(self) -> Tensor:
        return _shape.permute(self, tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:
        return _shape.transpose(self, -2, -1)

    @property
    def _version(self) -> int:
        return self._vc[0] if self._vc is not None else 0

    def is_floating_point(self) -> bool:
        return self.array.dtype.kind == "f"

    def element_size(self) -> int:
        return int(self.array.itemsize)

    def is_contiguous(self) -> bool:
        return bool(self.array.flags.c_contiguous)

    def data_ptr(self) -> int:
        return int(self.array.__array_interface__["data"][0]) if type(self.array) is np.ndarray else 0

    # -- conversion -----------------------------------------------------------------------
    def numpy(self, force: bool = False) -> np.ndarray:
        """The data as a NumPy array (sharing memory on the CPU). Like PyTorch, refuses a tensor
        that requires grad unless ``force=True``; call ``.detach()`` first."""
        if self.requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        if type(self.array) is not np.ndarray:
            if isinstance(self.array, np.generic):  # a 0-d result held as a NumPy scalar
                return np.asarray(self.array)
            if not force:
                raise TypeError(
                    f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() "
                    "to copy the tensor to host memory first."
                )
            return _backend.to_numpy(self.array)
        return self.array

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        a = _backend.to_numpy(self.array)
        return a.astype(dtype) if dtype is not None else a

    def item(self) -> Any:
        if self.array.size != 1:
            raise RuntimeError(f"a Tensor with {self.array.size} elements cannot be converted to Scalar")
        return _backend.to_numpy(self.array).reshape(()).item()

    def tolist(self) -> Any:
        return _backend.to_numpy(self.array).tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.array.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self.array.size} elements is ambiguous")
        return bool(self.item())

    def __index__(self) -> int:
        if self.array.dtype.kind not in "iub" or self.array.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __len__(self) -> int:
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return int(self.array.shape[0])

    def __iter__(self) -> Iterator[Tensor]:
        if self.array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(_shape.unbind(self, 0))

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return _format.tensor_repr(self)

    def __format__(self, spec: str) -> str:
        if self.array.ndim == 0:
            return format(self.item(), spec)
        return repr(self)

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (_rebuild, (_backend.to_numpy(self.array), self.requires_grad))

    def __deepcopy__(self, memo: dict[int, Any]) -> Tensor:
        t = type(self)._make(self.array.copy(), self.requires_grad, None)
        if self.grad is not None:
            t.grad = self.grad.__deepcopy__(memo)
        t.name = self.name
        memo[id(self)] = t
        return t

    # -- devices and dtypes ----------------------------------------------------------------
    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """``to(dtype)``, ``to(device)``, ``to(other)``, ``to(device, dtype)``; differentiable."""
        return _ew.to(self, *args, **kwargs)

    def cpu(self) -> Tensor:
        return _ew.to(self, device="cpu")

    def cuda(self, device: Any = None) -> Tensor:
        return _ew.to(self, device="cuda" if device is None else device)

    def float(self) -> Tensor:
        return _ew.to(self, dtype=_dtype.float32)

    def double(self) -> Tensor:
        return _ew.to(self, dtype=_dtype.float64)

    def half(self) -> Tensor:
        return _ew.to(self, dtype=_dtype.float16)

    def long(self) -> Tensor:
        return _ew.to(self, dtype=_dtype.int64)

    def int(self) -> Tensor:
        return _ew.to(self, dtype=_dtype.int32)

    def bool(self) -> Tensor:
        return _ew.to(self, dtype=_dtype.bool_)

    def byte(self) -> Tensor:
        return _ew.to(self, dtype=_dtype.uint8)

    def short(self) -> Tensor:
        return _ew.to(self, dtype=_dtype.int16)

    def char(self) -> Tensor:
        return _ew.to(self, dtype=_dtype.int8)

    def type_as(self, other: Tensor) -> Tensor:
        return _ew.to(self, dtype=other.dtype)

    def new_tensor(self, data: Any, dtype: Any = None, requires_grad: _bool = False) -> Tensor:
        return _factory.tensor(
            data, dtype=dtype or self.dtype, device=self.device, requires_grad=requires_grad
        )

    def new_zeros(self, *size: Any, dtype: Any = None) -> Tensor:
        return _factory.zeros(*size, dtype=dtype or self.dtype, device=self.device)

    def new_ones(self, *size: Any, dtype: Any = None) -> Tensor:
        return _factory.ones(*size, dtype=dtype or self.dtype, device=self.device)

    def new_full(self, size: Any, fill_value: Any, dtype: Any = None) -> Tensor:
        return _factory.full(size, fill_value, dtype=dtype or self.dtype, device=self.device)

    def new_empty(self, *size: Any, dtype: Any = None) -> Tensor:
        return _factory.empty(*size, dtype=dtype or self.dtype, device=self.device)

    # -- autograd --------------------------------------------------------------------------
    def backward(
        self,
        gradient: Tensor | None = None,
        retain_graph: _bool | None = None,
        create_graph: _bool = False,
        inputs: Any = None,
    ) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        Args:
            gradient: d(loss)/d(self); may be omitted only when self has one element.
            retain_graph: keep saved values for another backward (default: ``create_graph``).
            create_graph: record the backward pass, for higher-order gradients.
            inputs: accumulate only into these tensors.
        """
        from ndgrad.autograd import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> Tensor:
        """A tensor sharing this data, cut from the graph."""
        t = Tensor._make(self.array, False, None)
        t._vc = self._shared_vc()
        t._base = self
        return t

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self.requires_grad = False
        return self

    def requires_grad_(self, requires_grad: _bool = True) -> Tensor:
        if not self.is_leaf and not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if requires_grad and self.array.dtype.kind != "f":
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients, got {self.dtype}"
            )
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self.grad_fn._retain(self._out_idx, self)

    @property
    def retains_grad(self) -> _bool:
        node = self.grad_fn
        return node is not None and node._retained is not None and self._out_idx in node._retained

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> _RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor replaces it."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            node = self.grad_fn
            if node._pre_hooks is None:
                node._pre_hooks = {}
            hooks = node._pre_hooks.setdefault(self._out_idx, [])
        else:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        return _RemovableHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> _RemovableHandle:
        """Call ``hook(tensor)`` on a leaf after its ``.grad`` was accumulated."""
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_hooks is None:
            self._post_hooks = []
        return _RemovableHandle(self._post_hooks, hook)

    # -- in-place machinery ----------------------------------------------------------------
    def _shared_vc(self) -> list[_int]:
        if self._vc is None:
            self._vc = [0]
        return self._vc

    def _bump_version(self) -> None:
        if self._vc is None:
            self._vc = [1]
        else:
            self._vc[0] += 1

    # -- operators -------------------------------------------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return _ew.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _ew.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _ew.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _ew.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _ew.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _ew.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _ew.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _ew.div(other, self)

    def __floordiv__(self, other: Any) -> Tensor:
        return _ew.floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return _ew.floor_divide(other, self)

    def __mod__(self, other: Any) -> Tensor:
        return _ew.remainder(self, other)

    def __rmod__(self, other: Any) -> Tensor:
        return _ew.remainder(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return _ew.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _ew.pow(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _la.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _la.matmul(other, self)

    def __neg__(self) -> Tensor:
        return _ew.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _ew.abs(self)

    def __invert__(self) -> Tensor:
        return _ew.bitwise_not(self)

    def __and__(self, other: Any) -> Tensor:
        return _ew.bitwise_and(self, other)

    def __rand__(self, other: Any) -> Tensor:
        return _ew.bitwise_and(other, self)

    def __or__(self, other: Any) -> Tensor:
        return _ew.bitwise_or(self, other)

    def __ror__(self, other: Any) -> Tensor:
        return _ew.bitwise_or(other, self)

    def __xor__(self, other: Any) -> Tensor:
        return _ew.bitwise_xor(self, other)

    def __rxor__(self, other: Any) -> Tensor:
        return _ew.bitwise_xor(other, self)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _ew.eq(self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _ew.ne(self, other)

    def __lt__(self, other: Any) -> Tensor:
        return _ew.lt(self, other)

    def __le__(self, other: Any) -> Tensor:
        return _ew.le(self, other)

    def __gt__(self, other: Any) -> Tensor:
        return _ew.gt(self, other)

    def __ge__(self, other: Any) -> Tensor:
        return _ew.ge(self, other)

    def __iadd__(self, other: Any) -> Tensor:
        return _ew.add_(self, other)

    def __isub__(self, other: Any) -> Tensor:
        return _ew.sub_(self, other)

    def __imul__(self, other: Any) -> Tensor:
        return _ew.mul_(self, other)

    def __itruediv__(self, other: Any) -> Tensor:
        return _ew.div_(self, other)

    def __getitem__(self, index: Any) -> Tensor:
        return _index.getitem(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        _index.setitem(self, index, value)

    # -- elementwise (ops/elementwise.py) --------------------------------------------------
    def add(self, other: Any, alpha: Scalar = 1) -> Tensor:
        return _ew.add(self, other, alpha=alpha)

    def sub(self, other: Any, alpha: Scalar = 1) -> Tensor:
        return _ew.sub(self, other, alpha=alpha)

    subtract = sub

    def mul(self, other: Any) -> Tensor:
        return _ew.mul(self, other)

    multiply = mul

    def div(self, other: Any, rounding_mode: str | None = None) -> Tensor:
        return _ew.div(self, other, rounding_mode=rounding_mode)

    divide = div
    true_divide = div

    def floor_divide(self, other: Any) -> Tensor:
        return _ew.floor_divide(self, other)

    def remainder(self, other: Any) -> Tensor:
        return _ew.remainder(self, other)

    def fmod(self, other: Any) -> Tensor:
        return _ew.fmod(self, other)

    def pow(self, exponent: Any) -> Tensor:
        return _ew.pow(self, exponent)

    def neg(self) -> Tensor:
        return _ew.neg(self)

    negative = neg

    def abs(self) -> Tensor:
        return _ew.abs(self)

    absolute = abs

    def exp(self) -> Tensor:
        return _ew.exp(self)

    def exp2(self) -> Tensor:
        return _ew.exp2(self)

    def log(self) -> Tensor:
        return _ew.log(self)

    def log2(self) -> Tensor:
        return _ew.log2(self)

    def log10(self) -> Tensor:
        return _ew.log10(self)

    def log1p(self) -> Tensor:
        return _ew.log1p(self)

    def expm1(self) -> Tensor:
        return _ew.expm1(self)

    def sqrt(self) -> Tensor:
        return _ew.sqrt(self)

    def rsqrt(self) -> Tensor:
        return _ew.rsqrt(self)

    def square(self) -> Tensor:
        return _ew.square(self)

    def reciprocal(self) -> Tensor:
        return _ew.reciprocal(self)

    def sin(self) -> Tensor:
        return _ew.sin(self)

    def cos(self) -> Tensor:
        return _ew.cos(self)

    def tan(self) -> Tensor:
        return _ew.tan(self)

    def asin(self) -> Tensor:
        return _ew.asin(self)

    arcsin = asin

    def acos(self) -> Tensor:
        return _ew.acos(self)

    arccos = acos

    def atan(self) -> Tensor:
        return _ew.atan(self)

    arctan = atan

    def atan2(self, other: Any) -> Tensor:
        return _ew.atan2(self, other)

    arctan2 = atan2

    def sinh(self) -> Tensor:
        return _ew.sinh(self)

    def cosh(self) -> Tensor:
        return _ew.cosh(self)

    def tanh(self) -> Tensor:
        return _ew.tanh(self)

    def sigmoid(self) -> Tensor:
        return _ew.sigmoid(self)

    def relu(self) -> Tensor:
        return _ew.relu(self)

    def erf(self) -> Tensor:
        return _ew.erf(self)

    def sign(self) -> Tensor:
        return _ew.sign(self)

    def floor(self) -> Tensor:
        return _ew.floor(self)

    def ceil(self) -> Tensor:
        return _ew.ceil(self)

    def round(self, decimals: _int = 0) -> Tensor:
        return _ew.round(self, decimals=decimals)

    def trunc(self) -> Tensor:
        return _ew.trunc(self)

    def frac(self) -> Tensor:
        return _ew.frac(self)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:
        return _ew.clamp(self, min, max)

    clip = clamp

    def maximum(self, other: Tensor) -> Tensor:
        return _ew.maximum(self, other)

    def minimum(self, other: Tensor) -> Tensor:
        return _ew.minimum(self, other)

    def where(self, condition: Tensor, other: Any) -> Tensor:
        return _ew.where(condition, self, other)

    def lerp(self, end: Tensor, weight: Any) -> Tensor:
        return _ew.lerp(self, end, weight)

    def eq(self, other: Any) -> Tensor:
        return _ew.eq(self, other)

    def ne(self, other: Any) -> Tensor:
        return _ew.ne(self, other)

    def lt(self, other: Any) -> Tensor:
        return _ew.lt(self, other)

    def le(self, other: Any) -> Tensor:
        return _ew.le(self, other)

    def gt(self, other: Any) -> Tensor:
        return _ew.gt(self, other)

    def ge(self, other: Any) -> Tensor:
        return _ew.ge(self, other)

    def equal(self, other: Tensor) -> _bool:
        return _ew.equal(self, other)

    def allclose(
        self, other: Tensor, rtol: _float = 1e-5, atol: _float = 1e-8, equal_nan: _bool = False
    ) -> _bool:
        return _ew.allclose(self, other, rtol=rtol, atol=atol, equal_nan=equal_nan)

    def isclose(
        self, other: Tensor, rtol: _float = 1e-5, atol: _float = 1e-8, equal_nan: _bool = False
    ) -> Tensor:
        return _ew.isclose(self, other, rtol=rtol, atol=atol, equal_nan=equal_nan)

    def logical_and(self, other: Any) -> Tensor:
        return _ew.logical_and(self, other)

    def logical_or(self, other: Any) -> Tensor:
        return _ew.logical_or(self, other)

    def logical_xor(self, other: Any) -> Tensor:
        return _ew.logical_xor(self, other)

    def logical_not(self) -> Tensor:
        return _ew.logical_not(self)

    def isnan(self) -> Tensor:
        return _ew.isnan(self)

    def isinf(self) -> Tensor:
        return _ew.isinf(self)

    def isfinite(self) -> Tensor:
        return _ew.isfinite(self)

    def nan_to_num(
        self, nan: _float = 0.0, posinf: _float | None = None, neginf: _float | None = None
    ) -> Tensor:
        return _ew.nan_to_num(self, nan=nan, posinf=posinf, neginf=neginf)

    def clone(self) -> Tensor:
        return _ew.clone(self)

    # in place
    def add_(self, other: Any, alpha: Scalar = 1) -> Tensor:
        return _ew.add_(self, other, alpha=alpha)

    def sub_(self, other: Any, alpha: Scalar = 1) -> Tensor:
        return _ew.sub_(self, other, alpha=alpha)

    def mul_(self, other: Any) -> Tensor:
        return _ew.mul_(self, other)

    def div_(self, other: Any) -> Tensor:
        return _ew.div_(self, other)

    def pow_(self, other: Any) -> Tensor:
        return _ew.pow_(self, other)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:
        return _ew.clamp_(self, min, max)

    clip_ = clamp_

    def zero_(self) -> Tensor:
        return _ew.zero_(self)

    def fill_(self, value: Any) -> Tensor:
        return _ew.fill_(self, value)

    def copy_(self, src: Any) -> Tensor:
        return _ew.copy_(self, src)

    def neg_(self) -> Tensor:
        return _ew.neg_(self)

    def exp_(self) -> Tensor:
        return _ew.exp_(self)

    def sqrt_(self) -> Tensor:
        return _ew.sqrt_(self)

    def relu_(self) -> Tensor:
        return _ew.relu_(self)

    def sigmoid_(self) -> Tensor:
        return _ew.sigmoid_(self)

    def tanh_(self) -> Tensor:
        return _ew.tanh_(self)

    def abs_(self) -> Tensor:
        return _ew.abs_(self)

    def addcmul_(self, t1: Tensor, t2: Tensor, value: Scalar = 1) -> Tensor:
        return _ew.addcmul_(self, t1, t2, value=value)

    def addcdiv_(self, t1: Tensor, t2: Tensor, value: Scalar = 1) -> Tensor:
        return _ew.addcdiv_(self, t1, t2, value=value)

    def lerp_(self, end: Tensor, weight: Any) -> Tensor:
        return _ew.lerp_(self, end, weight)

    def masked_fill_(self, mask: Tensor, value: Any) -> Tensor:
        return _index.masked_fill_(self, mask, value)

    def uniform_(self, a: _float = 0.0, b: _float = 1.0, generator: Any = None) -> Tensor:
        return _random.uniform_(self, a, b, generator=generator)

    def normal_(self, mean: _float = 0.0, std: _float = 1.0, generator: Any = None) -> Tensor:
        return _random.normal_(self, mean, std, generator=generator)

    def bernoulli_(self, p: _float = 0.5, generator: Any = None) -> Tensor:
        return _random.bernoulli_(self, p, generator=generator)

    def bernoulli(self, generator: Any = None) -> Tensor:
        return _random.bernoulli(self, generator=generator)

    def multinomial(self, num_samples: _int, replacement: _bool = False, generator: Any = None) -> Tensor:
        return _random.multinomial(self, num_samples, replacement, generator=generator)

    def addcmul(self, t1: Tensor, t2: Tensor, value: Scalar = 1) -> Tensor:
        return _ew.addcmul(self, t1, t2, value=value)

    def addcdiv(self, t1: Tensor, t2: Tensor, value: Scalar = 1) -> Tensor:
        return _ew.addcdiv(self, t1, t2, value=value)

    # -- reductions (ops/reduce.py) --------------------------------------------------------
    def sum(self, dim: Any = None, keepdim: _bool = False, dtype: Any = None) -> Tensor:
        return _reduce.sum(self, dim, keepdim, dtype=dtype)

    def mean(self, dim: Any = None, keepdim: _bool = False, dtype: Any = None) -> Tensor:
        return _reduce.mean(self, dim, keepdim, dtype=dtype)

    def prod(self, dim: Any = None, keepdim: _bool = False, dtype: Any = None) -> Tensor:
        return _reduce.prod(self, dim, keepdim, dtype=dtype)

    def max(self, dim: Any = None, keepdim: _bool = False) -> Any:
        return _reduce.max(self, dim, keepdim)

    def min(self, dim: Any = None, keepdim: _bool = False) -> Any:
        return _reduce.min(self, dim, keepdim)

    def amax(self, dim: Any = (), keepdim: _bool = False) -> Tensor:
        return _reduce.amax(self, dim, keepdim)

    def amin(self, dim: Any = (), keepdim: _bool = False) -> Tensor:
        return _reduce.amin(self, dim, keepdim)

    def argmax(self, dim: _int | None = None, keepdim: _bool = False) -> Tensor:
        return _reduce.argmax(self, dim, keepdim)

    def argmin(self, dim: _int | None = None, keepdim: _bool = False) -> Tensor:
        return _reduce.argmin(self, dim, keepdim)

    def var(
        self, dim: Any = None, unbiased: Any = None, keepdim: _bool = False, *, correction: Any = None
    ) -> Tensor:
        return _reduce.var(self, dim, unbiased, keepdim, correction=correction)

    def std(
        self, dim: Any = None, unbiased: Any = None, keepdim: _bool = False, *, correction: Any = None
    ) -> Tensor:
        return _reduce.std(self, dim, unbiased, keepdim, correction=correction)

    def logsumexp(self, dim: Any, keepdim: _bool = False) -> Tensor:
        return _reduce.logsumexp(self, dim, keepdim)

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: _bool = False, dtype: Any = None) -> Tensor:
        return _reduce.norm(self, p, dim, keepdim, dtype=dtype)

    def cumsum(self, dim: _int, dtype: Any = None) -> Tensor:
        return _reduce.cumsum(self, dim, dtype=dtype)

    def cumprod(self, dim: _int, dtype: Any = None) -> Tensor:
        return _reduce.cumprod(self, dim, dtype=dtype)

    def all(self, dim: Any = None, keepdim: _bool = False) -> Tensor:
        return _reduce.all(self, dim, keepdim)

    def any(self, dim: Any = None, keepdim: _bool = False) -> Tensor:
        return _reduce.any(self, dim, keepdim)

    def softmax(self, dim: _int, dtype: Any = None) -> Tensor:
        return _reduce.softmax(self, dim, dtype=dtype)

    def log_softmax(self, dim: _int, dtype: Any = None) -> Tensor:
        return _reduce.log_softmax(self, dim, dtype=dtype)

    def sort(self, dim: _int = -1, descending: _bool = False, stable: _bool = False) -> Any:
        return _reduce.sort(self, dim, descending, stable=stable)

    def argsort(self, dim: _int = -1, descending: _bool = False, stable: _bool = False) -> Tensor:
        return _reduce.argsort(self, dim, descending, stable=stable)

    def topk(self, k: _int, dim: _int = -1, largest: _bool = True, sorted: _bool = True) -> Any:
        return _reduce.topk(self, k, dim, largest, sorted)

    def median(self, dim: Any = None, keepdim: _bool = False) -> Any:
        return _reduce.median(self, dim, keepdim)

    def count_nonzero(self, dim: Any = None) -> Tensor:
        return _reduce.count_nonzero(self, dim)

    # -- shape (ops/shape.py) --------------------------------------------------------------
    def reshape(self, *shape: Any) -> Tensor:
        return _shape.reshape(self, *shape)

    def view(self, *shape: Any) -> Tensor:
        if len(shape) == 1 and not isinstance(shape[0], int | tuple | list | Size):
            return self._view_dtype(shape[0])  # the bytes read as another dtype (_tensor_legacy)
        return _shape.view(self, *shape)

    def view_as(self, other: Tensor) -> Tensor:
        return _shape.view(self, other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        return _shape.reshape(self, other.shape)

    def flatten(self, start_dim: _int = 0, end_dim: _int = -1) -> Tensor:
        return _shape.flatten(self, start_dim, end_dim)

    def unflatten(self, dim: _int, sizes: Any) -> Tensor:
        return _shape.unflatten(self, dim, sizes)

    def squeeze(self, dim: Any = None) -> Tensor:
        return _shape.squeeze(self, dim)

    def unsqueeze(self, dim: _int) -> Tensor:
        return _shape.unsqueeze(self, dim)

    def transpose(self, dim0: _int, dim1: _int) -> Tensor:
        return _shape.transpose(self, dim0, dim1)

    swapaxes = transpose
    swapdims = transpose

    def t(self) -> Tensor:
        return _shape.t(self)

    def permute(self, *dims: Any) -> Tensor:
        return _shape.permute(self, *dims)

    def movedim(self, source: Any, destination: Any) -> Tensor:
        return _shape.movedim(self, source, destination)

    moveaxis = movedim

    def expand(self, *sizes: Any) -> Tensor:
        return _shape.expand(self, *sizes)

    def expand_as(self, other: Tensor) -> Tensor:
        return _shape.expand(self, other.shape)

    def broadcast_to(self, shape: Any) -> Tensor:
        return _shape.broadcast_to(self, shape)

    def repeat(self, *sizes: Any) -> Tensor:
        return _shape.repeat(self, *sizes)

    def tile(self, *dims: Any) -> Tensor:
        return _shape.tile(self, *dims)

    def split(self, split_size_or_sections: Any, dim: _int = 0) -> tuple[Tensor, ...]:
        return _shape.split(self, split_size_or_sections, dim)

    def chunk(self, chunks: _int, dim: _int = 0) -> tuple[Tensor, ...]:
        return _shape.chunk(self, chunks, dim)

    def unbind(self, dim: _int = 0) -> tuple[Tensor, ...]:
        return _shape.unbind(self, dim)

    def flip(self, *dims: Any) -> Tensor:
        return _shape.flip(self, *dims)

    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        return _shape.roll(self, shifts, dims)

    def narrow(self, dim: _int, start: _int, length: _int) -> Tensor:
        return _shape.narrow(self, dim, start, length)

    def select(self, dim: _int, index: _int) -> Tensor:
        return _shape.select(self, dim, index)

    def tril(self, diagonal: _int = 0) -> Tensor:
        return _shape.tril(self, diagonal)

    def triu(self, diagonal: _int = 0) -> Tensor:
        return _shape.triu(self, diagonal)

    def diagonal(self, offset: _int = 0, dim1: _int = 0, dim2: _int = 1) -> Tensor:
        return _shape.diagonal(self, offset, dim1, dim2)

    def contiguous(self) -> Tensor:
        return _shape.contiguous(self)

    def unfold(self, dimension: _int, size: _int, step: _int) -> Tensor:
        return _shape.unfold(self, dimension, size, step)

    # -- indexing (ops/index.py) -----------------------------------------------------------
    def gather(self, dim: _int, index: Tensor) -> Tensor:
        return _index.gather(self, dim, index)

    def scatter(self, dim: _int, index: Tensor, src: Any, reduce: str | None = None) -> Tensor:
        return _index.scatter(self, dim, index, src, reduce=reduce)

    def scatter_add(self, dim: _int, index: Tensor, src: Tensor) -> Tensor:
        return _index.scatter_add(self, dim, index, src)

    def scatter_(self, dim: _int, index: Tensor, src: Any, reduce: str | None = None) -> Tensor:
        return _index.scatter_(self, dim, index, src, reduce=reduce)

    def scatter_add_(self, dim: _int, index: Tensor, src: Tensor) -> Tensor:
        return _index.scatter_add_(self, dim, index, src)

    def index_select(self, dim: _int, index: Tensor) -> Tensor:
        return _index.index_select(self, dim, index)

    def index_add(self, dim: _int, index: Tensor, source: Tensor, alpha: Scalar = 1) -> Tensor:
        return _index.index_add(self, dim, index, source, alpha=alpha)

    def index_add_(self, dim: _int, index: Tensor, source: Tensor, alpha: Scalar = 1) -> Tensor:
        return _index.index_add_(self, dim, index, source, alpha=alpha)

    def masked_fill(self, mask: Tensor, value: Any) -> Tensor:
        return _index.masked_fill(self, mask, value)

    def masked_select(self, mask: Tensor) -> Tensor:
        return _index.masked_select(self, mask)

    def nonzero(self, as_tuple: _bool = False) -> Any:
        return _index.nonzero(self, as_tuple=as_tuple)

    def index_put_(self, indices: Any, values: Any, accumulate: _bool = False) -> Tensor:
        return _index.index_put_(self, indices, values, accumulate)

    def index_put(self, indices: Any, values: Any, accumulate: _bool = False) -> Tensor:
        return _index.index_put(self, indices, values, accumulate)

    def index_fill(self, dim: _int, index: Tensor, value: Any) -> Tensor:
        return _index.index_fill(self, dim, index, value)

    def take(self, index: Tensor) -> Tensor:
        return _index.take(self, index)

    # -- linear algebra (ops/linalg.py) ----------------------------------------------------
    def matmul(self, other: Tensor) -> Tensor:
        return _la.matmul(self, other)

    def mm(self, other: Tensor) -> Tensor:
        return _la.mm(self, other)

    def bmm(self, other: Tensor) -> Tensor:
        return _la.bmm(self, other)

    def mv(self, vec: Tensor) -> Tensor:
        return _la.mv(self, vec)

    def dot(self, other: Tensor) -> Tensor:
        return _la.dot(self, other)

    def outer(self, other: Tensor) -> Tensor:
        return _la.outer(self, other)

    def inverse(self) -> Tensor:
        return _la.inv(self)

    def det(self) -> Tensor:
        return _la.det(self)

    # -- miscellaneous (ops/misc.py) -------------------------------------------------------
    def stride(self, dim: _int | None = None) -> Any:
        """Steps in elements between neighbours along each dim (of the array's memory layout)."""
        item = self.array.itemsize
        strides = tuple(s // item for s in self.array.strides)
        return strides if dim is None else strides[_norm_dim(dim, self.array.ndim)]

    def is_nonzero(self) -> _bool:
        return _misc.is_nonzero(self)

    def diag(self, diagonal: _int = 0) -> Tensor:
        return _misc.diag(self, diagonal)

    def diag_embed(self, offset: _int = 0, dim1: _int = -2, dim2: _int = -1) -> Tensor:
        return _misc.diag_embed(self, offset, dim1, dim2)

    def diagflat(self, offset: _int = 0) -> Tensor:
        return _misc.diagflat(self, offset)

    def trace(self) -> Tensor:
        return _misc.trace(self)

    def kron(self, other: Tensor) -> Tensor:
        return _misc.kron(self, other)

    def ravel(self) -> Tensor:
        return _misc.ravel(self)

    def diff(self, n: _int = 1, dim: _int = -1, prepend: Any = None, append: Any = None) -> Tensor:
        return _misc.diff(self, n, dim, prepend, append)

    def repeat_interleave(
        self, repeats: Any = None, dim: _int | None = None, *, output_size: Any = None
    ) -> Tensor:
        return _misc.repeat_interleave(self, repeats, dim, output_size=output_size)

    def fill_diagonal_(self, fill_value: Any, wrap: _bool = False) -> Tensor:
        return _misc.fill_diagonal_(self, fill_value, wrap)

    def index_fill_(self, dim: _int, index: Tensor, value: Any) -> Tensor:
        return _misc.index_fill_(self, dim, index, value)

    def masked_scatter(self, mask: Tensor, source: Tensor) -> Tensor:
        return _misc.masked_scatter(self, mask, source)

    def masked_scatter_(self, mask: Tensor, source: Tensor) -> Tensor:
        return _misc.masked_scatter_(self, mask, source)

    def unique(
        self,
        sorted: _bool = True,
        return_inverse: _bool = False,
        return_counts: _bool = False,
        dim: Any = None,
    ) -> Any:
        return _misc.unique(self, sorted, return_inverse, return_counts, dim)

    def bincount(self, weights: Tensor | None = None, minlength: _int = 0) -> Tensor:
        return _misc.bincount(self, weights, minlength)

    def histc(self, bins: _int = 100, min: _float = 0, max: _float = 0) -> Tensor:
        return _misc.histc(self, bins, min, max)

    def kthvalue(self, k: _int, dim: _int = -1, keepdim: _bool = False) -> Any:
        return _misc.kthvalue(self, k, dim, keepdim)

    def quantile(
        self, q: Any, dim: Any = None, keepdim: _bool = False, *, interpolation: str = "linear"
    ) -> Tensor:
        return _misc.quantile(self, q, dim, keepdim, interpolation=interpolation)

    def nanquantile(
        self, q: Any, dim: Any = None, keepdim: _bool = False, *, interpolation: str = "linear"
    ) -> Tensor:
        return _misc.nanquantile(self, q, dim, keepdim, interpolation=interpolation)

    def nanmean(self, dim: Any = None, keepdim: _bool = False, *, dtype: Any = None) -> Tensor:
        return _misc.nanmean(self, dim, keepdim, dtype=dtype)

    def mode(self, dim: _int = -1, keepdim: _bool = False) -> Any:
        return _misc.mode(self, dim, keepdim)

    def cummax(self, dim: _int) -> Any:
        return _misc.cummax(self, dim)

    def cummin(self, dim: _int) -> Any:
        return _misc.cummin(self, dim)

    def heaviside(self, values: Tensor) -> Tensor:
        return _misc.heaviside(self, values)

    def sinc(self) -> Tensor:
        return _misc.sinc(self)

    def logit(self, eps: _float | None = None) -> Tensor:
        return _misc.logit(self, eps)

    def xlogy(self, other: Any) -> Tensor:
        return _misc.xlogy(self, other)

    def clamp_min(self, min: Any) -> Tensor:
        return _misc.clamp_min(self, min)

    def clamp_max(self, max: Any) -> Tensor:
        return _misc.clamp_max(self, max)

    def clamp_min_(self, min: Any) -> Tensor:
        return _ew.clamp_(self, min=min)

    def clamp_max_(self, max: Any) -> Tensor:
        return _ew.clamp_(self, max=max)

    def logaddexp(self, other: Tensor) -> Tensor:
        return _misc.logaddexp(self, other)

    def hypot(self, other: Tensor) -> Tensor:
        return _misc.hypot(self, other)

    def deg2rad(self) -> Tensor:
        return _misc.deg2rad(self)

    def rad2deg(self) -> Tensor:
        return _misc.rad2deg(self)

    def rot90(self, k: _int = 1, dims: Any = (0, 1)) -> Tensor:
        return _misc.rot90(self, k, dims)

    def fliplr(self) -> Tensor:
        return _misc.fliplr(self)

    def flipud(self) -> Tensor:
        return _misc.flipud(self)

    def take_along_dim(self, indices: Tensor, dim: _int | None = None) -> Tensor:
        return _misc.take_along_dim(self, indices, dim)

    def signbit(self) -> Tensor:
        return _misc.signbit(self)

    def copysign(self, other: Any) -> Tensor:
        return _misc.copysign(self, other)

    def erfc(self) -> Tensor:
        return _misc.erfc(self)

    def logcumsumexp(self, dim: _int) -> Tensor:
        return _misc.logcumsumexp(self, dim)

    def cov(self, *, correction: _int = 1, fweights: Any = None, aweights: Any = None) -> Tensor:
        return _misc.cov(self, correction=correction, fweights=fweights, aweights=aweights)

    def corrcoef(self) -> Tensor:
        return _misc.corrcoef(self)

    def unique_consecutive(
        self, return_inverse: _bool = False, return_counts: _bool = False, dim: _int | None = None
    ) -> Any:
        return _misc.unique_consecutive(self, return_inverse, return_counts, dim)

    def addmm(self, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return _la.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def baddbmm(self, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return _la.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addmv(self, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return _misc.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addr(self, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return _misc.addr(self, vec1, vec2, beta=beta, alpha=alpha)

    def is_complex(self) -> _bool:
        return _misc.is_complex(self)

    def is_same_size(self, other: Tensor) -> _bool:
        return _misc.is_same_size(self, other)

    def tensor_split(self, indices_or_sections: Any, dim: _int = 0) -> tuple[Tensor, ...]:
        return _misc.tensor_split(self, indices_or_sections, dim)

    def hsplit(self, sections: Any) -> tuple[Tensor, ...]:
        return _misc.hsplit(self, sections)

    def vsplit(self, sections: Any) -> tuple[Tensor, ...]:
        return _misc.vsplit(self, sections)

    def dsplit(self, sections: Any) -> tuple[Tensor, ...]:
        return _misc.dsplit(self, sections)

    def dist(self, other: Tensor, p: _float = 2) -> Tensor:
        return _misc.dist(self, other, p)

    def msort(self) -> Tensor:
        return _misc.msort(self)

    def adjoint(self) -> Tensor:
        return _misc.adjoint(self)

    def positive(self) -> Tensor:
        return _misc.positive(self)

    def gcd(self, other: Tensor) -> Tensor:
        return _misc.gcd(self, other)

    def lcm(self, other: Tensor) -> Tensor:
        return _misc.lcm(self, other)

    def logaddexp2(self, other: Tensor) -> Tensor:
        return _misc.logaddexp2(self, other)

    def narrow_copy(self, dim: _int, start: _int, length: _int) -> Tensor:
        return _misc.narrow_copy(self, dim, start, length)

    def index_copy(self, dim: _int, index: Tensor, source: Tensor) -> Tensor:
        return _misc.index_copy(self, dim, index, source)

    def index_copy_(self, dim: _int, index: Tensor, source: Tensor) -> Tensor:
        return _misc.index_copy_(self, dim, index, source)

    def put(self, index: Tensor, source: Tensor, accumulate: _bool = False) -> Tensor:
        return _misc.put(self, index, source, accumulate)

    def put_(self, index: Tensor, source: Tensor, accumulate: _bool = False) -> Tensor:
        return _misc.put_(self, index, source, accumulate)

    def sum_to_size(self, *size: Any) -> Tensor:
        return _misc.sum_to_size(self, *size)

    def aminmax(self, *, dim: _int | None = None, keepdim: _bool = False) -> Any:
        return _reduce.aminmax(self, dim=dim, keepdim=keepdim)

    def nansum(self, dim: Any = None, keepdim: _bool = False, *, dtype: Any = None) -> Tensor:
        return _reduce.nansum(self, dim, keepdim, dtype=dtype)

    def argwhere(self) -> Tensor:
        return _index.argwhere(self)

    def is_pinned(self) -> _bool:
        """False: ndgrad has no pinned host memory."""
        return False

    def pin_memory(self) -> Tensor:
        """The tensor itself: ndgrad has no pinned host memory."""
        return self

    def share_memory_(self) -> Tensor:
        """The tensor itself: ndgrad does not move tensors to shared memory."""
        return self

    # in place (ops/misc.py)
    def floor_(self) -> Tensor:
        return _misc.floor_(self)

    def ceil_(self) -> Tensor:
        return _misc.ceil_(self)

    def trunc_(self) -> Tensor:
        return _misc.trunc_(self)

    def round_(self, decimals: _int = 0) -> Tensor:
        return _misc.round_(self, decimals)

    def sign_(self) -> Tensor:
        return _misc.sign_(self)

    def log_(self) -> Tensor:
        return _misc.log_(self)

    def log1p_(self) -> Tensor:
        return _misc.log1p_(self)

    def sin_(self) -> Tensor:
        return _misc.sin_(self)

    def cos_(self) -> Tensor:
        return _misc.cos_(self)

    def square_(self) -> Tensor:
        return _misc.square_(self)

    def reciprocal_(self) -> Tensor:
        return _misc.reciprocal_(self)

    def fmod_(self, other: Any) -> Tensor:
        return _misc.fmod_(self, other)

    def remainder_(self, other: Any) -> Tensor:
        return _misc.remainder_(self, other)

    def logical_not_(self) -> Tensor:
        return _misc.logical_not_(self)

    def nan_to_num_(
        self, nan: _float = 0.0, posinf: _float | None = None, neginf: _float | None = None
    ) -> Tensor:
        return _misc.nan_to_num_(self, nan, posinf, neginf)

    def triu_(self, diagonal: _int = 0) -> Tensor:
        return _misc.triu_(self, diagonal)

    def tril_(self, diagonal: _int = 0) -> Tensor:
        return _misc.tril_(self, diagonal)


class Size(tuple):  # type: ignore[type-arg]
    """A tensor's shape: a tuple of ints that prints like ``ndgrad.Size([2, 3])``."""

    def __repr__(self) -> str:
        return f"ndgrad.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


class device:
    """A device name: ``device("cpu")`` or ``device("cuda")`` (``"cuda:0"`` works too)."""

    __slots__ = ("type", "index")
    type: str
    index: int | None

    def __init__(self, type: Any, index: int | None = None) -> None:
        if isinstance(type, device):
            type, index = type.type, type.index
        name = str(type)
        if ":" in name:
            name, idx = name.split(":")
            index = int(idx)
        if name not in ("cpu", "cuda"):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {type}")
        self.type = name
        self.index = index

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and other.type == self.type

    def __hash__(self) -> int:
        return hash(self.type)

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        return f"device(type='{self.type}')"


class _RemovableHandle:
    """Returned by ``register_hook``; ``handle.remove()`` unregisters the hook."""

    def __init__(self, hooks: list[Any], hook: Any) -> None:
        hooks.append(hook)
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _init(t: Tensor, data: Any, requires_grad: bool, grad_fn: Any, out_idx: int = 0) -> None:
    """Set every slot of a new tensor: the one place that lists them (``_make``, ``__init__``,
    ``Parameter``)."""
    t.array = data
    t.grad = None
    t.grad_fn = grad_fn
    t._out_idx = out_idx
    t.requires_grad = requires_grad
    t._vc = None
    t._base = None
    t._hooks = None
    t._post_hooks = None
    t.name = None


def _rebuild(data: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor._make(data, requires_grad, None)


def _norm_dim(dim: int, ndim: int) -> int:
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim % n


# The op families import Tensor, so they are bound after the class exists.
from ndgrad import _format  # noqa: E402
from ndgrad.ops import elementwise as _ew  # noqa: E402
from ndgrad.ops import factory as _factory  # noqa: E402
from ndgrad.ops import index as _index  # noqa: E402
from ndgrad.ops import linalg as _la  # noqa: E402
from ndgrad.ops import misc as _misc  # noqa: E402
from ndgrad.ops import random as _random  # noqa: E402
from ndgrad.ops import reduce as _reduce  # noqa: E402
from ndgrad.ops import shape as _shape  # noqa: E402
