"""The Tensor: an array (``array``), its gradient (``grad``) and the op that made it (``grad_fn``).

This file holds the core: the slots, properties, conversions, the autograd entry points and the
operators. The named methods (``x.exp()``, ``x.sum(1)``...) are thin doors into the op families,
kept in the mixins ``ndgrad/_tensor_methods*.py``; ``x.exp()``, ``ndgrad.exp(x)`` and the op class
``Exp`` are one piece of code.

The one import cycle of the package (docs/architecture.md): the op modules import ``Tensor`` from
here, and Tensor's operators and methods call the op modules. It is closed at call time, not at
import time: this file imports the ``ndgrad.ops`` package (whose ``__init__`` is empty) and names
``ops.arithmetic.add`` when ``+`` runs, so the modules can be imported in any order.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ndgrad import _backend, _dtype, _format, ops
from ndgrad import _tensor_legacy as _legacy
from ndgrad._dtype import dtype as DType
from ndgrad._tensor_legacy import LegacyTensorMixin, TensorAliasMixin
from ndgrad._tensor_methods import TensorMethods
from ndgrad._tensor_methods_linalg import TensorLinalgMethods
from ndgrad._tensor_methods_shape import TensorShapeMethods
from ndgrad._tensor_sparse import SparseTensorMixin

# Tensor has methods named bool, int and float: inside the class these names annotate the builtins
_bool = bool
_int = int
_float = float


# the named methods (_tensor_methods*.py) first; then PyTorch's older API and aliases
# (_tensor_legacy.py) and sparse conversions (_tensor_sparse.py)
class Tensor(
    TensorMethods,
    TensorShapeMethods,
    TensorLinalgMethods,
    SparseTensorMixin,
    LegacyTensorMixin,
    TensorAliasMixin,
):
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
        """Wrap an array without checks or copies (the hot path of every op).

        The slots are set here, not by calling ``_init``: one call less for every op's result.
        """
        t = object.__new__(cls)
        t.array = data
        t.grad = None
        t.grad_fn = grad_fn
        t._out_idx = out_idx
        t.requires_grad = requires_grad
        t._vc = t._base = t._hooks = t._post_hooks = t.name = None
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
        """The shape (an ``ndgrad.Size``), or the length of dim ``dim``."""
        if dim is None:
            return Size(self.array.shape)
        return self.array.shape[ops._util.normalize_dim(dim, self.array.ndim)]

    @property
    def ndim(self) -> int:
        return int(self.array.ndim)

    def dim(self) -> int:
        """The number of dimensions."""
        return int(self.array.ndim)

    ndimension = dim

    def numel(self) -> int:
        """The number of elements."""
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
            # let graph drawings find this tensor (its value and retained grad) from its op: weakly,
            # plus a graph-free stand-in sharing its data, so the node never refers to its own
            # output (no reference cycle) and the drawing still has the name once it is freed
            stand_in = Tensor._make(self.array, False, None)
            stand_in.name = value
            self.grad_fn._viz_named = (weakref.ref(self), stand_in)

    @property
    def T(self) -> Tensor:
        return ops.shape.permute(self, tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:
        return ops.shape.transpose(self, -2, -1)

    @property
    def _version(self) -> int:
        return self._vc[0] if self._vc is not None else 0

    def is_floating_point(self) -> bool:
        """True for float16, float32 and float64 tensors."""
        return self.array.dtype.kind == "f"

    def element_size(self) -> int:
        """Bytes per element."""
        return int(self.array.itemsize)

    def is_contiguous(self) -> bool:
        """True when the array is laid out row-major without gaps (C-contiguous)."""
        return bool(self.array.flags.c_contiguous)

    def data_ptr(self) -> int:
        """The address of the first element (0 for a GPU or scalar-held array)."""
        return (
            int(self.array.__array_interface__["data"][0]) if type(self.array) is np.ndarray else 0
        )

    # -- conversion -----------------------------------------------------------------------
    def numpy(self, force: bool = False) -> np.ndarray:
        """The data as a NumPy array (sharing memory on the CPU). Like PyTorch, refuses a tensor
        that requires grad unless ``force=True``; call ``.detach()`` first."""
        if self.requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
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
        """The one element as a Python number."""
        if self.array.size != 1:
            raise RuntimeError(
                f"a Tensor with {self.array.size} elements cannot be converted to Scalar"
            )
        return _backend.to_numpy(self.array).reshape(()).item()

    def tolist(self) -> Any:
        """The data as nested Python lists (a number for a 0-d tensor)."""
        return _backend.to_numpy(self.array).tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.array.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {self.array.size} elements is ambiguous"
            )
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
        return iter(ops.join.unbind(self, 0))

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
        """Cut this tensor from the graph in place: it becomes a leaf that needs no gradient."""
        self.grad_fn = None
        self.requires_grad = False
        return self

    def requires_grad_(self, requires_grad: _bool = True) -> Tensor:
        """Set ``requires_grad`` in place (leaves only, floating dtypes only); returns self."""
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
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor
        replaces it."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:  # on the gradient of its output, before the node runs
            return self.grad_fn._add_hook(self._out_idx, hook)  # type: ignore[no-any-return]
        if self._hooks is None:
            self._hooks = []
        return _RemovableHandle(self._hooks, hook)

    def register_post_accumulate_grad_hook(
        self, hook: Callable[[Tensor], None]
    ) -> _RemovableHandle:
        """Call ``hook(tensor)`` on a leaf after its ``.grad`` was accumulated."""
        if self.grad_fn is not None:
            raise RuntimeError(
                "post accumulate grad hooks cannot be registered on non-leaf tensors"
            )
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
        return ops.arithmetic.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return ops.arithmetic.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return ops.arithmetic.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return ops.arithmetic.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return ops.arithmetic.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return ops.arithmetic.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return ops.arithmetic.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return ops.arithmetic.div(other, self)

    def __floordiv__(self, other: Any) -> Tensor:
        return ops.arithmetic.floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return ops.arithmetic.floor_divide(other, self)

    def __mod__(self, other: Any) -> Tensor:
        return ops.arithmetic.remainder(self, other)

    def __rmod__(self, other: Any) -> Tensor:
        return ops.arithmetic.remainder(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return ops.arithmetic.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return ops.arithmetic.pow(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return ops.linalg.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return ops.linalg.matmul(other, self)

    def __neg__(self) -> Tensor:
        return ops.unary.neg(self)

    def __pos__(self) -> Tensor:
        return ops.misc.positive(self)  # refuses bool, as PyTorch does

    def __abs__(self) -> Tensor:
        return ops.unary.abs(self)

    def __invert__(self) -> Tensor:
        return ops.compare.bitwise_not(self)

    def __and__(self, other: Any) -> Tensor:
        return ops.compare.bitwise_and(self, other)

    def __rand__(self, other: Any) -> Tensor:
        return ops.compare.bitwise_and(other, self)

    def __or__(self, other: Any) -> Tensor:
        return ops.compare.bitwise_or(self, other)

    def __ror__(self, other: Any) -> Tensor:
        return ops.compare.bitwise_or(other, self)

    def __xor__(self, other: Any) -> Tensor:
        return ops.compare.bitwise_xor(self, other)

    def __rxor__(self, other: Any) -> Tensor:
        return ops.compare.bitwise_xor(other, self)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return ops.compare.eq(self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return ops.compare.ne(self, other)

    def __lt__(self, other: Any) -> Tensor:
        return ops.compare.lt(self, other)

    def __le__(self, other: Any) -> Tensor:
        return ops.compare.le(self, other)

    def __gt__(self, other: Any) -> Tensor:
        return ops.compare.gt(self, other)

    def __ge__(self, other: Any) -> Tensor:
        return ops.compare.ge(self, other)

    def __iadd__(self, other: Any) -> Tensor:
        return ops.elementwise.add_(self, other)

    def __isub__(self, other: Any) -> Tensor:
        return ops.elementwise.sub_(self, other)

    def __imul__(self, other: Any) -> Tensor:
        return ops.elementwise.mul_(self, other)

    def __itruediv__(self, other: Any) -> Tensor:
        return ops.elementwise.div_(self, other)

    def __getitem__(self, index: Any) -> Tensor:
        return ops.index.getitem(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        ops.index.setitem(self, index, value)

    # -- miscellaneous (ops/misc.py) -------------------------------------------------------
    def stride(self, dim: _int | None = None) -> Any:
        """Steps in elements between neighbours along each dim (of the array's memory layout)."""
        item = self.array.itemsize
        strides = tuple(s // item for s in self.array.strides)
        return strides if dim is None else strides[ops._util.normalize_dim(dim, self.array.ndim)]


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
            raise RuntimeError(
                f"Expected one of cpu, cuda device type at start of device string: {type}"
            )
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
    """Set every slot of a new tensor (``__init__``, ``Parameter``; ``_make`` sets the same)."""
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
