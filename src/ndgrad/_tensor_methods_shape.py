# mypy: disable-error-code="misc"
"""Tensor's named methods, part 2: reductions, shape and indexing (as ``_tensor_methods.py``
says)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ndgrad import ops

if TYPE_CHECKING:
    from ndgrad.tensor import Tensor

Scalar = int | float | bool
# the class has methods named bool, int and float: inside it these names annotate the builtins
_bool = bool
_int = int


class TensorShapeMethods:
    """Reduction, shape and indexing methods (written as ``TensorMethods``'s)."""

    __slots__ = ()

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
        """out = max of input over ``dim`` (all dims for ``()``): the method form of
        ``ndgrad.amax``."""
        return ops.reduce.amax(self, dim, keepdim)

    def amin(self: Tensor, dim: Any = (), keepdim: _bool = False) -> Tensor:
        """out = min of input over ``dim`` (all dims for ``()``): the method form of
        ``ndgrad.amin``."""
        return ops.reduce.amin(self, dim, keepdim)

    def argmax(self: Tensor, dim: _int | None = None, keepdim: _bool = False) -> Tensor:
        """The method form of ``ndgrad.argmax``."""
        return ops.reduce.argmax(self, dim, keepdim)

    def argmin(self: Tensor, dim: _int | None = None, keepdim: _bool = False) -> Tensor:
        """The method form of ``ndgrad.argmin``."""
        return ops.reduce.argmin(self, dim, keepdim)

    def var(
        self: Tensor,
        dim: Any = None,
        unbiased: Any = None,
        keepdim: _bool = False,
        *,
        correction: Any = None,
    ) -> Tensor:
        """The method form of ``ndgrad.var``."""
        return ops.reduce.var(self, dim, unbiased, keepdim, correction=correction)

    def std(
        self: Tensor,
        dim: Any = None,
        unbiased: Any = None,
        keepdim: _bool = False,
        *,
        correction: Any = None,
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

    def argsort(
        self: Tensor, dim: _int = -1, descending: _bool = False, stable: _bool = False
    ) -> Tensor:
        """Indices that sort input along ``dim``: the method form of ``ndgrad.argsort``."""
        return ops.sort.argsort(self, dim, descending, stable=stable)

    def topk(
        self: Tensor, k: _int, dim: _int = -1, largest: _bool = True, sorted: _bool = True
    ) -> Any:
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
            return self._view_dtype(shape[0])  # the bytes read as another dtype (_tensor_legacy)
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
        """out = input with dims ``dim0`` and ``dim1`` swapped: the method form of
        ``ndgrad.transpose``."""
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
        """out = input broadcast to ``sizes`` (-1 keeps a dim): the method form of
        ``ndgrad.expand``."""
        return ops.shape.expand(self, *sizes)

    def expand_as(self: Tensor, other: Tensor) -> Tensor:
        """out = input broadcast to ``sizes`` (-1 keeps a dim): the method form of
        ``ndgrad.expand``."""
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
        return ops.gather_scatter.gather(self, dim, index)

    def scatter(
        self: Tensor, dim: _int, index: Tensor, src: Any, reduce: str | None = None
    ) -> Tensor:
        """The method form of ``ndgrad.scatter``."""
        return ops.gather_scatter.scatter(self, dim, index, src, reduce=reduce)

    def scatter_add(self: Tensor, dim: _int, index: Tensor, src: Tensor) -> Tensor:
        """The method form of ``ndgrad.scatter_add``."""
        return ops.gather_scatter.scatter_add(self, dim, index, src)

    def scatter_(
        self: Tensor, dim: _int, index: Tensor, src: Any, reduce: str | None = None
    ) -> Tensor:
        """In-place scatter: the method form of ``ndgrad.ops.gather_scatter.scatter_``."""
        return ops.gather_scatter.scatter_(self, dim, index, src, reduce=reduce)

    def scatter_add_(self: Tensor, dim: _int, index: Tensor, src: Tensor) -> Tensor:
        """In-place scatter_add: the method form of ``ndgrad.ops.gather_scatter.scatter_add_``."""
        return ops.gather_scatter.scatter_add_(self, dim, index, src)

    def index_select(self: Tensor, dim: _int, index: Tensor) -> Tensor:
        """The method form of ``ndgrad.index_select``."""
        return ops.gather_scatter.index_select(self, dim, index)

    def index_add(
        self: Tensor, dim: _int, index: Tensor, source: Tensor, alpha: Scalar = 1
    ) -> Tensor:
        """The method form of ``ndgrad.index_add``."""
        return ops.gather_scatter.index_add(self, dim, index, source, alpha=alpha)

    def index_add_(
        self: Tensor, dim: _int, index: Tensor, source: Tensor, alpha: Scalar = 1
    ) -> Tensor:
        """The method form of ``ndgrad.ops.gather_scatter.index_add_``."""
        return ops.gather_scatter.index_add_(self, dim, index, source, alpha=alpha)

    def masked_fill(self: Tensor, mask: Tensor, value: Any) -> Tensor:
        """The method form of ``ndgrad.masked_fill``."""
        return ops.gather_scatter.masked_fill(self, mask, value)

    def masked_select(self: Tensor, mask: Tensor) -> Tensor:
        """The method form of ``ndgrad.masked_select``."""
        return ops.gather_scatter.masked_select(self, mask)

    def nonzero(self: Tensor, as_tuple: _bool = False) -> Any:
        """The method form of ``ndgrad.nonzero``."""
        return ops.gather_scatter.nonzero(self, as_tuple=as_tuple)

    def index_put_(self: Tensor, indices: Any, values: Any, accumulate: _bool = False) -> Tensor:
        """The method form of ``ndgrad.index_put_``."""
        return ops.index.index_put_(self, indices, values, accumulate)

    def index_put(self: Tensor, indices: Any, values: Any, accumulate: _bool = False) -> Tensor:
        """The method form of ``ndgrad.index_put``."""
        return ops.index.index_put(self, indices, values, accumulate)

    def index_fill(self: Tensor, dim: _int, index: Tensor, value: Any) -> Tensor:
        """The method form of ``ndgrad.index_fill``."""
        return ops.gather_scatter.index_fill(self, dim, index, value)

    def take(self: Tensor, index: Tensor) -> Tensor:
        """out = input.flatten()[index], shaped like index: the method form of ``ndgrad.take``."""
        return ops.gather_scatter.take(self, index)
