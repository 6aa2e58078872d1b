"""Sorting and selection along a dim: sort, argsort, topk, and the two ops they share.

Ops that pick elements along a dim (sort and topk here; max/min with a dim and median in
ops/reduce.py) share one pair of ops: ``TakeAlongDim`` (gather along a dim) and its transpose
``PutAlongDim``, each the other's backward, so every selection has first- and second-order
gradients. The indices themselves come from a stable argsort (``_argsort``) and carry no gradient.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

from ndgrad._backend import xp_of as _xp
from ndgrad.autograd.function import Op
from ndgrad.ops._util import const as _const
from ndgrad.ops._util import normalize_dim
from ndgrad.tensor import Tensor

__all__ = ["sort", "argsort", "topk"]

# PyTorch's torch.return_types: tuples whose fields are also attributes (values, indices)
_SortResult = namedtuple("sort", ["values", "indices"])  # type: ignore[name-match]
_TopkResult = namedtuple("topk", ["values", "indices"])  # type: ignore[name-match]


# -- picking elements along a dim ------------------------------------------------------------


def _put_along(out: Any, idx: Any, values: Any, axis: int) -> None:
    """``out[..., idx, ...] = values`` along ``axis`` (NumPy's put_along_axis, for any backend)."""
    xp = _xp(out)
    grid = list(xp.ogrid[tuple(slice(s) for s in idx.shape)])
    grid[axis] = idx
    out[tuple(grid)] = values


class TakeAlongDim(Op):
    """out = x[..., idx, ...]: the values that max/min/sort/topk/median select along ``dim``"""

    @staticmethod
    def forward(ctx: Any, x: Any, idx: Any = None, dim: int = 0) -> Any:
        # int(dim): a NumPy integer would come back from saved_tensors as a Tensor
        ctx.save_for_backward(idx, int(dim), x.shape)
        return _xp(x).take_along_axis(x, idx, axis=dim)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        idx, dim, in_shape = ctx.saved_tensors
        return PutAlongDim.apply(grad, idx=idx.array, dim=dim, shape=in_shape)


class PutAlongDim(Op):
    """out = zeros(shape) with x written at ``idx`` along ``dim`` (distinct indices): TakeAlongDim's
    transpose, so each is the other's backward."""

    @staticmethod
    def forward(
        ctx: Any, x: Any, idx: Any = None, dim: int = 0, shape: tuple[int, ...] = ()
    ) -> Any:
        ctx.save_for_backward(idx, int(dim))
        out = _xp(x).zeros(shape, dtype=x.dtype)
        _put_along(out, idx, x, dim)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        idx, dim = ctx.saved_tensors
        return TakeAlongDim.apply(grad, idx=idx.array, dim=dim)


def _select(input: Tensor, idx: Any, d: int, keepdim: bool) -> tuple[Tensor, Tensor]:
    """Values at ``idx`` (an index array with size 1 along ``d``) and the indices, as two
    tensors."""
    values = TakeAlongDim.apply(input, idx=idx, dim=d)
    if not keepdim:
        out_shape = tuple(s for i, s in enumerate(idx.shape) if i != d)
        values, idx = values.reshape(out_shape), idx.reshape(out_shape)
    return values, _const(idx)


# -- sorting ---------------------------------------------------------------------------------------


def _argsort(data: Any, d: int, descending: bool) -> Any:
    """Stable argsort along ``d``; descending keeps equal elements in their original order and,
    like PyTorch, puts NaNs first."""
    xp = _xp(data)
    if not descending:
        return xp.argsort(data, axis=d, kind="stable").astype(xp.int64, copy=False)
    n = data.shape[d]
    rev = xp.flip(data, axis=d)
    idx = xp.flip(xp.argsort(rev, axis=d, kind="stable"), axis=d)
    return (n - 1 - idx).astype(xp.int64, copy=False)


def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Any:
    """(values, indices) of input sorted along ``dim`` (always stable in ndgrad)"""
    if input.ndim == 0:
        normalize_dim(dim, 0)
        return _SortResult(input.clone(), _const(input.xp.zeros((), dtype=input.xp.int64)))
    d = normalize_dim(dim, input.ndim)
    idx = _argsort(input.array, d, descending)
    return _SortResult(TakeAlongDim.apply(input, idx=idx, dim=d), _const(idx))


def argsort(
    input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False
) -> Tensor:
    """Indices that sort input along ``dim``"""
    if input.ndim == 0:
        normalize_dim(dim, 0)
        return _const(input.xp.zeros((), dtype=input.xp.int64))
    return _const(_argsort(input.array, normalize_dim(dim, input.ndim), descending))


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
    """(values, indices) of the ``k`` largest (or smallest) elements along ``dim``, sorted"""
    x = input.reshape(1) if input.ndim == 0 else input
    d = normalize_dim(dim, input.ndim)
    if not 0 <= k <= x.shape[d]:
        raise RuntimeError("selected index k out of range")
    idx = _argsort(x.array, d, largest)
    idx = idx[(slice(None),) * d + (slice(0, k),)]
    values = TakeAlongDim.apply(x, idx=idx, dim=d)
    if input.ndim == 0:
        values, idx = values.reshape(()), idx.reshape(())
    return _TopkResult(values, _const(idx))
