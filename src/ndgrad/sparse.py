"""``ndgrad.sparse``: sparse COO tensors, enough for graph networks (PyTorch's ``torch.sparse``).

A :class:`SparseTensor` is an ``ndgrad.Tensor`` (``isinstance`` holds, ``x.is_sparse`` is True)
that keeps ``indices`` (sparse_dim, nnz) and ``values`` (nnz, *dense_dims) instead of a dense
array. What works: building (``sparse_coo_tensor``, ``dense.to_sparse()``, the legacy
``ndgrad.sparse.FloatTensor(indices, values, size)``), ``to_dense``, ``coalesce``, ``indices``,
``values``, ``t()``, scaling by a number, ``.to(device/dtype)``, and the product of a 2-D sparse
matrix with a dense matrix or vector (``ndgrad.sparse.mm``, ``ndgrad.spmm``, ``A @ X``,
``X @ A``), differentiable in the dense operand and in the values. Other ops on a sparse tensor
raise; call ``to_dense()`` first.

>>> A = ndgrad.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [3.0, 4.0, 5.0], (2, 3))
>>> (A @ ndgrad.ones(3, 1)).tolist()
[[3.0], [9.0]]
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ndgrad import _dtype
from ndgrad.ops import sparse as _ops
from ndgrad.ops.factory import tensor as _tensor
from ndgrad.tensor import Size, Tensor

__all__ = ["SparseTensor", "sparse_coo_tensor", "mm", "spmm", "FloatTensor", "DoubleTensor"]


class SparseTensor(Tensor):
    """A COO sparse tensor: ``to_dense()[indices[:, e]] += values[e]`` for every entry e.

    Gradients reach the values: a sparse tensor made with ``requires_grad=True`` is a leaf
    whose ``.grad`` is a sparse tensor on the same pattern after backward.
    """

    __slots__ = ("_indices", "_values", "_size", "_coalesced")

    _indices: Tensor
    _values: Tensor
    _size: Size
    _coalesced: bool

    def __init__(
        self, indices: Tensor, values: Tensor, size: tuple[int, ...], coalesced: bool
    ) -> None:
        # no dense array: the Tensor slots are set so that the base class's bookkeeping reads well
        self.array = None
        self.grad_fn = None
        self._out_idx = 0
        self._vc = None
        self._base = None
        self._hooks = None
        self._post_hooks = None
        self.name = None
        self._indices = indices
        self._values = values
        self._size = Size(size)
        self._coalesced = coalesced

    # -- what a tensor reports -------------------------------------------------------------------
    @property  # type: ignore[override]
    def shape(self) -> Size:
        return self._size

    def size(self, dim: int | None = None) -> Any:
        return self._size if dim is None else self._size[dim]

    @property  # type: ignore[override]
    def ndim(self) -> int:
        return len(self._size)

    def dim(self) -> int:
        return len(self._size)

    @property  # type: ignore[override]
    def dtype(self) -> Any:
        return self._values.dtype

    @property  # type: ignore[override]
    def device(self) -> Any:
        return self._values.device

    @property  # type: ignore[override]
    def is_cuda(self) -> bool:
        return self._values.is_cuda

    @property  # type: ignore[override]
    def xp(self) -> Any:
        return self._values.xp

    @property  # type: ignore[override]
    def requires_grad(self) -> bool:
        return self._values.requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self._values.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> SparseTensor:
        self._values.requires_grad_(requires_grad)
        return self

    @property  # type: ignore[override]
    def is_leaf(self) -> bool:
        return self._values.is_leaf

    @property  # type: ignore[override]
    def grad(self) -> SparseTensor | None:
        g = self._values.grad
        if g is None:
            return None
        if self._coalesced:
            return SparseTensor(self._indices, g, self._size, True)
        # dL/dA per position, as PyTorch: duplicate entries share their position's gradient, so
        # the coalesced sum is divided by how many entries each position has
        summed = SparseTensor(self._indices, g, self._size, False).coalesce()
        ones = self._values.detach().new_ones(self._values.shape[:1])
        count = SparseTensor(self._indices, ones, self._size, False).coalesce()._values
        shape = (-1,) + (1,) * (g.ndim - 1)
        return SparseTensor(
            summed._indices, summed._values / count.reshape(shape), self._size, True
        )

    @grad.setter
    def grad(self, value: Any) -> None:
        if value is not None:
            raise RuntimeError("assigning a gradient to a sparse tensor is not supported")
        self._values.grad = None

    @property
    def is_sparse(self) -> bool:
        return True

    @property
    def layout(self) -> str:
        return "sparse_coo"

    def numel(self) -> int:
        return int(np.prod(self._size))

    def _nnz(self) -> int:
        return int(self._indices.shape[1])

    def sparse_dim(self) -> int:
        return int(self._indices.shape[0])

    def dense_dim(self) -> int:
        return self._values.ndim - 1

    def is_coalesced(self) -> bool:
        return self._coalesced

    def __repr__(self) -> str:
        return (
            f"tensor(indices={self._indices!r},\n       values={self._values!r},\n"
            f"       size={tuple(self._size)}, nnz={self._nnz()}, layout=ndgrad.sparse_coo)"
        )

    # -- the parts ---------------------------------------------------------------------------------
    def indices(self) -> Tensor:
        if not self._coalesced:
            raise RuntimeError(
                "Cannot get indices on an uncoalesced tensor, please call .coalesce() first"
            )
        return self._indices

    def values(self) -> Tensor:
        if not self._coalesced:
            raise RuntimeError(
                "Cannot get values on an uncoalesced tensor, please call .coalesce() first"
            )
        return self._values

    def _indices_(self) -> Tensor:
        return self._indices

    def coalesce(self) -> SparseTensor:
        """Entries sorted by position, duplicates summed (differentiable in the values)."""
        if self._coalesced:
            return self
        indices, values = _ops.sparse_sum_duplicates(self._indices, self._values, tuple(self._size))
        return SparseTensor(indices, values, self._size, True)

    def to_dense(self, dtype: Any = None, *, masked_grad: bool | None = None) -> Tensor:
        """The dense tensor (duplicates add up); differentiable in the values."""
        out = _ops.sparse_to_dense(self._indices, self._values, tuple(self._size))
        return out if dtype is None else out.to(dtype)

    def to_sparse(self, *args: Any, **kwargs: Any) -> SparseTensor:
        return self

    # -- conversions -------------------------------------------------------------------------------
    def to(self, *args: Any, **kwargs: Any) -> SparseTensor:  # type: ignore[override]
        values = self._values.to(*args, **kwargs)
        return SparseTensor(self._indices.to(values.device), values, self._size, self._coalesced)

    def cuda(self, device: Any = None) -> SparseTensor:  # type: ignore[override]
        return self.to("cuda" if device is None else device)

    def cpu(self) -> SparseTensor:  # type: ignore[override]
        return self.to("cpu")

    def float(self) -> SparseTensor:  # type: ignore[override]
        return self.to(_dtype.float32)

    def double(self) -> SparseTensor:  # type: ignore[override]
        return self.to(_dtype.float64)

    def detach(self) -> SparseTensor:
        return SparseTensor(self._indices, self._values.detach(), self._size, self._coalesced)

    def clone(self, *args: Any, **kwargs: Any) -> SparseTensor:
        return SparseTensor(
            self._indices.clone(), self._values.clone(), self._size, self._coalesced
        )

    def t(self) -> SparseTensor:
        if self.ndim != 2:
            raise RuntimeError(
                f"t() expects a tensor with <= 2 sparse and 0 dense dimensions, got {self.ndim}"
            )
        return SparseTensor(self._indices.flip(0), self._values, Size(self._size[::-1]), False)

    def transpose(self, dim0: int, dim1: int) -> SparseTensor:
        d0, d1 = dim0 % self.ndim, dim1 % self.ndim
        if self.ndim != 2 or {d0, d1} != {0, 1}:
            raise RuntimeError("transpose of a sparse tensor is supported for 2-D tensors here")
        return self.t()

    # -- arithmetic --------------------------------------------------------------------------------
    def __mul__(self, other: Any) -> SparseTensor:  # type: ignore[override]
        if isinstance(other, Tensor):
            raise RuntimeError(
                "sparse * tensor is not supported here: multiply by a number, or to_dense()"
            )
        return SparseTensor(self._indices, self._values * other, self._size, self._coalesced)

    __rmul__ = __mul__  # type: ignore[assignment]

    def __truediv__(self, other: Any) -> SparseTensor:  # type: ignore[override]
        return self * (1.0 / other)

    def __neg__(self) -> SparseTensor:  # type: ignore[override]
        return self * -1.0

    def __add__(self, other: Any) -> Any:
        raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")

    def mm(self, other: Tensor) -> Tensor:  # type: ignore[override]
        return mm(self, other)

    def matmul(self, other: Tensor) -> Tensor:  # type: ignore[override]
        return mm(self, other)

    def __matmul__(self, other: Any) -> Tensor:
        return mm(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        # X @ A = (A^T @ X^T)^T; Python calls this before the dense tensor's __matmul__
        if other.ndim == 1:
            return mm(self.t(), other)
        return mm(self.t(), other.transpose(-2, -1)).transpose(-2, -1)


def _as_index_tensor(indices: Any) -> Tensor:
    idx = indices if isinstance(indices, Tensor) else _tensor(indices)
    if idx.dtype is not _dtype.int64:
        if idx.dtype.is_floating_point:
            raise RuntimeError(f"indices must be an int64 tensor, got {idx.dtype}")
        idx = idx.long()
    return idx.detach()


def sparse_coo_tensor(
    indices: Any,
    values: Any,
    size: Any = None,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    check_invariants: bool | None = None,
    is_coalesced: bool | None = None,
) -> SparseTensor:
    """A COO tensor with ``to_dense()[indices[:, e]] += values[e]``; ``size`` defaults to the
    smallest that holds every index. Values that are part of a graph keep it: gradients reach them.

    >>> A = ndgrad.sparse_coo_tensor([[0, 1], [1, 0]], [2.0, 3.0])
    >>> A.to_dense().tolist()
    [[0.0, 2.0], [3.0, 0.0]]
    """
    idx = _as_index_tensor(indices)
    vals = values if isinstance(values, Tensor) else _tensor(values, dtype=dtype)
    if dtype is not None or device is not None:
        vals = vals.to(device=device, dtype=dtype)
    idx = idx.to(vals.device)
    if requires_grad and not vals.requires_grad:
        vals = vals.detach().requires_grad_()
    if idx.ndim != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(idx.shape)}")
    nnz = idx.shape[1]
    if vals.ndim == 0 or vals.shape[0] != nnz:
        got = vals.shape[0] if vals.ndim else 0
        raise RuntimeError(
            f"indices and values must have same nnz, but got nnz from indices: {nnz}, nnz from "
            f"values: {got}"
        )
    highest = idx.array.max(axis=1) if nnz else np.full(idx.shape[0], -1)
    if size is None:
        size = tuple(int(h) + 1 for h in highest) + tuple(vals.shape[1:])
    size = tuple(int(s) for s in size)
    sparse_dim = idx.shape[0]
    if len(size) != sparse_dim + vals.ndim - 1:
        raise RuntimeError(
            f"number of dimensions must be sparse_dim ({sparse_dim}) + dense_dim "
            f"({vals.ndim - 1}), "
            f"but got {len(size)}"
        )
    for d in range(sparse_dim):
        if nnz and (int(highest[d]) >= size[d] or int(idx.array[d].min()) < 0):
            raise RuntimeError(
                f"size is inconsistent with indices: for dim {d}, size is {size[d]} but found "
                "index "
                f"{int(highest[d])}"
            )
    return SparseTensor(idx, vals, size, bool(is_coalesced))


def to_sparse(dense: Tensor, sparse_dim: int | None = None) -> SparseTensor:
    """The COO form of a dense tensor (its nonzeros, coalesced); differentiable in the tensor."""
    if sparse_dim is None:
        sparse_dim = dense.ndim
    mask = dense.array != 0
    if sparse_dim < dense.ndim:
        mask = mask.reshape(mask.shape[:sparse_dim] + (-1,)).any(-1)
    nz = dense.xp.nonzero(mask)
    idx = Tensor._make(dense.xp.stack(nz).astype(np.int64).reshape(sparse_dim, -1), False, None)
    values = dense[tuple(idx.unbind(0))] if sparse_dim else dense.unsqueeze(0)
    return SparseTensor(idx, values, tuple(dense.shape), True)


def mm(mat1: Tensor, mat2: Tensor) -> Tensor:
    """out = mat1 @ mat2 for a sparse (n, m) ``mat1`` and a dense (m, k) or (m,) ``mat2``;
    gradients reach mat2 and mat1's values

    >>> A = ndgrad.sparse_coo_tensor([[0, 1], [1, 0]], [2.0, 3.0])
    >>> ndgrad.sparse.mm(A, ndgrad.eye(2)).tolist()
    [[0.0, 2.0], [3.0, 0.0]]
    """
    if not isinstance(mat1, SparseTensor):
        if isinstance(mat2, SparseTensor):  # dense @ sparse
            return mat2.__rmatmul__(mat1)
        return mat1 @ mat2
    if isinstance(mat2, SparseTensor):
        raise RuntimeError("sparse @ sparse is not supported here: call to_dense() on one operand")
    if mat1.ndim != 2 or mat1.dense_dim() != 0:
        raise RuntimeError(f"sparse mm expects a 2-D sparse matrix, got {mat1.ndim}-D")
    if mat2.ndim not in (1, 2):
        raise RuntimeError(f"sparse mm expects a 1-D or 2-D dense operand, got {mat2.ndim}-D")
    if mat2.shape[0] != mat1.shape[1]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({mat1.shape[0]}x{mat1.shape[1]} and "
            f"{'x'.join(str(s) for s in mat2.shape)})"
        )
    if mat1.dtype is not mat2.dtype:
        raise RuntimeError(
            f"expected mat1 and mat2 to have the same dtype, but got: {mat1.dtype} != {mat2.dtype}"
        )
    dense = mat2.unsqueeze(1) if mat2.ndim == 1 else mat2
    out = _ops.sparse_dense_mm(mat1._indices, mat1._values, dense, mat1.shape[0])
    return out.squeeze(1) if mat2.ndim == 1 else out


def spmm(input: Tensor, mat2: Tensor) -> Tensor:
    """PyTorch's ``torch.spmm``: sparse (n, m) @ dense (m, k)."""
    return mm(input, mat2)


def _legacy(dtype: Any, name: str, indices: Any, values: Any, size: Any = None) -> SparseTensor:
    warnings.warn(
        f"torch.sparse.{name}(indices, values, shape) is deprecated. Please use "
        "torch.sparse_coo_tensor(indices, values, shape, dtype=, device=).",
        UserWarning,
        stacklevel=3,
    )
    return sparse_coo_tensor(indices, values, size, dtype=dtype)


def FloatTensor(indices: Any, values: Any, size: Any = None) -> SparseTensor:  # noqa: N802
    """The legacy constructor ``torch.sparse.FloatTensor(indices, values, size)`` (float32)."""
    return _legacy(_dtype.float32, "FloatTensor", indices, values, size)


def DoubleTensor(indices: Any, values: Any, size: Any = None) -> SparseTensor:  # noqa: N802
    """The legacy constructor ``torch.sparse.DoubleTensor(indices, values, size)`` (float64)."""
    return _legacy(_dtype.float64, "DoubleTensor", indices, values, size)
